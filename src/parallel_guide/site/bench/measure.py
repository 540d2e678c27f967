"""Running the benchmarks: each section's rows, its limit and its targets.

:func:`run_bench` runs five sections and returns a
:class:`~parallel_guide.site.bench.results.BenchReport`.  Every row is a median over
repeated runs, compared with the row's *limit*: the best any approach could do
on this machine.  The sections:

* **data parallel**: the guide's example as written, a plain loop, NumPy and
  :func:`~parallel_guide.recipes.parallel_map.parallel_map`; the limit is the faster of
  the loop and NumPy;
* **CPU-heavy**: :func:`~parallel_guide.tools.workloads.count_primes` on 1 to
  *N* processes; the limit is the serial time divided by the CPUs in use;
* **chunk size**: time per item of ``parallel_map`` with its automatic chunk
  size, against the best fixed chunk size of a sweep (the limit) and against
  :meth:`ProcessPoolExecutor.map <concurrent.futures.Executor.map>`'s default
  of one item per chunk;
* **tasks**: the guide's task example and
  :func:`~parallel_guide.recipes.run_tasks.run_tasks` on a dependency graph; the limit
  is the graph's critical path
  (:func:`~parallel_guide.tools.timeline.critical_path`);
* **waits**: 10,000 concurrent waits with threads and with asyncio (wall
  time, CPU time, peak memory; ``parallel_guide.pages.threads_vs_asyncio``).

:data:`TARGETS` lists what the project aims for; each run reports them as met
or missed.  The module needs the standard library only; NumPy (for its row)
and tqdm (for a progress bar) are used when installed.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import multiprocessing
import statistics
import time
from collections.abc import Callable, Iterator
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
    "auto_chunk_ratio": 1.25,
    "critical_path_ratio": 1.02,
    "cheap_function_ratio": 2.0,
}
"""What the project aims for.  A CPU-heavy speed-up of at least 90% of the
CPUs used; automatic chunks within 1.25x of the sweep's best time per item;
task examples within 2% of their critical path; ``parallel_map`` at most twice
the plain loop's time on a cheap function."""


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
    Worker processes are started with ``spawn``, as everywhere in this guide,
    except in the original example, which uses the platform's default.

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
    # "Never slower than twice the loop" must hold for short inputs too, where
    # starting worker processes costs far more than the work.
    small = max(1, n // SMALL_INPUT_DIVISOR)
    more = _data_section(f"data parallel, {small:,} items", small, repeat)
    return rows + more[0], targets + more[1], notes + more[2]


SMALL_INPUT_DIVISOR = 100
"""The data-parallel section runs again on this fraction of its items."""


def _data_section(
    section: str, n: int, repeat: int, *, with_original: bool = False
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
    with _where_parallel_map_ran() as where:
        variants["parallel_map"] = where.counted(partial(_with_parallel_map, n))
        timings = measure_interleaved(variants, repeat=repeat, warmup=1)
    fastest = min(
        timings[name].median for name in ("plain loop", "NumPy") if name in timings
    )
    loop = timings["plain loop"].median
    limit_name = (
        "NumPy"
        if "NumPy" in timings and timings["NumPy"].median == fastest
        else "plain loop"
    )
    rows = [
        _row(section, name, timing, fastest, note=_data_note(name, limit_name, n))
        for name, timing in timings.items()
    ]
    targets = [
        Target(
            f"parallel_map on a cheap function, {n:,} items: time / plain loop",
            measured=timings["parallel_map"].median / loop,
            bound=TARGETS["cheap_function_ratio"],
            note=where.summary(),
        )
    ]
    return rows, targets, notes


def _data_note(name: str, limit_name: str, n: int) -> str:
    if name == limit_name:
        return "the limit"
    if name == "original example, as written":
        return "Pool(4), default start method, pool start-up included"
    if name == "parallel_map":
        return f"{n:,} items; a pool's start-up is included when it starts one"
    return ""


class _RunsHere(logging.Handler):
    """Count the runs in which ``parallel_map`` said it stayed in this process."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.here = 0
        self.runs = 0

    def counted(self, run: Callable[[], Any]) -> Callable[[], Any]:
        def counted_run() -> Any:
            self.runs += 1
            return run()

        return counted_run

    def emit(self, record: logging.LogRecord) -> None:
        if "in the calling process" in record.getMessage():
            self.here += 1

    def summary(self) -> str:
        if self.here == 0:
            return "parallel_map started worker processes in every run"
        if self.here >= self.runs:
            return "parallel_map ran in the calling process in every run, and said so"
        return (
            f"parallel_map ran in the calling process in {self.here} of "
            f"{self.runs} runs"
        )


@contextlib.contextmanager
def _where_parallel_map_ran() -> Iterator[_RunsHere]:
    """Listen to ``parallel_map``'s log: it says when it starts no processes."""
    logger = logging.getLogger("parallel_guide.recipes.parallel_map")
    handler, level = _RunsHere(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


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
    variants: dict[str, Callable[[], Any]] = {
        "serial loop": lambda: [count_primes(limit) for limit in work]
    }
    counts = {}
    for processes in range(1, cpus + 1):
        name = f"{processes} process{'es' * (processes > 1)}"
        variants[name] = partial(parallel_map, count_primes, work, workers=processes)
        counts[name] = processes
    # parallel_map first runs an item here to see whether processes pay; this
    # row shows what skipping that trial (serial_below=0) would have saved.
    no_trial = f"{cpus} processes, serial_below=0"
    variants[no_trial] = partial(
        parallel_map, count_primes, work, workers=cpus, serial_below=0
    )
    counts[no_trial] = cpus
    timings = measure_interleaved(variants, repeat=repeat, warmup=1)
    serial = timings.pop("serial loop")
    rows = [
        _row("CPU-heavy", "serial loop", serial, serial.median, note="the baseline")
    ]
    for name, timing in timings.items():
        processes = counts[name]
        speedup = serial.median / timing.median
        rows.append(
            _row(
                "CPU-heavy",
                name,
                timing,
                serial.median / processes,
                note=f"speed-up {speedup:.2f} of {processes}",
            )
        )
    # The target is for the whole machine: every usable CPU busy, as called
    # by default.
    name = f"{cpus} process{'es' * (cpus > 1)}"
    speedup = serial.median / timings[name].median
    targets = [
        Target(
            f"CPU-heavy speed-up on all {cpus} CPUs: share of ideal",
            measured=speedup / cpus,
            bound=TARGETS["cpu_efficiency"],
            at_least=True,
            note=f"{len(work)} x count_primes({bench_set.cpu_limit:,}), "
            "pool start-up and parallel_map's trial of one item included",
        )
    ]
    return rows, targets, []


def _chunk_size(bench_set: BenchSet, repeat: int) -> Section:
    cpus = usable_cpus()
    items = list(range(bench_set.chunk_items))
    single = items[: bench_set.single_items]
    sweep = _sweep_sizes(len(items), cpus)
    context = multiprocessing.get_context(START_METHOD)
    with ProcessPoolExecutor(max_workers=cpus, mp_context=context) as pool:
        variants: dict[str, Callable[[], Any]] = {
            f"chunksize={size}": partial(
                parallel_map, process_number, items, executor=pool, chunksize=size
            )
            for size in sweep
        }
        variants["automatic"] = partial(
            parallel_map, process_number, items, executor=pool
        )
        variants["executor"] = lambda: list(pool.map(process_number, single))
        timings = measure_interleaved(variants, repeat=repeat, warmup=1)
    loop = measure(_loop, len(items), repeat=repeat).median / len(items)
    per_item = {
        name: Timing(
            tuple(s / len(single if name == "executor" else items) for s in t.seconds)
        )
        for name, t in timings.items()
    }
    best_name = min(
        (name for name in per_item if name.startswith("chunksize=")),
        key=lambda name: per_item[name].median,
    )
    best = per_item[best_name].median
    automatic = per_item["automatic"]
    section = "chunk size"
    rows = [
        _row(
            section,
            "parallel_map, automatic chunks",
            automatic,
            best,
            "s/item",
            note=f"running pool of {cpus}; plain loop {format_seconds(loop)}/item",
        ),
        _row(
            section,
            f"parallel_map, best of sweep ({best_name})",
            per_item[best_name],
            best,
            "s/item",
            note=f"the limit; swept {', '.join(map(str, sweep))}",
        ),
        _row(
            section,
            "ProcessPoolExecutor.map, chunksize=1",
            per_item["executor"],
            best,
            "s/item",
            note=f"its default; {len(single):,} items",
        ),
    ]
    targets = [
        Target(
            "parallel_map automatic chunks: time per item / sweep's best",
            measured=automatic.median / best,
            bound=TARGETS["auto_chunk_ratio"],
            note=f"process_number over {len(items):,} items",
        )
    ]
    return rows, targets, []


def _sweep_sizes(items: int, workers: int) -> list[int]:
    """Chunk sizes from 16 up, by fours, to a quarter of each worker's share.

    >>> _sweep_sizes(20_000, 2)
    [16, 64, 256, 1024, 2500]
    """
    largest = max(1, items // (4 * workers))
    sizes = [size for size in (4**k for k in range(2, 12)) if size < largest]
    return [*sizes, largest]


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
    ("chunk size", _chunk_size),
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
