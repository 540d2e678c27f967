"""Subinterpreters: several Python interpreters in one process (Python 3.14+).

The code behind the "Subinterpreters" page.  :func:`make_executor` builds a
thread, process or interpreter pool by name, and :func:`available_kinds` says
which of them this Python has (the interpreter pool,
``concurrent.futures.InterpreterPoolExecutor``, is new in 3.14);
:func:`compare_executors` and :func:`startup_seconds` time them.
:func:`call_in_new_interpreter`, :func:`what_crosses` and
:func:`import_problem` use ``concurrent.interpreters`` (also 3.14) to show
what an interpreter isolates, what can be passed to it, and which extension
modules refuse to load in one.

On Python before 3.14 the interpreter functions raise
:exc:`InterpretersUnavailable`, whose message says what is needed.  The module
imports, and everything else works, from Python 3.11.  Standard library only.
"""

from __future__ import annotations

import concurrent.futures
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from parallel_guide.pages.measure_parallel_code import measure_interleaved
from parallel_guide.tools.checks import check_count
from parallel_guide.tools.timing import Timing

__all__ = [
    "EXECUTOR_KINDS",
    "FLAG",
    "InterpretersUnavailable",
    "available_kinds",
    "call_in_new_interpreter",
    "compare_executors",
    "import_problem",
    "interpreters_missing",
    "make_executor",
    "read_flag",
    "startup_seconds",
    "what_crosses",
]

EXECUTOR_KINDS = ("threads", "processes", "interpreters")
"""The pools :func:`make_executor` can build, by name."""

FLAG = "as imported"
"""A module-level value the main interpreter may change; see :func:`read_flag`."""


class InterpretersUnavailable(RuntimeError):
    """Raised where Python has no subinterpreter API (it is new in 3.14)."""


def interpreters_missing() -> str:
    """Why this Python cannot run subinterpreters, or "" if it can.

    >>> reason = interpreters_missing()
    >>> reason == "" or "3.14" in reason
    True
    """
    try:
        from concurrent import interpreters  # noqa: F401
    except ImportError:
        version = ".".join(map(str, sys.version_info[:3]))
        return (
            "concurrent.interpreters and InterpreterPoolExecutor are new in "
            f"Python 3.14; this is Python {version}"
        )
    return ""


def _require_interpreters() -> None:
    if reason := interpreters_missing():
        raise InterpretersUnavailable(reason)


def available_kinds() -> list[str]:
    """The names in :data:`EXECUTOR_KINDS` this Python can build.

    >>> available_kinds()[:2]
    ['threads', 'processes']
    """
    kinds = ["threads", "processes"]
    return kinds + ["interpreters"] * (not interpreters_missing())


def make_executor(kind: str, workers: int, *, mp_context: Any = None) -> Executor:
    """A pool of ``workers`` threads, processes or interpreters.

    ``mp_context`` is passed to the process pool only.  An interpreter pool
    needs Python 3.14: before that, :exc:`InterpretersUnavailable`.

    >>> with make_executor("threads", 2) as pool:
    ...     list(pool.map(abs, [-1, -2]))
    [1, 2]
    >>> make_executor("greenlets", 2)
    Traceback (most recent call last):
    ...
    ValueError: kind must be one of (...), got 'greenlets'
    """
    if kind not in EXECUTOR_KINDS:
        raise ValueError(f"kind must be one of {EXECUTOR_KINDS}, got {kind!r}")
    check_count("workers", workers)
    if kind == "threads":
        return ThreadPoolExecutor(workers)
    if kind == "processes":
        return ProcessPoolExecutor(workers, mp_context=mp_context)
    _require_interpreters()
    return concurrent.futures.InterpreterPoolExecutor(workers)


def compare_executors(
    func: Callable[[Any], Any],
    args: Sequence[Any],
    *,
    workers: int,
    kinds: Iterable[str] | None = None,
    repeat: int = 3,
    mp_context: Any = None,
) -> dict[str, Timing]:
    """Time ``func`` over ``args`` in a loop and on each pool in ``kinds``.

    ``kinds`` defaults to :func:`available_kinds`.  Each pool is started, and
    each of its workers given a task, before the timing starts; the variants
    are then timed in turns.  ``func`` must be importable by name.

    >>> timings = compare_executors(abs, [-1, -2], workers=1, repeat=1)
    >>> list(timings)[:3]
    ['serial', 'threads', 'processes']
    """
    kinds = list(available_kinds() if kinds is None else kinds)
    args = list(args)
    pools = {}
    try:
        for kind in kinds:
            pools[kind] = make_executor(kind, workers, mp_context=mp_context)
            list(pools[kind].map(func, args[:workers]))  # start the workers
        variants: dict[str, Callable[[], Any]] = {
            "serial": lambda: [func(a) for a in args]
        }
        for kind, pool in pools.items():
            variants[kind] = lambda pool=pool: list(pool.map(func, args))
        return measure_interleaved(variants, repeat=repeat)
    finally:
        for pool in pools.values():
            pool.shutdown()


def _nothing(_: Any) -> None:
    return None


def startup_seconds(kind: str, workers: int, *, mp_context: Any = None) -> float:
    """Seconds to start a pool, give each worker a trivial task, and stop it.

    >>> 0 < startup_seconds("threads", 2) < 5
    True
    """
    start = time.perf_counter()
    with make_executor(kind, workers, mp_context=mp_context) as pool:
        list(pool.map(_nothing, range(workers)))
    return time.perf_counter() - start


def read_flag() -> str:
    """Return :data:`FLAG` as the interpreter running this call sees it.

    >>> read_flag()
    'as imported'
    """
    return FLAG


def call_in_new_interpreter(func: Callable[..., Any], *args: Any) -> Any:
    """Call ``func(*args)`` in a new subinterpreter, then close it (3.14+).

    The new interpreter imports ``func``'s module afresh: it shares no
    modules, globals or objects with this one.  The arguments and the result
    cross by being shared (``None``, ``int``, ``str``, ``bytes``, tuples of
    these...) or pickled.
    """
    _require_interpreters()
    from concurrent import interpreters

    interpreter = interpreters.create()
    try:
        return interpreter.call(func, *args)
    finally:
        interpreter.close()


def what_crosses(candidates: dict[str, Any]) -> dict[str, str]:
    """How each object would reach another interpreter as an argument (3.14+).

    Asks ``concurrent.interpreters.is_shareable`` first, then :mod:`pickle`:
    "shared" objects cross as they are (or as an efficient copy), "pickled"
    ones as a pickled copy, and the rest cannot cross at all.
    """
    _require_interpreters()
    import pickle
    from concurrent import interpreters

    verdicts = {}
    for name, obj in candidates.items():
        if interpreters.is_shareable(obj):
            verdicts[name] = "shared"
            continue
        try:
            pickle.dumps(obj)
        except Exception as error:
            verdicts[name] = f"cannot cross: {type(error).__name__}"
        else:
            verdicts[name] = "pickled"
    return verdicts


def import_problem(module: str) -> str:
    """Try ``import module`` in a new subinterpreter; "" or the error (3.14+).

    Extension modules must declare that they support several interpreters;
    importing one that does not fails in a subinterpreter with ImportError.
    """
    _require_interpreters()
    from concurrent import interpreters

    interpreter = interpreters.create()
    try:
        interpreter.exec(f"import {module}")
    except interpreters.ExecutionFailed as failure:
        info = failure.excinfo
        return f"{info.type.__name__}: {info.msg}"
    finally:
        interpreter.close()
    return ""
