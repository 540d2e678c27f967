"""Speed-up and its limits: Amdahl's law, fitted to measurements.

The code behind the "Speed-up and its limits" page.  :func:`amdahl_speedup`
is the law, :func:`fit_serial_fraction` finds the serial fraction that best
explains measured speed-ups, :func:`karp_flatt` estimates it from a single
measurement, and :func:`job_with_serial_part` is a job whose serial part is
known, to check the fit against.

It needs the standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from parallel_guide.tools.workloads import count_primes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "amdahl_speedup",
    "fit_serial_fraction",
    "job_with_serial_part",
    "karp_flatt",
]


def amdahl_speedup(
    serial_fraction: float, workers: int, cpus: int | None = None
) -> float:
    """Amdahl's law: the speed-up of ``workers`` with a serial part.

    ``serial_fraction`` is the share of the one-worker run time that stays
    serial (start-up, splitting, collecting, a step that must run alone).
    With ``cpus`` given, no more than ``cpus`` workers run at once, so extra
    workers add nothing.

    >>> amdahl_speedup(0.0, 4)
    4.0
    >>> round(amdahl_speedup(0.1, 4), 3)
    3.077
    >>> amdahl_speedup(0.1, 1000, cpus=2) == amdahl_speedup(0.1, 2)
    True
    """
    _check_fraction(serial_fraction)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    running = workers if cpus is None else min(workers, cpus)
    return 1 / (serial_fraction + (1 - serial_fraction) / running)


def karp_flatt(speedup: float, workers: int) -> float:
    """The serial fraction that explains ``speedup`` on ``workers`` CPUs exactly.

    Solving Amdahl's law for the serial fraction gives the Karp-Flatt metric,
    ``(1/S - 1/p) / (1 - 1/p)``.  If it grows with ``p``, something other than
    a fixed serial part is eating the speed-up: overhead that grows with the
    number of workers, or uneven work.

    >>> round(karp_flatt(amdahl_speedup(0.05, 8), 8), 6)
    0.05
    >>> karp_flatt(1.5, 1)
    Traceback (most recent call last):
    ...
    ValueError: the serial fraction needs more than one worker, got 1
    """
    if workers < 2:
        raise ValueError(
            f"the serial fraction needs more than one worker, got {workers}"
        )
    if speedup <= 0:
        raise ValueError(f"speed-up must be positive, got {speedup}")
    return (1 / speedup - 1 / workers) / (1 - 1 / workers)


def fit_serial_fraction(
    workers: Sequence[int], speedups: Sequence[float], cpus: int | None = None
) -> float:
    """The serial fraction for which Amdahl's law best fits measured speed-ups.

    Amdahl's law is a straight line through the origin once rewritten as
    ``1/S - 1/p = f * (1 - 1/p)``, so the least-squares ``f`` has a closed
    form.  ``p`` is the number of workers that can run at once:
    ``min(workers, cpus)`` when ``cpus`` is given.  Runs with ``p == 1``
    carry no information about ``f`` and are ignored.  The result is clipped
    to ``[0, 1]``.

    >>> workers = [1, 2, 4, 8]
    >>> speedups = [amdahl_speedup(0.1, n) for n in workers]
    >>> round(fit_serial_fraction(workers, speedups), 6)
    0.1
    >>> fit_serial_fraction([1], [1.0])
    Traceback (most recent call last):
    ...
    ValueError: fitting needs a measurement with more than one worker running at once
    """
    if len(workers) != len(speedups):
        raise ValueError(
            f"got {len(workers)} worker counts but {len(speedups)} speed-ups"
        )
    xy = xx = 0.0
    for count, speedup in zip(workers, speedups, strict=True):
        running = count if cpus is None else min(count, cpus)
        if running < 2:
            continue
        if speedup <= 0:
            raise ValueError(f"speed-ups must be positive, got {speedup}")
        x = 1 - 1 / running
        y = 1 / speedup - 1 / running
        xy += x * y
        xx += x * x
    if xx == 0:
        raise ValueError(
            "fitting needs a measurement with more than one worker running at once"
        )
    return min(1.0, max(0.0, xy / xx))


def job_with_serial_part(
    pool: Any, serial_limit: int, parallel_limits: Sequence[int]
) -> list[int]:
    """Run a serial step, then the rest in ``pool``: a job with a known serial part.

    The serial step counts primes below ``serial_limit`` in this process,
    alone, like a step that must finish before the rest can start (reading
    input, building an index).  The rest counts primes below each of
    ``parallel_limits`` in ``pool``, a :class:`multiprocessing.pool.Pool`, or
    here too if ``pool`` is None.

    >>> job_with_serial_part(None, 10, [20, 30])
    [4, 8, 10]
    """
    first = count_primes(serial_limit)
    if pool is None:
        rest = [count_primes(limit) for limit in parallel_limits]
    else:
        rest = pool.map(count_primes, parallel_limits, chunksize=1)
    return [first, *rest]


def _check_fraction(fraction: float) -> None:
    if not (0 <= fraction <= 1) or math.isnan(fraction):
        raise ValueError(f"serial fraction must be between 0 and 1, got {fraction}")


def amdahl_curves(
    fractions: Sequence[float], max_workers: int, *, cpus: int | None = None
) -> Figure:
    """Amdahl's law for several serial fractions, on a log-2 axis of workers.

    Each curve flattens towards its ceiling, one over the serial fraction.
    With ``cpus``, a vertical line marks the machine's CPU count.
    """
    from matplotlib.figure import Figure

    from parallel_guide.tools.plots import PALETTE, STYLE

    workers = [2**k for k in range(max_workers.bit_length()) if 2**k <= max_workers]
    fig = Figure(figsize=(7, 4.2), **STYLE)
    ax = fig.add_subplot()
    ax.plot(workers, workers, "--", color="grey", label="ideal (no serial part)")
    for fraction, color in zip(fractions, PALETTE, strict=False):
        speedups = [amdahl_speedup(fraction, n) for n in workers]
        ax.plot(workers, speedups, "o-", color=color, label=f"{fraction:.0%} serial")
    if cpus is not None:
        ax.axvline(cpus, color="black", linewidth=1)
        ax.annotate(
            f" {cpus} CPUs here", (cpus, 0.03), xycoords=("data", "axes fraction")
        )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xticks(workers, [str(n) for n in workers])
    ticks = [n for n in workers if n <= max_workers]
    ax.set_yticks(ticks, [str(n) for n in ticks])
    ax.set_xlabel("workers")
    ax.set_ylabel("speed-up")
    ax.legend(loc="upper left")
    return fig


def speedup_fit(
    workers: Sequence[int],
    speedups: Sequence[float],
    cpus: int,
    serial_fraction: float,
    *,
    title: str = "",
) -> Figure:
    """Measured speed-ups, the ideal on ``cpus`` CPUs, and the fitted Amdahl curve.

    >>> fig = speedup_fit([1, 2, 3], [1.0, 1.8, 1.8], 2, 0.1)
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['ideal on 2 CPUs', 'Amdahl, 10.0% serial', 'measured']
    """
    from matplotlib.figure import Figure

    from parallel_guide.tools.plots import PALETTE, STYLE

    fig = Figure(figsize=(6.5, 4), **STYLE)
    ax = fig.add_subplot()
    ideal = [min(n, cpus) for n in workers]
    fitted = [amdahl_speedup(serial_fraction, n, cpus) for n in workers]
    ax.plot(workers, ideal, "--", color="grey", label=f"ideal on {cpus} CPUs")
    ax.plot(
        workers,
        fitted,
        "-",
        color=PALETTE[1],
        linewidth=2,
        label=f"Amdahl, {serial_fraction:.1%} serial",
    )
    ax.plot(workers, speedups, "o", color=PALETTE[0], markersize=8, label="measured")
    ax.set_xlabel("worker processes")
    ax.set_ylabel("speed-up over the serial loop")
    ax.set_xticks(list(workers))
    ax.set_ylim(bottom=0, top=max(cpus, *speedups) * 1.15)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return fig
