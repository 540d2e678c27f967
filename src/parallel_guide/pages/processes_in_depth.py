"""Processes in depth: start methods, what workers inherit, pickling, worker set-up.

The code behind the "Processes in depth" page: worker functions that show
what a worker process sees (:func:`read_setting`), what can be sent to one
(:func:`pickle_problem`), set-up that runs once per worker
(:func:`load_table`, :func:`lookup`), a task that leaks memory
(:func:`leaky_task`), and the programs the page runs in a fresh interpreter
with :func:`~parallel_guide.tools.run_python.run_python`.

It needs the standard library only.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Any

__all__ = [
    "EXECUTOR_REPLACING_WORKERS",
    "FORK_WITH_A_THREAD",
    "POOL_WITH_A_FUNCTION_FROM_MAIN",
    "SETTING",
    "leaky_task",
    "load_table",
    "lookup",
    "lookup_in",
    "peak_memory_mb",
    "pickle_problem",
    "read_setting",
]

SETTING = "as imported"
"""A module-level setting; a parent may change it after importing the module."""


def read_setting(_: Any = None) -> tuple[int, str]:
    """Return this process's id and the value of :data:`SETTING` it sees.

    >>> read_setting()[1]
    'as imported'
    """
    return os.getpid(), SETTING


def pickle_problem(obj: Any) -> str:
    """Why ``obj`` cannot be pickled (to send it to a worker), or "" if it can.

    >>> pickle_problem(len)
    ''
    >>> pickle_problem(lambda: 0)  # doctest: +ELLIPSIS
    "PicklingError: Can't pickle <function <lambda> at 0x...>: ..."
    """
    try:
        pickle.dumps(obj)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return ""


_TABLE: bytes | None = None


def load_table(size: int) -> None:
    """Build a lookup table of ``size`` bytes in this process, once.

    Meant as a pool's ``initializer``: it runs once in each worker as it
    starts, and :func:`lookup` then uses the table without it being sent.

    >>> load_table(10)
    >>> lookup(3)
    3
    """
    global _TABLE
    _TABLE = (bytes(range(251)) * (size // 251 + 1))[:size]


def lookup(index: int) -> int:
    """Look ``index`` up in the table :func:`load_table` built in this process."""
    if _TABLE is None:
        raise RuntimeError("no table here: start the worker with load_table")
    return _TABLE[index % len(_TABLE)]


def lookup_in(table: bytes, index: int) -> int:
    """Look ``index`` up in ``table``, which is sent along with every task.

    >>> lookup_in(bytes([5, 6, 7]), 4)
    6
    """
    return table[index % len(table)]


_LEAKED: list[bytearray] = []


def leaky_task(megabytes: int) -> tuple[int, float]:
    """A task that leaks ``megabytes`` of memory each time it runs.

    It keeps a reference to a buffer in a module-level list, as a cache that
    is never emptied would.  Returns this process's id and its peak memory.
    """
    _LEAKED.append(bytearray(megabytes * 1024 * 1024))
    return os.getpid(), peak_memory_mb()


def peak_memory_mb() -> float:
    """The peak resident memory of this process in MiB (NaN where unknown).

    >>> peak_memory_mb() > 0 or sys.platform == "win32"
    True
    """
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kibibytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


FORK_WITH_A_THREAD = """\
import multiprocessing, threading, warnings
warnings.simplefilter("default", DeprecationWarning)  # shown only in __main__ otherwise
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()  # any thread will do
with multiprocessing.get_context("fork").Pool(1) as pool:
    print(pool.map(abs, [-1, -2]))
stop.set()
"""
"""A program that forks worker processes while it runs a second thread."""

POOL_WITH_A_FUNCTION_FROM_MAIN = """\
import multiprocessing

def square(x):  # defined in the main module, as in a notebook cell
    return x * x

with multiprocessing.Pool(2) as pool:
    print(pool.map(square, range(4)))
"""
"""A program whose worker function lives in a main module workers cannot import."""

EXECUTOR_REPLACING_WORKERS = """\
from concurrent.futures import ProcessPoolExecutor
with ProcessPoolExecutor(max_workers=1, max_tasks_per_child=2) as executor:
    print(list(executor.map(abs, range(-5, 0))))
"""
"""A program that asks a ProcessPoolExecutor to replace its worker every two tasks.

It hangs on Python 3.11 to 3.13 releases without the fix for CPython issue
gh-115634: the executor does not start a replacement for a worker that
reached its limit while tasks were queued.
"""
