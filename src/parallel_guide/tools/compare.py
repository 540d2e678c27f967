"""Compare two timings and say whether the difference is real.

A ratio of two medians is a point estimate; with a handful of noisy runs it can
come out above or below 1 by chance.  :func:`compare` reports the ratio with a
confidence interval and a verdict from a rank test (Mann-Whitney U, exact for
small samples), which assumes nothing about how run times are distributed.

The interval is the one that goes with the test (Hodges-Lehmann, on the log of
the times): it excludes 1 exactly when the test finds a difference, so the
verdict and the interval never disagree.  With three runs on each side no
difference can be told at the 95 % level, however large it looks: that is
what three runs can tell.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from itertools import product
from typing import Literal

from parallel_guide.tools.checks import check_count
from parallel_guide.tools.timing import Timing

Verdict = Literal["faster", "slower", "no measurable difference"]

CONFIDENCE = 0.95
"""The confidence level of the interval and of the verdict."""

_LEVEL = f"{CONFIDENCE:.0%}".replace("%", " %")

_EXACT_UP_TO = 2500
"""Largest number of run pairs for the exact null distribution of U."""


@dataclass(frozen=True)
class Comparison:
    """A candidate timing against a baseline.

    >>> c = compare(
    ...     Timing((1.0, 1.1, 0.9, 1.0, 1.05)), Timing((0.5, 0.52, 0.48, 0.5, 0.51))
    ... )
    >>> round(c.ratio, 2), c.verdict
    (0.5, 'faster')
    >>> print(c)
    0.50 times the baseline's time (95 % interval 0.45 to 0.56): faster
    """

    ratio: float
    """The candidate's median time divided by the baseline's, below 1 if faster."""
    interval: tuple[float, float]
    """The confidence interval of the ratio; ``(0.0, inf)`` when the runs are too
    few to bound it."""
    verdict: Verdict
    """``"faster"``, ``"slower"`` or ``"no measurable difference"``, for the
    candidate against the baseline."""

    def __str__(self) -> str:
        low, high = self.interval
        bounds = f"{low:.2f} to {high:.2f}" if math.isfinite(high) else "unbounded"
        return (
            f"{self.ratio:.2f} times the baseline's time "
            f"({_LEVEL} interval {bounds}): {self.verdict}"
        )

    @property
    def speedup(self) -> float:
        """The baseline's median time divided by the candidate's (``1 / ratio``).

        >>> compare(Timing((2.0, 2.1, 1.9)), Timing((1.0, 1.0, 1.1))).speedup
        2.0
        """
        return 1 / self.ratio

    def speedup_text(self, digits: int = 2) -> str:
        """The speed-up with its interval, for a number glued into prose.

        The speed-up is the baseline's time over the candidate's; its interval
        is the ratio's, turned over.  With too few runs to bound it, the text
        says so instead.

        >>> base = Timing((1.0, 1.1, 0.9, 1.0, 1.05))
        >>> compare(base, Timing((0.5, 0.52, 0.48, 0.5, 0.51))).speedup_text()
        '2.00 (95 % interval 1.80 to 2.20)'
        >>> compare(base, Timing((0.5, 0.52))).speedup_text(1)
        '2.0 (too few runs for an interval)'
        """
        check_count("digits", digits, minimum=0)
        low, high = self.interval
        if not math.isfinite(high):
            return f"{self.speedup:.{digits}f} (too few runs for an interval)"
        # A real difference's interval never reads as reaching 1.
        nearest = {"faster": 1 / high, "slower": 1 / low}.get(self.verdict)
        if nearest is not None:
            digits = _digits_apart_from_one(nearest, digits)
        return (
            f"{self.speedup:.{digits}f} ({_LEVEL} interval "
            f"{1 / high:.{digits}f} to {1 / low:.{digits}f})"
        )

    def words(self, baseline: str, *, digits: int = 2, interval: bool = True) -> str:
        """The comparison as a clause of prose, worded from the verdict.

        ``baseline`` names what the candidate was compared with; the clause
        follows the candidate as its subject ("The pool ...").  A faster
        candidate "was N times as fast as" the baseline, a slower one "took N
        times as long as" it, and one the runs cannot tell apart "showed no
        measurable difference" from it, whatever its ratio.  With
        ``interval=True`` the 95 % interval follows in brackets.

        >>> base = Timing((1.0, 1.1, 0.9, 1.0, 1.05))
        >>> compare(base, Timing((0.5, 0.52, 0.48, 0.5, 0.51))).words("the loop")
        'was 2.00 times as fast as the loop (95 % interval 1.80 to 2.20)'
        >>> compare(base, Timing((2.0, 2.1, 1.9, 2.0, 2.2))).words("the loop", digits=1)
        'took 2.0 times as long as the loop (95 % interval 1.8 to 2.2)'
        >>> same = compare(base, Timing((1.02, 0.98, 1.1, 0.95, 1.0)))
        >>> print(same.words("the loop"))  # doctest: +NORMALIZE_WHITESPACE
        showed no measurable difference from the loop on this build
        (it took 1.00 times as long, 95 % interval 0.90 to 1.11)
        >>> few = compare(base, Timing((5.0, 5.1)))
        >>> print(
        ...     few.words("the loop", interval=False)
        ... )  # doctest: +NORMALIZE_WHITESPACE
        showed no measurable difference from the loop on this build
        (too few runs to tell)
        >>> compare(base, base).words("")
        Traceback (most recent call last):
        ...
        ValueError: words() needs the name of the baseline, such as 'the loop'
        """
        if not isinstance(baseline, str) or not baseline.strip():
            raise ValueError(
                "words() needs the name of the baseline, such as 'the loop'"
            )
        check_count("digits", digits, minimum=0)
        low, high = self.interval
        bounded = math.isfinite(high)
        if self.verdict == "faster":
            # Enough digits that a real difference never reads as "1.00 times",
            # nor its interval as starting at 1.00.
            shown = _digits_apart_from_one(min(self.speedup, 1 / high), digits)
            text = f"was {self.speedup:.{shown}f} times as fast as {baseline}"
            if interval:
                text += (
                    f" ({_LEVEL} interval {1 / high:.{shown}f} to {1 / low:.{shown}f})"
                )
            return text
        if self.verdict == "slower":
            shown = _digits_apart_from_one(min(self.ratio, low), digits)
            text = f"took {self.ratio:.{shown}f} times as long as {baseline}"
            if interval:
                text += f" ({_LEVEL} interval {low:.{shown}f} to {high:.{shown}f})"
            return text
        text = f"showed no measurable difference from {baseline} on this build"
        if not bounded:
            return text + " (too few runs to tell)"
        if interval:
            text += (
                f" (it took {self.ratio:.{digits}f} times as long, {_LEVEL} "
                f"interval {low:.{digits}f} to {high:.{digits}f})"
            )
        return text


def compare(baseline: Timing, candidate: Timing) -> Comparison:
    """Compare ``candidate`` with ``baseline``: ratio, interval, verdict.

    >>> same = Timing((1.0, 1.2, 0.9, 1.1, 1.0))
    >>> compare(same, Timing((1.1, 0.95, 1.0, 1.15, 1.05))).verdict
    'no measurable difference'
    >>> compare(same, Timing((2.0, 2.1))).verdict  # two runs cannot tell
    'no measurable difference'
    >>> compare(same, [1.0])
    Traceback (most recent call last):
    ...
    TypeError: compare() takes two Timing objects (from measure()), got list
    """
    for timing in (baseline, candidate):
        if not isinstance(timing, Timing):
            raise TypeError(
                "compare() takes two Timing objects (from measure()), "
                f"got {type(timing).__name__}"
            )
    if min(baseline.seconds + candidate.seconds) <= 0:
        raise ValueError("compare() needs run times above zero")
    ratio = candidate.median / baseline.median
    # Every pairwise log-ratio, sorted: the test's statistic counts the ones
    # below zero, and the interval's bounds are order statistics of them.
    logs = sorted(
        math.log(c) - math.log(b)
        for b, c in product(baseline.seconds, candidate.seconds)
    )
    k = _lowest_rank(len(baseline.seconds), len(candidate.seconds))
    if k is None:
        return Comparison(ratio, (0.0, math.inf), "no measurable difference")
    low, high = math.exp(logs[k - 1]), math.exp(logs[-k])
    verdict: Verdict = "no measurable difference"
    if high < 1:
        verdict = "faster"
    elif low > 1:
        verdict = "slower"
    return Comparison(ratio, (low, high), verdict)


def _digits_apart_from_one(value: float, digits: int) -> int:
    """The fewest digits from ``digits`` up (to 4) that show ``value`` is not 1."""
    while digits < 4 and f"{value:.{digits}f}" == f"{1:.{digits}f}":
        digits += 1
    return digits


def _lowest_rank(n: int, m: int) -> int | None:
    """The order statistic that bounds the interval, or None if none can.

    It is one more than the largest ``u`` with ``P(U <= u) <= (1 - CONFIDENCE)/2``
    when there is no difference.
    """
    tail = (1 - CONFIDENCE) / 2
    if n * m <= _EXACT_UP_TO:
        cumulative, largest = 0.0, None
        for u, probability in enumerate(_u_distribution(n, m)):
            cumulative += probability
            if cumulative > tail:
                break
            largest = u
    else:  # the normal approximation, good for samples this large
        mean, sd = n * m / 2, math.sqrt(n * m * (n + m + 1) / 12)
        z = statistics.NormalDist().inv_cdf(tail)
        largest = math.floor(mean + z * sd - 0.5)
        largest = largest if largest >= 0 else None
    return None if largest is None else largest + 1


def _u_distribution(n: int, m: int) -> list[float]:
    """P(U = u) for u = 0 .. n*m, with no ties and no difference (exact)."""
    # ways[i][j][u]: orderings of i and j runs whose statistic is u.
    ways = [[[1] for _ in range(m + 1)] for _ in range(n + 1)]
    for i, j in product(range(1, n + 1), range(1, m + 1)):
        # The largest of all runs is either a baseline run, above all j
        # candidate runs (adding j to U), or a candidate run (adding none).
        take_i = [0] * j + ways[i - 1][j]
        take_j = list(ways[i][j - 1])
        size = max(len(take_i), len(take_j))
        take_i += [0] * (size - len(take_i))
        take_j += [0] * (size - len(take_j))
        ways[i][j] = [a + b for a, b in zip(take_i, take_j, strict=True)]
    total = math.comb(n + m, n)
    return [count / total for count in ways[n][m]]
