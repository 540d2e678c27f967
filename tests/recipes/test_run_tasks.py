"""run_tasks: dependencies honoured, results as they finish, every failure reported.

Catalogue numbers (``#n``) refer to the fault catalogue, tests/FAULTS.md.
"""

from __future__ import annotations

import functools
import gc
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import faults
from parallel_guide.pages import what_can_go_wrong as wrong
from parallel_guide.recipes.run_tasks import run_tasks

HANG_FREE_SECONDS = 30


class Recorder:
    """Tasks that record their calls, thread-safely."""

    def __init__(self):
        self.calls = []
        self._lock = threading.Lock()

    def task(self, name, result=None):
        def run(*args):
            with self._lock:
                self.calls.append((name, args))
            return name if result is None else result

        return run


# -- results and arguments ------------------------------------------------------


def test_dependencies_get_their_results_in_the_order_listed():
    recorder = Recorder()
    results = run_tasks(
        {
            "x": recorder.task("x", 1),
            "y": recorder.task("y", 2),
            "pair": recorder.task("pair"),
        },
        depends_on={"pair": ["y", "x"]},
    )
    assert results["pair"] == "pair"
    assert ("pair", (2, 1)) in recorder.calls
    assert ("x", ()) in recorder.calls  # no dependencies: no arguments
    assert len(recorder.calls) == 3


def test_results_come_in_finishing_order_not_submission_order():
    b_finished = threading.Event()

    def a():  # submitted first, finishes after b
        assert b_finished.wait(HANG_FREE_SECONDS)
        return "a"

    def release(b_result):  # runs only once b's result is collected
        b_finished.set()
        return b_result

    results = run_tasks(
        {"a": a, "b": lambda: "b", "release": release},
        depends_on={"release": ["b"]},
    )
    order = list(results)
    assert order[0] == "b"
    assert order.index("b") < order.index("a")
    assert results == {"a": "a", "b": "b", "release": "b"}


def test_independent_tasks_run_at_the_same_time():
    # Each task waits for the other: this only finishes if both run at once.
    meeting = threading.Barrier(2, timeout=HANG_FREE_SECONDS)
    results = run_tasks({"one": meeting.wait, "two": meeting.wait})
    assert sorted(results.values()) == [0, 1]


def test_workers_limits_how_many_run_at_once():
    lock = threading.Lock()
    running = {"now": 0, "most": 0}

    def task():
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        time.sleep(0.01)  # give another task the chance to overlap
        with lock:
            running["now"] -= 1

    # The executor could run eight at once: the limit is run_tasks' own.
    with ThreadPoolExecutor(8) as threads:
        run_tasks(dict.fromkeys(range(8), task), workers=2, executor=threads)
    assert running["most"] <= 2


def test_a_chain_runs_in_order():
    results = run_tasks(
        {"load": lambda: [3, 1, 2], "sort": sorted, "top": lambda xs: xs[-1]},
        depends_on={"sort": ["load"], "top": ["sort"]},
    )
    assert list(results.items()) == [
        ("load", [3, 1, 2]),
        ("sort", [1, 2, 3]),
        ("top", 3),
    ]


def test_no_tasks_means_no_results():
    assert run_tasks({}) == {}


def test_names_can_be_any_hashable():
    results = run_tasks(
        {1: lambda: 1, (2, "b"): lambda x: x + 1}, depends_on={(2, "b"): [1]}
    )
    assert results == {1: 1, (2, "b"): 2}


# -- mistakes found before anything runs ------------------------------------------


@pytest.mark.parametrize(
    ("depends_on", "cycle"),
    [
        ({"a": ["a"]}, "'a' -> 'a'"),
        ({"a": ["b"], "b": ["a"]}, None),
        ({"a": ["b"], "b": ["c"], "c": ["a"]}, None),
    ],
)
def test_a_cycle_is_named_before_anything_runs(depends_on, cycle):
    recorder = Recorder()
    tasks = {name: recorder.task(name) for name in "abcd"}
    with pytest.raises(ValueError, match="depend on each other in a cycle") as info:
        run_tasks(tasks, depends_on=depends_on)
    assert recorder.calls == []
    message = str(info.value)
    if cycle:
        assert message.endswith(cycle)
    for name in depends_on:
        assert repr(name) in message


def test_an_unknown_dependency_is_named_before_anything_runs():
    recorder = Recorder()
    with pytest.raises(
        ValueError, match="depends_on names 'nope', which is not a task"
    ):
        run_tasks(
            {"a": recorder.task("a"), "b": recorder.task("b")},
            depends_on={"b": ["a", "nope"]},
        )
    assert recorder.calls == []


def test_dependencies_of_an_unknown_task_are_refused():
    with pytest.raises(ValueError, match="depends_on names 'c', which is not a task"):
        run_tasks({"a": list}, depends_on={"c": ["a"]})


def test_a_string_of_dependencies_is_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"write \['load'\]"):
        run_tasks({"load": list, "use": list}, depends_on={"use": "load"})


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"tasks": [list]}, TypeError, "tasks must be a mapping"),
        ({"tasks": {"a": 1}}, TypeError, "task 'a' must be callable, got 1"),
        ({"depends_on": [("a", "b")]}, TypeError, "depends_on must be a mapping"),
        ({"workers": 0}, ValueError, "workers must be None or int > 0: 0"),
        ({"workers": True}, TypeError, "workers must be None or int > 0: True"),
        ({"timeout": -1}, ValueError, "timeout must be None or float > 0: -1"),
        ({"executor": "threads"}, TypeError, "executor must be a concurrent"),
    ],
)
def test_bad_arguments_fail_before_anything_runs(kwargs, error, message):
    recorder = Recorder()
    arguments = {"tasks": {"a": recorder.task("a")}, **kwargs}
    with pytest.raises(error, match=message):
        run_tasks(**arguments)
    assert recorder.calls == []


# -- #2 failures -------------------------------------------------------------------


def fail(message):
    def task(*args):
        raise ValueError(message)

    return task


def test_every_failure_is_reported_and_dependents_are_skipped():
    recorder = Recorder()
    tasks = {
        "fetch": fail("fetch broke"),
        "parse": recorder.task("parse"),  # needs fetch: skipped
        "report": recorder.task("report"),  # needs parse: skipped too
        "audit": fail("audit broke"),
        "clock": recorder.task("clock"),  # independent: runs
    }
    depends_on = {"parse": ["fetch"], "report": ["parse"]}
    with pytest.raises(ExceptionGroup) as info:
        run_tasks(tasks, depends_on=depends_on)
    group = info.value
    assert str(group).startswith("2 of 5 tasks failed (2 not run)")
    messages = sorted(str(exc) for exc in group.exceptions)
    assert messages == ["audit broke", "fetch broke"]
    for exc in group.exceptions:
        task = str(exc).split()[0]
        assert exc.__notes__ == [f"run_tasks: raised by task {task!r}"]
    assert group.__notes__ == [
        "run_tasks: not run because a task they need failed: 'parse', 'report'"
    ]
    assert [name for name, _ in recorder.calls] == ["clock"]


def test_a_task_raising_timeouterror_is_a_failure_not_a_timeout():
    # 16: the task's TimeoutError must not be taken for the deadline.
    def late():
        raise TimeoutError("the task's own time-out")

    with pytest.raises(ExceptionGroup) as info:
        run_tasks({"late": late, "fine": lambda: 1}, timeout=HANG_FREE_SECONDS)
    assert [type(exc) for exc in info.value.exceptions] == [TimeoutError]


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_keyboardinterrupt_or_systemexit_from_a_task_propagates_bare(error):
    recorder = Recorder()

    def interrupt():
        raise error()

    with pytest.raises(error):
        run_tasks(
            {"stop": interrupt, "after": recorder.task("after")},
            depends_on={"after": ["stop"]},
        )
    assert recorder.calls == []


# -- #15, #17 deadlines ------------------------------------------------------------


def test_a_timeout_raises_and_names_what_was_unfinished():
    release = threading.Event()
    recorder = Recorder()
    try:
        start = time.monotonic()
        with pytest.raises(TimeoutError, match=r"timed out after 0\.2 s") as info:
            run_tasks(
                {
                    "stuck": lambda: release.wait(HANG_FREE_SECONDS),
                    "next": recorder.task("next"),
                    "quick": lambda: 1,
                },
                depends_on={"next": ["stuck"]},
                timeout=0.2,
            )
        assert time.monotonic() - start < HANG_FREE_SECONDS
    finally:
        release.set()  # a thread cannot be killed: let it finish
    assert "still running: 'stuck'" in str(info.value)
    assert info.value.__notes__ == ["run_tasks: not started: 'next'"]
    assert recorder.calls == []


# -- the executor -------------------------------------------------------------------


@pytest.fixture
def process_pool(mp_context):
    with ProcessPoolExecutor(2, mp_context=mp_context) as pool:
        yield pool
    gc.collect()  # see collect_garbage_now in test_parallel_map.py


def test_tasks_run_in_a_given_process_pool_which_is_left_running(process_pool):
    results = run_tasks(
        {
            "pid": faults.worker_pid,
            "nine": functools.partial(wrong.square, 3),
            "eighty_one": wrong.square,
        },
        depends_on={"eighty_one": ["nine"]},
        executor=process_pool,
    )
    assert results["nine"] == 9
    assert results["eighty_one"] == 81
    assert process_pool.submit(wrong.square, 2).result(timeout=30) == 4


def test_unpicklable_tasks_are_named_before_anything_runs(process_pool, tmp_path):
    log = tmp_path / "calls"
    with pytest.raises(
        TypeError, match="task 'inline' cannot be sent to worker processes"
    ):
        run_tasks(
            {
                "fine": functools.partial(faults.record_call, 1, log),
                "inline": lambda: 1,
            },
            executor=process_pool,
        )
    assert not log.exists()


def test_a_dying_worker_is_reported_without_a_hang(process_pool):
    # 4: every task in flight fails with the broken pool; none hangs.
    start = time.monotonic()
    with pytest.raises(ExceptionGroup) as info:
        run_tasks(
            {
                "dies": functools.partial(faults.exit_on, 1, trigger=1),
                "after": wrong.square,
            },
            depends_on={"after": ["dies"]},
            executor=process_pool,
        )
    assert time.monotonic() - start < HANG_FREE_SECONDS
    assert [type(exc) for exc in info.value.exceptions] == [BrokenProcessPool]
    assert info.value.__notes__ == [
        "run_tasks: not run because a task they need failed: 'after'"
    ]


def test_a_given_thread_pool_is_used_and_left_running():
    with ThreadPoolExecutor(2, thread_name_prefix="given") as threads:
        results = run_tasks(
            {"name": lambda: threading.current_thread().name}, executor=threads
        )
        assert results["name"].startswith("given")
        assert threads.submit(len, "ok").result(timeout=30) == 2


# -- properties --------------------------------------------------------------------


@st.composite
def task_graphs(draw):
    """A random acyclic graph: each task may depend on tasks listed before it."""
    size = draw(st.integers(min_value=0, max_value=12))
    depends_on = {}
    for index in range(size):
        earlier = list(range(index))
        needs = draw(st.lists(st.sampled_from(earlier), max_size=3)) if earlier else []
        if needs or draw(st.booleans()):
            depends_on[index] = needs
    return size, depends_on


def add_up(index):
    def task(*needs):
        return index + sum(needs)

    return task


@settings(max_examples=100, deadline=None)
@given(graph=task_graphs(), workers=st.none() | st.integers(min_value=1, max_value=4))
def test_results_equal_a_sequential_evaluation(graph, workers):
    size, depends_on = graph
    expected = {}
    for index in range(size):  # the tasks are listed in a valid order
        expected[index] = index + sum(expected[n] for n in depends_on.get(index, []))
    tasks = {index: add_up(index) for index in reversed(range(size))}
    results = run_tasks(tasks, depends_on=depends_on, workers=workers)
    assert results == expected
    finished = list(results)
    for index, needs in depends_on.items():
        for need in needs:
            assert finished.index(need) < finished.index(index)
