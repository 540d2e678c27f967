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
from parallel_guide.tools.compare import Comparison
from parallel_guide.tools.machine import Machine
from parallel_guide.tools.timing import format_seconds

__all__ = [
    "JSON_VERSION",
    "comparison_cells",
    "format_table",
    "format_value",
    "machine_summary",
    "markdown_tables",
    "to_json",
]

JSON_VERSION = 2
"""The layout of :func:`to_json`'s dict, saved in it as ``"version"``.  Version
2 added each target's ``comparison`` and ``compared``, and
``machine_summary``."""


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
    >>> target = Target("tasks", 1.12 / 1.1, 1.02)
    >>> report = BenchReport(TINY, 3, (row,), (target,), (), {}, "now", 2.0)
    >>> print(format_table(report))
    section  row        median  spread  limit   ratio  note
    -------  ---------  ------  ------  ------  -----  ----
    tasks    run_tasks  1.12 s     10%  1.10 s   1.02
    <BLANKLINE>
    target  measured  range  bound    verdict  time ratio  95 % interval  difference
    ------  --------  -----  -------  -------  ----------  -------------  ----------
    tasks       1.02         <= 1.02  met
    <BLANKLINE>
    tiny set: 3 timed runs per row, 2.00 s in all. ratio = median / limit;
    spread = (slowest - fastest) / median; range: a target's value in the
    fastest and slowest round. time ratio: a target's variant against the one
    it is compared with (parallel_guide.compare), with its interval and
    whether the difference is significant.
    """
    header = ("section", "row", "median", "spread", "limit", "ratio", "note")
    body = [_row_cells(row) for row in report.rows]
    parts = [text_table(header, body, right={3, 5})]
    if report.targets:
        parts.append(
            text_table(
                (*_TARGET_HEADER, *_COMPARISON_HEADER),
                [_target_cells(t) for t in report.targets],
                right={1, 5},
            )
        )
    if report.notes:
        parts.append("\n".join(f"note: {note}" for note in report.notes))
    parts.append(
        f"{report.bench_set.name} set: {report.repeat} timed "
        f"run{'s' * (report.repeat != 1)} per row, {format_seconds(report.seconds)} "
        "in all. ratio = median / limit;\nspread = (slowest - fastest) / median; "
        "range: a target's value in the\nfastest and slowest round. time ratio: "
        "a target's variant against the one\nit is compared with "
        "(parallel_guide.compare), with its interval and\nwhether the difference "
        "is significant."
    )
    return "\n\n".join(parts)


_TARGET_HEADER = ("target", "measured", "range", "bound", "verdict")
_COMPARISON_HEADER = ("time ratio", "95 % interval", "difference")


def comparison_cells(comparison: Comparison | None) -> tuple[str, str, str]:
    """A comparison's ratio, interval and verdict as three table cells.

    >>> comparison_cells(Comparison(0.5, (0.45, 0.56), "faster"))
    ('0.50', '0.45-0.56', 'faster')
    >>> comparison_cells(Comparison(1.1, (0.0, math.inf), "no measurable difference"))
    ('1.10', 'unbounded', 'no measurable difference')
    >>> comparison_cells(None)
    ('', '', '')
    """
    if comparison is None:
        return ("", "", "")
    low, high = comparison.interval
    interval = f"{low:.2f}-{high:.2f}" if math.isfinite(high) else "unbounded"
    return (f"{comparison.ratio:.2f}", interval, comparison.verdict)


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
        *comparison_cells(target.comparison),
    )


def markdown_tables(report: BenchReport) -> tuple[str, str]:
    """The rows and the targets as two Markdown tables, for a page.

    >>> row = Row("tasks", "run_tasks", 1.12, 1.1, note="critical path 1.1 s")
    >>> rows, targets = markdown_tables(_example_report(row))
    >>> print(rows)
    | Section | Row | Median | Spread | Limit | Ratio | Note |
    | --- | --- | ---: | ---: | ---: | ---: | --- |
    | tasks | run_tasks | 1.12 s |  | 1.10 s | 1.02 | critical path 1.1 s |
    >>> print(targets.replace(" | Time ratio | 95 % interval | Difference", " ..."))
    | Target | Measured | Range | Bound | Verdict ... |
    | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |
    | run_tasks: time / critical path | 1.02 |  | <= 1.02 | met |  |  |  |
    """

    def cells(values: Iterable[str]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

    rows = [
        cells(("Section", "Row", "Median", "Spread", "Limit", "Ratio", "Note")),
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
        *(cells(_row_cells(row)) for row in report.rows),
    ]
    targets = [
        cells(h[0].upper() + h[1:] for h in (*_TARGET_HEADER, *_COMPARISON_HEADER)),
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |",
        *(cells(_target_cells(t)) for t in report.targets),
    ]
    return "\n".join(rows), "\n".join(targets)


def to_json(report: BenchReport) -> dict[str, Any]:
    """A JSON-ready dict: every run of every row, targets with their verdicts.

    ``python -m parallel_guide bench --json FILE`` saves it and
    ``--compare FILE`` reads it back
    (``parallel_guide.site.bench.saved.from_json``).  Layout
    :data:`JSON_VERSION`:

    * ``version``: :data:`JSON_VERSION`; ``set``: ``"quick"``, ``"full"`` or
      ``"tiny"``; ``sizes``: the set's fields
      (:class:`~parallel_guide.site.bench.sets.BenchSet`); ``repeat``: timed
      runs per row; ``started``: the UTC date and time of the start (ISO 8601);
      ``seconds``: how long the run took;
    * ``machine``: :func:`~parallel_guide.tools.machine.describe_machine`'s
      fields (``python`` is the Python version), ``machine_summary``: the same
      in one line;
    * ``rows``: one object a row: ``section``, ``name``, ``value`` (the
      median), ``limit``, ``unit`` (``"s"``, ``"s/item"`` or ``"MiB"``),
      ``note``, ``runs`` (every run, in order) and ``ratio`` (value / limit);
    * ``targets``: ``name``, ``measured``, ``bound``, ``at_least``, ``note``,
      ``runs`` (the value in each round), ``met``, ``compared`` and
      ``comparison``: ``null``, or ``ratio``, ``interval`` (a pair; its upper
      end ``null`` when the runs are too few to bound it) and ``verdict``;
    * ``notes``: the run's notes, as text.

    ``ratio`` and ``met`` are for readers of the file; reading it back
    recomputes them.  A float that is not a number is written as ``NaN``, as
    :mod:`json` does.

    >>> data = to_json(_example_report(Row("tasks", "run_tasks", 1.12, 1.1)))
    >>> data["version"], data["set"], round(data["rows"][0]["ratio"], 3)
    (2, 'tiny', 1.018)
    >>> data["targets"][0]["met"], data["targets"][0]["comparison"]
    (True, None)
    """
    return {
        "version": JSON_VERSION,
        "set": report.bench_set.name,
        "sizes": asdict(report.bench_set),
        "repeat": report.repeat,
        "started": report.started,
        "seconds": report.seconds,
        "machine": report.machine,
        "machine_summary": machine_summary(report.machine),
        "rows": [
            {**asdict(row), "runs": list(row.runs), "ratio": row.ratio}
            for row in report.rows
        ],
        "targets": [_target_json(t) for t in report.targets],
        "notes": list(report.notes),
    }


def _target_json(target: Target) -> dict[str, Any]:
    comparison = target.comparison
    return {
        "name": target.name,
        "measured": target.measured,
        "bound": target.bound,
        "at_least": target.at_least,
        "note": target.note,
        "runs": list(target.runs),
        "met": target.met,
        "compared": target.compared,
        "comparison": None
        if comparison is None
        else {
            "ratio": comparison.ratio,
            "interval": [
                comparison.interval[0],
                comparison.interval[1]
                if math.isfinite(comparison.interval[1])
                else None,
            ],
            "verdict": comparison.verdict,
        },
    }


def machine_summary(machine: dict[str, Any]) -> str:
    """One line for the machine a report was measured on, from its fields.

    >>> fields = {
    ...     "usable_cpus": 2,
    ...     "logical_cpus": 2,
    ...     "python": "CPython 3.13.1",
    ...     "free_threaded": False,
    ...     "system": "Linux x86_64",
    ...     "start_method": "forkserver",
    ... }
    >>> print(machine_summary(fields))  # doctest: +NORMALIZE_WHITESPACE
    2 usable CPUs (of 2 logical), CPython 3.13.1 on Linux x86_64,
    processes started with forkserver
    >>> machine_summary({})
    'an unknown machine'
    """
    try:
        return Machine(**machine).summary()
    except TypeError:  # a hand-made report without the machine's fields
        return "an unknown machine"


def _example_report(row: Row) -> BenchReport:
    target = Target(f"{row.name}: time / critical path", row.ratio, 1.02)
    return BenchReport(TINY, 1, (row,), (target,), (), {}, "", 1.0)
