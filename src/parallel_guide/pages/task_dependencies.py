"""Tasks that need each other's results: a download → process → report pipeline.

:func:`pipeline` builds the tasks and their dependencies for several sources:
each source is downloaded, then processed, and one report is written from all
of them.  :func:`run_graph` runs such a graph with
:class:`graphlib.TopologicalSorter` and a thread pool, starting every task as
soon as the tasks it needs are done; :func:`~parallel_guide.recipes.run_tasks.run_tasks`
does the same with failures, timeouts and bad input handled.

:func:`download_then_process` is the mistake to avoid: a task that submits a
subtask to its own pool and waits for it, which deadlocks when no worker is
free to run the subtask.  :func:`nested_wait_finishes` shows that without
hanging.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, ThreadPoolExecutor, wait
from functools import partial
from graphlib import TopologicalSorter
from typing import Any

from parallel_guide.pages.task_parallel import (
    download_data,
    generate_report,
    process_data,
)
from parallel_guide.tools.timeline import Stopwatch, TaskRun

SOURCES = {"sales": 2.0, "weather": 1.0, "prices": 0.5}
"""The page's sources and how many seconds each takes to download."""

PROCESS_SECONDS = 1.0
"""Seconds to process one source's data."""

REPORT_SECONDS = 1.5
"""Seconds to write the report from every processed source."""


def report_on(*processed: str, seconds: float = REPORT_SECONDS) -> str:
    """Write one report from every source's processed data.

    >>> report_on("Processed a", "Processed b", seconds=0)
    'Report: Processed a + Processed b'
    """
    return generate_report(" + ".join(processed), seconds=seconds)


def pipeline(
    sources: Mapping[str, float] = SOURCES, *, scale: float = 1.0
) -> tuple[dict[str, Callable[..., str]], dict[str, list[str]]]:
    """The tasks of the pipeline and what each depends on, ready for :func:`run_graph`.

    ``sources`` maps each source to its download time in seconds; ``scale``
    multiplies every duration.  A task is called with the results of the tasks
    it depends on, in the order listed (as
    :func:`~parallel_guide.recipes.run_tasks.run_tasks` calls them).

    >>> tasks, depends_on = pipeline({"a": 2.0, "b": 1.0}, scale=0)
    >>> list(tasks)
    ['download a', 'download b', 'process a', 'process b', 'report']
    >>> depends_on["process a"], depends_on["report"]
    (['download a'], ['process a', 'process b'])
    """
    durations = pipeline_durations(sources, scale=scale)
    tasks: dict[str, Callable[..., str]] = {}
    depends_on: dict[str, list[str]] = {}
    for source in sources:
        name = f"download {source}"
        tasks[name] = partial(download_data, source, seconds=durations[name])
    for source in sources:
        name = f"process {source}"
        tasks[name] = partial(process_data, seconds=durations[name])
        depends_on[name] = [f"download {source}"]
    tasks["report"] = partial(report_on, seconds=durations["report"])
    depends_on["report"] = [f"process {source}" for source in sources]
    return tasks, depends_on


def pipeline_durations(
    sources: Mapping[str, float] = SOURCES, *, scale: float = 1.0
) -> dict[str, float]:
    """How long each task of :func:`pipeline` takes, in seconds, in the same order.

    >>> pipeline_durations({"a": 2.0})
    {'download a': 2.0, 'process a': 1.0, 'report': 1.5}
    """
    if not sources:
        raise ValueError("the pipeline needs at least one source")
    if scale < 0 or any(seconds < 0 for seconds in sources.values()):
        raise ValueError("durations and scale must be 0 or more")
    durations = {f"download {s}": seconds * scale for s, seconds in sources.items()}
    durations |= {f"process {s}": PROCESS_SECONDS * scale for s in sources}
    durations["report"] = REPORT_SECONDS * scale
    return durations


def run_graph(
    tasks: Mapping[Hashable, Callable[..., Any]],
    depends_on: Mapping[Hashable, Iterable[Hashable]] | None = None,
    *,
    workers: int | None = None,
) -> dict[Hashable, Any]:
    """Run every task as soon as the tasks it depends on are done; return the results.

    A task is called with its dependencies' results, in the order listed.  A
    cycle raises :exc:`graphlib.CycleError` before anything runs; a task that
    raises stops the run (use :func:`~parallel_guide.recipes.run_tasks.run_tasks` to
    keep going and to get every failure).

    >>> run_graph({"a": lambda: 2, "b": lambda a: a + 1}, {"b": ["a"]})
    {'a': 2, 'b': 3}
    """
    needs = {name: list((depends_on or {}).get(name, ())) for name in tasks}
    graph = TopologicalSorter(needs)
    graph.prepare()  # raises CycleError, naming the cycle, before anything runs
    results: dict[Hashable, Any] = {}
    running: dict[Any, Hashable] = {}  # future -> task name
    with ThreadPoolExecutor(max_workers=workers) as executor:
        while graph.is_active():
            for name in graph.get_ready():  # every task whose inputs are all done
                args = [results[need] for need in needs[name]]
                running[executor.submit(tasks[name], *args)] = name
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
                results[name] = future.result()  # re-raises the task's exception
                graph.done(name)  # may make dependents ready
    return results


def record(
    driver: Callable[..., Mapping[Hashable, Any]],
    tasks: Mapping[Hashable, Callable[..., Any]],
    depends_on: Mapping[Hashable, Iterable[Hashable]],
    **options: Any,
) -> tuple[list[TaskRun], float]:
    """Run ``tasks`` with ``driver`` (:func:`run_graph` or ``run_tasks``), timing each.

    Returns a :class:`~parallel_guide.tools.timeline.TaskRun` per task, in the order
    the tasks finished, and the wall time of the whole run in seconds.

    >>> runs, wall = record(run_graph, {"a": lambda: 1, "b": lambda a: a}, {"b": ["a"]})
    >>> [(run.name, run.result) for run in runs]
    [('a', 1), ('b', 1)]
    """
    watch = Stopwatch()
    timed = {name: watch.wrap(name, task) for name, task in tasks.items()}
    driver(timed, depends_on=depends_on, **options)
    wall = watch.now()
    return watch.runs(), wall


def download_then_process(
    executor: Executor, source: str, *, seconds: float = PROCESS_SECONDS
) -> str:
    """A task that submits its download to its own pool and waits for it: don't.

    It holds a worker while it waits.  When every worker is held by such a
    task, the subtasks they wait for never start: a deadlock.

    >>> with ThreadPoolExecutor(max_workers=2) as pool:
    ...     pool.submit(download_then_process, pool, "sales", seconds=0).result()
    'Processed Data from sales'
    """
    raw = executor.submit(download_data, source, seconds=seconds).result()
    return process_data(raw, seconds=seconds)


def nested_wait_finishes(
    workers: int, *, patience: float, seconds: float = 0.1
) -> bool:
    """Whether :func:`download_then_process` finishes within ``patience`` seconds.

    It runs in a pool of ``workers`` threads.  On a deadlock it gives up after
    ``patience`` seconds and cancels the subtask still waiting for a worker,
    which releases the blocked task, so no thread is left behind.

    >>> nested_wait_finishes(1, patience=0.5), nested_wait_finishes(2, patience=30)
    (False, True)
    """
    executor = ThreadPoolExecutor(max_workers=workers)
    outer = executor.submit(download_then_process, executor, "sales", seconds=seconds)
    try:
        outer.result(timeout=patience)
    except TimeoutError:
        return False
    finally:
        # A queued subtask is cancelled; the task waiting on it then gets a
        # CancelledError and its thread is free to exit.
        executor.shutdown(wait=True, cancel_futures=True)
    return True
