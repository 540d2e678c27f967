import threading
import time

import pytest

from parallel_guide import Timing
from parallel_guide.pages import performance
from parallel_guide.pages.data_parallel import process_number
from parallel_guide.pages.performance import (
    compared_with,
    measure_performance,
    measure_task_performance,
    time_pool,
)


@pytest.mark.parametrize(
    ("processes", "error", "message"),
    [
        (0, ValueError, "processes must be at least 1, got 0"),
        (-2, ValueError, "processes must be at least 1, got -2"),
        (1.5, TypeError, "processes must be an int or None, got float"),
        ("2", TypeError, "processes must be an int or None, got str"),
        (True, TypeError, "processes must be an int or None, got bool"),
    ],
)
def test_bad_process_counts_fail_before_any_process_starts(
    monkeypatch, processes, error, message
):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(performance, "Pool", no_pool)
    with pytest.raises(error, match=message):
        measure_performance(process_number, range(10), processes)


@pytest.mark.parametrize("include_startup", [True, False])
def test_measure_performance_returns_a_positive_median(include_startup):
    seconds = measure_performance(
        process_number, range(100), 2, include_startup=include_startup, repeat=2
    )
    assert isinstance(seconds, float)
    assert 0 < seconds < 30


def test_measure_performance_accepts_a_generator_and_reuses_it_for_every_run(
    monkeypatch,
):
    seen = []

    def fake_pool_map(func, data, processes):
        seen.append(list(data))

    monkeypatch.setattr(performance, "_pool_map", fake_pool_map)
    measure_performance(process_number, (x for x in range(3)), 1, repeat=2, warmup=1)
    assert seen == [[0, 1, 2]] * 3


def test_tasks_run_concurrently():
    # Tasks that can only finish together: one after another, the first would
    # wait for the others in vain (BrokenBarrierError after 30 s).
    together = threading.Barrier(3, timeout=30)

    def task():
        together.wait()
        time.sleep(0.3)

    seconds = measure_task_performance([task] * 3, repeat=1)
    assert seconds >= 0.3


def test_an_empty_task_list_measures_to_about_zero():
    assert 0 <= measure_task_performance([]) < 5  # generous: busy cores


def test_a_task_that_is_not_callable_is_named_in_the_error():
    with pytest.raises(TypeError, match=r"tasks\[1\] must be a callable"):
        measure_task_performance([time.perf_counter, "oops"])


def test_a_failing_task_fails_the_measurement():
    def broken():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        measure_task_performance([broken], repeat=1)


LOOP = Timing((1.00, 1.04, 0.97, 1.02, 0.99))


def scaled(timing, factor):
    return Timing(tuple(run * factor for run in timing.seconds))


@pytest.mark.parametrize(
    ("factor", "start"),
    [
        (1 / 3, "was 3.00 times as fast as the loop (95 % interval "),
        (3.0, "took 3.00 times as long as the loop (95 % interval "),
        (1.0, "showed no measurable difference from the loop on this build ("),
    ],
)
def test_compared_with_words_all_three_verdicts(factor, start):
    assert compared_with(scaled(LOOP, factor), LOOP, "the loop").startswith(start)


def test_compared_with_says_no_difference_when_runs_overlap_whatever_the_ratio():
    # Medians 4 % apart, but the runs interleave: no verdict either way.
    other = Timing((1.08, 0.96, 1.05, 1.10, 0.98))
    assert other.median > LOOP.median * 1.03
    words = compared_with(other, LOOP, "the loop")
    assert words.startswith("showed no measurable difference")
    assert "faster" not in words
    assert "slower" not in words


def test_compared_with_never_reads_one_for_a_real_difference():
    # 0.3 % faster on every run, with no overlap: the digits grow to show it.
    steady = Timing((1.0, 1.0005, 1.001, 1.0015, 1.002))
    words = compared_with(scaled(steady, 0.997), steady, "the loop")
    assert words.startswith("was 1.003 times as fast as the loop")


def test_compared_with_never_shows_an_interval_reaching_one_for_a_difference():
    # The interval's lower end is 1.0025: two digits would show it as 1.00.
    loop = Timing((1.0, 1.001, 1.002, 1.003, 1.004))
    slower = Timing((1.0045, 1.3, 1.3, 1.3, 1.3))
    words = compared_with(slower, loop, "the loop")
    assert words.startswith("took 1.297 times as long as the loop")
    low = words.split("interval ")[1].split(" to ")[0]
    assert float(low) > 1, words


def test_compared_with_rounds_to_the_digits_asked_for():
    words = compared_with(scaled(LOOP, 1 / 12.345), LOOP, "the loop", digits=0)
    assert words.startswith("was 12 times as fast as the loop")


def test_compared_with_needs_timings_and_a_name():
    with pytest.raises(TypeError, match="two Timing objects"):
        compared_with(1.0, LOOP, "the loop")
    with pytest.raises(ValueError, match="name of the baseline"):
        compared_with(LOOP, LOOP, " ")


def test_time_pool_keeps_every_run():
    timing = time_pool(process_number, range(100), 1, repeat=2, warmup=0)
    assert isinstance(timing, Timing)
    assert len(timing.seconds) == 2
    assert all(run > 0 for run in timing.seconds)
