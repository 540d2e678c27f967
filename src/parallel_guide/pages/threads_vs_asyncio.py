"""Many concurrent waits, with threads or with asyncio: time, CPU and memory.

The code behind the "Threads vs asyncio at scale" page.  :func:`measure_waits`
starts ``count`` waits of ``seconds`` each at once, either one
:class:`threading.Thread` per wait or one :mod:`asyncio` task per wait, and
reports the wall time, the CPU time and the peak memory of doing so.

Each measurement runs in a fresh child interpreter, so the peak memory belongs
to that run alone (a process's peak resident memory never goes down, so a
second measurement in the same process would report the first one's peak).
:func:`median_of` combines repeated runs, and :func:`waits_plot` draws them.
The module and the child need the standard library only; the plot needs
matplotlib.
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from parallel_guide.tools.checks import check_count, check_seconds

if TYPE_CHECKING:
    import matplotlib.figure

__all__ = ["KINDS", "WaitsResult", "measure_waits", "median_of", "waits_plot"]

Kind = Literal["threads", "asyncio"]
KINDS: tuple[Kind, ...] = ("threads", "asyncio")

# The program the child interpreter runs: argv is kind, count, seconds.  It
# prints one JSON object.  Peak memory on Linux is VmHWM, the high-water mark
# of this program's memory: ru_maxrss would not do, as Linux carries the
# parent's peak over into it when the child is started with vfork and exec.
# Elsewhere it is ru_maxrss (bytes on macOS), and NaN without resource (Windows).
_CHILD = r"""
import asyncio, json, sys, threading, time

try:
    import resource
except ImportError:
    resource = None


def peak_mib():
    try:  # Linux: this program's own high-water mark
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    if resource is None:
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def with_threads(count, seconds):
    threads = [threading.Thread(target=time.sleep, args=(seconds,))
               for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


async def with_tasks(count, seconds):
    async with asyncio.TaskGroup() as group:
        for _ in range(count):
            group.create_task(asyncio.sleep(seconds))


kind, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
start_mib = peak_mib()
cpu0, wall0 = time.process_time(), time.perf_counter()
if kind == "threads":
    with_threads(count, seconds)
else:
    asyncio.run(with_tasks(count, seconds))
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
report = {"wall": wall, "cpu": cpu, "peak_mib": peak_mib(), "start_mib": start_mib}
print(json.dumps(report))
"""


@dataclass(frozen=True)
class WaitsResult:
    """What ``count`` concurrent waits of ``seconds`` each cost one process.

    ``wall`` and ``cpu`` (user + system, all threads) are in seconds and cover
    starting the waits until the last one ended.  ``peak_mib`` is the peak
    resident memory of the process that waited, in MiB, and ``start_mib`` its
    peak just before the waits started (the interpreter's own share), so
    ``peak_mib - start_mib`` is what the waits added.
    """

    kind: Kind
    count: int
    seconds: float
    wall: float
    cpu: float
    peak_mib: float
    start_mib: float = math.nan

    @property
    def added_mib(self) -> float:
        """Peak memory the waits added on top of the bare interpreter, in MiB."""
        return self.peak_mib - self.start_mib

    @property
    def overhead(self) -> float:
        """Wall time beyond the wait itself, in seconds (``wall - seconds``)."""
        return self.wall - self.seconds


def _validate(kind: object, count: object, seconds: object) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be 'threads' or 'asyncio', got {kind!r}")
    check_count("count", count)
    check_seconds("seconds", seconds)


def measure_waits(
    kind: Kind, count: int, seconds: float = 1.0, *, timeout: float | None = None
) -> WaitsResult:
    """Run ``count`` concurrent waits of ``seconds`` each in a fresh interpreter.

    ``kind="threads"`` starts one :class:`threading.Thread` per wait (each
    calls :func:`time.sleep`); ``kind="asyncio"`` runs one task per wait
    (:func:`asyncio.sleep`) in an :class:`asyncio.TaskGroup`.  The child is
    killed if it has not finished after ``timeout`` seconds (by default
    ``seconds`` plus a minute, plus a millisecond per wait), and
    :class:`subprocess.TimeoutExpired` is raised; a child that fails (say,
    the operating system refuses another thread) raises :class:`RuntimeError`
    with its error output.

    >>> result = measure_waits("asyncio", 100, 0.05)
    >>> result.kind, result.count, result.seconds
    ('asyncio', 100, 0.05)
    >>> 0.05 <= result.wall < 30 and result.cpu >= 0 and result.peak_mib > 0
    True
    >>> measure_waits("processes", 10)
    Traceback (most recent call last):
    ...
    ValueError: kind must be 'threads' or 'asyncio', got 'processes'
    """
    _validate(kind, count, seconds)
    if timeout is None:
        timeout = seconds + 60 + count / 1000
    elif not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
    # -I: isolated from the environment and the user's site-packages; the
    # child needs nothing beyond the standard library.
    command = [sys.executable, "-I", "-c", _CHILD, kind, str(count), repr(seconds)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{count} waits with {kind} failed (exit code {done.returncode}):\n"
            f"{done.stderr.strip()}"
        )
    report = json.loads(done.stdout)
    return WaitsResult(kind=kind, count=count, seconds=float(seconds), **report)


def median_of(runs: Sequence[WaitsResult]) -> WaitsResult:
    """One result from repeated runs of the same measurement: each field's median.

    >>> runs = [
    ...     WaitsResult("asyncio", 10, 1.0, wall, 0.1, 30.0, 20.0)
    ...     for wall in (1.2, 1.0, 1.1)
    ... ]
    >>> median_of(runs).wall
    1.1
    """
    if not runs:
        raise ValueError("median_of() needs at least one run")
    first = runs[0]
    if any(
        (r.kind, r.count, r.seconds) != (first.kind, first.count, first.seconds)
        for r in runs
    ):
        raise ValueError(
            "median_of() combines runs of one kind, count and seconds only"
        )
    return WaitsResult(
        kind=first.kind,
        count=first.count,
        seconds=first.seconds,
        **{
            name: statistics.median(getattr(r, name) for r in runs)
            for name in ("wall", "cpu", "peak_mib", "start_mib")
        },
    )


def waits_plot(
    results: Sequence[WaitsResult], *, title: str = ""
) -> matplotlib.figure.Figure:
    """Wall time, CPU time and added memory, threads beside asyncio, per count.

    One panel per measure; in each, a group of bars per number of waits.

    >>> fig = waits_plot(
    ...     [
    ...         WaitsResult("threads", 10, 1.0, 1.2, 0.3, 40.0, 20.0),
    ...         WaitsResult("asyncio", 10, 1.0, 1.0, 0.1, 22.0, 20.0),
    ...     ]
    ... )
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['wall time (s)', 'CPU time (s)', 'memory added (MiB)']
    """
    from matplotlib.figure import Figure

    from parallel_guide.tools.plots import PALETTE, STYLE

    counts = sorted({r.count for r in results})
    measures = [
        ("wall time (s)", lambda r: r.wall),
        ("CPU time (s)", lambda r: r.cpu),
        ("memory added (MiB)", lambda r: r.added_mib),
    ]
    fig = Figure(figsize=(8, 3.4), **STYLE)
    axes = fig.subplots(1, len(measures))
    width = 0.38
    for ax, (label, value) in zip(axes, measures, strict=True):
        for offset, kind, color in (
            (-0.5, "threads", PALETTE[0]),
            (0.5, "asyncio", PALETTE[1]),
        ):
            by_count = {r.count: value(r) for r in results if r.kind == kind}
            positions = [
                i + offset * width for i, c in enumerate(counts) if c in by_count
            ]
            ax.bar(
                positions,
                [by_count[c] for c in counts if c in by_count],
                width,
                color=color,
                label=kind,
            )
        ax.set_xticks(range(len(counts)), [f"{c:,}" for c in counts])
        ax.set_xlabel("concurrent waits")
        ax.set_ylabel(label)
    waited = max((r.seconds for r in results), default=0)
    axes[0].axhline(waited, linestyle="--", color="grey", label="the wait itself")
    axes[0].legend(loc="upper left", fontsize="small")
    if title:
        fig.suptitle(title)
    return fig
