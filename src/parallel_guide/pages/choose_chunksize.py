"""Granularity and chunk size: how many items to send to a worker at a time.

The code behind the "Choose a chunk size" page: the chunk size
:meth:`multiprocessing.pool.Pool.map` picks when given none
(:func:`pool_map_default_chunksize`), a rule for choosing one from a measured
cost per item (:func:`suggest_chunksize`), work items whose cost can be dialled
(:func:`burn`), and the helpers that reveal how a pool cut its input
(:func:`which_worker`, :func:`run_lengths`).

It needs the standard library only.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "break_even_cost",
    "burn",
    "pool_map_default_chunksize",
    "run_lengths",
    "suggest_chunksize",
    "which_worker",
]


def pool_map_default_chunksize(items: int, workers: int) -> int:
    """The chunk size :meth:`~multiprocessing.pool.Pool.map` uses when given none.

    ``Pool.map`` (and ``starmap``, ``map_async``) cut the input into about four
    chunks per worker: ``ceil(items / (4 * workers))``, at least 1.  This is
    the rule in CPython's ``Lib/multiprocessing/pool.py``.
    :meth:`~multiprocessing.pool.Pool.imap`,
    :meth:`~multiprocessing.pool.Pool.imap_unordered` and
    :meth:`concurrent.futures.Executor.map` do not do this: their default chunk
    size is 1.

    >>> pool_map_default_chunksize(1_000_000, 2)
    125000
    >>> pool_map_default_chunksize(10, 4)
    1
    >>> pool_map_default_chunksize(0, 4)
    0
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if items == 0:
        return 0
    chunksize, extra = divmod(items, 4 * workers)
    return chunksize + 1 if extra else chunksize


def suggest_chunksize(
    items: int,
    seconds_per_item: float,
    workers: int,
    *,
    target_seconds: float = 0.05,
    chunks_per_worker: int = 4,
) -> int:
    """A chunk size that makes each chunk take about ``target_seconds``.

    Sending a chunk costs tens of microseconds however small it is, so chunks
    should run far longer than that; but fewer than ``chunks_per_worker``
    chunks per worker leave workers idle at the end when items take unequal
    times.  The result honours the second limit first.

    >>> suggest_chunksize(1_000_000, 1e-7, 2)  # 0.1 µs items: the count decides
    125000
    >>> suggest_chunksize(1_000, 0.01, 2)  # 10 ms items: 5 per chunk
    5
    >>> suggest_chunksize(10, 1.0, 4)  # 1 s items: one at a time
    1
    """
    if items < 1:
        return 1
    if seconds_per_item <= 0:
        by_time = items
    else:
        by_time = max(1, int(target_seconds / seconds_per_item))
    by_balance = max(1, items // (chunks_per_worker * workers))
    return min(by_time, by_balance)


def burn(iterations: int) -> int:
    """Spend CPU time in a pure-Python loop of ``iterations`` steps; return them.

    A work item whose cost can be dialled.  The loop holds the GIL and does
    the same work however busy the machine is (unlike spinning until a clock
    reaches a deadline, which would do less work on a busy machine).

    >>> burn(1000)
    1000
    """
    total = 0
    for _ in range(iterations):
        total += 1
    return total


def which_worker(item: Any) -> int:
    """Return the process id of the worker that ran this item.

    Mapped over an input, the results show which worker got which items, so
    the chunk boundaries can be seen.

    >>> which_worker("anything") == os.getpid()
    True
    """
    return os.getpid()


def run_lengths(values: Iterable[Any]) -> list[int]:
    """Lengths of the runs of equal consecutive values.

    >>> run_lengths([7, 7, 7, 3, 3, 7])
    [3, 2, 1]
    >>> run_lengths([])
    []
    """
    lengths: list[int] = []
    previous = object()
    for value in values:
        if lengths and value == previous:
            lengths[-1] += 1
        else:
            lengths.append(1)
        previous = value
    return lengths


def break_even_cost(costs: Sequence[float], speedups: Sequence[float]) -> float:
    """The cost per item at which the speed-up first crosses 1, interpolated.

    ``costs`` must increase.  Interpolates on a log scale of cost; returns NaN
    if the speed-up never crosses 1 (always below or always above).

    >>> f"{break_even_cost([1e-6, 1e-5, 1e-4], [0.1, 0.5, 2.0]):.3g}"
    '3.16e-05'

    >>> break_even_cost([1e-6, 1e-5], [2.0, 3.0])
    nan
    """
    points = list(zip(costs, speedups, strict=True))
    for (c0, s0), (c1, s1) in itertools.pairwise(points):
        if s0 < 1 <= s1:
            share = (0 - math.log(s0)) / (math.log(s1) - math.log(s0))
            return math.exp(math.log(c0) + share * (math.log(c1) - math.log(c0)))
    return math.nan
