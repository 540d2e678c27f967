import logging
import threading
from concurrent.futures import (
    FIRST_EXCEPTION,
    CancelledError,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool

import pytest

from parallel_guide.pages.use_futures import (
    checked_square,
    fail_after,
    kill_own_process,
    log_failure,
    pause,
    results_or_raise,
    square_after,
    wait_for,
)


def test_the_tasks_do_what_they_say():
    assert pause(0, "x") == "x"
    assert square_after(0, 5) == 25
    assert checked_square(3) == 9
    with pytest.raises(ValueError, match="got -1"):
        checked_square(-1)
    with pytest.raises(ValueError, match="boom"):
        fail_after(0, "boom")


def test_wait_for_gives_up_instead_of_hanging():
    with pytest.raises(TimeoutError, match="not set within"):
        wait_for(threading.Event(), timeout=0.05)


@pytest.mark.timeout(60)
def test_map_raises_when_it_reaches_the_failing_item():
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(checked_square, [1, 2, -3, 4])
        collected = [next(results), next(results)]
        with pytest.raises(ValueError, match="got -3"):
            next(results)
    assert collected == [1, 4]


@pytest.mark.timeout(60)
def test_wait_first_exception_returns_once_a_task_has_failed():
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=2) as pool:
        blocked = pool.submit(wait_for, release)
        failing = pool.submit(fail_after, 0, "broken")
        done, not_done = wait([blocked, failing], return_when=FIRST_EXCEPTION)
        assert done == {failing}
        assert not_done == {blocked}
        release.set()


@pytest.mark.timeout(60)
def test_an_unread_exception_stays_silent_in_its_future(capsys):
    with ThreadPoolExecutor(max_workers=2) as pool:
        future = pool.submit(fail_after, 0, "lost")
    assert capsys.readouterr() == ("", "")
    assert isinstance(future.exception(), ValueError)


@pytest.mark.timeout(60)
def test_log_failure_logs_the_exception_when_the_task_fails(caplog):
    with ThreadPoolExecutor(max_workers=2) as pool:
        pool.submit(fail_after, 0, "seen").add_done_callback(log_failure)
        pool.submit(pause, 0, "fine").add_done_callback(log_failure)
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "ValueError: seen" in record.getMessage()
    assert record.exc_info[0] is ValueError


def test_log_failure_ignores_cancelled_futures(caplog):
    future = Future()
    future.add_done_callback(log_failure)
    assert future.cancel()
    assert caplog.records == []


@pytest.mark.timeout(60)
def test_results_or_raise_returns_results_in_the_order_given():
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(square_after, s, x) for s, x in [(0.2, 1), (0, 2)]]
        assert results_or_raise(futures) == [1, 4]


@pytest.mark.timeout(60)
def test_results_or_raise_raises_every_failure_together():
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(checked_square, x) for x in (1, -2, 3, -4)]
        with pytest.raises(ExceptionGroup, match="2 of 4 tasks failed") as info:
            results_or_raise(futures)
    failures = info.value.exceptions
    assert [str(exc) for exc in failures] == [
        "expected a number of 0 or more, got -2",
        "expected a number of 0 or more, got -4",
    ]
    assert [exc.__notes__ for exc in failures] == [
        ["raised by task 1"],
        ["raised by task 3"],
    ]


@pytest.mark.timeout(60)
def test_results_or_raise_honours_its_timeout():
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(wait_for, release)
        with pytest.raises(TimeoutError):
            results_or_raise([future], timeout=0.1)
        release.set()


@pytest.mark.timeout(60)
def test_a_timeout_leaves_the_task_running_to_the_end():
    started, release = threading.Event(), threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(wait_for, release, started=started)
        assert started.wait(30)
        with pytest.raises(TimeoutError):
            future.result(timeout=0.05)
        assert future.running()  # the timeout did not stop it
        release.set()
        assert future.result(timeout=30) >= 0  # and it ran to the end
    assert future.done()
    assert not future.cancelled()


@pytest.mark.timeout(60)
def test_cancel_stops_only_tasks_that_have_not_started():
    started, release = threading.Event(), threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        busy = pool.submit(wait_for, release, started=started)
        queued = [pool.submit(pause, 0, n) for n in range(3)]
        assert started.wait(30)
        assert busy.cancel() is False
        assert queued[0].cancel() is True
        pool.shutdown(wait=False, cancel_futures=True)
        release.set()
    assert not busy.cancelled()
    assert busy.result() >= 0
    assert all(future.cancelled() for future in queued)
    with pytest.raises(CancelledError):
        queued[1].result()


@pytest.mark.timeout(120)
def test_a_process_pool_refuses_to_cancel_what_it_has_handed_on(mp_context):
    with ProcessPoolExecutor(max_workers=1, mp_context=mp_context) as pool:
        futures = [pool.submit(pause, 0.3, n) for n in range(5)]
        assert futures[0].result(timeout=60) == 0
        refused = [f for f in futures if not f.done() and not f.cancel()]
        cancelled = [f for f in futures if f.cancelled()]
    assert refused, "the task the worker is running cannot be cancelled"
    assert [f.result(timeout=60) for f in refused] == [
        futures.index(f) for f in refused
    ]
    assert len(refused) + len(cancelled) == 4


@pytest.mark.timeout(120)
def test_a_killed_worker_breaks_the_pool(mp_context):
    with ProcessPoolExecutor(max_workers=2, mp_context=mp_context) as pool:
        killer = pool.submit(kill_own_process)
        waiting = [pool.submit(pause, 5, n) for n in range(3)]
        with pytest.raises(BrokenProcessPool):
            killer.result(timeout=60)
        for future in waiting:  # not finished when the worker died: lost too
            with pytest.raises(BrokenProcessPool):
                future.result(timeout=60)
        with pytest.raises(BrokenProcessPool):
            pool.submit(pause, 0)
