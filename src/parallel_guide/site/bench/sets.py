"""How big a run of the benchmarks is: :class:`BenchSet` and the ready-made sets.

:data:`QUICK` is what ``python -m parallel_guide bench`` runs by default,
:data:`FULL` what ``--full`` runs, and :data:`TINY` what the tests and quick
builds of the docs run.  :data:`SETS` finds them by name.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FULL", "ORIGINAL_ITEMS", "QUICK", "SETS", "TINY", "BenchSet"]

ORIGINAL_ITEMS = 1_000_000
"""The guide's data-parallel example always maps this many items."""


@dataclass(frozen=True)
class BenchSet:
    """How big each benchmark is.  :data:`QUICK` and :data:`FULL` are the CLI's."""

    name: str
    repeat: int
    """Timed runs per row (the median is shown); ``--repeat`` overrides it."""
    data_items: int
    """Items in the data-parallel section (the original example is run only
    when this is ``ORIGINAL_ITEMS``, the size it is written for)."""
    cpu_items: int
    """Calls of ``count_primes(cpu_limit)`` in the CPU-heavy section."""
    cpu_limit: int
    chunk_items: int
    """Items per run of the chunk-size sweep and the per-item overhead; enough
    that a run takes tens of milliseconds, so the per-chunk costs show and the
    timer's do not."""
    single_items: int
    """Items for ``ProcessPoolExecutor.map`` with one item per chunk (slow)."""
    task_scale: float
    """Multiplies the durations of the task examples (the original's are fixed)."""
    run_original_task: bool
    """Whether to run the original task example, which always takes 2 s a run."""
    wait_count: int
    wait_seconds: float


QUICK = BenchSet(
    name="quick",
    repeat=3,
    data_items=ORIGINAL_ITEMS,
    cpu_items=16,
    cpu_limit=50_000,
    chunk_items=200_000,
    single_items=2_000,
    task_scale=0.25,
    run_original_task=True,
    wait_count=10_000,
    wait_seconds=0.5,
)
"""Fits in well under a minute on two idle cores."""

FULL = BenchSet(
    name="full",
    repeat=7,
    data_items=ORIGINAL_ITEMS,
    cpu_items=32,
    cpu_limit=80_000,
    chunk_items=500_000,
    single_items=5_000,
    task_scale=1.0,
    run_original_task=True,
    wait_count=10_000,
    wait_seconds=1.0,
)
"""Takes a few minutes, with larger work (start-up weighs less) and more repeats."""

TINY = BenchSet(
    name="tiny",
    repeat=1,
    data_items=20_000,
    cpu_items=4,
    cpu_limit=5_000,
    chunk_items=2_000,
    single_items=200,
    task_scale=0.02,
    run_original_task=False,
    wait_count=200,
    wait_seconds=0.05,
)
"""Takes seconds, for tests and quick builds of the docs; shows rows, not limits."""

SETS = {s.name: s for s in (QUICK, FULL, TINY)}
"""Each set under its name, ``"quick"``, ``"full"`` or ``"tiny"``."""
