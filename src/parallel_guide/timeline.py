"""Record when each task ran and when its result reached the caller.

The guide claimed that reading ``future.result()`` in a loop over the futures
collects results "as they become available".  :func:`record_arrivals` runs the
same tasks and writes down, for each one, when it started, when it finished
and when the caller actually had its result, for both ways of collecting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from parallel_guide.task_parallel import download_data, generate_report, process_data

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


def guide_tasks(scale: float = 1.0) -> dict[str, Callable[[], str]]:
    """The guide's three tasks, each ready to call with no arguments.

    ``scale`` multiplies the guide's durations of 2 s, 1 s and 1.5 s.

    >>> sorted(guide_tasks())
    ['download_data', 'generate_report', 'process_data']
    >>> guide_tasks(scale=0)["process_data"]()
    'Processed raw_data'
    """
    return {
        "download_data": partial(download_data, "database", seconds=2.0 * scale),
        "process_data": partial(process_data, "raw_data", seconds=1.0 * scale),
        "generate_report": partial(generate_report, "analytics", seconds=1.5 * scale),
    }


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

    >>> runs = record_arrivals(guide_tasks(scale=0), order="submission")
    >>> [run.name for run in runs]
    ['download_data', 'process_data', 'generate_report']
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
