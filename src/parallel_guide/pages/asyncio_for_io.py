"""I/O concurrency with asyncio: the code behind the "Use asyncio for I/O" page.

The slow local web server and the HTTP client come from the complete program
:mod:`parallel_guide.pages.asyncio_requests`
(:class:`~parallel_guide.pages.asyncio_requests.SlowServer`,
:func:`~parallel_guide.pages.asyncio_requests.fetch`,
:func:`~parallel_guide.pages.asyncio_requests.fetch_all`), so the page and the
program run the same code.  This
module adds what the page measures with them:

- :func:`run_guide_tasks`: the original guide's three tasks as coroutines, in
  an :class:`asyncio.TaskGroup` or one after another, with their times;
- :func:`fetch_blocking`: a blocking :mod:`urllib` request, for
  :func:`asyncio.to_thread`;
- :func:`count_primes_in_loop` and :func:`count_primes_in_executor`: CPU work
  run on the event loop, and run in an executor;
- :func:`loop_lag`: how long the event loop was kept from running other tasks;
- :func:`measure_async`: :func:`~parallel_guide.tools.timing.measure` for coroutines.

It needs the standard library only; :func:`limit_plot` needs matplotlib.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from parallel_guide.pages.asyncio_requests import SlowServer, fetch
from parallel_guide.pages.task_parallel import process_data
from parallel_guide.pages.task_timelines import GUIDE_SECONDS
from parallel_guide.tools.checks import check_count
from parallel_guide.tools.timing import Timing
from parallel_guide.tools.workloads import count_primes

if TYPE_CHECKING:
    import matplotlib.figure

__all__ = [
    "Ran",
    "count_primes_in_executor",
    "count_primes_in_loop",
    "default_thread_workers",
    "fetch_blocking",
    "limit_plot",
    "loop_lag",
    "measure_async",
    "rounds_needed",
    "run_guide_tasks",
]


@dataclass(frozen=True)
class Ran:
    """One task's result, and when it started and finished (seconds from the start)."""

    name: str
    result: Any
    started: float
    finished: float


async def run_guide_tasks(
    server: SlowServer, *, together: bool = True, scale: float = 1.0
) -> list[Ran]:
    """The guide's download, process and report tasks, with real I/O.

    ``download_data`` and ``generate_report`` are HTTP requests to ``server``,
    which answers them after 2 s and 1.5 s; ``process_data`` is the guide's
    blocking function (a 1 s :func:`time.sleep`), run in a thread with
    :func:`asyncio.to_thread` so it does not stop the event loop.  With
    ``together=True`` they run as tasks of one :class:`asyncio.TaskGroup`,
    otherwise one after another.  ``scale`` multiplies the durations.

    >>> from parallel_guide.pages.asyncio_requests import serve
    >>> with serve() as server:
    ...     runs = asyncio.run(run_guide_tasks(server, scale=0.01))
    >>> [run.result for run in runs]
    ['Data from database', 'Processed raw_data', 'Report: analytics']
    """
    seconds = {name: scale * s for name, s in GUIDE_SECONDS.items()}

    async def download_data() -> str:
        await fetch(server.url("/data/database", delay=seconds["download_data"]))
        return "Data from database"

    async def process() -> str:
        # A blocking call: in a thread, the event loop keeps serving the others.
        return await asyncio.to_thread(
            process_data, "raw_data", seconds=seconds["process_data"]
        )

    async def generate_report() -> str:
        await fetch(server.url("/report/analytics", delay=seconds["generate_report"]))
        return "Report: analytics"

    start = time.perf_counter()

    async def timed(name: str, task: Callable[[], Awaitable[str]]) -> Ran:
        started = time.perf_counter() - start
        result = await task()
        return Ran(name, result, started, time.perf_counter() - start)

    steps = {
        "download_data": download_data,
        "process_data": process,
        "generate_report": generate_report,
    }
    if not together:
        return [await timed(name, task) for name, task in steps.items()]
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(timed(name, task)) for name, task in steps.items()]
    return [task.result() for task in tasks]


def fetch_blocking(url: str, timeout: float = 30.0) -> str:
    r"""GET ``url`` with :func:`urllib.request.urlopen`, blocking; return the body.

    Blocking calls like this one stop the event loop if awaited code calls
    them directly; run them with ``await asyncio.to_thread(fetch_blocking, url)``.

    >>> from parallel_guide.pages.asyncio_requests import serve
    >>> with serve() as server:
    ...     fetch_blocking(server.url("/hello"))
    '/hello\n'
    """
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


async def count_primes_in_loop(limit: int) -> int:
    """Count primes below ``limit`` on the event loop: nothing else runs meanwhile."""
    return count_primes(limit)


async def count_primes_in_executor(executor: Executor, limit: int) -> int:
    """Count primes below ``limit`` in ``executor``; the event loop stays free.

    With a :class:`~concurrent.futures.ProcessPoolExecutor` the work runs in
    another process, so it neither blocks the loop nor competes for its GIL.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(1) as pool:
    ...     asyncio.run(count_primes_in_executor(pool, 100))
    25
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, count_primes, limit)


async def loop_lag(
    work: Callable[[], Awaitable[Any]], *, tick: float = 0.005
) -> tuple[Any, float]:
    """Run ``await work()`` beside a ticking task; return its result and the lag.

    The ticker asks to wake every ``tick`` seconds.  The lag is the longest it
    woke late: how long the event loop was kept from running anything else.
    Awaiting I/O leaves it near zero; CPU work run on the loop makes it as long
    as the work.

    >>> result, lag = asyncio.run(loop_lag(lambda: asyncio.sleep(0.05, "done")))
    >>> result, 0 <= lag < 5
    ('done', True)
    """
    late = 0.0
    asked = time.perf_counter()

    async def ticker() -> None:
        nonlocal late, asked
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(tick)
            late = max(late, time.perf_counter() - asked - tick)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # let the ticker start before the work does
    try:
        result = await work()
    finally:
        # Work that never yields finishes before the ticker could wake: its
        # last wait, still running, counts too.
        late = max(late, time.perf_counter() - asked - tick)
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
    return result, late


async def measure_async(
    make: Callable[[], Awaitable[Any]], *, repeat: int = 3, warmup: int = 1
) -> Timing:
    """Time ``await make()`` the way :func:`~parallel_guide.tools.timing.measure` does.

    ``warmup`` untimed runs, then ``repeat`` runs each timed with
    :func:`time.perf_counter`.  ``make`` must return a new awaitable each time
    (a coroutine can be awaited only once).

    >>> timing = asyncio.run(measure_async(lambda: asyncio.sleep(0.01), repeat=2))
    >>> len(timing.seconds), timing.min >= 0.01
    (2, True)
    """
    check_count("repeat", repeat, minimum=1)
    check_count("warmup", warmup, minimum=0)
    for _ in range(warmup):
        await make()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        await make()
        runs.append(time.perf_counter() - start)
    return Timing(tuple(runs))


def default_thread_workers() -> int:
    """Threads in a :class:`~concurrent.futures.ThreadPoolExecutor` given no size.

    ``min(32, CPUs + 4)``, counting the CPUs this process may use on Python
    3.13+ (``os.process_cpu_count()``) and all of them before.  The event
    loop's default executor, which :func:`asyncio.to_thread` uses, is one.

    >>> 5 <= default_thread_workers() <= 32
    True
    """
    cpus = getattr(os, "process_cpu_count", os.cpu_count)() or 1
    return min(32, cpus + 4)


def rounds_needed(count: int, limit: int | None) -> int:
    """How many rounds ``count`` equal requests take with ``limit`` in flight.

    >>> rounds_needed(40, 5), rounds_needed(40, 3), rounds_needed(40, None)
    (8, 14, 1)
    """
    check_count("count", count, minimum=0)
    if limit is None:
        return 1 if count else 0
    check_count("limit", limit, minimum=1)
    return math.ceil(count / limit)


def limit_plot(
    walls: Mapping[int | None, float],
    *,
    count: int,
    delay: float,
    serial: float,
) -> matplotlib.figure.Figure:
    """Wall time of ``count`` requests against the Semaphore's limit.

    ``walls`` maps a limit (None: no limit) to measured seconds; the dashed
    line is the floor, :func:`rounds_needed` times ``delay``, and the dotted
    one the requests made one after another (``serial``).
    """
    from matplotlib.figure import Figure

    from parallel_guide.tools.plots import PALETTE, STYLE

    labels = [str(limit) if limit else "no limit" for limit in walls]
    floors = [rounds_needed(count, limit) * delay for limit in walls]
    fig = Figure(figsize=(7, 4), **STYLE)
    ax = fig.add_subplot()
    positions = range(len(labels))
    ax.bar(positions, list(walls.values()), color=PALETTE[0], label="measured")
    ax.plot(
        positions,
        floors,
        "_",
        markersize=40,
        markeredgewidth=2,
        color=PALETTE[1],
        label="floor: rounds x delay",
    )
    ax.axhline(serial, linestyle=":", color="black", label="one at a time")
    ax.set_xticks(positions, labels)
    ax.set_xlabel("Semaphore limit (requests in flight at once)")
    ax.set_ylabel("seconds for all requests")
    ax.set_yscale("log")
    ax.set_ylim(top=serial * 4)  # room for the legend above the tallest bar
    ax.legend(loc="upper right", fontsize="small", ncols=3)
    ax.set_title(f"{count} requests, each answered after {delay:g} s", loc="left")
    return fig
