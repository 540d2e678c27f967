import itertools

import pytest

from parallel_guide.tools.timing import Timing, format_seconds, measure


def test_measure_runs_warmup_then_repeats_and_times_only_the_repeats(monkeypatch):
    calls = []
    ticks = itertools.count()
    monkeypatch.setattr(
        "parallel_guide.tools.timing.time.perf_counter", lambda: next(ticks)
    )
    timing = measure(calls.append, "x", repeat=4, warmup=2)
    assert calls == ["x"] * 6
    assert timing.seconds == (1, 1, 1, 1)  # one tick per timed run, none for warm-up


def test_measure_passes_arguments_through():
    seen = []
    measure(lambda *a, **k: seen.append((a, k)), 1, 2, key="v", repeat=1, warmup=0)
    assert seen == [((1, 2), {"key": "v"})]


def test_timing_statistics():
    timing = Timing((0.4, 0.1, 0.3, 0.2))
    assert (timing.median, timing.min, timing.max) == (0.25, 0.1, 0.4)


def test_timing_needs_at_least_one_run():
    with pytest.raises(ValueError, match="at least one"):
        Timing(())


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"repeat": 0}, ValueError, "repeat must be at least 1"),
        ({"repeat": -3}, ValueError, "repeat must be at least 1"),
        ({"warmup": -1}, ValueError, "warmup must be at least 0"),
        ({"repeat": 2.5}, TypeError, "repeat must be an int"),
        ({"repeat": True}, TypeError, "repeat must be an int"),
        ({"warmup": "1"}, TypeError, "warmup must be an int"),
    ],
)
def test_bad_counts_are_rejected_before_anything_runs(kwargs, error, message):
    calls = []
    with pytest.raises(error, match=message):
        measure(calls.append, 1, **kwargs)
    assert calls == []


def test_measure_needs_a_callable():
    with pytest.raises(TypeError, match="callable"):
        measure(42)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (2.5, "2.50 s"),
        (123.4, "123 s"),
        (0.0123, "12.3 ms"),
        (4.2e-6, "4.20 µs"),
        (7e-9, "7.00 ns"),
    ],
)
def test_format_seconds_picks_a_readable_unit(seconds, text):
    assert format_seconds(seconds) == text


def test_spread_is_the_median_absolute_deviation_and_ignores_one_outlier():
    steady = Timing((1.0, 1.1, 0.9, 1.0, 1.05))
    with_outlier = Timing((1.0, 1.1, 0.9, 1.0, 50.0))
    assert steady.spread == pytest.approx(0.05)
    assert with_outlier.spread == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("runs", "reason"),
    [
        ((0.10, 0.101, 0.099), ""),
        ((0.10, 0.15, 0.05), "the spread is 50% of the median"),
        ((1e-4, 1.01e-4, 0.99e-4), "the shortest run took only 99.0 µs"),
    ],
)
def test_unstable_says_why(runs, reason):
    assert Timing(runs).unstable == reason
