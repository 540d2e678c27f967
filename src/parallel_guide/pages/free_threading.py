"""Free-threaded Python: is the GIL on, what threads gain, and what they break.

The code behind the "Free-threaded Python" page: :func:`gil_status` says
whether the running interpreter is a free-threaded build and whether its GIL
is on right now; :func:`compare_pools` times the same CPU-bound work serially,
on threads and on processes; :class:`Tally` is shared state that threads
update with and without a lock; :func:`with_python_gil` and
:func:`import_and_check_gil` start fresh interpreters to show what the
``PYTHON_GIL`` environment variable and importing an extension module do.

Everything here runs on any CPython from 3.11 up, with or without the GIL, and
says which one it ran on.  It needs the standard library only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from parallel_guide.pages.measure_parallel_code import measure_interleaved
from parallel_guide.tools.checks import check_count
from parallel_guide.tools.timing import Timing

__all__ = [
    "GilStatus",
    "ImportReport",
    "Tally",
    "compare_pools",
    "count_in_threads",
    "gil_status",
    "import_and_check_gil",
    "lost_update",
    "with_python_gil",
]


@dataclass(frozen=True)
class GilStatus:
    """What an interpreter says about its global interpreter lock."""

    version: str
    """The Python version, e.g. ``3.13.0``."""
    free_threaded_build: bool
    """Built with ``--disable-gil`` (``Py_GIL_DISABLED``): a "3.13t" build."""
    gil_enabled: bool
    """Whether the GIL is on now; always True on a build that has it."""
    can_ask: bool
    """Whether ``sys._is_gil_enabled()`` exists (3.13 and later)."""

    def summary(self) -> str:
        """One sentence for a page or a log.

        >>> print(GilStatus("3.13.0", False, True, True).summary())
        Python 3.13.0, a standard build: the GIL is always on
        >>> print(GilStatus("3.14.0", True, False, True).summary())
        Python 3.14.0, a free-threaded build: the GIL is off
        >>> print(GilStatus("3.14.0", True, True, True).summary())
        Python 3.14.0, a free-threaded build: the GIL is on (re-enabled)
        """
        if not self.free_threaded_build:
            return f"Python {self.version}, a standard build: the GIL is always on"
        state = "on (re-enabled)" if self.gil_enabled else "off"
        return f"Python {self.version}, a free-threaded build: the GIL is {state}"


def gil_status() -> GilStatus:
    """Describe the GIL of the interpreter running this code.

    ``sysconfig.get_config_var("Py_GIL_DISABLED")`` tells the build (1 on a
    free-threaded build, 0 on a standard 3.13 build, None before 3.13);
    ``sys._is_gil_enabled()`` tells whether the GIL is on at this moment, since
    a free-threaded build can turn it back on.

    >>> status = gil_status()
    >>> status.gil_enabled or status.free_threaded_build
    True
    """
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    return GilStatus(
        version=".".join(map(str, sys.version_info[:3])),
        free_threaded_build=free_threaded,
        gil_enabled=is_gil_enabled() if is_gil_enabled else True,
        can_ask=is_gil_enabled is not None,
    )


def compare_pools(
    func: Callable[[Any], Any],
    args: Sequence[Any],
    *,
    workers: int,
    repeat: int = 3,
    mp_context: Any = None,
) -> dict[str, Timing]:
    """Time ``[func(a) for a in args]`` serially, on threads and on processes.

    Both pools have ``workers`` workers and are started (and the processes
    given one task each) before timing, so the timings compare running the
    work, not starting pools.  The three variants are timed in turns (see
    :func:`~parallel_guide.pages.measure_parallel_code.measure_interleaved`).
    ``func`` must be importable by name, for the processes.

    >>> timings = compare_pools(abs, [-1, -2], workers=1, repeat=1)
    >>> sorted(timings)
    ['processes', 'serial', 'threads']
    """
    check_count("workers", workers)
    args = list(args)
    with (
        ThreadPoolExecutor(workers) as threads,
        ProcessPoolExecutor(workers, mp_context=mp_context) as processes,
    ):
        list(processes.map(func, args[:workers]))  # start every worker first
        return measure_interleaved(
            {
                "serial": lambda: [func(a) for a in args],
                "threads": lambda: list(threads.map(func, args)),
                "processes": lambda: list(processes.map(func, args)),
            },
            repeat=repeat,
        )


class Tally:
    """A counter that several threads add to, with and without a lock.

    >>> tally = Tally()
    >>> tally.add_unsafely()
    >>> tally.add_safely()
    >>> tally.value
    2
    """

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def add_unsafely(self) -> None:
        """Read, add one, write back: three steps another thread can come between."""
        current = self.value
        self.value = _plus_one(current)

    def add_safely(self) -> None:
        """The same three steps, holding a lock so no other thread comes between."""
        with self._lock:
            current = self.value
            self.value = _plus_one(current)


def _plus_one(number: int) -> int:
    # A call between the read and the write: the interpreter may switch
    # threads on entering a function, as it may on a loop's jump back.
    return number + 1


def count_in_threads(threads: int, increments: int, *, safe: bool) -> int:
    """Let ``threads`` threads each add ``increments`` to one :class:`Tally`.

    Returns the final count; ``threads * increments`` unless updates were
    lost.  With ``safe=True`` the lock makes that impossible; without it,
    whether and how many are lost depends on the interpreter and on luck.

    >>> count_in_threads(4, 1000, safe=True)
    4000
    """
    tally = Tally()
    add = tally.add_safely if safe else tally.add_unsafely

    def work() -> None:
        for _ in range(increments):
            add()

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(work) for _ in range(threads)]:
            future.result()
    return tally.value


def lost_update(threads: int = 2, *, safe: bool = False) -> int:
    """Make the race happen on purpose: every thread reads before any writes.

    Each thread reads the shared value, waits until all have read it, then
    writes back its value plus one, so ``threads`` additions leave 1, on any
    interpreter.  With ``safe=True`` each thread holds a lock from its read to
    its write, and the result is ``threads``.  (The lock and the barrier
    cannot both be held, so the safe version skips the barrier: the lock is
    what forbids the interleaving.)

    >>> lost_update(3)
    1
    >>> lost_update(3, safe=True)
    3
    """
    check_count("threads", threads)
    tally = Tally()
    everyone_has_read = threading.Barrier(threads, timeout=30)

    def racy_add() -> None:
        current = tally.value
        everyone_has_read.wait()
        tally.value = current + 1

    with ThreadPoolExecutor(threads) as pool:
        add = tally.add_safely if safe else racy_add
        for future in [pool.submit(add) for _ in range(threads)]:
            future.result()
    return tally.value


def with_python_gil(value: str, *, timeout: float = 60) -> str:
    """Start a fresh interpreter with ``PYTHON_GIL=value``; say what happened.

    Returns ``"GIL on"`` or ``"GIL off"`` as that interpreter reports it, or
    the first line of its error if it refused to start (a standard build
    cannot turn its GIL off).  Python before 3.13 ignores the variable.

    >>> with_python_gil("1")
    'GIL on'
    """
    if value not in ("0", "1"):
        raise ValueError(f"PYTHON_GIL takes '0' or '1', got {value!r}")
    probe = "import sys; print(getattr(sys, '_is_gil_enabled', lambda: True)())"
    env = {**os.environ, "PYTHON_GIL": value, "PYTHON_COLORS": "0"}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return lines[0] if lines else f"exit status {done.returncode}"
    return "GIL on" if done.stdout.strip() == "True" else "GIL off"


@dataclass(frozen=True)
class ImportReport:
    """What importing a module did to the GIL of a fresh interpreter."""

    module: str
    gil_before: bool
    gil_after: bool
    warnings: tuple[str, ...]
    """Every :exc:`RuntimeWarning` the import raised, as text."""


_IMPORT_PROBE = """\
import importlib, json, sys, warnings
enabled = getattr(sys, "_is_gil_enabled", lambda: True)
before = enabled()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", RuntimeWarning)
    importlib.import_module(sys.argv[1])
print(json.dumps({
    "before": before,
    "after": enabled(),
    "warnings": [str(w.message) for w in caught if w.category is RuntimeWarning],
}))
"""


def import_and_check_gil(module: str, *, timeout: float = 120) -> ImportReport:
    """Import ``module`` in a fresh interpreter; report the GIL before and after.

    On a free-threaded build, importing an extension module that has not
    declared it can run without the GIL turns the GIL back on for the whole
    process, with a :exc:`RuntimeWarning`.  On a standard build the GIL is on
    before and after.

    >>> report = import_and_check_gil("json")
    >>> report.gil_before == report.gil_after, report.warnings
    (True, ())
    """
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, module],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON_COLORS": "0"},
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no error output"])[-1]
        raise ImportError(f"could not import {module!r} in a fresh interpreter: {last}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return ImportReport(
        module=module,
        gil_before=found["before"],
        gil_after=found["after"],
        warnings=tuple(found["warnings"]),
    )
