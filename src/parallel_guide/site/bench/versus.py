"""Two runs of the benchmarks side by side: :func:`compare_reports`.

``python -m parallel_guide bench --compare FILE`` measures this machine and
sets its rows beside the file's: each row with both medians, the ratio of
the new median to the old one, its confidence interval and whether the
difference is significant, all from :func:`~parallel_guide.tools.compare.compare` on the
two rows' runs.  Rows are matched by section and name; a row found on one
side only is listed as such.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

from parallel_guide.site.bench.report import (
    comparison_cells,
    format_value,
    machine_summary,
)
from parallel_guide.site.bench.results import BenchReport, Row
from parallel_guide.site.text_table import text_table
from parallel_guide.tools.compare import CONFIDENCE, Comparison, compare
from parallel_guide.tools.timing import Timing

__all__ = ["RowPair", "compare_reports", "format_comparison", "least_runs"]

_IN_MEMORY = {"faster": "less", "slower": "more"}
"""A memory row's verdict: less or more memory, rather than faster or slower."""


@dataclass(frozen=True)
class RowPair:
    """One row of two runs, and how the second compares with the first.

    >>> old = Row("s", "loop", 2.0, 1.0, runs=(2.0, 2.1, 1.9, 2.0, 2.05))
    >>> new = Row("s", "loop", 1.0, 1.0, runs=(1.0, 1.05, 0.95, 1.0, 1.02))
    >>> pair = RowPair.of(old, new)
    >>> round(pair.comparison.ratio, 2), pair.difference
    (0.5, 'faster')
    >>> RowPair.of(old, None).difference
    'only in the first'
    """

    section: str
    name: str
    old: Row | None
    new: Row | None
    comparison: Comparison | None
    """:func:`~parallel_guide.tools.compare.compare` of the old runs (the
    baseline) with the new; ``None`` when a side is missing or has no runs
    above zero."""

    @classmethod
    def of(cls, old: Row | None, new: Row | None) -> RowPair:
        """Pair two rows (either may be missing) and compare their runs."""
        either = old if old is not None else new
        if either is None:
            raise ValueError("RowPair.of needs at least one row")
        comparison = None
        if (
            old is not None
            and new is not None
            and old.unit == new.unit
            and old.runs
            and new.runs
            and min(old.runs + new.runs) > 0
        ):
            comparison = compare(Timing(old.runs), Timing(new.runs))
        return cls(either.section, either.name, old, new, comparison)

    @property
    def difference(self) -> str:
        """The verdict, or why there is none.

        ``"faster"``, ``"slower"`` or ``"no measurable difference"``; for
        memory, ``"less"`` or ``"more"`` in place of the first two.
        """
        if self.old is None:
            return "only in the second"
        if self.new is None:
            return "only in the first"
        if self.comparison is None:
            if self.old.unit != self.new.unit:
                return f"not compared: {self.old.unit} against {self.new.unit}"
            return "not compared: no runs above zero"
        verdict = self.comparison.verdict
        return _IN_MEMORY.get(verdict, verdict) if self.old.unit == "MiB" else verdict


def compare_reports(old: BenchReport, new: BenchReport) -> list[RowPair]:
    """Every row of ``old`` beside its match in ``new``, then ``new``'s others.

    >>> from parallel_guide.site.bench.sets import TINY
    >>> def report(*rows):
    ...     return BenchReport(TINY, 1, rows, (), (), {}, "", 1.0)
    >>> a, b = Row("s", "a", 1.0, 1.0, runs=(1.0,)), Row("s", "b", 1.0, 1.0)
    >>> [(p.name, p.difference) for p in compare_reports(report(a), report(a, b))]
    [('a', 'no measurable difference'), ('b', 'only in the second')]
    """
    theirs = {(row.section, row.name): row for row in new.rows}
    pairs = [
        RowPair.of(row, theirs.pop((row.section, row.name), None)) for row in old.rows
    ]
    return pairs + [RowPair.of(None, row) for row in theirs.values()]


def format_comparison(
    old: BenchReport,
    new: BenchReport,
    *,
    labels: tuple[str, str] = ("theirs", "yours"),
    sources: tuple[str, str] = ("", ""),
) -> str:
    """The two runs as a text table, with a header naming both machines.

    ``labels`` head the two median columns; ``sources`` say where each run
    comes from (a file's name, ``"this machine, now"``).

    >>> from parallel_guide.site.bench.sets import TINY
    >>> old = Row("s", "loop", 2.0, 1.0, runs=(2.0, 2.1, 1.9, 2.0, 2.05))
    >>> new = Row("s", "loop", 1.0, 1.0, runs=(1.0, 1.05, 0.95, 1.0, 1.02))
    >>> print(
    ...     format_comparison(
    ...         BenchReport(
    ...             TINY, 5, (old,), (), (), {}, "2026-12-01T10:00:00+00:00", 9.0
    ...         ),
    ...         BenchReport(
    ...             TINY, 5, (new,), (), (), {}, "2026-12-06T20:00:00+00:00", 5.0
    ...         ),
    ...         sources=("bench.json", "this machine, now"),
    ...     )
    ... )  # doctest: +NORMALIZE_WHITESPACE
    theirs: bench.json, tiny set, 5 timed runs per row,
            started 2026-12-01T10:00:00+00:00, on an unknown machine
    yours:  this machine, now, tiny set, 5 timed runs per row,
            started 2026-12-06T20:00:00+00:00, on an unknown machine
    <BLANKLINE>
    section  row   theirs   yours  ratio  95 % interval  difference
    -------  ----  ------  ------  -----  -------------  ----------
    s        loop  2.00 s  1.00 s   0.50  0.47-0.53      faster
    <BLANKLINE>
    ratio = yours / theirs, the medians' ratio: below 1 where yours took less.
    The interval and the difference come from parallel_guide.compare(theirs,
    yours) on the rows' runs: a difference is only called so when the 95 %
    interval leaves out 1.
    """
    pairs = compare_reports(old, new)
    first, second = labels
    width = max(len(first), len(second)) + 1
    header = "\n".join(
        f"{f'{label}:':<{width}} "
        + _describe(report, source).replace("\n", "\n" + " " * (width + 1))
        for label, report, source in (
            (first, old, sources[0]),
            (second, new, sources[1]),
        )
    )
    body = [
        (
            pair.section,
            pair.name,
            _median(pair.old),
            _median(pair.new),
            *comparison_cells(pair.comparison)[:2],
            pair.difference.replace("the first", first).replace("the second", second),
        )
        for pair in pairs
    ]
    table = text_table(
        (
            "section",
            "row",
            first,
            second,
            "ratio",
            _level() + " interval",
            "difference",
        ),
        body,
        right={2, 3, 4},
    )
    parts = [header, table, _legend(first, second)]
    notes = _notes(old, new, pairs, first, second)
    if notes:
        parts.append("\n".join(textwrap.fill(f"note: {note}", 79) for note in notes))
    return "\n\n".join(parts)


def _describe(report: BenchReport, source: str) -> str:
    runs = f"{report.repeat} timed run{'s' * (report.repeat != 1)} per row"
    where = f"{source}, " if source else ""
    return (
        f"{where}{report.bench_set.name} set, {runs}, started {report.started},\n"
        f"on {machine_summary(report.machine)}"
    )


def _median(row: Row | None) -> str:
    return "-" if row is None else format_value(row.value, row.unit)


def _level() -> str:
    return f"{CONFIDENCE:.0%}".replace("%", " %")


def _legend(first: str, second: str) -> str:
    return (
        f"ratio = {second} / {first}, the medians' ratio: below 1 where {second} "
        f"took less.\nThe interval and the difference come from "
        f"parallel_guide.compare({first},\n{second}) on the rows' runs: a difference "
        f"is only called so when the {_level()}\ninterval leaves out 1."
    )


def _notes(
    old: BenchReport, new: BenchReport, pairs: list[RowPair], first: str, second: str
) -> list[str]:
    notes = []
    if old.bench_set != new.bench_set:
        sized = " (sized differently)" * (old.bench_set.name == new.bench_set.name)
        notes.append(
            f"{first} ran the {old.bench_set.name} set, {second} the "
            f"{new.bench_set.name} set{sized}: rows whose sizes differ do not match."
        )
    methods = [report.machine.get("start_method") for report in (old, new)]
    if None not in methods and methods[0] != methods[1]:
        notes.append(
            f"{first} started worker processes with {methods[0]}, {second} with "
            f"{methods[1]}; --start-method {methods[0]} starts them alike."
        )
    unbounded = [
        pair
        for pair in pairs
        if pair.comparison is not None
        and not math.isfinite(pair.comparison.interval[1])
    ]
    if unbounded:
        runs = len(unbounded[0].old.runs) if unbounded[0].old else 0
        enough = least_runs(runs)
        advice = (
            f"; with {runs} of {first}, {enough} or more of {second} (--repeat "
            f"{enough}) can tell one"
            if enough
            else ""
        )
        compared = sum(pair.comparison is not None for pair in pairs)
        share = "all" if len(unbounded) == compared else f"{len(unbounded)} of"
        notes.append(
            f"{share} {compared} rows compared had too few runs for any difference "
            f"to be significant{advice}."
        )
    return notes


def least_runs(baseline_runs: int, most: int = 30) -> int | None:
    """The fewest runs that can tell a difference from ``baseline_runs`` runs.

    That is, with which :func:`~parallel_guide.tools.compare.compare` can give a bounded
    interval at best; ``None`` if it takes more than ``most``.  Found by
    comparing runs that differ as much as runs can: every candidate run slower
    than every baseline run.

    >>> least_runs(3), least_runs(7)
    (5, 3)
    """
    if baseline_runs < 1:
        return None
    baseline = Timing(tuple(1.0 + i / 100 for i in range(baseline_runs)))
    for count in range(1, most + 1):
        candidate = Timing(tuple(2.0 + i / 100 for i in range(count)))
        if math.isfinite(compare(baseline, candidate).interval[1]):
            return count
    return None
