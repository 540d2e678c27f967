"""Functions that fail on purpose, for the tests of the recipes and the pages.

Each behaves normally for every item except ``trigger``, and fails for that
one in a particular way: an exception (picklable or not), a crash, an exit, a
hang, a result that cannot be sent back.  Fix ``trigger`` with
:func:`functools.partial`.  They live in a module of their own, importable by
the worker processes the tests start (pytest puts ``tests/`` on ``sys.path``,
and spawned workers inherit it); the page's own examples of failure stay in
:mod:`parallel_guide.pages.what_can_go_wrong`.

The scenarios they stage are listed in ``tests/FAULTS.md``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from parallel_guide.pages.what_can_go_wrong import hang_on, native_sqrt, square

__all__ = ["hang_on", "square"]  # re-exported: call_by_item finds them by name


def check_positive(x: float) -> float:
    """Return ``x`` if it is positive, else raise :exc:`ValueError`.

    The right way for a worker to refuse an item: the pool survives and the
    caller learns which item it was.

    >>> check_positive(2)
    2
    >>> check_positive(-1)
    Traceback (most recent call last):
    ...
    ValueError: expected a positive number, got -1
    """
    if x <= 0:
        raise ValueError(f"expected a positive number, got {x!r}")
    return x


def sleep_or_refuse(x: float) -> float:
    """Sleep ``x`` seconds and return ``x``; refuse ``x`` <= 0 (:func:`check_positive`).

    >>> sleep_or_refuse(0.01)
    0.01
    """
    check_positive(x)
    time.sleep(x)
    return x


def crash_on(x: Any, trigger: Any = -1) -> Any:
    """Return ``x``, but crash the process (a segmentation fault) for ``trigger``.

    This is what a bug in C code (an extension module, a library reached with
    :mod:`ctypes`) does to a worker: the process dies on the spot, without a
    Python exception.
    """
    if x == trigger:
        native_sqrt(-1.0)  # the page's crash in "C code"
    return x


def exit_on(x: Any, trigger: Any = -1, code: int = 7) -> Any:
    """Return ``x``, but end the process with ``os._exit(code)`` for ``trigger``.

    Some libraries end the process on a fatal error instead of raising.
    """
    if x == trigger:
        os._exit(code)
    return x


def kill_on(x: Any, trigger: Any = -1) -> Any:
    """Return ``x``, but have the process killed with SIGKILL for ``trigger``.

    This is what the out-of-memory killer does to a worker (POSIX only).
    """
    if x == trigger:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def sys_exit_on(x: Any, trigger: Any = -1, code: int = 3) -> Any:
    """Return ``x``, but call ``sys.exit(code)`` for ``trigger``."""
    if x == trigger:
        sys.exit(code)
    return x


def raise_item(x: Any) -> Any:
    """Raise ``x`` if it is an exception, else return it.

    Lets a test choose, item by item, which ones fail and how.
    """
    if isinstance(x, BaseException):
        raise x
    return x


class UnpicklableError(Exception):
    """An exception holding a lock, so it cannot be pickled."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


class AwkwardError(Exception):
    """An exception whose ``__init__`` needs two arguments but passes one on.

    Pickling it works; unpickling calls ``AwkwardError(message)`` and fails.
    """

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class FalsyError(Exception):
    """An exception that is false in a boolean context."""

    def __bool__(self) -> bool:
        return False


def raise_unpicklable_on(x: Any, trigger: Any = -1) -> Any:
    """Return ``x``, but raise :class:`UnpicklableError` for ``trigger``."""
    if x == trigger:
        raise UnpicklableError(f"cannot travel: {x!r}")
    return x


def raise_awkward_on(x: Any, trigger: Any = -1) -> Any:
    """Return ``x``, but raise :class:`AwkwardError` for ``trigger``."""
    if x == trigger:
        raise AwkwardError(f"awkward: {x!r}", 42)
    return x


def raise_falsy_on(x: Any, trigger: Any = -1) -> Any:
    """Return ``x``, but raise :class:`FalsyError` for ``trigger``."""
    if x == trigger:
        raise FalsyError(f"falsy: {x!r}")
    return x


def unpicklable_result_on(x: Any, trigger: Any = -1) -> Any:
    """Return ``x``, but return a lock (which cannot be pickled) for ``trigger``."""
    if x == trigger:
        return threading.Lock()
    return x


class ExitWhenPickled:
    """An object whose pickling ends the process, as a crash mid-send would."""

    def __reduce__(self) -> Any:
        os._exit(9)


class ExitWhenUnpickled:
    """An object that ends the process that unpickles it."""

    def __reduce__(self) -> Any:
        return os._exit, (9,)


class FailWhenUnpickled:
    """An object that raises :exc:`RuntimeError` in whoever unpickles it."""

    def __reduce__(self) -> Any:
        return _refuse, ("unpickling refused",)


def _refuse(message: str) -> None:
    raise RuntimeError(message)


def exit_when_pickled_on(x: Any, trigger: Any = -1) -> Any:
    """Return ``x``, but return an :class:`ExitWhenPickled` for ``trigger``."""
    if x == trigger:
        return ExitWhenPickled()
    return x


def fail_when_unpickled_on(x: Any, trigger: Any = -1) -> Any:
    """Return ``x``, but return a :class:`FailWhenUnpickled` for ``trigger``."""
    if x == trigger:
        return FailWhenUnpickled()
    return x


def timeout_on(x: Any, trigger: Any = -1) -> Any:
    """Return ``x``, but raise the task's own :exc:`TimeoutError` for ``trigger``."""
    if x == trigger:
        raise TimeoutError(f"the task's own time-out, for {x!r}")
    return x


def worker_pid(_: Any = None) -> int:
    """Return the id of the process this runs in."""
    return os.getpid()


def pid_after(seconds: float) -> int:
    """Sleep for ``seconds``, then return the id of the process this runs in."""
    time.sleep(seconds)
    return os.getpid()


PARENT_STATE = "as imported"
"""A value tests change in the parent: forked workers see the change, others not."""


def read_parent_state(_: Any = None) -> str:
    """Return :data:`PARENT_STATE` as this process sees it."""
    return PARENT_STATE


def record_call(
    x: Any, path: str | os.PathLike[str], then: Callable[[Any], Any] | None = None
) -> Any:
    """Append ``x`` to the file at ``path``, one line per call; return ``then(x)``.

    Lets a test count the calls made in any process.  ``then=None`` returns
    ``x`` itself.
    """
    with Path(path).open("a") as file:
        file.write(f"{x!r}\n")
    return x if then is None else then(x)


def fail_to_start() -> None:
    """Raise :exc:`RuntimeError`: a pool initializer that fails."""
    raise RuntimeError("this initializer always fails")


def announce_and_hang(x: Any, trigger: Any = 0) -> Any:
    """Print ``started <pid>`` and, for ``trigger``, never return.

    For tests that interrupt or kill the parent once a worker is busy.
    """
    # One write call, so that lines from several workers never interleave.
    os.write(sys.stdout.fileno(), f"started {os.getpid()}\n".encode())
    if x == trigger:
        threading.Event().wait()
    return x


def ignore_sigterm_and_hang(x: Any, ready: str | os.PathLike[str] | None = None) -> Any:
    """Ignore SIGTERM, then never return: a worker only SIGKILL can stop.

    With ``ready``, create that file once SIGTERM is being ignored.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if ready is not None:
        Path(ready).touch()
    threading.Event().wait()
    return x


def fail_once_ready(
    x: Any, ready: str | os.PathLike[str], timeout: float = 60.0
) -> Any:
    """Raise :exc:`RuntimeError` once the file ``ready`` exists.

    With :func:`ignore_sigterm_and_hang` on another item, this fails the map
    at a moment when that worker is known to be ignoring SIGTERM.
    """
    deadline = time.monotonic() + timeout
    while not Path(ready).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{ready} did not appear within {timeout} s")
        time.sleep(0.01)
    raise RuntimeError(f"failing item {x!r} now that {ready} exists")


def call_by_item(x: Any, calls: dict[Any, str], **kwargs: Any) -> Any:
    """Call this module's function named ``calls[x]`` with ``x`` and ``kwargs``.

    Lets one map give different items different misbehaviours.

    >>> call_by_item(3, {3: "square"})
    9
    """
    return globals()[calls[x]](x, **kwargs)


def big_bytes(size: int) -> bytes:
    """Return ``size`` zero bytes: a large result to send back."""
    return bytes(size)


def length(x: Any) -> int:
    """Return ``len(x)``, for large arguments."""
    return len(x)


def first_waits_for_last(
    x: int, path: str | os.PathLike[str], last: int, timeout: float = 60.0
) -> Any:
    """Item 0 waits for item ``last`` to have run; every other item returns itself.

    Item ``last`` creates the file ``path``; item 0 waits for it (at most
    ``timeout`` seconds) and says whether it came.  Only a map that lets other
    workers go on while item 0 runs gets ``"the last item ran first"``.
    """
    if x == last:
        Path(path).touch()
    if x != 0:
        return x
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        if time.monotonic() > deadline:
            return "item 0 ran alone"
        time.sleep(0.01)
    return "the last item ran first"
