"""parallel_map: correct results, clear errors, and no hang or leak on any fault.

Catalogue numbers (``#n``) refer to the fault catalogue, tests/FAULTS.md.  The
tests call parallel_map as a user does, with its defaults: every item runs in a
worker process.  Those that start processes run under every start method: the
pool parallel_map creates follows its ``START_METHOD`` setting (by default
``None``, the method the program chose or the platform's), and a pool passed in
is created with ``mp_context``.
"""

from __future__ import annotations

import functools
import gc
import importlib
import itertools
import math
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ClassVar

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import faults
from parallel_guide.pages import what_can_go_wrong as wrong
from parallel_guide.recipes.parallel_map import parallel_map

# The module, not the function of the same name the package may export.
pm = importlib.import_module("parallel_guide.recipes.parallel_map")

SUBPROCESS_TIMEOUT = 60
HANG_FREE_SECONDS = 30  # "within seconds": a generous bound on a loaded machine


def collect_garbage_now():
    """Free what a test left in reference cycles, at a moment of our choosing.

    ``pytest.raises(...) as info`` makes a cycle (the test's frame holds
    ``info``, whose traceback holds the frame).  When the exception carries a
    queue's semaphores (a pickling error raised in a queue's feeder thread),
    a later, random garbage collection may finalize them inside the resource
    tracker, which Python 3.12 and 3.13 report as a reentrant call: a warning,
    and so an error here.  Collecting after each such test avoids that.
    """
    gc.collect()


@pytest.fixture
def own_pool(start_method, monkeypatch):
    """Make the pool parallel_map creates use each start method in turn."""
    monkeypatch.setattr(pm, "START_METHOD", start_method)
    yield start_method
    collect_garbage_now()


@pytest.fixture
def pools_started(monkeypatch):
    """Record the size of every pool parallel_map starts."""
    sizes = []

    class Recording(ProcessPoolExecutor):
        def __init__(self, max_workers, **kwargs):
            sizes.append(max_workers)
            super().__init__(max_workers, **kwargs)

    monkeypatch.setattr(pm, "ProcessPoolExecutor", Recording)
    return sizes


@pytest.fixture
def given_pool(mp_context):
    """A two-process pool passed in as ``executor``, under each start method."""
    with ProcessPoolExecutor(max_workers=2, mp_context=mp_context) as pool:
        yield pool
    collect_garbage_now()


@pytest.fixture
def no_pool_may_start(monkeypatch):
    """Fail the test if parallel_map creates a process pool."""

    def refuse(*args, **kwargs):
        raise AssertionError("a process pool was started")

    monkeypatch.setattr(pm, "ProcessPoolExecutor", refuse)


class CountingThreads(ThreadPoolExecutor):
    """A thread pool that records the size of every chunk submitted to it."""

    def __init__(self, max_workers=2):
        super().__init__(max_workers=max_workers)
        self.chunk_sizes = []

    def submit(self, fn, /, *args, **kwargs):
        self.chunk_sizes.append(len(args[2]))  # _run_chunk(func, start, items)
        return super().submit(fn, *args, **kwargs)


def item_note(exc):
    notes = [n for n in getattr(exc, "__notes__", []) if "for item #" in n]
    assert len(notes) == 1, exc.__notes__
    return notes[0]


# -- Results -----------------------------------------------------------------


def test_results_match_map_in_input_order(own_pool):
    assert parallel_map(wrong.square, range(100), workers=2) == [
        x * x for x in range(100)
    ]


def test_a_given_process_pool_is_used_and_left_running(given_pool):
    assert parallel_map(wrong.square, [3, 1, 2], executor=given_pool) == [9, 1, 4]
    assert given_pool.submit(wrong.square, 5).result(timeout=30) == 25


def test_generators_sets_and_dict_views_are_accepted():
    with ThreadPoolExecutor(2) as threads:
        assert parallel_map(wrong.square, (x for x in range(5)), executor=threads) == [
            0,
            1,
            4,
            9,
            16,
        ]
        assert parallel_map(wrong.square, {"a": 2}.values(), executor=threads) == [4]


def test_workers_default_to_the_usable_cpus(monkeypatch, pools_started):
    monkeypatch.setattr(pm, "usable_cpus", lambda: 2)
    assert parallel_map(wrong.square, range(50), chunksize=1) == [
        x * x for x in range(50)
    ]
    assert pools_started == [2]


class RecordingContexts(ProcessPoolExecutor):
    """A process pool that records the start method of every pool created."""

    methods: ClassVar[list[str]] = []

    def __init__(self, max_workers, *, mp_context, **kwargs):
        self.methods.append(mp_context.get_start_method())
        super().__init__(max_workers, mp_context=mp_context, **kwargs)


def test_the_own_pool_uses_the_programs_start_method_by_default(monkeypatch):
    monkeypatch.setattr(RecordingContexts, "methods", [])
    monkeypatch.setattr(pm, "ProcessPoolExecutor", RecordingContexts)
    parallel_map(wrong.square, [1, 2], workers=1)
    assert pm.START_METHOD is None
    assert RecordingContexts.methods == [multiprocessing.get_start_method()]


def test_the_own_pool_uses_start_method_when_set(own_pool, monkeypatch):
    monkeypatch.setattr(RecordingContexts, "methods", [])
    monkeypatch.setattr(pm, "ProcessPoolExecutor", RecordingContexts)
    parallel_map(wrong.square, [1, 2], workers=1)
    assert RecordingContexts.methods == [own_pool]


# -- every item runs in a worker process ------------------------------------------


def test_every_item_runs_in_a_worker_process(own_pool):
    pids = parallel_map(faults.worker_pid, range(40), workers=2)
    assert len(pids) == 40
    assert os.getpid() not in pids


def test_one_worker_means_one_worker_process(own_pool):
    pids = parallel_map(faults.worker_pid, range(40), workers=1)
    assert len(set(pids)) == 1
    assert os.getpid() not in pids


def test_a_slow_first_item_does_not_hold_up_the_other_workers(own_pool, tmp_path):
    # Item 0 waits until the last item has run: that only happens if another
    # worker gets on with items 1 to 9 meanwhile (no timing assumed).
    func = functools.partial(faults.first_waits_for_last, path=tmp_path / "d", last=9)
    results = parallel_map(func, range(10), workers=2, timeout=HANG_FREE_SECONDS)
    assert results[0] == "the last item ran first"
    assert results[1:] == list(range(1, 10))


# -- #10 empty input -----------------------------------------------------------


@pytest.mark.parametrize("empty", [[], (), iter([]), (x for x in ())])
def test_empty_input_returns_at_once_without_starting_workers(empty, children_now):
    assert parallel_map(wrong.square, empty) == []
    assert children_now() == []


def test_empty_input_submits_nothing_to_a_given_executor():
    with CountingThreads() as threads:
        assert parallel_map(wrong.square, [], executor=threads) == []
    assert threads.chunk_sizes == []


# -- #13, #14 bad arguments, raised before anything starts ---------------------


BAD_COUNTS = [(0, ValueError), (-1, ValueError), (1.5, TypeError), ("2", TypeError)]
BAD_COUNTS.append((True, TypeError))  # bool is an int, but True is no count
BAD_TIMEOUTS = [(0, ValueError), (-1.5, ValueError), (math.nan, ValueError)]
BAD_TIMEOUTS += [("5", TypeError), (True, TypeError)]


@pytest.mark.usefixtures("no_pool_may_start")
@pytest.mark.parametrize("name", ["workers", "chunksize"])
@pytest.mark.parametrize(
    ("value", "error"),
    BAD_COUNTS,
)
def test_bad_counts_fail_before_any_worker_starts(name, value, error):
    with pytest.raises(error) as info:
        parallel_map(wrong.square, range(3), **{name: value})
    assert str(info.value) == f"{name} must be None or int > 0: {value!r}"


@pytest.mark.usefixtures("no_pool_may_start")
@pytest.mark.parametrize(
    ("timeout", "error"),
    BAD_TIMEOUTS,
)
def test_bad_timeouts_fail_before_any_worker_starts(timeout, error):
    with pytest.raises(error) as info:
        parallel_map(wrong.square, range(3), timeout=timeout)
    assert str(info.value) == f"timeout must be None or float > 0: {timeout!r}"


@pytest.mark.usefixtures("no_pool_may_start")
def test_other_bad_arguments_fail_before_any_worker_starts():
    with pytest.raises(TypeError, match="func must be a function"):
        parallel_map(42, range(3))
    with pytest.raises(TypeError, match="executor an Executor or None"):
        parallel_map(wrong.square, range(3), executor="threads")
    with pytest.raises(TypeError, match="not iterable"):
        parallel_map(wrong.square, 42)


def test_an_absurd_worker_count_starts_no_more_processes_than_chunks(pools_started):
    assert parallel_map(wrong.square, [1, 2, 3], workers=10**6) == [1, 4, 9]
    assert pools_started == [3]


def test_a_chunksize_larger_than_the_input_still_works(given_pool):
    assert parallel_map(wrong.square, range(40), chunksize=50, executor=given_pool) == [
        x * x for x in range(40)
    ]


# -- #8, #29 functions that cannot be sent to a process -------------------------


def make_nested():
    def nested(x):
        return x

    return nested


@pytest.mark.usefixtures("no_pool_may_start")
@pytest.mark.parametrize(
    "func",
    [
        lambda x: x,
        make_nested(),
        functools.partial(lambda x, y: x, y=1),
        functools.partial(faults.record_call, path="x", then=lambda x: x),
    ],
    ids=["lambda", "nested", "partial-of-lambda", "lambda-in-arguments"],
)
def test_unpicklable_functions_fail_before_any_worker_starts(func):
    with pytest.raises(TypeError) as excinfo:
        parallel_map(func, range(3))
    message = str(excinfo.value)
    assert message.startswith("parallel_map() cannot send")
    assert "define it at module level in a .py file" in message
    assert "or use ThreadPoolExecutor()" in message


def test_unpicklable_functions_fail_before_reaching_a_given_pool(given_pool):
    with pytest.raises(TypeError, match=r"at module level in a \.py file"):
        parallel_map(lambda x: x, range(3), executor=given_pool)
    # Nothing was submitted, so the pool is as good as new.
    assert given_pool.submit(wrong.square, 2).result(timeout=30) == 4


def test_threads_run_lambdas():
    with ThreadPoolExecutor(2) as threads:
        assert parallel_map(lambda x: -x, [1, 2], executor=threads) == [-1, -2]


MAIN_FUNCTIONS = """
import multiprocessing, sys
from concurrent.futures import ProcessPoolExecutor
from parallel_guide.recipes.parallel_map import parallel_map

def double(x):
    return 2 * x

def main(method):
    if method.startswith("own "):  # the pool parallel_map creates
        multiprocessing.set_start_method(method.split()[1])
        print(parallel_map(double, [1, 2], workers=2))
    else:
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(2, mp_context=context) as pool:
            print(parallel_map(double, [1, 2], executor=pool))
"""
CALL_MAIN = MAIN_FUNCTIONS + "\nmain(sys.argv[1])\n"
GUARDED_MAIN = MAIN_FUNCTIONS + '\nif __name__ == "__main__":\n    main(sys.argv[1])\n'


def run_python(args, *, input=None, timeout=SUBPROCESS_TIMEOUT, **kwargs):
    return subprocess.run(
        [sys.executable, *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )


@pytest.mark.parametrize("method", ["own spawn", "own forkserver"])
def test_functions_defined_in_python_c_are_refused_where_workers_cannot_import_them(
    method,
):
    # python -c has no file for a spawned worker to import __main__ from.
    completed = run_python(["-c", CALL_MAIN, method])
    assert completed.returncode == 1
    last_line = completed.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        "TypeError: parallel_map() cannot send <function double"
    )
    assert "defined in a notebook or interactive session" in last_line


def test_functions_defined_in_stdin_scripts_are_refused_too():
    completed = run_python(["-", "own spawn"], input=CALL_MAIN)
    assert "defined in a notebook or interactive session" in completed.stderr


@pytest.mark.parametrize("method", ["own fork", "fork"])
def test_functions_defined_in_python_c_are_fine_for_forked_workers(method):
    # A forked worker has a copy of the parent's __main__: the check must not
    # refuse what works.
    completed = run_python(["-c", CALL_MAIN, method])
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "[2, 4]\n"


@pytest.mark.parametrize("method", ["own spawn", "spawn", "forkserver"])
def test_functions_defined_in_a_script_file_are_fine(tmp_path, method):
    script = tmp_path / "script.py"
    script.write_text(GUARDED_MAIN)
    completed = run_python([str(script), method], cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "[2, 4]\n"


# -- #1, #2 exceptions raised by func -----------------------------------------


def test_an_exception_keeps_its_type_and_names_the_item(own_pool):
    with pytest.raises(ValueError, match="expected a positive number, got -3") as info:
        parallel_map(faults.check_positive, [1, 2, -3, 4], workers=2)
    assert item_note(info.value) == "parallel_map: raised for item #2: -3"
    # The worker's traceback comes along as the cause, as text.
    assert "in check_positive" in str(info.value.__cause__)


def test_the_note_shows_a_short_repr_of_a_long_item():
    with ThreadPoolExecutor(1) as threads, pytest.raises(TypeError) as info:
        parallel_map(len, [[1], 12345], executor=threads)
    assert item_note(info.value) == "parallel_map: raised for item #1: 12345"
    with ThreadPoolExecutor(1) as threads, pytest.raises(TypeError) as info:
        parallel_map(abs, ["x" * 1000], executor=threads)
    # The repr, cut at 60 characters.
    assert item_note(info.value) == "parallel_map: raised for item #0: '" + "x" * 59


def test_several_failures_report_one_with_its_own_item(given_pool):
    items = [1, -1, 2, -2, 3, -3]
    with pytest.raises(ValueError, match="expected a positive number") as info:
        parallel_map(faults.check_positive, items, chunksize=1, executor=given_pool)
    message, note = str(info.value), item_note(info.value)
    index = int(note.split("#")[1].split(":")[0])
    assert message == f"expected a positive number, got {items[index]}"


def test_work_after_a_failure_is_not_started(tmp_path, own_pool):
    log = tmp_path / "calls"
    func = functools.partial(faults.record_call, path=log, then=faults.check_positive)
    with pytest.raises(ValueError, match="got -1"):
        parallel_map(func, [-1, *range(1, 1000)], workers=1, chunksize=1)
    # One worker, two chunks in flight: item 0 failed, item 1 may have run
    # meanwhile, and nothing was submitted after the failure came back.
    assert log.read_text().splitlines() in (["-1"], ["-1", "1"])


def test_pending_work_in_a_given_executor_is_cancelled():
    calls = []

    def func(x):
        calls.append(x)
        if x == 0:
            raise ValueError("first item fails")
        return x

    with ThreadPoolExecutor(1) as threads:
        with pytest.raises(ValueError, match="first item fails"):
            parallel_map(func, range(100), workers=1, chunksize=1, executor=threads)
        # The executor is free at once: nothing of ours is left queued in it.
        assert threads.submit(len, "ok").result(timeout=30) == 2
    # Item 0 failed first; item 1 (the rest of the window) ran or was cancelled.
    assert calls in ([0], [0, 1])


@pytest.mark.timeout(60)
def test_a_given_process_pool_shuts_down_after_a_failure(mp_context):
    # Cancelling its queued chunks could make shutdown() hang before 3.11.3
    # (python/cpython#94440), so there the recipe leaves them to run.
    submitted = []

    class Recording(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            submitted.append(super().submit(*args, **kwargs))
            return submitted[-1]

    # One worker, eight chunks in flight: the first fails at once while the
    # second sleeps and two more wait in the pool's call queue; the rest wait
    # in its pending work, where a cancel reaches them.
    failing = [-1, *[0.5] * 7]
    with (
        Recording(max_workers=1, mp_context=mp_context) as pool,
        pytest.raises(ValueError, match="expected a positive number"),
    ):
        parallel_map(
            faults.sleep_or_refuse, failing, workers=4, chunksize=1, executor=pool
        )
    # Reaching here means shutdown() returned.
    cancelled = [future.cancelled() for future in submitted]
    assert any(cancelled) is (sys.version_info >= (3, 11, 3))


def test_systemexit_in_a_task_reaches_the_caller_and_the_pool_survives(given_pool):
    func = functools.partial(faults.sys_exit_on, trigger=2, code=3)
    with pytest.raises(SystemExit) as info:
        parallel_map(func, range(5), executor=given_pool)
    assert info.value.code == 3
    assert item_note(info.value).startswith("parallel_map: raised for item #2")
    assert parallel_map(wrong.square, [4], executor=given_pool) == [16]


def test_a_task_raising_timeouterror_is_not_taken_for_the_deadline(own_pool):
    # 16: since 3.11 the task's TimeoutError and the deadline's are one type.
    func = functools.partial(faults.timeout_on, trigger=1)
    with pytest.raises(TimeoutError, match="the task's own time-out") as info:
        parallel_map(func, range(3), timeout=HANG_FREE_SECONDS, workers=2)
    assert item_note(info.value).startswith("parallel_map: raised for item #1")


# -- #3 exceptions that do not travel well -------------------------------------


def test_an_exception_that_cannot_be_pickled_arrives_as_its_text(given_pool):
    # The standard library sends the pickling error instead, with the
    # original's traceback text (and parallel_map's note) as its cause.
    func = functools.partial(faults.raise_unpicklable_on, trigger=1)
    with pytest.raises(TypeError, match="pickle") as info:
        parallel_map(func, range(3), executor=given_pool)
    cause = str(info.value.__cause__)
    assert "UnpicklableError: cannot travel: 1" in cause
    assert "parallel_map: raised for item #1: 1" in cause
    assert parallel_map(wrong.square, [3], executor=given_pool) == [9]


def assert_cause_if_any(broken, text):
    """Check the cause a future's BrokenProcessPool carries.

    A chunk submitted just after the pool broke is refused by ``submit()``
    itself, whose exception has no cause; that one may reach the caller first.
    """
    if broken.__cause__ is not None or "terminated abruptly while" in str(broken):
        assert text in str(broken.__cause__)


def futures_keep_falsy_exceptions():
    """Whether this Python has the fix of CPython gh-132063 (3.14 and newer)."""
    future = Future()
    future.set_exception(faults.FalsyError("probe"))
    try:
        future.result()
    except faults.FalsyError:
        return True
    return False


@pytest.mark.skipif(
    not futures_keep_falsy_exceptions(),
    reason="CPython gh-132063: futures take an exception that is false for success",
)
def test_a_falsy_exception_is_not_mistaken_for_success(given_pool):
    func = functools.partial(faults.raise_falsy_on, trigger=2)
    with pytest.raises(faults.FalsyError, match="falsy: 2"):
        parallel_map(func, range(4), executor=given_pool)


def test_an_exception_that_cannot_be_rebuilt_breaks_the_pool_with_the_cause(
    given_pool,
):
    func = functools.partial(faults.raise_awkward_on, trigger=0)
    with pytest.raises(BrokenProcessPool) as info:
        parallel_map(func, range(3), executor=given_pool)
    assert_cause_if_any(info.value, "AwkwardError.__init__()")


# -- #4, #7 a worker that dies --------------------------------------------------


DEATHS = {
    "os._exit": functools.partial(faults.exit_on, code=7),
    "segfault": faults.crash_on,
    "SIGKILL": faults.kill_on,
}


@pytest.mark.parametrize("trigger", [0, 3], ids=["first item", "a later item"])
@pytest.mark.parametrize("death", sorted(DEATHS))
def test_a_dying_worker_raises_brokenprocesspool_in_the_caller(
    own_pool, death, trigger, children_now
):
    # Had the caller run the item itself, this test's process would be dead.
    func = functools.partial(DEATHS[death], trigger=trigger)
    start = time.monotonic()
    with pytest.raises(BrokenProcessPool):
        parallel_map(func, range(20), workers=2)
    assert time.monotonic() - start < HANG_FREE_SECONDS
    assert children_now() == []


@pytest.mark.parametrize("death", sorted(DEATHS))
def test_a_dying_worker_breaks_a_given_pool_without_a_hang(given_pool, death):
    func = functools.partial(DEATHS[death], trigger=3)
    start = time.monotonic()
    with pytest.raises(BrokenProcessPool):
        parallel_map(func, range(20), chunksize=1, executor=given_pool)
    assert time.monotonic() - start < HANG_FREE_SECONDS
    with pytest.raises(BrokenProcessPool):
        given_pool.submit(wrong.square, 1)


@pytest.mark.skipif(
    sys.version_info < (3, 11, 5),
    reason="CPython gh-94777 (fixed in 3.11.5): the pool itself hangs",
)
def test_a_worker_dying_with_big_arguments_in_flight_does_not_hang(own_pool):
    # 7: the queue feeding the workers is full of megabytes nobody will read.
    big = bytes(8 * 2**20)
    func = functools.partial(faults.exit_on, trigger=big)
    with pytest.raises(BrokenProcessPool):
        parallel_map(func, [big] * 6, workers=2, chunksize=1)


# -- #6, #9 pickling failures on the way in and out ------------------------------


def test_an_unpicklable_item_fails_with_its_position(own_pool):
    with pytest.raises((TypeError, AttributeError)) as info:
        parallel_map(
            faults.raise_item, [1, 2, threading.Lock()], workers=1, chunksize=1
        )
    assert "pickle" in str(info.value)


@pytest.mark.parametrize("payload", ["ExitWhenUnpickled", "FailWhenUnpickled"])
def test_an_item_that_breaks_the_worker_when_unpickled_breaks_the_pool(
    own_pool, payload
):
    items = [1, getattr(faults, payload)(), 3]
    with pytest.raises(BrokenProcessPool):
        parallel_map(faults.raise_item, items, workers=1, chunksize=1)


def test_an_unpicklable_result_fails_for_its_chunk_and_the_pool_survives(given_pool):
    func = functools.partial(faults.unpicklable_result_on, trigger=1)
    for _ in range(5):
        with pytest.raises((TypeError, AttributeError)) as info:
            parallel_map(func, range(3), chunksize=1, executor=given_pool)
        assert "pickle" in str(info.value)
    assert parallel_map(wrong.square, [2], executor=given_pool) == [4]


def test_a_worker_dying_while_pickling_its_result_breaks_the_pool(own_pool):
    func = functools.partial(faults.exit_when_pickled_on, trigger=1)
    with pytest.raises(BrokenProcessPool):
        parallel_map(func, range(3), workers=1, chunksize=1)


def test_a_result_that_cannot_be_unpickled_breaks_the_pool_with_the_cause(own_pool):
    func = functools.partial(faults.fail_when_unpickled_on, trigger=1)
    with pytest.raises(BrokenProcessPool) as info:
        parallel_map(func, range(3), workers=1, chunksize=1)
    assert_cause_if_any(info.value, "unpickling refused")


# -- #11 generators, endless input, bounded look-ahead ----------------------------


def test_an_endless_generator_is_consumed_only_as_work_progresses():
    lock = threading.Lock()
    counts = {"taken": 0, "done": 0, "most_ahead": 0}

    def source():
        for item in itertools.count():
            with lock:
                counts["taken"] += 1
                ahead = counts["taken"] - counts["done"]
                counts["most_ahead"] = max(counts["most_ahead"], ahead)
            yield item

    def func(x):
        with lock:
            counts["done"] += 1
        return faults.check_positive(200 - x)  # fails from item 200 on

    with (
        ThreadPoolExecutor(2) as threads,
        pytest.raises(ValueError, match="expected a positive number") as info,
    ):
        parallel_map(func, source(), workers=2, chunksize=3, executor=threads)
    index = int(item_note(info.value).split("#")[1].split(":")[0])
    assert index >= 200
    assert str(info.value) == f"expected a positive number, got {200 - index}"
    # Two chunks per worker in flight, each of three items, plus the one being
    # taken: never the whole (endless) input.
    assert counts["most_ahead"] <= 2 * 2 * 3 + 3
    assert counts["taken"] < 300


def test_an_endless_generator_with_the_own_pool_stops_at_the_failure(own_pool):
    func = functools.partial(faults.sys_exit_on, trigger=500, code=5)
    with pytest.raises(SystemExit):
        parallel_map(func, itertools.count(), workers=2)


# -- #12 the input itself raises ------------------------------------------------


class InputBroke(Exception):
    pass


def breaking_input(after, error):
    yield from range(after)
    raise error


@pytest.mark.parametrize("after", [0, 1, 50])
def test_an_exception_from_the_input_propagates_unchanged(own_pool, after):
    error = InputBroke("the input broke")
    with pytest.raises(InputBroke) as info:
        parallel_map(wrong.square, breaking_input(after, error), workers=2)
    assert info.value is error
    assert not getattr(error, "__notes__", None)


# -- #15, #17 deadlines ----------------------------------------------------------


def test_a_timeout_raises_and_stops_the_workers(own_pool, children_now):
    func = functools.partial(wrong.hang_on, trigger=5)
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="timed out after 1 s"):
        parallel_map(func, range(10), workers=2, chunksize=1, timeout=1)
    assert time.monotonic() - start < HANG_FREE_SECONDS
    assert children_now() == []  # stopped, not merely asked to stop


def test_a_worker_ignoring_sigterm_is_killed(own_pool, tmp_path, children_now):
    # Item 0's worker ignores SIGTERM; item 1 fails only once it does, so the
    # pool is stopped while a worker is certainly ignoring SIGTERM.
    ready = tmp_path / "ready"
    func = functools.partial(
        faults.call_by_item,
        calls={0: "ignore_sigterm_and_hang", 1: "fail_once_ready"},
        ready=ready,
    )
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="failing item 1"):
        parallel_map(func, [0, 1], workers=2, chunksize=1, timeout=HANG_FREE_SECONDS)
    assert time.monotonic() - start < HANG_FREE_SECONDS
    assert children_now() == []


def test_a_timeout_with_given_threads_cancels_what_has_not_started():
    release = threading.Event()
    calls = []

    def func(x):
        calls.append(x)
        release.wait(timeout=HANG_FREE_SECONDS)
        return x

    with ThreadPoolExecutor(2) as threads:
        try:
            with pytest.raises(TimeoutError, match=r"timed out after 0\.2 s"):
                parallel_map(
                    func, range(100), chunksize=1, executor=threads, timeout=0.2
                )
        finally:
            release.set()
    assert len(calls) <= 4  # only the window was ever submitted


def test_no_timeout_means_no_deadline():
    with ThreadPoolExecutor(2) as threads:
        assert parallel_map(wrong.square, range(5), executor=threads, timeout=None) == [
            0,
            1,
            4,
            9,
            16,
        ]
        assert parallel_map(wrong.square, [2], executor=threads, timeout=math.inf) == [
            4
        ]


# -- #21, #22, #23, #24 the executor's own troubles ------------------------------


def test_a_shut_down_executor_is_reported_by_the_executor():
    threads = ThreadPoolExecutor(1)
    threads.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        parallel_map(wrong.square, [1], executor=threads)


def test_a_failing_initializer_breaks_the_pool_without_a_hang(mp_context):
    with (
        ProcessPoolExecutor(
            1, mp_context=mp_context, initializer=faults.fail_to_start
        ) as pool,
        pytest.raises(BrokenProcessPool),
    ):
        parallel_map(wrong.square, range(5), executor=pool)


def test_large_arguments_and_results_travel_intact():
    size = 32 * 2**20
    assert parallel_map(faults.big_bytes, [size, 1], workers=2) == [
        bytes(size),
        bytes(1),
    ]
    assert parallel_map(faults.length, [bytes(size)], workers=1) == [size]


def test_workers_replaced_during_the_map_do_not_lose_work():
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, max_tasks_per_child=1) as pool:
        pids = parallel_map(faults.worker_pid, range(6), chunksize=1, executor=pool)
    assert len(pids) == 6
    assert len(set(pids)) == 6  # one task per worker process


# -- #26 fork safety -------------------------------------------


def test_only_forked_workers_copy_the_callers_state(own_pool, monkeypatch):
    monkeypatch.setattr(faults, "PARENT_STATE", "changed in the parent")
    seen = parallel_map(faults.read_parent_state, [0, 1], workers=2)
    copied = "changed in the parent" if own_pool == "fork" else "as imported"
    assert seen == [copied] * 2


def test_the_state_check_does_tell_fork_from_spawn(monkeypatch):
    monkeypatch.setattr(faults, "PARENT_STATE", "changed in the parent")
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        assert parallel_map(faults.read_parent_state, [0], executor=pool) == [
            "changed in the parent"
        ]


# -- #19, #20 Ctrl-C and a killed parent ------------------------------------------


HANGING_SCRIPT = """
import signal
import sys
import faults  # from tests/, on PYTHONPATH
import parallel_guide.recipes.parallel_map
from parallel_guide.recipes.parallel_map import parallel_map

module = sys.modules["parallel_guide.recipes.parallel_map"]
if __name__ == "__main__":
    # Ctrl-C as in a terminal, however pytest was started: a shell without job
    # control starts background commands ('pytest &') with SIGINT ignored,
    # and children inherit that.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    module.START_METHOD = sys.argv[1]
    parallel_map(faults.announce_and_hang, [0, 0], workers=2, chunksize=1)
"""


def start_hanging_script(tmp_path, start_method, kill_at_teardown):
    """Start a script whose two workers hang; return it and the workers' ids.

    Whatever happens to the test, the script and its workers are killed at
    its end: killing the script alone would leave the workers running.
    """
    script = tmp_path / "hang.py"
    script.write_text(HANGING_SCRIPT)
    tests = os.path.dirname(faults.__file__)
    process = subprocess.Popen(
        [sys.executable, str(script), start_method],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal
        env={**os.environ, "PYTHONPATH": tests},
    )
    kill_at_teardown(process)
    pids = [int(process.stdout.readline().split()[1]) for _ in range(2)]
    return process, pids


def wait_until_gone(pids, timeout=HANG_FREE_SECONDS):
    def alive(pid):
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


@pytest.mark.parametrize("target", ["process group", "parent only"])
def test_one_ctrl_c_stops_everything(tmp_path, start_method, target, kill_at_teardown):
    process, pids = start_hanging_script(tmp_path, start_method, kill_at_teardown)
    if target == "process group":  # what a terminal does
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT)
    assert stderr.strip().splitlines()[-1] == "KeyboardInterrupt"
    assert stderr.count("Traceback") == 1  # the workers stay quiet
    assert wait_until_gone(pids) == []


def test_workers_exit_when_the_parent_is_killed(
    tmp_path, start_method, kill_at_teardown
):
    process, pids = start_hanging_script(tmp_path, start_method, kill_at_teardown)
    process.kill()
    process.communicate(timeout=SUBPROCESS_TIMEOUT)
    assert wait_until_gone(pids) == []


# -- automatic chunk size ---------------------------------------------------------


def test_cheap_functions_get_large_chunks():
    with CountingThreads(2) as threads:
        results = parallel_map(abs, range(-50_000, 0), executor=threads)
    assert results == list(range(50_000, 0, -1))
    assert len(threads.chunk_sizes) < 500  # not 50 000 one-item chunks
    # Never more than a quarter of each worker's share, so the load balances.
    assert max(threads.chunk_sizes) <= 50_000 // (4 * 2)


def test_expensive_functions_get_one_item_chunks():
    func = functools.partial(wrong.slow_square, seconds=0.1)
    with CountingThreads(2) as threads:
        # A generator: the length is unknown, so only the timing can decide.
        assert parallel_map(func, (x for x in range(6)), executor=threads) == [
            x * x for x in range(6)
        ]
    assert threads.chunk_sizes == [1] * 6


def test_a_given_chunksize_is_used_as_is():
    with CountingThreads(2) as threads:
        parallel_map(abs, range(10), chunksize=4, executor=threads)
    assert threads.chunk_sizes == [4, 4, 2]


# -- properties --------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none())),
    as_generator=st.booleans(),
    workers=st.integers(min_value=1, max_value=8),
    chunksize=st.none() | st.integers(min_value=1, max_value=20),
)
def test_parallel_map_equals_map_in_threads(items, as_generator, workers, chunksize):
    iterable = iter(items) if as_generator else items
    with ThreadPoolExecutor(workers) as threads:
        result = parallel_map(
            repr, iterable, workers=workers, chunksize=chunksize, executor=threads
        )
    assert result == list(map(repr, items))


def test_parallel_map_equals_map_in_processes():
    # One pool for every example: the examples run inside this one test.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:

        @settings(max_examples=40, deadline=None)
        @given(
            items=st.lists(st.integers(), max_size=200),
            workers=st.integers(min_value=1, max_value=6),
            chunksize=st.none() | st.integers(min_value=1, max_value=50),
        )
        def check(items, workers, chunksize):
            result = parallel_map(
                wrong.square, items, workers=workers, chunksize=chunksize, executor=pool
            )
            assert result == list(map(wrong.square, items))

        check()
