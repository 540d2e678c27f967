"""Record when each task ran and when its result reached the caller.

The guide claimed that reading ``future.result()`` in a loop over the futures
collects results "as they become available".  :func:`record_arrivals` runs the
same tasks and writes down, for each one, when it started, when it finished
and when the caller actually had its result, for both ways of collecting.
:class:`Stopwatch` records the same times for tasks run by any other code
(a dependency graph, :func:`~parallel_guide.recipes.run_tasks.run_tasks`).

:func:`critical_path` and :func:`predicted_wall` say what the times *should*
be: the longest chain of tasks that must run one after another, which no
number of workers can beat, and the finish time of a pool with too few workers.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from graphlib import TopologicalSorter
from typing import Any, Literal

from parallel_guide.tools.checks import check_count

Order = Literal["submission", "completion"]


@dataclass(frozen=True)
class TaskRun:
    """One task's result and its times, in seconds since the run began."""

    name: str
    result: Any
    started: float
    finished: float
    collected: float
    """When the caller had the result in hand."""

    @property
    def waited(self) -> float:
        """How long the finished result sat unread."""
        return self.collected - self.finished


def record_arrivals(
    tasks: Mapping[str, Callable[[], Any]],
    *,
    order: Order = "completion",
    workers: int | None = None,
) -> list[TaskRun]:
    """Run ``tasks`` in a thread pool; return a :class:`TaskRun` per task, as collected.

    ``order="submission"`` reads the futures in the order they were submitted
    (the original guide); ``order="completion"`` uses
    :func:`~concurrent.futures.as_completed`.  ``workers=None`` gives every
    task its own thread.

    >>> tasks = {"a": lambda: 1, "b": lambda: 2, "c": lambda: 3}
    >>> runs = record_arrivals(tasks, order="submission")
    >>> [(run.name, run.result) for run in runs]
    [('a', 1), ('b', 2), ('c', 3)]
    """
    if order not in ("submission", "completion"):
        raise ValueError(f"order must be 'submission' or 'completion', got {order!r}")
    origin = time.perf_counter()
    runs = []
    with ThreadPoolExecutor(max_workers=workers or max(len(tasks), 1)) as executor:
        futures = {
            executor.submit(_timed, task, origin): name for name, task in tasks.items()
        }
        pending = as_completed(futures) if order == "completion" else list(futures)
        for future in pending:
            result, started, finished = future.result()
            collected = time.perf_counter() - origin
            runs.append(TaskRun(futures[future], result, started, finished, collected))
    return runs


def _timed(task: Callable[[], Any], origin: float) -> tuple[Any, float, float]:
    started = time.perf_counter() - origin
    result = task()
    return result, started, time.perf_counter() - origin


class Stopwatch:
    """Record when wrapped tasks start and finish, on one clock, from any thread.

    Wrap each task with :meth:`wrap`, run the wrapped tasks however you like
    (in threads: the times are recorded in this process), note when the caller
    has each result with :meth:`collected`, then read :meth:`runs`.

    >>> watch = Stopwatch()
    >>> double = watch.wrap("double", lambda x: 2 * x)
    >>> double(21)
    42
    >>> watch.collected("double")
    >>> [(run.name, run.result) for run in watch.runs()]
    [('double', 42)]
    """

    def __init__(self) -> None:
        self.origin = time.perf_counter()
        self._lock = threading.Lock()
        self._times: dict[Hashable, tuple[Any, float, float]] = {}
        self._collected: dict[Hashable, float] = {}

    def now(self) -> float:
        """Seconds since this stopwatch was made."""
        return time.perf_counter() - self.origin

    def wrap(self, name: Hashable, task: Callable[..., Any]) -> Callable[..., Any]:
        """``task``, same arguments and result, its times recorded as ``name``."""
        if not callable(task):
            raise TypeError(
                f"task {name!r} must be callable, got {type(task).__name__}"
            )

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = self.now()
            result = task(*args, **kwargs)
            with self._lock:
                self._times[name] = (result, started, self.now())
            return result

        return timed

    def collected(self, name: Hashable, at: float | None = None) -> None:
        """Note that the caller has ``name``'s result (now, or ``at`` seconds)."""
        with self._lock:
            self._collected[name] = self.now() if at is None else at

    def runs(self) -> list[TaskRun]:
        """A :class:`TaskRun` per finished task, in the order results were collected.

        A task whose collection was not noted counts as collected when it finished.
        """
        with self._lock:
            runs = [
                TaskRun(
                    str(name),
                    result,
                    started,
                    finished,
                    self._collected.get(name, finished),
                )
                for name, (result, started, finished) in self._times.items()
            ]
        return sorted(runs, key=lambda run: (run.collected, run.finished))


def critical_path(
    durations: Mapping[Hashable, float],
    depends_on: Mapping[Hashable, Iterable[Hashable]] | None = None,
) -> tuple[float, list[Hashable]]:
    """The longest chain of tasks that must run one after another: its length and names.

    No number of workers finishes the tasks sooner than this.  Without
    ``depends_on`` the tasks are independent and the chain is the longest task.

    >>> critical_path({"download": 2.0, "process": 1.0, "report": 1.5})
    (2.0, ['download'])
    >>> critical_path(
    ...     {"download": 2.0, "process": 1.0, "report": 1.5},
    ...     depends_on={"process": ["download"], "report": ["process"]},
    ... )
    (4.5, ['download', 'process', 'report'])
    """
    graph = _graph(durations, depends_on)
    finish: dict[Hashable, float] = {}
    previous: dict[Hashable, Hashable | None] = {}
    for name in TopologicalSorter(graph).static_order():  # CycleError on a cycle
        before = max(graph[name], key=lambda need: finish[need], default=None)
        finish[name] = durations[name] + (0.0 if before is None else finish[before])
        previous[name] = before
    if not finish:
        return 0.0, []
    last: Hashable | None = max(finish, key=finish.__getitem__)
    length = finish[last]
    chain = []
    while last is not None:
        chain.append(last)
        last = previous[last]
    return length, chain[::-1]


def predicted_wall(
    durations: Mapping[Hashable, float],
    workers: int,
    depends_on: Mapping[Hashable, Iterable[Hashable]] | None = None,
) -> float:
    """When the last task ends in a pool of ``workers``, had they taken ``durations``.

    Each task joins a first-in, first-out queue when its dependencies are done
    (tasks ready at the same moment in the order of ``durations``) and starts
    when a worker is free, as in a pool fed with each task once it is ready.

    >>> tasks = {"download": 2.0, "process": 1.0, "report": 1.5}
    >>> [predicted_wall(tasks, workers) for workers in (3, 2, 1)]
    [2.0, 2.5, 4.5]
    """
    check_count("workers", workers)
    graph = _graph(durations, depends_on)
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    order = {name: index for index, name in enumerate(durations)}
    ready: list[tuple[float, int, Hashable]] = []  # (ready since, order, name)
    running: list[tuple[float, int, Hashable]] = []  # (finish time, order, name)
    clock = 0.0
    while sorter.is_active():
        for name in sorter.get_ready():
            heapq.heappush(ready, (clock, order[name], name))
        while ready and len(running) < workers:
            _, index, name = heapq.heappop(ready)
            heapq.heappush(running, (clock + durations[name], index, name))
        clock, _, name = heapq.heappop(running)
        sorter.done(name)
    return clock


def _graph(
    durations: Mapping[Hashable, float],
    depends_on: Mapping[Hashable, Iterable[Hashable]] | None,
) -> dict[Hashable, tuple[Hashable, ...]]:
    graph: dict[Hashable, tuple[Hashable, ...]] = dict.fromkeys(durations, ())
    for name, needs in (depends_on or {}).items():
        if isinstance(needs, (str, bytes)):
            raise TypeError(
                f"depends_on[{name!r}] must be a list of names, got {needs!r}"
            )
        graph[name] = tuple(needs)
        for need in (name, *graph[name]):
            if need not in durations:
                raise ValueError(
                    f"{need!r} appears in depends_on but has no duration; "
                    f"the tasks are {list(durations)}"
                )
    return graph
