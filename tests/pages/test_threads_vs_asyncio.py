import dataclasses
import math
import subprocess
import sys

import pytest

from parallel_guide.pages import threads_vs_asyncio
from parallel_guide.pages.threads_vs_asyncio import (
    KINDS,
    WaitsResult,
    measure_waits,
    median_of,
    waits_plot,
)

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("kind", KINDS)
def test_waits_run_concurrently_and_report_plausible_figures(kind):
    count, seconds = 200, 0.5
    result = measure_waits(kind, count, seconds)
    assert (result.kind, result.count, result.seconds) == (kind, count, seconds)
    # Concurrent: all the waits together take about one wait, far less than
    # count waits one after the other (generous: a busy machine is slow).
    assert seconds <= result.wall < seconds + 20
    assert 0 <= result.cpu < result.wall + 20
    if sys.platform != "win32":
        assert 1 < result.start_mib <= result.peak_mib < 2000
        assert result.added_mib == pytest.approx(result.peak_mib - result.start_mib)
    assert result.overhead == pytest.approx(result.wall - seconds)


@pytest.mark.skipif(sys.platform == "win32", reason="peak memory needs resource")
def test_threads_cost_more_memory_per_wait_than_tasks():
    # A thread has its own stack and OS bookkeeping; a task is a small object.
    count = 2000
    threads = measure_waits("threads", count, 0.2)
    tasks = measure_waits("asyncio", count, 0.2)
    assert threads.added_mib > tasks.added_mib


def test_result_is_frozen():
    result = WaitsResult("asyncio", 1, 0.0, 0.1, 0.0, 20.0, 19.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.wall = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (("processes", 10, 1.0), ValueError, "'threads' or 'asyncio'"),
        (("threads", 0, 1.0), ValueError, "at least 1"),
        (("threads", 2.5, 1.0), TypeError, "count must be an int"),
        (("asyncio", True, 1.0), TypeError, "count must be an int"),
        (("asyncio", 10, -1.0), ValueError, ">= 0"),
        (("asyncio", 10, math.inf), ValueError, "finite"),
        (("asyncio", 10, "1"), TypeError, "seconds must be a number"),
    ],
)
def test_bad_arguments_are_refused_before_any_child_starts(
    arguments, error, message, monkeypatch
):
    def no_child(*args, **kwargs):
        raise AssertionError("a child was started")

    monkeypatch.setattr(subprocess, "run", no_child)
    with pytest.raises(error, match=message):
        measure_waits(*arguments)


def test_bad_timeout_is_refused():
    with pytest.raises(ValueError, match="timeout must be a positive"):
        measure_waits("asyncio", 1, 0.0, timeout=0)


def test_a_child_that_overruns_its_timeout_is_stopped():
    with pytest.raises(subprocess.TimeoutExpired):
        measure_waits("asyncio", 1, 30.0, timeout=1.0)


def test_a_failing_child_raises_with_its_error(monkeypatch):
    # Stands in for a child the operating system refuses more threads.
    failing = "raise RuntimeError('can' + chr(39) + 't start new thread')"
    monkeypatch.setattr(threads_vs_asyncio, "_CHILD", failing)
    with pytest.raises(RuntimeError, match=r"(?s)exit code 1.*can't start new thread"):
        measure_waits("threads", 1, 0.0)


def test_median_of_takes_each_fields_median():
    runs = [
        WaitsResult("threads", 100, 1.0, wall, cpu, peak, 20.0)
        for wall, cpu, peak in [(1.5, 0.2, 30.0), (1.1, 0.4, 50.0), (1.3, 0.3, 40.0)]
    ]
    median = median_of(runs)
    assert (median.kind, median.count, median.seconds) == ("threads", 100, 1.0)
    assert (median.wall, median.cpu, median.peak_mib) == (1.3, 0.3, 40.0)


def test_median_of_refuses_mixed_or_no_runs():
    threads = WaitsResult("threads", 100, 1.0, 1.0, 0.1, 30.0, 20.0)
    tasks = WaitsResult("asyncio", 100, 1.0, 1.0, 0.1, 30.0, 20.0)
    with pytest.raises(ValueError, match="one kind, count and seconds"):
        median_of([threads, tasks])
    with pytest.raises(ValueError, match="at least one run"):
        median_of([])


def test_waits_plot_draws_a_bar_per_kind_and_count_in_each_panel():
    results = [
        WaitsResult(kind, count, 1.0, 1.0 + count / 1e4, 0.1, 20.0 + count / 100, 20.0)
        for kind in KINDS
        for count in (1000, 10000)
    ]
    fig = waits_plot(results)
    assert len(fig.axes) == 3
    memory = fig.axes[2]
    heights = sorted(round(p.get_height(), 3) for p in memory.patches)
    assert heights == [10.0, 10.0, 100.0, 100.0]
