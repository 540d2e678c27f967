"""Showing a run's results: a text table, Markdown tables and JSON.

``python -m parallel_guide bench`` prints :func:`format_table` and, with
``--json``, saves :func:`to_json`; the benchmarks page shows
:func:`markdown_tables`.  Each takes a
:class:`~parallel_guide.site.bench.results.BenchReport`.
"""

from __future__ import annotations

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
    parts = [text_table(header, body, right={4})]
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
            text_table(
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
        "targets": [{**asdict(t), "met": t.met} for t in report.targets],
        "notes": list(report.notes),
    }


def _example_report(row: Row) -> BenchReport:
    target = Target(f"{row.name}: time / critical path", row.ratio, 1.02)
    return BenchReport(TINY, 1, (row,), (target,), (), {}, "", 1.0)
