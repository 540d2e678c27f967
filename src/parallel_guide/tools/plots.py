"""Figures for the pages, drawn from measurements taken during the build.

Needs matplotlib (a docs dependency, not a runtime one).  Figures are built
with :class:`matplotlib.figure.Figure` rather than ``pyplot`` so no global
figure state leaks between cells, and they get an opaque white background so
they stay readable in both the light and the dark theme.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from parallel_guide.tools.timeline import TaskRun
from parallel_guide.tools.timing import Timing

STYLE = {"facecolor": "white", "layout": "constrained"}


def timing_bars(
    timings: Mapping[str, Timing], *, baseline: str, title: str = ""
) -> Figure:
    """Horizontal bars of median seconds (whiskers: fastest and slowest run).

    Each bar is labelled with its speed relative to ``baseline`` (``2.0x`` is
    twice as fast as the baseline, ``0.5x`` twice as slow).

    >>> fig = timing_bars({"a": Timing((1.0,)), "b": Timing((0.5,))}, baseline="a")
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['1.00x', '2.00x']
    """
    if baseline not in timings:
        raise KeyError(f"baseline {baseline!r} is not one of {list(timings)}")
    labels = list(timings)
    medians = [timings[k].median for k in labels]
    low = [timings[k].median - timings[k].min for k in labels]
    high = [timings[k].max - timings[k].median for k in labels]
    fig = Figure(figsize=(7, 0.6 * len(labels) + 1.2), **STYLE)
    ax = fig.add_subplot()
    positions = range(len(labels))
    ax.barh(positions, medians, xerr=[low, high], color="#4c72b0", capsize=3)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # first entry on top, as in the table
    ax.set_xlabel("seconds (median; whiskers: fastest and slowest run)")
    for y, label in zip(positions, labels, strict=True):
        ratio = timings[baseline].median / timings[label].median
        ax.annotate(  # beyond the whisker, so the two never overlap
            f"{ratio:.2f}x",
            (timings[label].max, y),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            ha="left",
        )
    ax.margins(x=0.2)
    if title:
        ax.set_title(title)
    return fig


def arrival_timeline(runs: Mapping[str, Sequence[TaskRun]]) -> Figure:
    """One panel per way of collecting: bars for running tasks, dots for collection.

    A gap between a bar's end and its dot is time a finished result sat
    waiting for the caller.
    """
    fig = Figure(figsize=(7, 1.6 * len(runs) + 0.8), **STYLE)
    axes = fig.subplots(len(runs), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (variant, variant_runs) in zip(axes, runs.items(), strict=True):
        by_name = sorted(variant_runs, key=lambda run: run.name)
        for y, run in enumerate(by_name):
            ax.barh(y, run.finished - run.started, left=run.started, color="#4c72b0")
            ax.plot(run.collected, y, "o", color="#dd8452", markersize=9)
        ax.set_yticks(range(len(by_name)), [run.name for run in by_name])
        ax.set_title(variant, loc="left")
    axes[0].plot([], [], "s", color="#4c72b0", label="task running")
    axes[0].plot([], [], "o", color="#dd8452", label="result collected")
    axes[0].legend(loc="lower right")
    axes[-1].set_xlabel("seconds since the tasks were submitted")
    return fig


def speedup_curve(
    workers: Sequence[int], speedups: Sequence[float], cpus: int
) -> Figure:
    """Measured speed-up against the number of workers, with the ideal line.

    The ideal rises one for one up to ``cpus`` and stays flat after it: more
    processes than CPUs cannot run at the same time.
    """
    fig = Figure(figsize=(6, 4), **STYLE)
    ax = fig.add_subplot()
    ideal = [min(n, cpus) for n in workers]
    ax.plot(workers, ideal, "--", color="grey", label=f"ideal on {cpus} CPUs")
    ax.plot(workers, speedups, "o-", color="#4c72b0", label="measured")
    ax.set_xlabel("worker processes")
    ax.set_ylabel("speed-up over the serial loop")
    ax.set_xticks(list(workers))
    ax.set_ylim(bottom=0)
    ax.legend()
    return fig


PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def run_sequence(series: Mapping[str, Sequence[float]], *, title: str = "") -> Figure:
    """Seconds of each run in the order the runs were made, one line per series.

    Shows what a single number hides: a slow first run, drift, outliers.
    """
    fig = Figure(figsize=(7, 3.6), **STYLE)
    ax = fig.add_subplot()
    for (label, seconds), color in zip(series.items(), PALETTE, strict=False):
        runs = range(1, len(seconds) + 1)
        ax.plot(runs, [1000 * s for s in seconds], "o-", color=color, label=label)
    ax.set_xlabel("run")
    ax.set_ylabel("milliseconds")
    ax.set_ylim(bottom=0)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def stacked_phases(
    phases: Mapping[str, Mapping[str, float]], *, title: str = ""
) -> Figure:
    """One horizontal bar per row, split into its phases (in milliseconds).

    ``phases`` maps a row label to ``{phase name: seconds}``; every row must
    have the same phases, which are stacked in order.

    >>> fig = stacked_phases(
    ...     {"a": {"x": 0.001, "y": 0.002}, "b": {"x": 0.0, "y": 0.004}}
    ... )
    >>> [round(float(p.get_width()), 6) for p in fig.axes[0].patches]
    [1.0, 0.0, 2.0, 4.0]
    """
    rows = list(phases)
    names = list(phases[rows[0]]) if rows else []
    for row in rows:
        if list(phases[row]) != names:
            raise ValueError(f"row {row!r} has phases {list(phases[row])}, not {names}")
    fig = Figure(figsize=(7, 0.7 * len(rows) + 1.6), **STYLE)
    ax = fig.add_subplot()
    left = [0.0] * len(rows)
    for name, color in zip(names, PALETTE, strict=False):
        widths = [1000 * phases[row][name] for row in rows]
        ax.barh(range(len(rows)), widths, left=left, color=color, label=name)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(range(len(rows)), rows)
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds")
    fig.legend(loc="outside lower center", ncols=min(len(names), 4))
    ax.margins(x=0.05)
    if title:
        ax.set_title(title)
    return fig


def chunksize_sweep(
    per_item: Mapping[str, Mapping[int, float]],
    references: Mapping[str, float] | None = None,
    *,
    title: str = "",
) -> Figure:
    """Overhead per item (µs) against chunk size, one line per API, log-log.

    ``per_item`` maps an API's name to ``{chunk size: seconds per item}``;
    ``references`` are drawn as horizontal lines (a loop, an automatic choice).

    >>> fig = chunksize_sweep({"Pool.map": {1: 2e-5, 100: 1e-6}}, {"loop": 1e-7})
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['Pool.map', 'loop']
    """
    fig = Figure(figsize=(7, 4.4), **STYLE)
    ax = fig.add_subplot()
    for (name, sweep), color in zip(per_item.items(), PALETTE, strict=False):
        sizes = sorted(sweep)
        ax.plot(sizes, [1e6 * sweep[s] for s in sizes], "o-", color=color, label=name)
    styles = ("--", ":", "-.")
    for (name, seconds), style in zip((references or {}).items(), styles, strict=False):
        ax.axhline(1e6 * seconds, linestyle=style, color="black", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunk size (items sent to a worker at a time)")
    ax.set_ylabel("µs per item (median)")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def break_even_plot(
    costs: Sequence[float], speedups: Mapping[str, Sequence[float]], cpus: int
) -> Figure:
    """Speed-up against the serial cost of one item (µs, log scale).

    Horizontal lines mark break-even (1) and the CPU count (the ceiling);
    above the first, processes pay.
    """
    fig = Figure(figsize=(7, 4.2), **STYLE)
    ax = fig.add_subplot()
    micro = [1e6 * c for c in costs]
    for (name, values), color in zip(speedups.items(), PALETTE, strict=False):
        ax.plot(micro, values, "o-", color=color, label=name)
    ax.axhline(1, color="black", linewidth=1)
    ax.axhline(cpus, linestyle="--", color="grey", label=f"{cpus} CPUs: the ceiling")
    ax.annotate(
        "break-even: as fast as the loop",
        (max(micro), 1),
        xytext=(0, 4),
        textcoords="offset points",
        ha="right",
        fontsize="small",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("cost of one item in the loop (µs)")
    ax.set_ylabel("speed-up over the loop")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def grouped_speedups(
    speedups: Mapping[str, Mapping[str, float]], cpus: int, *, title: str = ""
) -> Figure:
    """Bars of speed-up per workload (groups) and per way of running it (colours).

    ``speedups`` maps a workload to ``{variant: speed-up}``; every workload
    must have the same variants.  Lines mark 1 (no gain) and ``cpus``.

    >>> fig = grouped_speedups({"a": {"x": 1.0, "y": 2.0}}, cpus=2)
    >>> [round(float(p.get_height()), 2) for p in fig.axes[0].patches]
    [1.0, 2.0]
    """
    groups = list(speedups)
    variants = list(speedups[groups[0]]) if groups else []
    width = 0.8 / max(len(variants), 1)
    fig = Figure(figsize=(7, 4.2), **STYLE)
    ax = fig.add_subplot()
    for index, (variant, color) in enumerate(zip(variants, PALETTE, strict=False)):
        positions = [
            g + (index - (len(variants) - 1) / 2) * width for g in range(len(groups))
        ]
        heights = [speedups[group][variant] for group in groups]
        ax.bar(positions, heights, width, color=color, label=variant)
        for x, height in zip(positions, heights, strict=True):
            ax.annotate(
                f"{height:.2f}",
                (x, height),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize="small",
            )
    ax.axhline(1, color="black", linewidth=1)
    ax.axhline(cpus, linestyle="--", color="grey", label=f"{cpus} CPUs")
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel("speed-up over the serial loop")
    ax.set_ylim(0, max(cpus, *(h for g in speedups.values() for h in g.values())) * 1.2)
    ax.legend(loc="upper right", fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def heatmap(
    values: Mapping[tuple[str, str], float],
    rows: Sequence[str],
    columns: Sequence[str],
    *,
    label: str,
    title: str = "",
) -> Figure:
    """A grid of numbers coloured by size, each cell labelled with its value.

    ``values`` maps ``(row, column)`` to a number.

    >>> fig = heatmap({("a", "x"): 1.5}, ["a"], ["x"], label="speed-up")
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['1.50']
    """
    grid = [[values[(r, c)] for c in columns] for r in rows]
    fig = Figure(figsize=(1.6 * len(columns) + 3, 0.9 * len(rows) + 1.6), **STYLE)
    ax = fig.add_subplot()
    image = ax.imshow(grid, cmap="viridis", aspect="auto")
    low, high = min(min(row) for row in grid), max(max(row) for row in grid)
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            dark = high == low or (value - low) / (high - low) < 0.5
            ax.text(
                j,
                i,
                f"{value:.2f}",
                ha="center",
                va="center",
                color="white" if dark else "black",
            )
    ax.set_xticks(range(len(columns)), columns)
    ax.set_yticks(range(len(rows)), rows)
    fig.colorbar(image, ax=ax, label=label)
    if title:
        ax.set_title(title)
    return fig


def worker_timeline(
    runs: Mapping[str, Sequence[tuple[int, float, float]]], *, title: str = ""
) -> Figure:
    """One panel per variant, one lane per worker, a bar for each task it ran.

    ``runs`` maps a variant to ``(worker id, started, finished)`` for each task,
    in seconds on a clock all workers share; each panel starts at its first
    task.  Idle time shows as gaps, and the panel's width is the wall time.

    >>> fig = worker_timeline({"a": [(7, 10.0, 11.0), (8, 10.0, 10.5)]})
    >>> [round(float(p.get_width()), 2) for p in fig.axes[0].patches]
    [1.0, 0.5]
    """
    fig = Figure(figsize=(7, 1.3 * len(runs) + 0.9), **STYLE)
    axes = fig.subplots(len(runs), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (variant, tasks) in zip(axes, runs.items(), strict=True):
        workers = sorted({worker for worker, _, _ in tasks})
        origin = min(start for _, start, _ in tasks)
        for worker, start, end in tasks:
            lane = workers.index(worker)
            color = PALETTE[lane % len(PALETTE)]
            ax.barh(
                lane,
                end - start,
                left=start - origin,
                color=color,
                edgecolor="white",
                linewidth=0.3,
            )
        ax.set_yticks(
            range(len(workers)), [f"worker {i + 1}" for i in range(len(workers))]
        )
        ax.set_title(variant, loc="left", fontsize="medium")
    axes[-1].set_xlabel("seconds since the first task started")
    if title:
        fig.suptitle(title)
    return fig


def escape_image(image: Sequence[Sequence[int]], *, title: str = "") -> Figure:
    """Draw escape counts as an image, on a logarithmic colour scale."""
    import math

    fig = Figure(figsize=(7, 7 * len(image) / max(len(image[0]), 1) + 0.4), **STYLE)
    ax = fig.add_subplot()
    ax.imshow(
        [[math.log1p(count) for count in row] for row in image],
        cmap="magma",
        interpolation="nearest",
    )
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig
