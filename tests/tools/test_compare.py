import itertools
import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parallel_guide import Comparison, Timing, compare
from parallel_guide.tools.compare import _lowest_rank, _u_distribution

BASE = Timing((1.00, 1.04, 0.97, 1.02, 0.99))


def scaled(timing, factor):
    return Timing(tuple(run * factor for run in timing.seconds))


def test_twice_as_slow_is_slower_and_half_is_faster():
    slower = compare(BASE, scaled(BASE, 2))
    faster = compare(BASE, scaled(BASE, 0.5))
    assert (slower.verdict, faster.verdict) == ("slower", "faster")
    assert slower.ratio == pytest.approx(2)
    assert faster.ratio == pytest.approx(0.5)
    assert slower.interval[0] > 1
    assert faster.interval[1] < 1


def test_overlapping_runs_are_no_measurable_difference():
    other = Timing((1.03, 0.98, 1.01, 0.96, 1.05))
    result = compare(BASE, other)
    assert result.verdict == "no measurable difference"
    assert result.interval[0] < 1 < result.interval[1]


def test_three_runs_each_cannot_tell_at_95_percent_however_far_apart():
    result = compare(Timing((1.0, 1.0, 1.0)), Timing((9.0, 9.0, 9.0)))
    assert result.verdict == "no measurable difference"
    assert result.interval == (0.0, math.inf)
    assert result.ratio == 9.0


def test_many_runs_use_the_normal_approximation_and_still_decide():
    base = Timing(tuple(1 + i / 100 for i in range(30)))
    assert compare(base, scaled(base, 1.5)).verdict == "slower"
    assert compare(base, base).verdict == "no measurable difference"


@given(
    st.lists(st.floats(0.01, 10), min_size=3, max_size=8),
    st.lists(st.floats(0.01, 10), min_size=3, max_size=8),
)
def test_the_verdict_agrees_with_the_interval_and_swapping_inverts_it(a, b):
    forward, backward = (
        compare(Timing(tuple(a)), Timing(tuple(b))),
        compare(Timing(tuple(b)), Timing(tuple(a))),
    )
    low, high = forward.interval
    assert low <= high
    expected = "faster" if high < 1 else "slower" if low > 1 else None
    assert forward.verdict == (expected or "no measurable difference")
    opposite = {"faster": "slower", "slower": "faster"}
    assert backward.verdict == opposite.get(forward.verdict, forward.verdict)


@pytest.mark.parametrize(("n", "m"), [(1, 1), (2, 3), (3, 4), (4, 4)])
def test_the_exact_distribution_of_u_matches_counting_every_ordering(n, m):
    counts = Counter()
    for baseline_places in itertools.combinations(range(n + m), n):
        others = set(range(n + m)) - set(baseline_places)
        counts[sum(b > c for b in baseline_places for c in others)] += 1
    total = math.comb(n + m, n)
    expected = [counts[u] / total for u in range(n * m + 1)]
    assert _u_distribution(n, m) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("n", "m", "rank"),
    # One more than the two-sided 5 % critical values of U in published tables.
    [(3, 3, None), (4, 4, 1), (5, 5, 3), (10, 10, 24), (30, 30, 318)],
)
def test_the_interval_uses_the_tabulated_critical_values(n, m, rank):
    assert _lowest_rank(n, m) == rank


@pytest.mark.parametrize(
    ("baseline", "candidate", "error", "message"),
    [
        ([1.0], BASE, TypeError, "two Timing objects"),
        (BASE, 2.0, TypeError, "got float"),
        (BASE, Timing((0.0, 1.0, 1.0)), ValueError, "above zero"),
    ],
)
def test_bad_input_is_refused_with_what_to_pass(baseline, candidate, error, message):
    with pytest.raises(error, match=message):
        compare(baseline, candidate)


def test_a_comparison_prints_its_ratio_interval_and_verdict():
    text = str(compare(BASE, scaled(BASE, 2)))
    assert text.startswith("2.00 times the baseline's time (95 % interval ")
    assert text.endswith("): slower")
    assert "unbounded" in str(Comparison(1.0, (0.0, math.inf), "faster"))


def test_the_normal_approximation_is_within_one_rank_of_the_exact_one(monkeypatch):
    approximate = _lowest_rank(60, 60)
    monkeypatch.setattr("parallel_guide.tools.compare._EXACT_UP_TO", 60 * 60)
    assert abs(approximate - _lowest_rank(60, 60)) <= 1


@pytest.mark.parametrize(
    ("factor", "start"),
    [
        (0.5, "was 2.00 times as fast as the loop (95 % interval "),
        (2.0, "took 2.00 times as long as the loop (95 % interval "),
        (1.0, "showed no measurable difference from the loop on this build (it took"),
    ],
)
def test_words_follow_the_verdict(factor, start):
    comparison = compare(BASE, scaled(BASE, factor))
    assert comparison.words("the loop").startswith(start)


def test_words_never_call_a_difference_the_runs_cannot_tell_faster():
    # Twice as fast by the medians, but two runs cannot tell.
    comparison = compare(BASE, Timing((0.5, 0.52)))
    assert comparison.ratio < 0.6
    words = comparison.words("the loop")
    assert words == (
        "showed no measurable difference from the loop on this build "
        "(too few runs to tell)"
    )


def test_words_without_the_interval():
    comparison = compare(BASE, scaled(BASE, 2.0))
    assert comparison.words("the loop", interval=False) == (
        "took 2.00 times as long as the loop"
    )


@pytest.mark.parametrize("name", ["", "   ", None])
def test_words_need_a_name_for_the_baseline(name):
    with pytest.raises(ValueError, match="name of the baseline"):
        compare(BASE, BASE).words(name)


def test_speedup_is_the_ratio_turned_over_with_its_interval():
    comparison = compare(BASE, scaled(BASE, 0.25))
    low, high = comparison.interval
    assert comparison.speedup == pytest.approx(4)
    assert comparison.speedup_text() == (
        f"{comparison.speedup:.2f} (95 % interval {1 / high:.2f} to {1 / low:.2f})"
    )
    assert 1 / high <= comparison.speedup <= 1 / low


def test_speedup_text_says_when_the_runs_cannot_bound_it():
    comparison = compare(BASE, Timing((0.5, 0.51)))
    assert comparison.speedup_text(1).endswith("(too few runs for an interval)")


def test_digits_are_checked():
    with pytest.raises(ValueError, match="digits must be at least 0"):
        compare(BASE, BASE).speedup_text(-1)
    with pytest.raises(TypeError, match="digits must be an int"):
        compare(BASE, BASE).words("the loop", digits=1.5)


def test_speedup_text_never_shows_a_real_difference_reaching_one():
    # Slower on every run, the interval's upper end 0.9975: two digits say 1.00.
    base = Timing((1.0, 1.001, 1.002, 1.003, 1.004))
    comparison = compare(base, Timing((1.0045, 1.3, 1.3, 1.3, 1.3)))
    assert comparison.verdict == "slower"
    top = comparison.speedup_text().split(" to ")[1].rstrip(")")
    assert float(top) < 1, comparison.speedup_text()
