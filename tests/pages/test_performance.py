import threading
import time

import pytest

from parallel_guide.pages import performance
from parallel_guide.pages.data_parallel import process_number
from parallel_guide.pages.performance import (
    compared_with,
    measure_performance,
    measure_task_performance,
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


@pytest.mark.parametrize(
    ("seconds", "baseline", "words"),
    [
        (1.0, 3.0, "was 3.00 times as fast as"),
        (3.0, 1.0, "took 3.00 times as long as"),
        (1.0, 1.0, "took as long as"),
        (1.001, 1.0, "took as long as"),
        (0.999, 1.0, "took as long as"),
    ],
)
def test_compared_with_puts_the_verb_on_the_side_the_numbers_fall(
    seconds, baseline, words
):
    assert compared_with(seconds, baseline) == words


def test_compared_with_rounds_to_the_digits_asked_for():
    assert compared_with(1.0, 12.345, digits=0) == "was 12 times as fast as"


@pytest.mark.parametrize(("seconds", "baseline"), [(0.0, 1.0), (1.0, -1.0)])
def test_compared_with_refuses_times_that_are_not_positive(seconds, baseline):
    with pytest.raises(ValueError, match="positive"):
        compared_with(seconds, baseline)
