"""Time a callable properly: ``perf_counter``, warm-up runs, repeats, median.

One run timed with ``time.time()`` mixes in start-up costs, caches being
filled and whatever else the machine was doing.  :func:`measure` runs the call
a few times first without timing it, then times several runs and keeps every
one, so a page can report the median and show the spread.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from parallel_guide.tools.checks import check_count
from parallel_guide.tools.disturbance import note_disturbed, watch


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs of the same call.

    >>> t = Timing((0.3, 0.1, 0.2))
    >>> t.median, t.min, t.max
    (0.2, 0.1, 0.3)
    >>> print(t)
    median 200 ms (min 100 ms, max 300 ms, 3 runs)
    """

    seconds: tuple[float, ...]
    disturbed: str = ""
    """What disturbed the runs, in words, or ``""`` if nothing was seen.

    :func:`measure` watches its timed runs (see
    :mod:`~parallel_guide.tools.disturbance` for what is watched on which
    system) and re-measures when something else took the CPUs; this says
    what was seen during the runs it kept.

    >>> Timing((0.2, 0.21, 0.2)).disturbed
    ''
    >>> Timing((0.3, 0.31), disturbed="measured while the machine was busy").disturbed
    'measured while the machine was busy'
    """

    def __post_init__(self) -> None:
        if not self.seconds:
            raise ValueError("Timing needs at least one measured run")
        if not isinstance(self.disturbed, str):
            raise TypeError(
                'Timing.disturbed must be a description (str), or "" when '
                f"nothing disturbed the runs; got {type(self.disturbed).__name__}"
            )

    @property
    def median(self) -> float:
        """The median run in seconds, robust to the odd slow run."""
        return statistics.median(self.seconds)

    @property
    def min(self) -> float:
        """The fastest run in seconds."""
        return min(self.seconds)

    @property
    def max(self) -> float:
        """The slowest run in seconds."""
        return max(self.seconds)

    @property
    def spread(self) -> float:
        """The median absolute deviation from the median, in seconds.

        Half the runs lie within this of the median.  Unlike the standard
        deviation, one run slowed by something else barely moves it.

        >>> round(Timing((1.0, 1.1, 0.9, 1.0, 5.0)).spread, 3)
        0.1
        """
        median = self.median
        return statistics.median(abs(run - median) for run in self.seconds)

    @property
    def unstable(self) -> str:
        """Why this measurement should not be trusted, or ``""`` if it can be.

        Like pyperf's checks: the spread is over :data:`UNSTABLE_SPREAD` of
        the median, or a run is shorter than :data:`SHORTEST_RELIABLE_RUN`,
        where the clock and the call's own overhead are a large part of it.

        >>> Timing((0.10, 0.11, 0.10)).unstable
        ''
        >>> Timing((0.10, 0.20, 0.30)).unstable
        'the spread is 50% of the median'
        """
        reasons = []
        if self.spread > UNSTABLE_SPREAD * self.median:
            reasons.append(
                f"the spread is {self.spread / self.median:.0%} of the median"
            )
        if self.min < SHORTEST_RELIABLE_RUN:
            reasons.append(f"the shortest run took only {format_seconds(self.min)}")
        return "; ".join(reasons)

    def __str__(self) -> str:
        return (
            f"median {format_seconds(self.median)} "
            f"(min {format_seconds(self.min)}, max {format_seconds(self.max)}, "
            f"{len(self.seconds)} runs)"
        )


UNSTABLE_SPREAD = 0.10
"""A spread above this share of the median makes a :class:`Timing` unstable."""

SHORTEST_RELIABLE_RUN = 1e-3
"""Runs shorter than this many seconds make a :class:`Timing` unstable."""


_taken = 0  # measure() calls in this process, for measurements_taken()


def measurements_taken() -> int:
    """How many times :func:`measure` was called in this process.

    A page that measures nothing may execute beside other pages while the site
    builds; its provenance record carries this count, so the build can check.

    >>> before = measurements_taken()
    >>> _ = measure(sum, range(10), repeat=1)
    >>> measurements_taken() - before
    1
    """
    return _taken


def measure(
    func: Callable[..., Any],
    /,
    *args: Any,
    repeat: int = 5,
    warmup: int = 1,
    remeasure: int = 2,
    **kwargs: Any,
) -> Timing:
    """Time ``repeat`` calls of ``func(*args, **kwargs)`` after ``warmup`` untimed ones.

    Each run is timed on its own with :func:`time.perf_counter`, the clock
    meant for measuring intervals (monotonic, highest resolution).

    The timed runs are watched for other work taking the CPUs (see
    :mod:`~parallel_guide.tools.disturbance`).  When something disturbed
    them, all ``repeat`` runs are measured again, up to ``remeasure`` more
    times, and the attempt with the lowest median is kept.  If every attempt
    was disturbed, the result's :attr:`Timing.disturbed` says what was seen
    and the measurement is recorded with
    :func:`~parallel_guide.tools.disturbance.note_disturbed`, so the page can
    say so.  Runs too short to judge are never re-measured.

    >>> timing = measure(sum, range(1000), repeat=3)
    >>> len(timing.seconds), timing.disturbed
    (3, '')
    >>> measure(sum, [], repeat=0)
    Traceback (most recent call last):
    ...
    ValueError: repeat must be at least 1, got 0
    """
    if not callable(func):
        raise TypeError(f"measure() needs a callable to time, got {func!r}")
    check_count("repeat", repeat)
    check_count("warmup", warmup, minimum=0)
    check_count("remeasure", remeasure, minimum=0)
    global _taken
    _taken += 1
    for _ in range(warmup):
        func(*args, **kwargs)
    best: Timing | None = None
    for _ in range(1 + remeasure):
        with watch() as seen:
            runs = []
            for _ in range(repeat):
                start = time.perf_counter()
                func(*args, **kwargs)
                runs.append(time.perf_counter() - start)
        timing = Timing(tuple(runs), disturbed=seen.disturbance.description)
        if not timing.disturbed:
            return timing
        if best is None or timing.median < best.median:
            best = timing
    assert best is not None  # at least one attempt ran
    name = getattr(func, "__qualname__", None) or repr(func)
    note_disturbed(f"{name}: {best.disturbed}")
    return best


def format_seconds(seconds: float) -> str:
    """Format a duration with a unit that keeps three significant figures.

    >>> format_seconds(2.5), format_seconds(0.0123), format_seconds(4.2e-6)
    ('2.50 s', '12.3 ms', '4.20 µs')
    """
    unit, scale = next(
        ((unit, scale) for unit, scale in _UNITS if abs(seconds) >= scale),
        _UNITS[-1],
    )
    value = seconds / scale
    # "#" keeps trailing zeros (2.50 s) but would print "200." for 3 digits.
    return f"{value:.0f} {unit}" if abs(value) >= 100 else f"{value:#.3g} {unit}"


_UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))
