"""Code for the "Profile parallel code" page: a task to profile, and two wrappers.

:func:`process_record` is the task: it builds a record (cheap), checksums it
(:func:`slow_checksum`, the hot spot) and summarises it (cheap).  A profiler in
the parent never sees it run; :func:`profile_call` runs a task under
``cProfile.Profile`` *in the worker* and sends the profile back with the
result, and :func:`merge_profiles` adds the workers' profiles into one
:class:`pstats.Stats`.  :func:`timed_call` records when a task started and
finished in its worker, so the parent can split the wall time into work and
the rest.

The functions live in a module because worker processes started with
``spawn`` import the functions they run.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import time
from collections.abc import Callable, Iterable
from typing import Any


def make_record(seed: int, size: int) -> list[int]:
    """A list of ``size`` numbers from 0 to 255, the same for the same ``seed``.

    >>> make_record(1, 5)
    [239, 8, 33, 58, 83]
    """
    return [(seed * 7919 + i * 104729) % 256 for i in range(size)]


def slow_checksum(values: list[int], rounds: int = 8) -> int:
    """A deliberately slow checksum: ``rounds`` passes of a pure-Python loop.

    >>> slow_checksum([1, 2, 3], rounds=1)
    1026
    """
    total = 0
    for _ in range(rounds):
        for value in values:
            total = (total * 31 + value) % 1_000_003
    return total


def summarise(values: list[int]) -> tuple[int, int]:
    """The smallest and largest value.

    >>> summarise([3, 1, 2])
    (1, 3)
    """
    return min(values), max(values)


def process_record(seed: int, size: int = 20_000) -> tuple[int, int, int]:
    """The task: make a record, checksum it, summarise it.

    >>> process_record(1, size=100)[1:]
    (2, 253)
    """
    record = make_record(seed, size)
    return (slow_checksum(record), *summarise(record))


class ProfileData:
    """A worker's profile as plain data, picklable, that :class:`pstats.Stats` reads."""

    def __init__(self, stats: dict[Any, Any]) -> None:
        self.stats = stats

    def create_stats(self) -> None:
        """Nothing to do: :class:`pstats.Stats` calls this before reading ``stats``."""


def profile_call(
    func: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> tuple[Any, ProfileData]:
    """Run ``func(*args, **kwargs)`` under a profiler; return its result and profile.

    Submit it to a pool in place of the task (``pool.submit(profile_call,
    task, x)``): the profile is taken in the worker, where the work happens.

    >>> result, data = profile_call(process_record, 1, size=100)
    >>> result == process_record(1, size=100)
    True
    >>> any(name == "slow_checksum" for _, _, name in data.stats)
    True
    """
    profiler = cProfile.Profile()
    result = profiler.runcall(func, *args, **kwargs)
    profiler.create_stats()
    return result, ProfileData(profiler.stats)


def merge_profiles(profiles: Iterable[ProfileData]) -> pstats.Stats:
    """Add up the profiles of many tasks into one :class:`pstats.Stats`.

    >>> merged = merge_profiles(
    ...     profile_call(process_record, n, size=100)[1] for n in range(3)
    ... )
    >>> merged.stats[next(k for k in merged.stats if k[2] == "process_record")][1]
    3
    """
    profiles = list(profiles)
    if not profiles:
        raise ValueError("no profiles to merge")
    merged = pstats.Stats(profiles[0])
    for data in profiles[1:]:
        merged.add(data)
    return merged


def top_functions(stats: pstats.Stats, count: int = 5) -> list[tuple[str, float]]:
    """The ``count`` functions with the most time in their own code, and that time.

    >>> stats = merge_profiles([profile_call(process_record, 1, size=2000)[1]])
    >>> top_functions(stats, 1)[0][0]
    'slow_checksum'
    """
    own_time = {}
    for (_, _, name), (_, _, tottime, _, _) in stats.stats.items():
        own_time[name] = own_time.get(name, 0.0) + tottime
    return sorted(own_time.items(), key=lambda item: item[1], reverse=True)[:count]


def timed_call(
    func: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> tuple[Any, int, float, float]:
    """Run ``func``; return its result, this process's pid, its start and end times.

    The times are :func:`time.perf_counter` readings.  On Linux, macOS and
    Windows that clock is shared by all processes of the machine, so the
    parent can compare them with its own.

    >>> result, pid, started, finished = timed_call(sum, [1, 2, 3])
    >>> result, pid == os.getpid(), started <= finished
    (6, True, True)
    """
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return result, os.getpid(), started, time.perf_counter()
