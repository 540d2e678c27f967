"""Benchmarks: the guide's examples against their physical limits.

``python -m parallel_guide bench`` runs :func:`run_bench` and prints
:func:`format_table`.  Every row is a median over repeated runs, shown as a
ratio to the row's *limit*: the best any approach could do on this machine.
A ratio of 1.00 is at the limit; 2.00 takes twice as long (or twice the
memory) as the limit allows.  The sections:

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
  is the graph's critical path;
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
import math
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial
from graphlib import TopologicalSorter
from typing import Any, TextIO

from parallel_guide.pages import original
from parallel_guide.pages.data_parallel import process_number
from parallel_guide.pages.measure_parallel_code import measure_interleaved
from parallel_guide.pages.task_parallel import task_parallel_example
from parallel_guide.recipes.parallel_map import START_METHOD, parallel_map
from parallel_guide.recipes.run_tasks import run_tasks
from parallel_guide.tools.machine import describe_machine, usable_cpus
from parallel_guide.tools.timing import Timing, format_seconds, measure
from parallel_guide.tools.workloads import count_primes

__all__ = [
    "FULL",
    "GRAPH_DEPENDS_ON",
    "GRAPH_SECONDS",
    "QUICK",
    "SETS",
    "TARGETS",
    "TINY",
    "BenchReport",
    "BenchSet",
    "Row",
    "Target",
    "critical_path",
    "format_table",
    "markdown_tables",
    "ratio_plot",
    "run_bench",
]

JSON_VERSION = 1
ORIGINAL_ITEMS = 1_000_000
"""The guide's data-parallel example always maps this many items."""


@dataclass(frozen=True)
class BenchSet:
    """How big each benchmark is.  :data:`QUICK` and :data:`FULL` are the CLI's."""

    name: str
    repeat: int
    """Timed runs per row (the median is shown); ``--repeat`` overrides it."""
    data_items: int
    """Items in the data-parallel section (the original example is run only
    when this is ``ORIGINAL_ITEMS``, the size it is written for)."""
    cpu_items: int
    """Calls of ``count_primes(cpu_limit)`` in the CPU-heavy section."""
    cpu_limit: int
    chunk_items: int
    """Items per run of the chunk-size sweep."""
    single_items: int
    """Items for ``ProcessPoolExecutor.map`` with one item per chunk (slow)."""
    task_scale: float
    """Multiplies the durations of the task examples (the original's are fixed)."""
    run_original_task: bool
    """Whether to run the original task example, which always takes 2 s a run."""
    wait_count: int
    wait_seconds: float


QUICK = BenchSet(
    name="quick",
    repeat=3,
    data_items=ORIGINAL_ITEMS,
    cpu_items=16,
    cpu_limit=50_000,
    chunk_items=20_000,
    single_items=2_000,
    task_scale=0.25,
    run_original_task=True,
    wait_count=10_000,
    wait_seconds=0.5,
)
"""Fits in well under a minute on two idle cores."""

FULL = BenchSet(
    name="full",
    repeat=7,
    data_items=ORIGINAL_ITEMS,
    cpu_items=32,
    cpu_limit=80_000,
    chunk_items=100_000,
    single_items=5_000,
    task_scale=1.0,
    run_original_task=True,
    wait_count=10_000,
    wait_seconds=1.0,
)
"""Takes a few minutes, with larger work (start-up weighs less) and more repeats."""

TINY = BenchSet(
    name="tiny",
    repeat=1,
    data_items=20_000,
    cpu_items=4,
    cpu_limit=5_000,
    chunk_items=2_000,
    single_items=200,
    task_scale=0.02,
    run_original_task=False,
    wait_count=200,
    wait_seconds=0.05,
)
"""Takes seconds, for tests and quick builds of the docs; shows rows, not limits."""

SETS = {s.name: s for s in (QUICK, FULL, TINY)}

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


@dataclass(frozen=True)
class Row:
    """One measured median and the limit it is compared with.

    Every quantity is one where less is better (seconds, seconds per item,
    MiB), so ``ratio`` is at least 1 when the limit holds, and the distance
    from the limit reads the same way in every row.

    >>> row = Row("tasks", "run_tasks", value=1.12, limit=1.10)
    >>> f"{row.ratio:.3f}"
    '1.018'
    """

    section: str
    name: str
    value: float
    """The median of the runs."""
    limit: float
    unit: str = "s"
    """``"s"``, ``"s/item"`` or ``"MiB"``."""
    note: str = ""
    runs: tuple[float, ...] = ()
    """Every run's value, in the order measured."""

    @property
    def ratio(self) -> float:
        """``value / limit``: 1.00 at the limit, 2.00 twice the limit."""
        return self.value / self.limit if self.limit > 0 else math.nan


@dataclass(frozen=True)
class Target:
    """A goal for one measured quantity, and whether this run met it.

    >>> Target("efficiency", measured=0.93, bound=0.9, at_least=True).met
    True
    >>> Target("ratio", measured=1.3, bound=1.25).met
    False
    """

    name: str
    measured: float
    bound: float
    at_least: bool = False
    """Whether ``measured`` must be at least ``bound`` (else at most)."""
    note: str = ""

    @property
    def met(self) -> bool:
        """Whether ``measured`` is on the right side of ``bound``."""
        if math.isnan(self.measured):
            return False
        if self.at_least:
            return self.measured >= self.bound
        return self.measured <= self.bound


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


@dataclass(frozen=True)
class BenchReport:
    """Everything one run of the benchmarks found."""

    bench_set: BenchSet
    repeat: int
    rows: tuple[Row, ...]
    targets: tuple[Target, ...]
    notes: tuple[str, ...]
    machine: dict[str, Any]
    started: str
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: rows and targets with their ratios and verdicts."""
        return {
            "version": JSON_VERSION,
            "set": self.bench_set.name,
            "sizes": asdict(self.bench_set),
            "repeat": self.repeat,
            "started": self.started,
            "seconds": self.seconds,
            "machine": self.machine,
            "rows": [
                {**asdict(row), "runs": list(row.runs), "ratio": row.ratio}
                for row in self.rows
            ],
            "targets": [{**asdict(t), "met": t.met} for t in self.targets],
            "notes": list(self.notes),
        }


def critical_path(
    seconds: Mapping[str, float], depends_on: Mapping[str, Iterable[str]]
) -> float:
    """The longest chain of durations through a dependency graph.

    No scheduler can finish the graph sooner, however many workers it has.

    >>> critical_path({"a": 1.0, "b": 2.0, "c": 0.5}, {"c": ["a", "b"]})
    2.5
    >>> critical_path(GRAPH_SECONDS, GRAPH_DEPENDS_ON)
    1.1
    >>> critical_path({"a": 1.0}, {"a": ["x"]})
    Traceback (most recent call last):
    ...
    ValueError: task 'a' depends on 'x', which has no duration
    """
    for name, needs in depends_on.items():
        for need in [name, *needs]:
            if need not in seconds:
                raise ValueError(
                    f"task {name!r} depends on {need!r}, which has no duration"
                    if need != name
                    else f"task {name!r} has dependencies but no duration"
                )
    graph = {name: tuple(depends_on.get(name, ())) for name in seconds}
    finish: dict[str, float] = {}
    for name in TopologicalSorter(graph).static_order():
        finish[name] = seconds[name] + max(
            (finish[need] for need in graph[name]), default=0.0
        )
    return round(max(finish.values(), default=0.0), 12)


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

    A run takes seconds (:data:`TINY`) to minutes (:data:`FULL`); a mistake
    is reported before anything runs:

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
    _check_repeat(repeat)
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    begin = time.perf_counter()
    bar = _Progress(len(_SECTIONS), enabled=progress, stream=stream)
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
        critical_path(graph_seconds, GRAPH_DEPENDS_ON),
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


def format_value(value: float, unit: str) -> str:
    """A row's value with its unit, readable at any size.

    >>> (
    ...     format_value(0.25, "s"),
    ...     format_value(2.5e-7, "s/item"),
    ...     format_value(34.26, "MiB"),
    ... )
    ('250 ms', '250 ns/item', '34.3 MiB')
    """
    if unit == "s":
        return format_seconds(value)
    if unit == "s/item":
        return f"{format_seconds(value)}/item"
    return f"{value:.1f} {unit}"


def format_table(report: BenchReport) -> str:
    """The report as text: rows by section, then targets, then notes.

    >>> row = Row("tasks", "run_tasks", 1.12, 1.1)
    >>> target = Target("run_tasks: time / critical path", 1.12 / 1.1, 1.02)
    >>> report = BenchReport(TINY, 1, (row,), (target,), (), {}, "now", 2.0)
    >>> print(format_table(report))
    section  row        median  limit   ratio  note
    -------  ---------  ------  ------  -----  ----
    tasks    run_tasks  1.12 s  1.10 s   1.02
    <BLANKLINE>
    target                           measured  bound    verdict
    -------------------------------  --------  -------  -------
    run_tasks: time / critical path      1.02  <= 1.02  met
    <BLANKLINE>
    tiny set: 1 timed run per row, 2.00 s in all. ratio = median / limit.
    """
    header = ("section", "row", "median", "limit", "ratio", "note")
    body = [
        (
            row.section,
            row.name,
            format_value(row.value, row.unit),
            format_value(row.limit, row.unit),
            f"{row.ratio:.2f}",
            row.note,
        )
        for row in report.rows
    ]
    parts = [_text_table(header, body, right={4})]
    if report.targets:
        target_rows = [
            (
                t.name,
                f"{t.measured:.2f}",
                f"{'>=' if t.at_least else '<='} {t.bound:.2f}",
                "met" if t.met else "missed",
            )
            for t in report.targets
        ]
        parts.append(
            _text_table(
                ("target", "measured", "bound", "verdict"), target_rows, right={1}
            )
        )
    if report.notes:
        parts.append("\n".join(f"note: {note}" for note in report.notes))
    parts.append(
        f"{report.bench_set.name} set: {report.repeat} timed "
        f"run{'s' * (report.repeat != 1)} per row, {format_seconds(report.seconds)} "
        "in all. ratio = median / limit."
    )
    return "\n\n".join(parts)


def markdown_tables(report: BenchReport) -> tuple[str, str]:
    """The rows and the targets as two Markdown tables, for a page.

    >>> row = Row("tasks", "run_tasks", 1.12, 1.1, note="critical path 1.1 s")
    >>> rows, targets = markdown_tables(_example_report(row))
    >>> print(rows)
    | Section | Row | Median | Limit | Ratio | Note |
    | --- | --- | ---: | ---: | ---: | --- |
    | tasks | run_tasks | 1.12 s | 1.10 s | 1.02 | critical path 1.1 s |
    >>> print(targets)
    | Target | Measured | Bound | Verdict |
    | --- | ---: | ---: | --- |
    | run_tasks: time / critical path | 1.02 | <= 1.02 | met |
    """

    def cells(values: Iterable[str]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

    rows = [
        cells(("Section", "Row", "Median", "Limit", "Ratio", "Note")),
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for row in report.rows:
        rows.append(
            cells(
                (
                    row.section,
                    row.name,
                    format_value(row.value, row.unit),
                    format_value(row.limit, row.unit),
                    f"{row.ratio:.2f}",
                    row.note,
                )
            )
        )
    targets = [
        cells(("Target", "Measured", "Bound", "Verdict")),
        "| --- | ---: | ---: | --- |",
    ]
    for t in report.targets:
        bound = f"{'>=' if t.at_least else '<='} {t.bound:.2f}"
        verdict = "met" if t.met else "missed"
        targets.append(cells((t.name, f"{t.measured:.2f}", bound, verdict)))
    return "\n".join(rows), "\n".join(targets)


def _example_report(row: Row) -> BenchReport:
    target = Target(f"{row.name}: time / critical path", row.ratio, 1.02)
    return BenchReport(TINY, 1, (row,), (target,), (), {}, "", 1.0)


def _text_table(
    header: tuple[str, ...], body: list[tuple[str, ...]], *, right: set[int]
) -> str:
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        padded = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    rule = tuple("-" * width for width in widths)
    return "\n".join(line(cells) for cells in [header, rule, *body])


def ratio_plot(report: BenchReport, *, title: str = "") -> Any:
    """Horizontal bars of each row's ratio to its limit, on a log scale.

    A bar ending at the line marked 1 is at its limit.  Needs matplotlib.

    >>> report = BenchReport(TINY, 1, (Row("a", "b", 2.0, 1.0),), (), (), {}, "", 0.0)
    >>> fig = ratio_plot(report)
    >>> [round(float(p.get_width()), 2) for p in fig.axes[0].patches]
    [2.0]
    """
    from matplotlib.figure import Figure

    from parallel_guide.tools.plots import PALETTE, STYLE

    rows = list(report.rows)
    sections = list(dict.fromkeys(row.section for row in rows))
    fig = Figure(figsize=(8, 0.32 * len(rows) + 1.4), **STYLE)
    ax = fig.add_subplot()
    colors = [PALETTE[sections.index(row.section) % len(PALETTE)] for row in rows]
    ratios = [row.ratio for row in rows]
    ax.barh(range(len(rows)), ratios, color=colors)
    ax.set_yticks(range(len(rows)), [f"{row.section}: {row.name}" for row in rows])
    ax.invert_yaxis()
    ax.axvline(1, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("median / limit (1 = at the limit; log scale)")
    for y, ratio in enumerate(ratios):
        ax.annotate(
            f"{ratio:.2f}",
            (ratio, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ax.set_xlim(left=min([0.8, *ratios]) * 0.9, right=max([1.2, *ratios]) * 2)
    ax.tick_params(axis="y", labelsize="small")
    if title:
        ax.set_title(title)
    return fig


class _Progress:
    """A progress bar over the sections: tqdm's if installed, else one line."""

    def __init__(self, total: int, *, enabled: bool, stream: TextIO | None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.done = -1
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(
                    total=total, file=self.stream, unit="section", desc="bench"
                )

    def step(self, title: str) -> None:
        """Mark the previous section finished and name the next one."""
        self.done += 1
        if not self.enabled:
            return
        if self.bar is not None:
            if self.done:
                self.bar.update(1)
            self.bar.set_postfix_str(title)
            return
        width = 20
        filled = width * self.done // self.total
        end = "\r" if getattr(self.stream, "isatty", lambda: False)() else "\n"
        self.stream.write(
            f"bench [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done}/{self.total} {title}{end}"
        )
        self.stream.flush()

    def close(self) -> None:
        """Leave the terminal on a fresh line."""
        if self.bar is not None:
            self.bar.close()
        elif self.enabled and getattr(self.stream, "isatty", lambda: False)():
            self.stream.write("\n")


def _check_repeat(repeat: object) -> None:
    if isinstance(repeat, bool) or not isinstance(repeat, int):
        raise TypeError(f"repeat must be an int, got {type(repeat).__name__}")
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
