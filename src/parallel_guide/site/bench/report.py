"""Showing a run's results: a text table, Markdown tables and JSON.

``python -m parallel_guide bench`` prints :func:`format_table` and, with
``--json``, saves :func:`to_json`; the benchmarks page shows
:func:`markdown_tables`.  Each takes a
:class:`~parallel_guide.site.bench.results.BenchReport`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from parallel_guide.site.bench.results import BenchReport, Row, Target
from parallel_guide.site.bench.sets import TINY
from parallel_guide.site.text_table import text_table
from parallel_guide.tools.timing import format_seconds

__all__ = ["JSON_VERSION", "format_table", "format_value", "markdown_tables", "to_json"]

JSON_VERSION = 1
"""The layout of :func:`to_json`'s dict, saved in it as ``"version"``."""


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

    >>> row = Row("tasks", "run_tasks", 1.12, 1.1, runs=(1.1, 1.12, 1.21))
    >>> target = Target("run_tasks: time / critical path", 1.12 / 1.1, 1.02)
    >>> report = BenchReport(TINY, 3, (row,), (target,), (), {}, "now", 2.0)
    >>> print(format_table(report))
    section  row        median  spread  limit   ratio  note
    -------  ---------  ------  ------  ------  -----  ----
    tasks    run_tasks  1.12 s     10%  1.10 s   1.02
    <BLANKLINE>
    target                           measured  range  bound    verdict
    -------------------------------  --------  -----  -------  -------
    run_tasks: time / critical path      1.02         <= 1.02  met
    <BLANKLINE>
    tiny set: 3 timed runs per row, 2.00 s in all. ratio = median / limit;
    spread = (slowest - fastest) / median; range: a target's value in the
    fastest and slowest round.
    """
    header = ("section", "row", "median", "spread", "limit", "ratio", "note")
    body = [_row_cells(row) for row in report.rows]
    parts = [text_table(header, body, right={3, 5})]
    if report.targets:
        parts.append(
            text_table(
                ("target", "measured", "range", "bound", "verdict"),
                [_target_cells(t) for t in report.targets],
                right={1},
            )
        )
    if report.notes:
        parts.append("\n".join(f"note: {note}" for note in report.notes))
    parts.append(
        f"{report.bench_set.name} set: {report.repeat} timed "
        f"run{'s' * (report.repeat != 1)} per row, {format_seconds(report.seconds)} "
        "in all. ratio = median / limit;\nspread = (slowest - fastest) / median; "
        "range: a target's value in the\nfastest and slowest round."
    )
    return "\n\n".join(parts)


def _row_cells(row: Row) -> tuple[str, ...]:
    return (
        row.section,
        row.name,
        format_value(row.value, row.unit),
        "" if math.isnan(row.spread) else f"{row.spread:.0%}",
        format_value(row.limit, row.unit),
        f"{row.ratio:.2f}",
        row.note,
    )


def _target_cells(target: Target) -> tuple[str, ...]:
    runs = target.runs
    return (
        target.name,
        f"{target.measured:.2f}",
        f"{min(runs):.2f}-{max(runs):.2f}" if len(runs) > 1 else "",
        f"{'>=' if target.at_least else '<='} {target.bound:.2f}",
        "met" if target.met else "missed",
    )


def markdown_tables(report: BenchReport) -> tuple[str, str]:
    """The rows and the targets as two Markdown tables, for a page.

    >>> row = Row("tasks", "run_tasks", 1.12, 1.1, note="critical path 1.1 s")
    >>> rows, targets = markdown_tables(_example_report(row))
    >>> print(rows)
    | Section | Row | Median | Spread | Limit | Ratio | Note |
    | --- | --- | ---: | ---: | ---: | ---: | --- |
    | tasks | run_tasks | 1.12 s |  | 1.10 s | 1.02 | critical path 1.1 s |
    >>> print(targets)
    | Target | Measured | Range | Bound | Verdict |
    | --- | ---: | ---: | ---: | --- |
    | run_tasks: time / critical path | 1.02 |  | <= 1.02 | met |
    """

    def cells(values: Iterable[str]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

    rows = [
        cells(("Section", "Row", "Median", "Spread", "Limit", "Ratio", "Note")),
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
        *(cells(_row_cells(row)) for row in report.rows),
    ]
    targets = [
        cells(("Target", "Measured", "Range", "Bound", "Verdict")),
        "| --- | ---: | ---: | ---: | --- |",
        *(cells(_target_cells(t)) for t in report.targets),
    ]
    return "\n".join(rows), "\n".join(targets)


def to_json(report: BenchReport) -> dict[str, Any]:
    """A JSON-ready dict: rows and targets with their ratios and verdicts.

    >>> data = to_json(_example_report(Row("tasks", "run_tasks", 1.12, 1.1)))
    >>> data["version"], data["set"], round(data["rows"][0]["ratio"], 3)
    (1, 'tiny', 1.018)
    >>> data["targets"][0]["met"]
    True
    """
    return {
        "version": JSON_VERSION,
        "set": report.bench_set.name,
        "sizes": asdict(report.bench_set),
        "repeat": report.repeat,
        "started": report.started,
        "seconds": report.seconds,
        "machine": report.machine,
        "rows": [
            {**asdict(row), "runs": list(row.runs), "ratio": row.ratio}
            for row in report.rows
        ],
        "targets": [
            {**asdict(t), "runs": list(t.runs), "met": t.met} for t in report.targets
        ],
        "notes": list(report.notes),
    }


def _example_report(row: Row) -> BenchReport:
    target = Target(f"{row.name}: time / critical path", row.ratio, 1.02)
    return BenchReport(TINY, 1, (row,), (target,), (), {}, "", 1.0)
