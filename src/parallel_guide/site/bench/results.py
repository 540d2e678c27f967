"""What a run of the benchmarks finds: rows, targets and the report holding them.

These are plain frozen records.  :mod:`~parallel_guide.site.bench.measure` makes
them; :mod:`~parallel_guide.site.bench.report` and
:mod:`~parallel_guide.site.bench.plot` show them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from parallel_guide.site.bench.sets import BenchSet
from parallel_guide.tools.compare import Comparison

__all__ = ["BenchReport", "Row", "Target"]


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

    @property
    def spread(self) -> float:
        """``(largest run - smallest run) / value``; NaN with fewer than two runs.

        >>> f"{Row('s', 'r', 1.0, 1.0, runs=(0.9, 1.0, 1.2)).spread:.2f}"
        '0.30'
        """
        if len(self.runs) < 2 or self.value <= 0:
            return math.nan
        return (max(self.runs) - min(self.runs)) / self.value


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
    runs: tuple[float, ...] = ()
    """The same quantity in each round of runs, where the variants it compares
    took turns: ``measured`` is the ratio of their medians, these show its
    spread."""
    comparison: Comparison | None = None
    """For a target that compares two variants that took turns, the
    :func:`~parallel_guide.tools.compare.compare` of their times (the
    second-named variant as the baseline), so that its ratio comes with an
    interval and a verdict."""
    compared: str = ""
    """What ``comparison`` compares, such as ``"parallel_map against the plain
    loop"``."""

    @property
    def met(self) -> bool:
        """Whether ``measured`` is on the right side of ``bound``."""
        if math.isnan(self.measured):
            return False
        if self.at_least:
            return self.measured >= self.bound
        return self.measured <= self.bound


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
