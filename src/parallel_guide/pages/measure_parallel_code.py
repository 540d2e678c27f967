"""Measuring parallel code: CPU time across processes, pool phases, CPU counts.

The code behind the "Measuring parallel code" page.  It goes past
:func:`~parallel_guide.tools.timing.measure` where parallel code needs more:

* :func:`wall_and_cpu` adds up the CPU time of the worker processes, which
  :func:`time.process_time` in the parent never sees;
* :func:`pool_phases` splits a pool's life into start, first map, later map and
  shutdown, so start-up can be told apart from steady state;
* :func:`busy_neighbour` keeps one CPU busy, to show what background load does
  to a parallel measurement;
* :func:`cpu_counts`, :func:`cgroup_cpu_limit` and :func:`pinned_to` answer
  "how many CPUs may this process really use?".

It needs the standard library only.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parallel_guide.tools.timing import Timing

__all__ = [
    "WallAndCpu",
    "busy_neighbour",
    "cgroup_cpu_limit",
    "cpu_counts",
    "measure_interleaved",
    "pinned_to",
    "pool_phases",
    "spin",
    "wall_and_cpu",
]


@dataclass(frozen=True)
class WallAndCpu:
    """Wall-clock seconds of one call, and the CPU seconds it used.

    >>> w = WallAndCpu(wall=1.0, own_cpu=0.25, children_cpu=1.5)
    >>> w.total_cpu
    1.75
    >>> w.cores_busy
    1.75
    """

    wall: float
    """Seconds on :func:`time.perf_counter` from start to finish."""
    own_cpu: float
    """CPU seconds used by the calling process (all its threads)."""
    children_cpu: float
    """CPU seconds used by child processes that exited during the call."""

    @property
    def total_cpu(self) -> float:
        """CPU seconds used by the caller and its finished children together."""
        return self.own_cpu + self.children_cpu

    @property
    def cores_busy(self) -> float:
        """How many CPUs were busy on average during the call."""
        return self.total_cpu / self.wall if self.wall > 0 else math.nan


def wall_and_cpu(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> WallAndCpu:
    """Call ``func`` once; return its wall time and the CPU time it used.

    CPU time is read with :func:`os.times`: user plus system time of this
    process, and of the child processes that ended (and were waited for)
    during the call.  A pool's workers are counted once the pool is shut down
    inside ``func``; workers still running afterwards are not.  On Windows
    :func:`os.times` does not report children, so ``children_cpu`` is 0.

    >>> result = wall_and_cpu(sum, range(100_000))
    >>> result.wall > 0 and result.own_cpu >= 0 and result.children_cpu >= 0
    True
    """
    before = os.times()
    start = time.perf_counter()
    func(*args, **kwargs)
    wall = time.perf_counter() - start
    after = os.times()
    return WallAndCpu(
        wall=wall,
        own_cpu=(after.user - before.user) + (after.system - before.system),
        children_cpu=(after.children_user - before.children_user)
        + (after.children_system - before.children_system),
    )


def measure_interleaved(
    variants: Mapping[str, Callable[[], Any]], *, repeat: int = 5, warmup: int = 1
) -> dict[str, Timing]:
    """Time several variants of the same work in turn, round after round.

    :func:`~parallel_guide.tools.timing.measure` times one variant's runs back to
    back, so a burst of background load lands on whichever variant was
    running.  Taking turns spreads it over all of them, so their ratios (the
    speed-ups) are steadier on a busy machine.

    >>> timings = measure_interleaved({"a": lambda: None, "b": lambda: None}, repeat=3)
    >>> sorted(timings), len(timings["a"].seconds)
    (['a', 'b'], 3)
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    for _ in range(warmup):
        for func in variants.values():
            func()
    runs: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, func in variants.items():
            start = time.perf_counter()
            func()
            runs[name].append(time.perf_counter() - start)
    return {name: Timing(tuple(seconds)) for name, seconds in runs.items()}


POOL_PHASES = ("start", "first map", "later map", "shutdown")
"""The phases :func:`pool_phases` times, in order."""


def pool_phases(
    start_method: str,
    processes: int,
    func: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
) -> dict[str, float]:
    """Seconds spent in each phase of one pool's life, with ``start_method``.

    * ``start``: ``Pool(...)`` returns (processes are created, not yet ready);
    * ``first map``: the first ``map`` of ``func`` over ``items``, which also
      waits for the workers to finish starting (with ``spawn``, a new
      interpreter each, importing what the work needs);
    * ``later map``: the same ``map`` again, on workers that are ready;
    * ``shutdown``: ``close()`` and ``join()``, until every worker has exited.

    The map is run twice, so the difference between the two is the start-up
    cost the first one absorbed.  ``initializer(*initargs)`` runs in each
    worker as it starts, as with :class:`multiprocessing.pool.Pool`.
    """
    items = list(items)
    context = multiprocessing.get_context(start_method)
    marks = [time.perf_counter()]
    pool = context.Pool(processes, initializer, initargs)
    try:
        marks.append(time.perf_counter())
        pool.map(func, items)
        marks.append(time.perf_counter())
        pool.map(func, items)
        marks.append(time.perf_counter())
        pool.close()
        pool.join()
        marks.append(time.perf_counter())
    finally:
        pool.terminate()  # a no-op after a clean join; stops workers after an error
        pool.join()
    return {
        phase: later - earlier
        for phase, earlier, later in zip(
            POOL_PHASES, marks[:-1], marks[1:], strict=True
        )
    }


def spin(seconds: float) -> float:
    """Keep one CPU busy for ``seconds`` of wall-clock time; return them.

    Unlike :func:`time.sleep`, this uses the CPU the whole time, in pure
    Python, holding the GIL: a work item whose cost is known exactly.

    >>> spin(0.001)
    0.001
    """
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        pass
    return seconds


def _spin_until_set(stop: Any) -> None:
    while not stop.is_set():
        spin(0.01)


@contextlib.contextmanager
def busy_neighbour(start_method: str = "spawn") -> Iterator[int]:
    """Keep one CPU busy in another process for the duration of the block.

    A stand-in for the other programs on a shared machine (a browser, a CI
    job next door).  The block gets the process's id.  The process is stopped
    when the block ends, even if it raises.

    >>> with busy_neighbour() as pid:
    ...     pid > 0
    True
    """
    context = multiprocessing.get_context(start_method)
    stop = context.Event()
    neighbour = context.Process(
        target=_spin_until_set, args=(stop,), name="busy-neighbour", daemon=True
    )
    neighbour.start()
    try:
        yield neighbour.pid
    finally:
        stop.set()
        neighbour.join(timeout=5)
        if neighbour.is_alive():
            neighbour.kill()
            neighbour.join()
        neighbour.close()


def cgroup_cpu_limit(
    root: Path = Path("/sys/fs/cgroup"),
    membership: Path = Path("/proc/self/cgroup"),
) -> float | None:
    r"""The CPU quota of this process's Linux control group, in CPUs, or None.

    Containers (Docker ``--cpus``, Kubernetes CPU limits) cap CPU *time*
    through the control group's quota rather than hiding CPUs, so
    :func:`os.cpu_count` and :func:`os.sched_getaffinity` do not show it: a
    process may see 16 CPUs and be allowed 2 CPUs' worth of time.  Reads
    cgroup v2 (``cpu.max``) and v1 (``cpu.cfs_quota_us``); returns None when
    there is no limit or no control group to read (any system but Linux).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     root, membership = Path(tmp), Path(tmp, "cgroup")
    ...     _ = membership.write_text("0::/job\n")
    ...     (root / "job").mkdir()
    ...     _ = (root / "job" / "cpu.max").write_text("150000 100000\n")
    ...     cgroup_cpu_limit(root, membership)
    1.5
    """
    try:
        lines = membership.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        relative = path.lstrip("/")
        if controllers == "":  # cgroup v2: one unified hierarchy
            quota = _read_words(root / relative / "cpu.max")
            if quota and quota[0] != "max" and len(quota) == 2:
                return int(quota[0]) / int(quota[1])
        elif "cpu" in controllers.split(","):  # cgroup v1
            for directory in (root / controllers / relative, root / "cpu" / relative):
                quota = _read_words(directory / "cpu.cfs_quota_us")
                period = _read_words(directory / "cpu.cfs_period_us")
                if quota and period and int(quota[0]) > 0:
                    return int(quota[0]) / int(period[0])
    return None


def _read_words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []


def cpu_counts() -> dict[str, float | None]:
    """Every answer Python gives to "how many CPUs?", None where unavailable.

    >>> counts = cpu_counts()
    >>> counts["os.cpu_count()"] >= 1
    True
    """
    counts: dict[str, float | None] = {"os.cpu_count()": os.cpu_count()}
    counts["len(os.sched_getaffinity(0))"] = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    )
    process_cpu_count = getattr(os, "process_cpu_count", None)  # Python 3.13+
    counts["os.process_cpu_count()"] = (
        process_cpu_count() if process_cpu_count else None
    )
    counts["control group CPU quota"] = cgroup_cpu_limit()
    return counts


@contextlib.contextmanager
def pinned_to(cpus: set[int]) -> Iterator[set[int]]:
    """Restrict this process to ``cpus`` (like ``taskset``) inside the block.

    Processes started inside the block inherit the restriction.  The previous
    affinity is restored afterwards.  Linux only (:func:`os.sched_setaffinity`).
    """
    if not hasattr(os, "sched_setaffinity"):
        raise OSError("CPU affinity cannot be set on this platform")
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield os.sched_getaffinity(0)
    finally:
        os.sched_setaffinity(0, previous)
