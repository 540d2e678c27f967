"""run_tasks, a recipe to copy into your project: Python 3.11+, standard library.

Runs named tasks concurrently, each as soon as the tasks it depends on are done,
with their results as its arguments.  It checks the graph before anything runs,
keeps going past a failure (skipping only what needed it), reports every failure
together in an ``ExceptionGroup``, and gives up waiting at ``timeout``.
"""

import pickle
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from graphlib import CycleError, TopologicalSorter

MAX_THREADS = 32  #: the most threads run_tasks starts when workers is not given


def run_tasks(tasks, *, depends_on=None, workers=None, timeout=None, executor=None):
    """Run ``tasks`` (``{name: callable}``) concurrently; return ``{name: result}``.

    A task named in ``depends_on`` (``{name: [names]}``) starts when those tasks
    are done, called with their results in that order.  ``workers`` limits how
    many run at once.  Tasks run in threads unless you pass an ``executor`` (such
    as a ``ProcessPoolExecutor`` for tasks that compute in Python), left running.
    Results come in the order the tasks finished.

    >>> run_tasks(
    ...     {"load": lambda: [3, 1], "sort": sorted}, depends_on={"sort": ["load"]}
    ... )
    {'load': [3, 1], 'sort': [1, 3]}
    """
    graph = _check_arguments(tasks, depends_on, workers, timeout, executor)
    sorter = TopologicalSorter(graph)
    try:
        sorter.prepare()
    except CycleError as exc:
        cycle = " -> ".join(map(repr, exc.args[1]))
        raise ValueError(
            f"the tasks depend on each other in a cycle: {cycle}"
        ) from None
    deadline = time.monotonic() + (timeout or float("inf"))
    limit = workers or len(tasks)  # at once; an executor may have a lower limit
    threads = workers or min(MAX_THREADS, len(tasks)) or 1
    pool = executor or ThreadPoolExecutor(threads, thread_name_prefix="run_tasks")
    results, failures, skipped, running, ready = {}, {}, [], {}, []
    try:
        while sorter.is_active():
            ready.extend(sorter.get_ready())
            while ready and len(running) < limit:
                name = ready.pop(0)
                if all(need in results for need in graph[name]):
                    args = [results[need] for need in graph[name]]
                    running[pool.submit(tasks[name], *args)] = name
                else:  # a task it needs failed, or was skipped itself
                    skipped.append(name)
                    sorter.done(name)
            if not running:
                continue  # only skipped tasks were ready: ask the sorter again
            step = min(0.25, deadline - time.monotonic())  # Windows sees Ctrl-C
            if step <= 0:
                raise _timeout_error(timeout, tasks, running, results, failures)
            for future in wait(running, step, return_when=FIRST_COMPLETED)[0]:
                name = running.pop(future)
                try:
                    results[name] = future.result()
                except Exception as exc:  # KeyboardInterrupt, SystemExit: stop all
                    exc.add_note(f"run_tasks: raised by task {name!r}")
                    failures[name] = exc
                sorter.done(name)
    except BaseException as exc:  # a broken pool has failed its futures itself
        for future in () if isinstance(exc, BrokenProcessPool) else running:
            future.cancel()
        if executor is None:  # a thread cannot be stopped: running tasks finish
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    if executor is None:
        pool.shutdown()
    if failures:
        also = f" ({len(skipped)} not run)" if skipped else ""
        group = ExceptionGroup(
            f"{len(failures)} of {len(tasks)} tasks failed{also}", [*failures.values()]
        )
        if skipped:
            group.add_note(
                f"run_tasks: not run because a task they need failed: {_names(skipped)}"
            )
        raise group
    return results


def _names(names):
    return ", ".join(map(repr, names)) or "none"


def _timeout_error(timeout, tasks, running, results, failures):
    error = TimeoutError(
        f"run_tasks() timed out after {timeout:g} s; "
        f"still running: {_names(running.values())}"
    )
    ended = {*results, *failures, *running.values()}
    if waiting := [name for name in tasks if name not in ended]:
        error.add_note(f"run_tasks: not started: {_names(waiting)}")
    if failures:
        error.add_note(f"run_tasks: failed before that: {_names(failures)}")
    return error


def _check_arguments(tasks, depends_on, workers, timeout, executor):
    """Raise a clear error for a bad argument; return each task's dependencies."""
    numbers = {"workers": workers, "timeout": timeout}
    for name, value in numbers.items():
        kinds = (int, float) if name == "timeout" else (int,)  # not bool, not NaN
        if value is not None and not (type(value) in kinds and value > 0):
            error = ValueError if type(value) in kinds else TypeError
            raise error(f"{name} must be None or {kinds[-1].__name__} > 0: {value!r}")
    if not isinstance(executor, Executor | None):
        raise TypeError(f"executor must be a concurrent.futures.Executor: {executor!r}")
    if not isinstance(tasks, Mapping):
        raise TypeError(f"tasks must be a mapping of names to callables: {tasks!r}")
    if not isinstance(depends_on, Mapping | None):
        raise TypeError(
            f"depends_on must be a mapping of names to lists: {depends_on!r}"
        )
    for name, task in tasks.items():
        if not callable(task):
            raise TypeError(f"task {name!r} must be callable, got {task!r}")
        if isinstance(executor, ProcessPoolExecutor):
            try:  # worker processes get a task by name: it must be importable
                pickle.dumps(task)
            except Exception as exc:
                raise TypeError(
                    f"task {name!r} cannot be sent to worker processes ({exc}): "
                    "define it at module level in a .py file, or use threads"
                ) from exc
    graph = dict.fromkeys(tasks, ())
    for name, needs in (depends_on or {}).items():
        if isinstance(needs, str | bytes) or not isinstance(needs, Iterable):
            raise TypeError(
                f"depends_on[{name!r}] must be a list of task names, "
                f"got {needs!r}; for one dependency write [{needs!r}]"
            )
        graph[name] = tuple(needs)
        if unknown := [n for n in (name, *needs) if n not in tasks]:
            raise ValueError(
                f"depends_on names {unknown[0]!r}, which is not a task "
                f"(the tasks are {_names(tasks)})"
            )
    return graph
