"""Tasks for the futures page, and two ways to never lose a task's exception.

The small tasks here sleep, fail, wait for a signal or kill their own process,
so the page can show what :mod:`concurrent.futures` does in each case.  They
live in a module because worker processes started with ``spawn`` or
``forkserver`` import the functions they run.

:func:`log_failure` is a done-callback that logs a task's exception the moment
the task fails; :func:`results_or_raise` waits for every future and raises all
their exceptions together, as an :exc:`ExceptionGroup`.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, as_completed
from typing import Any

logger = logging.getLogger(__name__)


def pause(seconds: float, value: Any = None) -> Any:
    """Sleep for ``seconds`` (standing in for I/O), then return ``value``.

    >>> pause(0, "done")
    'done'
    """
    time.sleep(seconds)
    return value


def square_after(seconds: float, x: int) -> int:
    """Return ``x * x`` after ``seconds``.

    >>> square_after(0, 7)
    49
    """
    time.sleep(seconds)
    return x * x


def checked_square(x: int) -> int:
    """Return ``x * x``; a negative ``x`` is taken for bad input and raises.

    >>> checked_square(-3)
    Traceback (most recent call last):
    ...
    ValueError: expected a number of 0 or more, got -3
    """
    if x < 0:
        raise ValueError(f"expected a number of 0 or more, got {x}")
    return x * x


def fail_after(seconds: float, message: str) -> None:
    """Sleep for ``seconds``, then raise :exc:`ValueError` with ``message``.

    >>> fail_after(0, "bad input")
    Traceback (most recent call last):
    ...
    ValueError: bad input
    """
    time.sleep(seconds)
    raise ValueError(message)


def wait_for(
    event: threading.Event,
    *,
    started: threading.Event | None = None,
    timeout: float = 60.0,
) -> float:
    """Block until ``event`` is set (for threads); return the seconds waited.

    ``started``, if given, is set first, so the caller knows the task is
    running.  ``timeout`` bounds the wait, so a test or page that forgets to
    set ``event`` cannot hang: it raises :exc:`TimeoutError` instead.

    >>> event = threading.Event()
    >>> event.set()
    >>> wait_for(event) < 1
    True
    """
    if started is not None:
        started.set()
    start = time.perf_counter()
    if not event.wait(timeout):
        raise TimeoutError(f"the event was not set within {timeout} s")
    return time.perf_counter() - start


def kill_own_process() -> None:
    """End the process running this function at once, as the OOM killer would.

    Meant for a worker process: no exception, no clean-up, the process is
    gone (``SIGKILL`` on POSIX; exit status 1 elsewhere).
    """
    if hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(1)


def log_failure(future: Future) -> None:
    """A done-callback that logs the task's exception, if it raised one.

    Add it with ``future.add_done_callback(log_failure)``: it runs when the
    task finishes, so a failure is logged even if nobody calls
    ``future.result()``.

    >>> future = Future()
    >>> future.add_done_callback(log_failure)
    >>> future.set_exception(ValueError("lost"))  # logs "task failed: ValueError: lost"
    """
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        logger.error("task failed: %s: %s", type(exc).__name__, exc, exc_info=exc)


def results_or_raise(
    futures: Iterable[Future], *, timeout: float | None = None
) -> list[Any]:
    """Wait for every future; return their results in the order given.

    If any task raised, raise an :exc:`ExceptionGroup` of every exception
    (each with a note giving the task's position) once all have finished,
    instead of the first one only.  ``timeout`` bounds the whole wait
    (:exc:`TimeoutError`).

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     results_or_raise([pool.submit(pause, 0, 1), pool.submit(pause, 0, 2)])
    [1, 2]
    >>> with ThreadPoolExecutor(2) as pool:
    ...     results_or_raise([pool.submit(fail_after, 0, "a"), pool.submit(pause, 0)])
    Traceback (most recent call last):
    ...
    ExceptionGroup: 1 of 2 tasks failed (1 sub-exception)
    """
    futures = list(futures)
    position = {future: index for index, future in enumerate(futures)}
    failures = []
    for future in as_completed(futures, timeout=timeout):
        exc = future.exception()
        if exc is not None:
            exc.add_note(f"raised by task {position[future]}")
            failures.append((position[future], exc))
    if failures:
        failures.sort(key=lambda failure: failure[0])
        raise ExceptionGroup(
            f"{len(failures)} of {len(futures)} tasks failed",
            [exc for _, exc in failures],
        )
    return [future.result() for future in futures]
