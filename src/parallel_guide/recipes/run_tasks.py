"""Run named tasks concurrently, each as soon as the tasks it needs have finished.

:func:`run_tasks` is the task-parallel recipe this guide recommends: give it
the tasks and what each one depends on, and it starts every task whose inputs
are ready, hands each task the results it asked for, and collects the results
as the tasks finish.  It checks the dependencies before anything runs, keeps
going when a task fails (skipping only what depended on it) and reports every
failure at the end, together.

It needs the standard library only: the order comes from
:class:`graphlib.TopologicalSorter` and the concurrency from
:mod:`concurrent.futures`.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from graphlib import CycleError, TopologicalSorter
from typing import Any

from parallel_guide.recipes.parallel_map import (
    _check_count,
    _check_picklable,
    _check_timeout,
    _start_method_of,
)

__all__ = ["run_tasks"]

MAX_THREADS = 32
"""The most threads ``run_tasks`` starts when ``workers`` is not given."""

_POLL_SECONDS = 0.25  # longest uninterrupted wait, so Ctrl-C is seen on Windows too


def run_tasks(
    tasks: Mapping[Hashable, Callable[..., Any]],
    *,
    depends_on: Mapping[Hashable, Iterable[Hashable]] | None = None,
    workers: int | None = None,
    timeout: float | None = None,
    executor: Executor | None = None,
) -> dict[Hashable, Any]:
    """Run ``tasks`` concurrently, respecting ``depends_on``; return their results.

    Args:
        tasks: Maps each task's name to a callable.
        depends_on: Maps a task's name to the names of the tasks it needs.
            Such a task is called with their results as positional arguments,
            in the order listed; a task without dependencies is called with no
            arguments.
        workers: How many tasks may run at once.  ``None`` means as many as
            are ready (threads: at most ``MAX_THREADS``; an ``executor`` sets its
            own limit).
        timeout: Seconds the whole run may take before :exc:`TimeoutError`.
            Tasks not started by then are cancelled; tasks running in threads
            cannot be stopped and finish in the background.
        executor: A :class:`concurrent.futures.Executor` to run the tasks in,
            left running afterwards.  ``None`` runs them in threads, which suit
            tasks that mostly wait (for files, the network, a database); use
            a :class:`~concurrent.futures.ProcessPoolExecutor` for tasks that
            compute in Python.

    Returns:
        ``{name: result}`` in the order the tasks finished.

    Raises:
        ValueError: The dependencies form a cycle, or name a task that does not
            exist, raised before any task runs.
        TypeError: ``tasks`` is not a mapping of callables, a task's
            dependencies are a single string rather than a list of names, or a
            task cannot be sent to the ``executor``'s worker processes.
        ExceptionGroup: One or more tasks raised.  The group holds every such
            exception, each with a note naming its task; a note on the group
            lists the tasks not run because a task they need failed.  Tasks
            that do not depend on a failed task still run.
        TimeoutError: ``timeout`` seconds passed first.

    A task that raises :exc:`KeyboardInterrupt` or :exc:`SystemExit` stops the
    run, and that exception propagates as it is.

    Examples:
        Each task gets the results of the tasks it depends on:

        >>> results = run_tasks(
        ...     {"load": lambda: [3, 1, 2], "sort": sorted, "top": lambda xs: xs[-1]},
        ...     depends_on={"sort": ["load"], "top": ["sort"]},
        ... )
        >>> results
        {'load': [3, 1, 2], 'sort': [1, 2, 3], 'top': 3}

        Mistakes in the dependencies are found before anything runs:

        >>> run_tasks({"a": list, "b": list}, depends_on={"a": ["b"], "b": ["a"]})
        Traceback (most recent call last):
        ...
        ValueError: the tasks depend on each other in a cycle: 'a' -> 'b' -> 'a'

        A failure is reported with its task, and what needed it does not run:

        >>> try:
        ...     run_tasks(
        ...         {"ok": lambda: 1, "bad": lambda: 1 / 0, "after": lambda x: x},
        ...         depends_on={"after": ["bad"]},
        ...     )
        ... except ExceptionGroup as group:
        ...     print(group)
        ...     print(group.__notes__)
        ...     for error in group.exceptions:
        ...         print(repr(error), error.__notes__)
        1 of 3 tasks failed (1 not run) (1 sub-exception)
        ["run_tasks: not run because a task they need failed: 'after'"]
        ZeroDivisionError('division by zero') ["run_tasks: raised by task 'bad'"]

    """
    if not isinstance(tasks, Mapping):
        raise TypeError(
            f"tasks must be a mapping of names to callables, got {type(tasks).__name__}"
        )
    for name, task in tasks.items():
        if not callable(task):
            raise TypeError(
                f"task {name!r} must be callable, got {type(task).__name__}"
            )
    graph = _dependencies(tasks, depends_on)
    _check_count("workers", workers)
    _check_timeout(timeout)
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(
            "executor must be a concurrent.futures.Executor or None, "
            f"got {type(executor).__name__}"
        )
    if executor is not None and (method := _start_method_of(executor)):
        for name, task in tasks.items():
            _check_picklable(task, method, caller=f"run_tasks() task {name!r}")
    sorter = TopologicalSorter(graph)
    try:
        sorter.prepare()
    except CycleError as exc:
        cycle = " -> ".join(repr(name) for name in exc.args[1])
        raise ValueError(
            f"the tasks depend on each other in a cycle: {cycle}"
        ) from None
    if not tasks:
        return {}

    deadline = None if timeout is None else time.monotonic() + timeout
    own = executor is None
    if own:
        executor = ThreadPoolExecutor(
            max_workers=workers or min(MAX_THREADS, len(tasks)),
            thread_name_prefix="run_tasks",
        )
    run = _Run(tasks, graph, sorter, executor, workers or len(tasks), deadline, timeout)
    try:
        results = run.collect()
    except BaseException:
        run.cancel()
        if own:
            # Threads cannot be stopped: those running finish in the background.
            executor.shutdown(wait=False, cancel_futures=True)
        raise
    if own:
        executor.shutdown(wait=True)
    return results


def _dependencies(
    tasks: Mapping[Hashable, Any],
    depends_on: Mapping[Hashable, Iterable[Hashable]] | None,
) -> dict[Hashable, tuple[Hashable, ...]]:
    """Check ``depends_on`` against ``tasks``; return every task's dependencies."""
    if depends_on is None:
        depends_on = {}
    if not isinstance(depends_on, Mapping):
        raise TypeError(
            "depends_on must be a mapping of task names to lists of names, "
            f"got {type(depends_on).__name__}"
        )
    graph = dict.fromkeys(tasks, ())
    for name, needs in depends_on.items():
        if name not in tasks:
            raise ValueError(
                f"depends_on has an entry for {name!r}, which is not a task "
                f"(the tasks are {_names(tasks)})"
            )
        if isinstance(needs, (str, bytes)) or not isinstance(needs, Iterable):
            raise TypeError(
                f"depends_on[{name!r}] must be a list of task names, got "
                f"{needs!r}; for one dependency write [{needs!r}]"
            )
        needs = tuple(needs)
        for need in needs:
            if need not in tasks:
                raise ValueError(
                    f"task {name!r} depends on {need!r}, which is not a task "
                    f"(the tasks are {_names(tasks)})"
                )
        graph[name] = needs
    return graph


def _names(names: Iterable[Hashable]) -> str:
    return ", ".join(repr(name) for name in names) or "none"


class _Run:
    """Submit tasks as they become ready; gather results as they finish."""

    def __init__(self, tasks, graph, sorter, executor, limit, deadline, timeout):
        self.tasks = tasks
        self.graph = graph
        self.sorter = sorter
        self.executor = executor
        self.limit = limit
        self.deadline = deadline
        self.timeout = timeout
        self.dependents: dict[Hashable, list[Hashable]] = {name: [] for name in tasks}
        for name, needs in graph.items():
            for need in needs:
                self.dependents[need].append(name)
        self.ready: list[Hashable] = []
        self.running: dict[Future, Hashable] = {}
        self.finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
        self.results: dict[Hashable, Any] = {}
        self.failures: dict[Hashable, Exception] = {}
        self.blocked: set[Hashable] = set()  # not to run: a dependency failed
        self.skipped: list[Hashable] = []

    def collect(self) -> dict[Hashable, Any]:
        self.ready.extend(self.sorter.get_ready())
        while self.sorter.is_active():
            self._start_ready()
            if not self.running:
                continue  # only skipped tasks were ready: look again
            future = self._next_finished()
            name = self.running.pop(future)
            try:
                self.results[name] = future.result()
            except Exception as exc:
                exc.add_note(f"run_tasks: raised by task {name!r}")
                self.failures[name] = exc
                self._block_dependents_of(name)
            self.sorter.done(name)
            self.ready.extend(self.sorter.get_ready())
        if self.failures:
            skipped = f" ({len(self.skipped)} not run)" if self.skipped else ""
            group = ExceptionGroup(
                f"{len(self.failures)} of {len(self.tasks)} tasks failed{skipped}",
                list(self.failures.values()),
            )
            if self.skipped:
                group.add_note(
                    "run_tasks: not run because a task they need failed: "
                    f"{_names(self.skipped)}"
                )
            raise group
        return self.results

    def cancel(self) -> None:
        for future in self.running:
            future.cancel()

    def _start_ready(self) -> None:
        while self.ready and len(self.running) < self.limit:
            name = self.ready.pop(0)
            if name in self.blocked:
                self.skipped.append(name)
                self.sorter.done(name)
                self.ready.extend(self.sorter.get_ready())
                continue
            args = [self.results[need] for need in self.graph[name]]
            future = self.executor.submit(self.tasks[name], *args)
            self.running[future] = name
            future.add_done_callback(self.finished.put)

    def _block_dependents_of(self, name: Hashable) -> None:
        stack = list(self.dependents[name])
        while stack:
            dependent = stack.pop()
            if dependent not in self.blocked:
                self.blocked.add(dependent)
                stack.extend(self.dependents[dependent])

    def _next_finished(self) -> Future:
        while True:
            wait = _POLL_SECONDS
            if self.deadline is not None:
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    raise self._timeout_error()
                wait = min(wait, remaining)
            try:
                return self.finished.get(timeout=wait)
            except queue.Empty:
                continue

    def _timeout_error(self) -> TimeoutError:
        running = _names(self.running.values())
        error = TimeoutError(
            f"run_tasks() timed out after {self.timeout:g} s; still running: {running}"
        )
        waiting = [
            name
            for name in self.tasks
            if name not in self.results
            and name not in self.failures
            and name not in self.running.values()
        ]
        if waiting:
            error.add_note(f"run_tasks: not started: {_names(waiting)}")
        if self.failures:
            error.add_note(f"run_tasks: failed before that: {_names(self.failures)}")
        return error
