"""What changed in which Python: the changes the guide relies on, probed here.

The code behind the "What changed in which Python" reference page.
:data:`CHANGES` lists each change with the Python version that brought it and
its source; :func:`probe` asks the running interpreter whether it has each
one, by looking for the feature itself where it can (an attribute, a
parameter, a module) and by version number where the change is a bug fix or
a default that cannot be seen from inside (a fix is not an attribute).
:func:`changes_table` renders the list as a Markdown table.

Standard library only; works from Python 3.11.
"""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "CHANGES",
    "Change",
    "changes_table",
    "default_start_method",
    "has_fix",
    "probe",
]

_DOCS = "https://docs.python.org/3/"
_GH = "https://github.com/python/cpython/issues/"


def default_start_method() -> str:
    """The start method a fresh interpreter of this Python uses by default.

    Asked in a new interpreter, because a program (this guide's pages
    included) may have changed it with ``set_start_method``.

    >>> default_start_method() in ("fork", "forkserver", "spawn")
    True
    """
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import multiprocessing as m; print(m.get_start_method())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def has_fix(
    fixed_in: Sequence[tuple[int, ...]], version: tuple[int, ...] | None = None
) -> bool:
    """Whether ``version`` (by default this Python's) has a fix from ``fixed_in``.

    ``fixed_in`` holds the first release with the fix on each branch, e.g.
    ``[(3, 11, 5), (3, 12, 0)]``; a later branch than the last one listed has
    it too, an earlier branch than the first does not.

    >>> has_fix([(3, 11, 5), (3, 12, 0)], (3, 11, 2))
    False
    >>> has_fix([(3, 11, 5), (3, 12, 0)], (3, 11, 7))
    True
    >>> has_fix([(3, 11, 5), (3, 12, 0)], (3, 13, 0))
    True
    >>> has_fix([(3, 14, 6), (3, 15, 0)], (3, 13, 0))
    False
    """
    version = tuple(sys.version_info[:3]) if version is None else tuple(version)
    for first in fixed_in:
        if version[:2] == first[:2]:
            return version >= first
    newest = max(fixed_in)
    return version[:2] > newest[:2]


def _parameter(func: Callable[..., object], name: str) -> bool:
    return name in inspect.signature(func).parameters


def _free_threaded() -> bool:
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def _has_terminate_workers() -> bool:
    from concurrent.futures import ProcessPoolExecutor

    return hasattr(ProcessPoolExecutor, "terminate_workers") and hasattr(
        ProcessPoolExecutor, "kill_workers"
    )


def _has_map_buffersize() -> bool:
    from concurrent.futures import Executor

    return _parameter(Executor.map, "buffersize")


def _has_interpreter_pool() -> bool:
    import concurrent.futures

    return hasattr(concurrent.futures, "InterpreterPoolExecutor")


def _has_interpreters_module() -> bool:
    return importlib.util.find_spec("concurrent.interpreters") is not None


def _has_taskgroup_cancel() -> bool:
    import asyncio

    return hasattr(asyncio.TaskGroup, "cancel")


def _has_queue_shutdown() -> bool:
    import asyncio
    import queue

    return hasattr(queue.Queue, "shutdown") and hasattr(asyncio.Queue, "shutdown")


def _has_max_tasks_per_child() -> bool:
    from concurrent.futures import ProcessPoolExecutor

    return _parameter(ProcessPoolExecutor, "max_tasks_per_child")


@dataclass(frozen=True)
class Change:
    """One change to Python that the guide relies on."""

    what: str
    """What changed, in Markdown."""
    version: str
    """The Python version(s) that brought it."""
    sources: tuple[tuple[str, str], ...]
    """(label, address) links to the documentation and the issue or PEP."""
    probe: Callable[[], bool]
    """Whether the running Python has it."""
    how: str
    """How :attr:`probe` tells: "feature" (looked for), "version" (by number), or
    "build" (whether this interpreter is of that build)."""


CHANGES: tuple[Change, ...] = (
    Change(
        "`ProcessPoolExecutor(max_tasks_per_child=...)`: replace each worker after "
        "so many tasks",
        "3.11",
        (
            ("docs", _DOCS + "library/concurrent.futures.html#processpoolexecutor"),
            ("gh-88896", _GH + "88896"),
        ),
        _has_max_tasks_per_child,
        "feature",
    ),
    Change(
        "Fix: a process pool no longer hangs when a worker dies while a large "
        "argument is being sent to it",
        "3.11.5, 3.12.0",
        (("gh-94777", _GH + "94777"),),
        lambda: has_fix([(3, 11, 5), (3, 12, 0)]),
        "version",
    ),
    Change(
        "`os.fork()` (and so the `fork` start method) in a process with other "
        "threads emits a `DeprecationWarning`",
        "3.12",
        (("docs", _DOCS + "library/os.html#os.fork"), ("gh-100228", _GH + "100228")),
        lambda: sys.version_info >= (3, 12),
        "version",
    ),
    Change(
        "`queue.Queue.shutdown()` and `asyncio.Queue.shutdown()`: stop a queue's "
        "consumers without a sentinel",
        "3.13",
        (
            ("docs", _DOCS + "library/queue.html#queue.Queue.shutdown"),
            ("gh-96471", _GH + "96471"),
        ),
        _has_queue_shutdown,
        "feature",
    ),
    Change(
        "`ProcessPoolExecutor.terminate_workers()` and `kill_workers()`: stop the "
        "workers, running tasks included",
        "3.14",
        (
            (
                "docs",
                _DOCS + "library/concurrent.futures.html"
                "#concurrent.futures.ProcessPoolExecutor.terminate_workers",
            ),
            ("gh-128041", _GH + "128041"),
        ),
        _has_terminate_workers,
        "feature",
    ),
    Change(
        "`Executor.map(..., buffersize=n)`: submit at most *n* tasks ahead of "
        "the results consumed",
        "3.14",
        (
            (
                "docs",
                _DOCS
                + "library/concurrent.futures.html#concurrent.futures.Executor.map",
            ),
            ("gh-74028", _GH + "74028"),
        ),
        _has_map_buffersize,
        "feature",
    ),
    Change(
        "`concurrent.interpreters`: several interpreters in one process, each with "
        "its own GIL",
        "3.14",
        (
            ("docs", _DOCS + "library/concurrent.interpreters.html"),
            ("PEP 734", "https://peps.python.org/pep-0734/"),
        ),
        _has_interpreters_module,
        "feature",
    ),
    Change(
        "`concurrent.futures.InterpreterPoolExecutor`: a pool of subinterpreters",
        "3.14",
        (
            (
                "docs",
                _DOCS + "library/concurrent.futures.html"
                "#concurrent.futures.InterpreterPoolExecutor",
            ),
            ("PEP 734", "https://peps.python.org/pep-0734/"),
        ),
        _has_interpreter_pool,
        "feature",
    ),
    Change(
        "The free-threaded build (no GIL) is officially supported, no longer "
        "experimental (it exists from 3.13)",
        "3.14",
        (
            (
                "what's new",
                _DOCS + "whatsnew/3.14.html#whatsnew314-free-threaded-now-supported",
            ),
            ("PEP 779", "https://peps.python.org/pep-0779/"),
        ),
        _free_threaded,
        "build",
    ),
    Change(
        "`forkserver` replaces `fork` as the default start method on Linux and "
        "other POSIX systems except macOS",
        "3.14",
        (
            (
                "what's new",
                _DOCS + "whatsnew/3.14.html#whatsnew314-multiprocessing-start-method",
            ),
            ("gh-84559", _GH + "84559"),
        ),
        lambda: default_start_method() == "forkserver",
        "feature",
    ),
    Change(
        "Fix: a process pool with `max_tasks_per_child` no longer hangs once a "
        "worker reaches its limit while tasks are queued",
        "3.14.6, 3.15.0",
        (
            ("docs", _DOCS + "library/concurrent.futures.html#processpoolexecutor"),
            ("gh-115634", _GH + "115634"),
        ),
        lambda: has_fix([(3, 14, 6), (3, 15, 0)]),
        "version",
    ),
    Change(
        "`asyncio.TaskGroup.cancel()`: end a task group early, without an exception",
        "3.15",
        (
            ("docs", _DOCS + "library/asyncio-task.html#asyncio.TaskGroup.cancel"),
            ("gh-108951", _GH + "108951"),
        ),
        _has_taskgroup_cancel,
        "feature",
    ),
)
"""The changes, oldest first."""


def probe(changes: Sequence[Change] = CHANGES) -> list[bool]:
    """Whether the running Python has each change, in order.

    >>> probe(CHANGES[:1])  # max_tasks_per_child, in every Python from 3.11
    [True]
    """
    return [change.probe() for change in changes]


def changes_table(
    changes: Sequence[Change] = CHANGES, here: Sequence[bool] | None = None
) -> str:
    """A Markdown table of ``changes``, with a column for this Python.

    >>> row = changes_table(CHANGES[:1], [True]).splitlines()[2]
    >>> row.startswith("| 3.11 |"), row.endswith("| yes |")
    (True, True)
    """
    here = probe(changes) if here is None else here
    version = ".".join(map(str, sys.version_info[:3]))
    build = "free-threaded" if _free_threaded() else "standard"
    rows = [
        f"| Python | Change | Sources | On this build's Python ({version}, "
        f"{build} build) |",
        "| --- | --- | --- | --- |",
    ]
    for change, has in zip(changes, here, strict=True):
        links = ", ".join(f"[{label}]({address})" for label, address in change.sources)
        answer = "yes" if has else "no"
        if change.how == "version":
            answer += " (by version number)"
        elif change.how == "build":
            answer = f"this is a {build} build"
        rows.append(f"| {change.version} | {change.what} | {links} | {answer} |")
    return "\n".join(rows)
