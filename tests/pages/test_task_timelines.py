from itertools import pairwise

import pytest

pytest.importorskip("matplotlib")

from matplotlib.colors import to_hex

from parallel_guide.pages.task_timelines import (
    VARIANTS,
    gantt,
    guide_durations,
    overrun,
    record_variants,
    serial_time,
    wall_time,
)
from parallel_guide.tools.timeline import TaskRun, critical_path

# download 0.8 s, process 0.4 s, report 0.6 s: one after another takes 1.8 s,
# a second more than the longest task, far beyond a busy machine's delays.
SCALE = 0.4


@pytest.fixture(scope="module")
def runs():
    return record_variants(scale=SCALE)


@pytest.mark.timeout(60)
def test_every_variant_runs_every_task(runs):
    assert list(runs) == list(VARIANTS)
    for variant_runs in runs.values():
        assert sorted(run.name for run in variant_runs) == [
            "download_data",
            "generate_report",
            "process_data",
        ]


def test_submission_order_collects_everything_after_the_download(runs):
    by_name = {r.name: r for r in runs["submission order, 3 threads (the guide)"]}
    download = by_name["download_data"]
    assert all(run.collected >= download.finished for run in by_name.values())


def test_as_completed_collects_in_the_order_tasks_finish(runs):
    collected = runs["as_completed, 3 threads"]
    assert [r.finished for r in collected] == sorted(r.finished for r in collected)


def test_one_thread_runs_the_tasks_one_after_another(runs):
    ordered = sorted(runs["as_completed, 1 thread"], key=lambda run: run.started)
    for before, after in pairwise(ordered):
        assert after.started >= before.finished


def test_two_threads_make_the_report_wait_for_a_free_thread(runs):
    by_name = {r.name: r for r in runs["as_completed, 2 threads"]}
    assert by_name["generate_report"].started >= by_name["process_data"].finished


def test_wall_times_never_beat_the_critical_path(runs):
    floor, _ = critical_path(guide_durations(SCALE))
    walls = {variant: wall_time(variant_runs) for variant, variant_runs in runs.items()}
    assert all(wall >= floor for wall in walls.values())
    # A thread per task overlaps the waits; one thread does not.
    assert walls["as_completed, 3 threads"] < serial_time(SCALE)
    assert walls["as_completed, 1 thread"] >= serial_time(SCALE)


def test_wall_time_and_overrun():
    runs = [TaskRun("a", None, 0.0, 1.0, 1.5), TaskRun("b", None, 0.0, 2.0, 2.0)]
    assert wall_time(runs) == 2.0
    assert overrun(3.0, 2.0) == 50.0
    with pytest.raises(ValueError, match="at least one recorded run"):
        wall_time([])
    with pytest.raises(ValueError, match="floor must be positive"):
        overrun(1.0, 0.0)


def test_gantt_draws_a_bar_per_task_and_colours_the_critical_path():
    runs = {
        "one": [TaskRun("a", None, 0.0, 2.0, 2.0), TaskRun("b", None, 0.0, 1.0, 2.0)],
        "two": [TaskRun("b", None, 0.0, 1.0, 1.0), TaskRun("a", None, 0.0, 2.0, 2.0)],
    }
    fig = gantt(runs, critical=["a"], floor=2.0)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
        colours = {
            round(float(bar.get_width()), 2): to_hex(bar.get_facecolor())
            for bar in ax.patches
        }
        assert colours[2.0] != colours[1.0]  # the critical task stands out
    assert "critical path" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_gantt_needs_something_to_draw():
    with pytest.raises(ValueError, match="at least one variant"):
        gantt({})
