"""Running the benchmarks: each section's rows, its limit and its targets.

:func:`run_bench` runs these sections and returns a
:class:`~parallel_guide.site.bench.results.BenchReport`.  Every row is a median over
repeated runs, compared with the row's *limit*: the best any approach could do
on this machine.  The sections:

* **data parallel**: the guide's example as written, a plain loop, NumPy and
  :func:`~parallel_guide.recipes.parallel_map.parallel_map`, on a million items
  and on a hundredth of them; the limit is the faster of the loop and NumPy;
* **CPU-heavy**: :func:`~parallel_guide.tools.workloads.count_primes` through
  ``parallel_map`` on 1 to *N* processes, each call starting its own pool, and
  on *N* in a pool that is already running; the limit is the serial time
  divided by the processes;
* **chunk size**: time per item of
  :meth:`ProcessPoolExecutor.map <concurrent.futures.Executor.map>` on a cheap
  function over a sweep of chunk sizes, in a running pool; the limit is the
  sweep's best;
* **per-item overhead**: ``parallel_map`` with automatic chunks against
  ``ProcessPoolExecutor.map`` with the sweep's best chunk size, both in a
  running pool (the limit is the latter), then both starting a pool in every
  call;
* **tasks**: the guide's task example and
  :func:`~parallel_guide.recipes.run_tasks.run_tasks` on a dependency graph; the limit
  is the graph's critical path
  (:func:`~parallel_guide.tools.timeline.critical_path`);
* **waits**: 10,000 concurrent waits with threads and with asyncio (wall
  time, CPU time, peak memory; ``parallel_guide.pages.threads_vs_asyncio``).

:data:`TARGETS` lists what the project aims for; each run reports them as met
or missed, with the value each round of runs gave (the variants of a section
run in turns, so one round's ratio compares runs made side by side).  A target
that compares two variants also holds their
:func:`~parallel_guide.tools.compare.compare`: the ratio of their times
with its interval and whether the difference is significant.  Worker
processes start with the start method in force
(:func:`multiprocessing.set_start_method`, or the platform's default), as
``parallel_map``'s own pools do.  The module needs the standard library only;
NumPy (for its row) and tqdm (for a progress bar) are used when installed.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from functools import partial
from typing import Any, TextIO

from parallel_guide.pages import original
from parallel_guide.pages.data_parallel import process_number
from parallel_guide.pages.measure_parallel_code import measure_interleaved
from parallel_guide.pages.task_parallel import task_parallel_example
from parallel_guide.recipes.parallel_map import START_METHOD, parallel_map
from parallel_guide.recipes.run_tasks import run_tasks
from parallel_guide.site.bench.progress import Progress
from parallel_guide.site.bench.results import BenchReport, Row, Target
from parallel_guide.site.bench.sets import ORIGINAL_ITEMS, QUICK, BenchSet
from parallel_guide.tools.checks import check_count
from parallel_guide.tools.compare import compare
from parallel_guide.tools.machine import describe_machine, usable_cpus
from parallel_guide.tools.timeline import critical_path
from parallel_guide.tools.timing import Timing, format_seconds, measure
from parallel_guide.tools.workloads import count_primes

__all__ = [
    "GRAPH_DEPENDS_ON",
    "GRAPH_SECONDS",
    "TARGETS",
    "run_bench",
]

GRAPH_SECONDS = {
    "fetch prices": 0.4,
    "fetch orders": 0.6,
    "clean prices": 0.3,
    "clean orders": 0.2,
    "thumbnails": 0.5,
    "join": 0.2,
    "report": 0.1,
}
"""How long each task of the dependency graph waits, in seconds (scale 1)."""

GRAPH_DEPENDS_ON = {
    "clean prices": ["fetch prices"],
    "clean orders": ["fetch orders"],
    "thumbnails": ["fetch prices"],
    "join": ["clean prices", "clean orders"],
    "report": ["join"],
}
"""What each task of the dependency graph needs; its critical path is
fetch orders, clean orders, join, report: 1.1 s at scale 1."""

TARGETS = {
    "cpu_efficiency": 0.90,
    "cheap_function_ratio": 2.0,
    "overhead_ratio": 1.25,
    "critical_path_ratio": 1.02,
}
"""What the project aims for.  On CPU-heavy work (10 ms or more an item), a
speed-up over the loop of at least 90% of the usable CPUs; on a cheap function
over a million items, ``parallel_map`` at most twice the plain loop's time;
``parallel_map``'s time per item within 1.25x of ``ProcessPoolExecutor.map``
with the best chunk size; task examples within 2% of their critical path."""


def run_bench(
    bench_set: BenchSet = QUICK,
    *,
    repeat: int | None = None,
    progress: bool = False,
    stream: TextIO | None = None,
) -> BenchReport:
    """Run every section of ``bench_set``; return the rows and targets.

    ``repeat`` overrides the set's number of timed runs per row.  With
    ``progress``, a progress bar (tqdm's if it is installed, else one line
    rewritten in place) goes to ``stream`` (standard error by default).
    Worker processes start with the start method in force, which the notes
    name, with the load average before the run and the CPU time other
    programs took during it; the original example uses the platform's default.

    A run takes seconds (:data:`~parallel_guide.site.bench.sets.TINY`) to minutes
    (:data:`~parallel_guide.site.bench.sets.FULL`); a mistake is reported before
    anything runs:

    >>> run_bench("quick")
    Traceback (most recent call last):
    ...
    TypeError: bench_set must be a BenchSet such as QUICK or FULL, got str
    """
    if not isinstance(bench_set, BenchSet):
        raise TypeError(
            f"bench_set must be a BenchSet such as QUICK or FULL, "
            f"got {type(bench_set).__name__}"
        )
    repeat = bench_set.repeat if repeat is None else repeat
    check_count("repeat", repeat)
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    begin = time.perf_counter()
    bar = Progress(len(_SECTIONS), enabled=progress, stream=stream)
    rows: list[Row] = []
    targets: list[Target] = []
    notes: list[str] = []
    load, cpu_before = _load(), _cpu_seconds()
    try:
        for title, section in _SECTIONS:
            bar.step(title)
            new_rows, new_targets, new_notes = section(bench_set, repeat)
            rows += new_rows
            targets += new_targets
            notes += new_notes
        bar.step("done")
    finally:
        bar.close()
    notes.append(
        f"worker processes started with {_start_method()}; load average (1 min) "
        f"{load} before the run, on {usable_cpus()} usable CPUs"
        + _others(cpu_before, _cpu_seconds(), time.perf_counter() - begin)
    )
    return BenchReport(
        bench_set=bench_set,
        repeat=repeat,
        rows=tuple(rows),
        targets=tuple(targets),
        notes=tuple(notes),
        machine=asdict(describe_machine()),
        started=started,
        seconds=time.perf_counter() - begin,
    )


Section = tuple[list[Row], list[Target], list[str]]


def _data_parallel(bench_set: BenchSet, repeat: int) -> Section:
    n = bench_set.data_items
    rows, targets, notes = _data_section(
        "data parallel", n, repeat, with_original=n == ORIGINAL_ITEMS
    )
    if n != ORIGINAL_ITEMS:
        notes.append(
            f"data parallel: the original example was not run: it always maps "
            f"{ORIGINAL_ITEMS:,} items, and this set uses {n:,}."
        )
    # Every item runs in a worker, so a short input pays the pool's start-up
    # for little work: shown, not judged (where a pool pays is the reader's call).
    small = max(1, n // SMALL_INPUT_DIVISOR)
    section = f"data parallel, {small:,} items"
    more = _data_section(section, small, repeat, with_target=False)
    notes.append(
        f"{section}: no target; every item runs in a worker process, so the "
        "pool's start-up weighs on a short input"
    )
    return rows + more[0], targets + more[1], notes + more[2]


SMALL_INPUT_DIVISOR = 100
"""The data-parallel section runs again on this fraction of its items."""


def _data_section(
    section: str,
    n: int,
    repeat: int,
    *,
    with_original: bool = False,
    with_target: bool = True,
) -> Section:
    variants: dict[str, Callable[[], Any]] = {}
    notes = []
    if with_original:
        variants["original example, as written"] = original.data_parallel_example
    variants["plain loop"] = partial(_loop, n)
    numpy = _numpy()
    if numpy is not None:
        variants["NumPy"] = partial(_with_numpy, numpy, n)
    else:
        notes.append(f"{section}: NumPy is not installed, so its row is missing.")
    variants["parallel_map"] = partial(_with_parallel_map, n)
    timings = measure_interleaved(variants, repeat=repeat, warmup=1)
    fastest = min(
        timings[name].median for name in ("plain loop", "NumPy") if name in timings
    )
    loop = timings["plain loop"]
    limit_name = (
        "NumPy"
        if "NumPy" in timings and timings["NumPy"].median == fastest
        else "plain loop"
    )
    rows = [
        _row(section, name, timing, fastest, note=_data_note(name, limit_name, n))
        for name, timing in timings.items()
    ]
    targets = []
    if with_target:
        targets.append(
            Target(
                f"parallel_map on a cheap function, {n:,} items: time / plain loop",
                measured=timings["parallel_map"].median / loop.median,
                bound=TARGETS["cheap_function_ratio"],
                note=f"its own pool, started with {_start_method()}, included",
                runs=_per_round(timings["parallel_map"], loop),
                comparison=compare(loop, timings["parallel_map"]),
                compared="parallel_map against the plain loop",
            )
        )
    return rows, targets, notes


def _data_note(name: str, limit_name: str, n: int) -> str:
    if name == limit_name:
        return "the limit"
    if name == "original example, as written":
        return "Pool(4), default start method, pool start-up included"
    if name == "parallel_map":
        return f"{n:,} items; its pool's start-up included"
    return ""


def _loop(n: int) -> list[int]:
    data = list(range(n))
    return [process_number(x) for x in data]


def _with_numpy(numpy: Any, n: int) -> Any:
    values = numpy.arange(n, dtype=numpy.int64)
    return values * values + 2 * values + 1  # process_number, on the whole array


def _with_parallel_map(n: int) -> list[int]:
    return parallel_map(process_number, list(range(n)))


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _cpu_heavy(bench_set: BenchSet, repeat: int) -> Section:
    cpus = usable_cpus()
    work = [bench_set.cpu_limit] * bench_set.cpu_items
    variants: dict[str, Callable[[], Any]] = {"serial loop": partial(_count, work)}
    counts = {}
    for processes in range(1, cpus + 1):
        name = _processes(processes)
        variants[name] = partial(parallel_map, count_primes, work, workers=processes)
        counts[name] = processes
    # The same call in a pool started beforehand: the gap between the two rows
    # is what starting (and stopping) the pool costs.
    running = f"{_processes(cpus)}, running pool"
    with ProcessPoolExecutor(cpus, mp_context=_context()) as pool:
        variants[running] = partial(parallel_map, count_primes, work, executor=pool)
        counts[running] = cpus
        timings = measure_interleaved(variants, repeat=repeat, warmup=1)
    serial = timings.pop("serial loop")
    per_item = format_seconds(serial.median / len(work))
    rows = [
        _row(
            "CPU-heavy",
            "serial loop",
            serial,
            serial.median,
            note=f"the baseline; {per_item} an item",
        )
    ]
    for name, timing in timings.items():
        processes = counts[name]
        speedup = serial.median / timing.median
        started = "started before the timing" if name == running else "its own"
        rows.append(
            _row(
                "CPU-heavy",
                name,
                timing,
                serial.median / processes,
                note=f"speed-up {speedup:.2f} of {processes}; pool {started}",
            )
        )
    # The target is for the whole machine: every usable CPU busy, as called
    # by default (its own pool, start-up included).
    whole = timings[_processes(cpus)]
    targets = [
        Target(
            f"CPU-heavy speed-up over the loop on all {cpus} usable CPUs: "
            "share of ideal",
            measured=serial.median / whole.median / cpus,
            bound=TARGETS["cpu_efficiency"],
            at_least=True,
            note=f"{len(work)} x count_primes({bench_set.cpu_limit:,}), {per_item} "
            f"an item; its own pool, started with {_start_method()}, included",
            runs=tuple(r / cpus for r in _per_round(serial, whole)),
            comparison=compare(serial, whole),
            compared=f"{_processes(cpus)} against the serial loop",
        )
    ]
    return rows, targets, []


def _count(work: list[int]) -> list[int]:
    return [count_primes(limit) for limit in work]


def _processes(count: int) -> str:
    return f"{count} process{'es' * (count > 1)}"


def _chunk_size(bench_set: BenchSet, repeat: int) -> Section:
    cpus = usable_cpus()
    items = list(range(bench_set.chunk_items))
    single = items[: bench_set.single_items]
    sweep = _sweep_sizes(len(items), cpus)
    with ProcessPoolExecutor(cpus, mp_context=_context()) as pool:
        # First the standard library alone: which chunk size is best here.
        variants: dict[str, Callable[[], Any]] = {
            str(size): partial(_executor_map, pool, items, size) for size in sweep
        }
        variants["1"] = partial(_executor_map, pool, single, 1)
        swept = {
            int(size): _per_item(timing, len(single if size == "1" else items))
            for size, timing in measure_interleaved(
                variants, repeat=repeat, warmup=1
            ).items()
        }
        best = min(sweep, key=lambda size: swept[size].median)
        # Then parallel_map against that best, in turns, so that their ratio
        # in each round compares runs made side by side.
        head_to_head: dict[str, Callable[[], Any]] = {
            "map": partial(_executor_map, pool, items, best),
            "auto": partial(parallel_map, process_number, items, executor=pool),
            "fixed": partial(
                parallel_map, process_number, items, executor=pool, chunksize=best
            ),
            "fresh map": partial(_fresh_executor_map, cpus, items, best),
            "own pool": partial(parallel_map, process_number, items),
        }
        timings = {
            name: _per_item(timing, len(items))
            for name, timing in measure_interleaved(
                head_to_head, repeat=repeat, warmup=1
            ).items()
        }
    return _chunk_rows(bench_set, cpus, sweep, swept, best, timings)


def _chunk_rows(
    bench_set: BenchSet,
    cpus: int,
    sweep: list[int],
    swept: dict[int, Timing],
    best: int,
    timings: dict[str, Timing],
) -> Section:
    n = f"{bench_set.chunk_items:,}"
    executor_map = "ProcessPoolExecutor.map"
    rows = [
        _row(
            "chunk size",
            f"{executor_map}, chunksize={size}",
            swept[size],
            swept[best].median,
            "s/item",
            note=_sweep_note(size, best, bench_set, cpus),
        )
        for size in [1, *sweep]
    ]
    section = "per-item overhead, running pool"
    limit = timings["map"].median
    rows += [
        _row(
            section,
            f"{executor_map}, chunksize={best}",
            timings["map"],
            limit,
            "s/item",
            note="the limit: the sweep's best chunk size, measured again",
        ),
        _row(
            section,
            "parallel_map, automatic chunks",
            timings["auto"],
            limit,
            "s/item",
            note="executor=the running pool",
        ),
        _row(
            section,
            f"parallel_map, chunksize={best}",
            timings["fixed"],
            limit,
            "s/item",
            note="the limit's chunks: what is left is parallel_map's own cost",
        ),
    ]
    section = "per-item overhead, pool per call"
    rows += [
        _row(
            section,
            f"{executor_map}, chunksize={best}",
            timings["fresh map"],
            timings["fresh map"].median,
            "s/item",
            note=f"the limit; a pool of {cpus} started and shut down in each run",
        ),
        _row(
            section,
            "parallel_map, own pool",
            timings["own pool"],
            timings["fresh map"].median,
            "s/item",
            note=f"automatic chunks; started with {_start_method()}",
        ),
    ]
    targets = [
        Target(
            f"parallel_map time per item / {executor_map} with the best chunk "
            "size, running pool",
            measured=timings["auto"].median / limit,
            bound=TARGETS["overhead_ratio"],
            note=f"process_number over {n} items; automatic chunks against "
            f"chunksize={best}, best of {', '.join(map(str, sweep))}",
            runs=_per_round(timings["auto"], timings["map"]),
            comparison=compare(timings["map"], timings["auto"]),
            compared=f"automatic chunks against chunksize={best}",
        )
    ]
    return rows, targets, []


def _sweep_note(size: int, best: int, bench_set: BenchSet, cpus: int) -> str:
    if size == best:
        return f"the limit: the best of the sweep, in a running pool of {cpus}"
    if size == 1:
        return f"its default; {bench_set.single_items:,} items"
    return ""


def _executor_map(pool: ProcessPoolExecutor, items: list[int], size: int) -> list:
    return list(pool.map(process_number, items, chunksize=size))


def _fresh_executor_map(workers: int, items: list[int], size: int) -> list:
    with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
        return list(pool.map(process_number, items, chunksize=size))


def _per_item(timing: Timing, count: int) -> Timing:
    return Timing(tuple(seconds / count for seconds in timing.seconds))


def _per_round(numerator: Timing, denominator: Timing) -> tuple[float, ...]:
    """The ratio of two variants timed in turns, round by round.

    >>> _per_round(Timing((2.0, 3.0)), Timing((1.0, 2.0)))
    (2.0, 1.5)
    """
    return tuple(
        a / b for a, b in zip(numerator.seconds, denominator.seconds, strict=True)
    )


def _sweep_sizes(items: int, workers: int) -> list[int]:
    """Chunk sizes from 64 up, by fours, to a quarter of each worker's share.

    >>> _sweep_sizes(20_000, 2)
    [64, 256, 1024, 2500]
    """
    largest = max(1, items // (4 * workers))
    sizes = [size for size in (4**k for k in range(3, 12)) if size < largest]
    return [*sizes, largest]


def _context() -> multiprocessing.context.BaseContext:
    # The context parallel_map's own pools use, so both sides start alike.
    return multiprocessing.get_context(START_METHOD)


def _start_method() -> str:
    return _context().get_start_method()


def _load() -> str:
    if not hasattr(os, "getloadavg"):  # Windows
        return "unknown"
    return f"{os.getloadavg()[0]:.2f}"


def _cpu_seconds() -> tuple[float, float] | None:
    """CPU seconds the whole machine and this run (its reaped children too) used.

    Linux only (``/proc/stat``); elsewhere ``None``.
    """
    try:
        with open("/proc/stat") as stat:
            ticks = [int(field) for field in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    # user, nice, system, then irq, softirq, steal: all but idle and iowait
    busy = sum(ticks[:3]) + sum(ticks[5:8])
    times = os.times()
    ours = times.user + times.system + times.children_user + times.children_system
    return busy / os.sysconf("SC_CLK_TCK"), ours


def _others(
    before: tuple[float, float] | None, after: tuple[float, float] | None, wall: float
) -> str:
    """What other programs took of the machine during a run, as a note's end.

    >>> _others((100.0, 1.0), (112.0, 9.0), 8.0)
    '; other programs used about 4.0 CPU-seconds during it, 0.50 CPUs on average'
    >>> _others(None, None, 8.0)
    ''
    """
    if before is None or after is None or wall <= 0:
        return ""
    others = max(0.0, (after[0] - before[0]) - (after[1] - before[1]))
    return (
        f"; other programs used about {others:.1f} CPU-seconds during it, "
        f"{others / wall:.2f} CPUs on average"
    )


def _tasks(bench_set: BenchSet, repeat: int) -> Section:
    scale = bench_set.task_scale
    rows, targets, notes = [], [], []
    examples: dict[str, tuple[Callable[[], Any], float]] = {}
    if bench_set.run_original_task:
        examples["original example, as written"] = (original.task_parallel_example, 2.0)
    else:
        notes.append(
            "tasks: the original example was not run: it always takes 2 s a run."
        )
    examples[f"task_parallel_example(scale={scale:g})"] = (
        partial(task_parallel_example, scale),
        2.0 * scale,
    )
    graph_seconds = {name: s * scale for name, s in GRAPH_SECONDS.items()}
    tasks = {name: partial(_pause, s) for name, s in graph_seconds.items()}
    examples[f"run_tasks, {len(tasks)}-task graph (scale={scale:g})"] = (
        partial(run_tasks, tasks, depends_on=GRAPH_DEPENDS_ON),
        critical_path(graph_seconds, GRAPH_DEPENDS_ON)[0],
    )
    for name, (run, path) in examples.items():
        # The tasks only sleep: there is nothing to warm up.
        timing = measure(run, repeat=repeat, warmup=0)
        rows.append(_row("tasks", name, timing, path, note=f"critical path {path:g} s"))
        targets.append(
            Target(
                f"{name}: time / critical path",
                measured=timing.median / path,
                bound=TARGETS["critical_path_ratio"],
            )
        )
    return rows, targets, notes


def _pause(seconds: float, *inputs: Any) -> float:
    time.sleep(seconds)
    return seconds


def _waits(bench_set: BenchSet, repeat: int) -> Section:
    from parallel_guide.pages.threads_vs_asyncio import KINDS, measure_waits

    count, seconds = bench_set.wait_count, bench_set.wait_seconds
    results: dict[str, list[Any]] = {kind: [] for kind in KINDS}
    for _ in range(repeat):  # in turns, each in a fresh interpreter
        for kind in KINDS:
            results[kind].append(measure_waits(kind, count, seconds))
    rows = []
    section = f"{count:,} waits of {seconds:g} s"
    measures = (
        ("wall", "s", "wall time"),
        ("cpu", "s", "CPU time"),
        ("peak_mib", "MiB", "peak memory"),
    )
    for field_name, unit, label in measures:
        values = {
            kind: tuple(getattr(r, field_name) for r in runs)
            for kind, runs in results.items()
        }
        medians = {kind: statistics.median(v) for kind, v in values.items()}
        if field_name == "wall":
            limit, why = seconds, "the limit: one wait"
        else:
            limit, why = min(medians.values()), "the limit: the lower of the two"
        for kind in KINDS:
            note = why if field_name == "wall" or medians[kind] == limit else ""
            rows.append(
                Row(
                    section,
                    f"{kind}: {label}",
                    medians[kind],
                    limit,
                    unit,
                    note=note,
                    runs=values[kind],
                )
            )
    return rows, [], []


_SECTIONS: tuple[tuple[str, Callable[[BenchSet, int], Section]], ...] = (
    ("data parallel", _data_parallel),
    ("CPU-heavy", _cpu_heavy),
    ("chunk size and per-item overhead", _chunk_size),
    ("tasks", _tasks),
    ("waits", _waits),
)


def _row(
    section: str,
    name: str,
    timing: Timing,
    limit: float,
    unit: str = "s",
    note: str = "",
) -> Row:
    return Row(section, name, timing.median, limit, unit, note, timing.seconds)
