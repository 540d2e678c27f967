"""Draw what ran when: a Gantt chart of recorded task times, critical path marked.

:func:`record_variants` runs the guide's three tasks (download 2 s, process
1 s, report 1.5 s) the ways the page compares: results read in submission
order and with :func:`~concurrent.futures.as_completed`, with a thread each,
then with two threads and one.  :func:`gantt` draws the recorded times;
:func:`overrun` says how far a measured wall time is above the critical path,
the floor no number of workers can beat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from parallel_guide.pages.task_parallel import (
    download_data,
    generate_report,
    process_data,
)
from parallel_guide.tools.timeline import Order, TaskRun, record_arrivals

if TYPE_CHECKING:
    import matplotlib.figure


def guide_tasks(scale: float = 1.0) -> dict[str, Callable[[], str]]:
    """The guide's three tasks, each ready to call with no arguments.

    ``scale`` multiplies the guide's durations of 2 s, 1 s and 1.5 s.

    >>> sorted(guide_tasks())
    ['download_data', 'generate_report', 'process_data']
    >>> guide_tasks(scale=0)["process_data"]()
    'Processed raw_data'
    """
    seconds = guide_durations(scale)
    return {
        "download_data": partial(
            download_data, "database", seconds=seconds["download_data"]
        ),
        "process_data": partial(
            process_data, "raw_data", seconds=seconds["process_data"]
        ),
        "generate_report": partial(
            generate_report, "analytics", seconds=seconds["generate_report"]
        ),
    }


GUIDE_SECONDS = {"download_data": 2.0, "process_data": 1.0, "generate_report": 1.5}
"""How long each of the guide's three tasks sleeps, in submission order."""


def guide_durations(scale: float = 1.0) -> dict[str, float]:
    """The guide's task durations in seconds, multiplied by ``scale``.

    >>> guide_durations(0.5)
    {'download_data': 1.0, 'process_data': 0.5, 'generate_report': 0.75}
    """
    if scale < 0:
        raise ValueError(f"scale must be 0 or more, got {scale!r}")
    return {name: seconds * scale for name, seconds in GUIDE_SECONDS.items()}


VARIANTS: dict[str, tuple[Order, int]] = {
    "submission order, 3 threads (the guide)": ("submission", 3),
    "as_completed, 3 threads": ("completion", 3),
    "as_completed, 2 threads": ("completion", 2),
    "as_completed, 1 thread": ("completion", 1),
}
"""The page's variants, each with how results are read and how many threads run."""


def record_variants(
    scale: float = 1.0, variants: Mapping[str, tuple[Order, int]] = VARIANTS
) -> dict[str, list[TaskRun]]:
    """Run the guide's tasks once per variant; the recorded runs of each.

    ``scale`` multiplies the guide's durations (``scale=1``: 2 s, 1 s, 1.5 s).

    >>> runs = record_variants(scale=0.01)
    >>> list(runs) == list(VARIANTS)
    True
    >>> [run.name for run in runs["as_completed, 1 thread"]]
    ['download_data', 'process_data', 'generate_report']
    """
    return {
        label: record_arrivals(guide_tasks(scale), order=order, workers=workers)
        for label, (order, workers) in variants.items()
    }


def wall_time(runs: Iterable[TaskRun]) -> float:
    """When the caller had every result: the last collection time.

    >>> wall_time(
    ...     [TaskRun("a", None, 0.0, 1.0, 1.5), TaskRun("b", None, 0.0, 2.0, 2.0)]
    ... )
    2.0
    """
    times = [run.collected for run in runs]
    if not times:
        raise ValueError("wall_time() needs at least one recorded run")
    return max(times)


def overrun(wall: float, floor: float) -> float:
    """How far ``wall`` is above ``floor``, in per cent of ``floor``.

    >>> round(overrun(2.05, 2.0), 6)
    2.5
    """
    if floor <= 0:
        raise ValueError(f"floor must be positive, got {floor!r}")
    return 100 * (wall - floor) / floor


def serial_time(scale: float = 1.0) -> float:
    """How long the guide's three tasks take one after another, in seconds.

    >>> serial_time()
    4.5
    """
    return sum(guide_durations(scale).values())


_TASK = "#4c72b0"
_CRITICAL = "#c44e52"
_COLLECTED = "#222222"


def gantt(
    runs: Mapping[str, Sequence[TaskRun]],
    *,
    critical: Iterable[str] = (),
    floor: float | None = None,
    walls: Mapping[str, float] | None = None,
    collected: bool = True,
    title: str = "",
) -> matplotlib.figure.Figure:
    """A panel per variant, a row per task: a bar while it ran, a dot when collected.

    Tasks named in ``critical`` (the critical path) are drawn in red; ``floor``
    (the critical path's length) is a dashed line, and each panel's wall time,
    when the caller had every result, a solid one (``walls`` gives it per
    variant, if the runs do not say).  ``collected=False`` leaves out the dots,
    for runs whose collection times were not recorded.  Rows list the first
    variant's tasks in the order they started, top to bottom.

    >>> fig = gantt(
    ...     {"x": [TaskRun("a", None, 0.0, 1.0, 1.5)]}, critical=["a"], floor=1.0
    ... )
    >>> [round(float(bar.get_width()), 2) for bar in fig.axes[0].patches]
    [1.0]
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from parallel_guide.tools.plots import STYLE

    if not runs:
        raise ValueError("gantt() needs at least one variant to draw")
    critical = set(critical)
    first = next(iter(runs.values()))
    names = [run.name for run in sorted(first, key=lambda run: run.started)]
    for variant_runs in runs.values():
        names += [run.name for run in variant_runs if run.name not in names]
    height = len(runs) * (0.32 * len(names) + 0.9) + 0.8
    fig = Figure(figsize=(7.5, height), **STYLE)
    axes = fig.subplots(len(runs), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (variant, variant_runs) in zip(axes, runs.items(), strict=True):
        for run in variant_runs:
            row = names.index(run.name)
            color = _CRITICAL if run.name in critical else _TASK
            ax.barh(row, run.finished - run.started, left=run.started, color=color)
            if collected:
                ax.plot(run.collected, row, "o", color=_COLLECTED, markersize=6)
        wall = (walls or {}).get(variant) or wall_time(variant_runs)
        ax.axvline(wall, color=_COLLECTED, linewidth=1.2)
        ax.annotate(
            f" all in: {wall:.2f} s",
            (wall, 1.0),
            xycoords=("data", "axes fraction"),
            va="top",
            fontsize="small",
        )
        if floor is not None:
            ax.axvline(floor, color="grey", linestyle="--", linewidth=1.2)
        ax.set_yticks(range(len(names)), names)
        ax.set_ylim(len(names) - 0.4, -0.6)  # first task on top
        ax.set_title(variant, loc="left", fontsize="medium")
    handles = [
        Patch(color=_TASK, label="task running"),
        Line2D([], [], color=_COLLECTED, label="wall time"),
    ]
    if collected:
        handles.insert(
            1,
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color=_COLLECTED,
                label="result collected",
            ),
        )
    if critical:
        handles.insert(1, Patch(color=_CRITICAL, label="on the critical path"))
    if floor is not None:
        handles.append(
            Line2D([], [], linestyle="--", color="grey", label="critical path")
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize="small")
    axes[-1].set_xlabel("seconds since the tasks were submitted")
    axes[-1].margins(x=0.12)
    axes[-1].set_xlim(left=0)
    if title:
        fig.suptitle(title)
    return fig
