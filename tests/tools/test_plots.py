import pytest

pytest.importorskip("matplotlib")

from parallel_guide.tools.plots import arrival_timeline, speedup_curve, timing_bars
from parallel_guide.tools.timeline import TaskRun
from parallel_guide.tools.timing import Timing


def test_timing_bars_label_each_bar_with_its_speed_relative_to_the_baseline():
    fig = timing_bars(
        {"loop": Timing((2.0, 2.2)), "pool": Timing((4.0,)), "numpy": Timing((0.5,))},
        baseline="loop",
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["loop", "pool", "numpy"]
    assert [t.get_text() for t in ax.texts] == ["1.00x", "0.53x", "4.20x"]


def test_timing_bars_need_a_known_baseline():
    with pytest.raises(KeyError, match="baseline 'serial'"):
        timing_bars({"loop": Timing((1.0,))}, baseline="serial")


def test_arrival_timeline_has_a_panel_per_variant_and_a_bar_per_task():
    runs = [TaskRun("a", None, 0.0, 1.0, 2.0), TaskRun("b", None, 0.0, 2.0, 2.0)]
    fig = arrival_timeline({"one": runs, "two": runs[::-1]})
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["one", "two"]
    assert all(len(ax.patches) == 2 for ax in fig.axes)
    bar = fig.axes[0].patches[0]
    assert (bar.get_x(), bar.get_width()) == (0.0, 1.0)


def test_speedup_curve_caps_the_ideal_at_the_cpu_count():
    fig = speedup_curve([1, 2, 3, 4], [1.0, 1.8, 1.7, 1.8], cpus=2)
    ideal, measured = fig.axes[0].lines
    assert list(ideal.get_ydata()) == [1, 2, 2, 2]
    assert list(measured.get_ydata()) == [1.0, 1.8, 1.7, 1.8]


def test_run_sequence_draws_each_series_in_milliseconds_by_run():
    from parallel_guide.tools.plots import run_sequence

    fig = run_sequence({"loop": [0.1, 0.1], "pool": [0.3, 0.05]})
    loop, pool = fig.axes[0].lines
    assert list(loop.get_xdata()) == [1, 2]
    assert list(pool.get_ydata()) == pytest.approx([300, 50])


def test_stacked_phases_stack_each_row_in_order():
    from parallel_guide.tools.plots import stacked_phases

    fig = stacked_phases({"fork": {"start": 0.001, "map": 0.002}})
    start, run = fig.axes[0].patches
    assert (start.get_x(), start.get_width()) == pytest.approx((0, 1))
    assert (run.get_x(), run.get_width()) == pytest.approx((1, 2))


def test_stacked_phases_need_the_same_phases_in_every_row():
    from parallel_guide.tools.plots import stacked_phases

    with pytest.raises(ValueError, match="row 'b' has phases"):
        stacked_phases({"a": {"x": 1.0}, "b": {"y": 1.0}})


def test_amdahl_curves_draw_the_ideal_and_one_curve_per_fraction():
    from parallel_guide.pages.speedup_limits import amdahl_curves

    fig = amdahl_curves([0.05, 0.5], 16, cpus=2)
    ideal, five, half = fig.axes[0].lines[:3]
    assert list(ideal.get_xdata()) == [1, 2, 4, 8, 16]
    assert half.get_ydata()[-1] == pytest.approx(1 / (0.5 + 0.5 / 16))
    assert five.get_label() == "5% serial"


def test_speedup_fit_caps_the_fitted_curve_at_the_cpu_count():
    from parallel_guide.pages.speedup_limits import speedup_fit

    fig = speedup_fit([1, 2, 3, 4], [1.0, 1.9, 1.8, 1.85], 2, 0.0)
    _ideal, fitted, measured = fig.axes[0].lines
    assert list(fitted.get_ydata()) == pytest.approx([1, 2, 2, 2])
    assert list(measured.get_ydata()) == [1.0, 1.9, 1.8, 1.85]


def test_chunksize_sweep_plots_microseconds_against_sorted_chunk_sizes():
    from parallel_guide.tools.plots import chunksize_sweep

    fig = chunksize_sweep({"imap": {100: 1e-6, 1: 1e-5}}, {"loop": 2e-7})
    sweep, loop = fig.axes[0].lines
    assert list(sweep.get_xdata()) == [1, 100]
    assert list(sweep.get_ydata()) == pytest.approx([10, 1])
    assert list(loop.get_ydata()) == pytest.approx([0.2, 0.2])


def test_break_even_plot_marks_break_even_and_the_ceiling():
    from parallel_guide.tools.plots import break_even_plot

    fig = break_even_plot([1e-6, 1e-4], {"map": [0.2, 1.9]}, cpus=2)
    measured, even, ceiling = fig.axes[0].lines
    assert list(measured.get_xdata()) == pytest.approx([1, 100])
    assert list(even.get_ydata()) == [1, 1]
    assert list(ceiling.get_ydata()) == [2, 2]


def test_grouped_speedups_draw_a_bar_per_workload_and_variant():
    from parallel_guide.tools.plots import grouped_speedups

    fig = grouped_speedups({"a": {"x": 1.0, "y": 2.0}, "b": {"x": 0.5, "y": 1.5}}, 2)
    heights = [round(float(p.get_height()), 2) for p in fig.axes[0].patches]
    assert heights == [1.0, 0.5, 2.0, 1.5]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b"]


def test_heatmap_labels_every_cell_in_row_order():
    from parallel_guide.tools.plots import heatmap

    values = {
        ("r1", "c1"): 1.0,
        ("r1", "c2"): 2.0,
        ("r2", "c1"): 3.0,
        ("r2", "c2"): 4.0,
    }
    fig = heatmap(values, ["r1", "r2"], ["c1", "c2"], label="x")
    assert [t.get_text() for t in fig.axes[0].texts] == ["1.00", "2.00", "3.00", "4.00"]


def test_worker_timeline_gives_each_worker_a_lane_from_the_first_start():
    from parallel_guide.tools.plots import worker_timeline

    fig = worker_timeline({"v": [(9, 5.0, 6.0), (3, 5.5, 7.0)]})
    ax = fig.axes[0]
    late, early = ax.patches  # in task order
    assert (late.get_x(), late.get_width(), late.get_y() > early.get_y()) == (
        0.0,
        1.0,
        True,
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["worker 1", "worker 2"]


def test_escape_image_draws_the_counts_on_a_log_scale():
    import math

    from parallel_guide.tools.plots import escape_image

    fig = escape_image([[0, 1], [3, 7]])
    data = fig.axes[0].images[0].get_array()
    assert data[1][1] == pytest.approx(math.log1p(7))
