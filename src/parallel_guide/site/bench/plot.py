"""Figures of a run's results, for the benchmarks page.  Needs matplotlib.

:func:`ratio_plot` draws each row's ratio to its limit, in the colours and
style of :mod:`parallel_guide.tools.plots`.
"""

from __future__ import annotations

from typing import Any

from parallel_guide.site.bench.results import BenchReport

__all__ = ["ratio_plot"]


def ratio_plot(report: BenchReport, *, title: str = "") -> Any:
    """Horizontal bars of each row's ratio to its limit, on a log scale.

    A bar ending at the line marked 1 is at its limit.  Needs matplotlib.

    >>> from parallel_guide.site.bench.results import Row
    >>> from parallel_guide.site.bench.sets import TINY
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
