"""Every pattern on the cheat sheet runs and gives the right answer."""

import asyncio
import inspect
import threading
import time

import pytest

from parallel_guide.pages import cheat_sheet
from parallel_guide.pages.cheat_sheet import (
    async_task_group,
    blocking_call_from_async,
    pool_map_with_chunksize,
    results_as_completed,
    stop_at_first_failure,
    sum_in_shared_memory,
    threads_for_waiting,
)
from parallel_guide.pages.recipes import checked_pause
from parallel_guide.pages.what_can_go_wrong import checked_sqrt
from parallel_guide.tools.workloads import count_primes, wait

LIMITS = [10, 20, 30, 100, 2, 3]
PRIMES = [count_primes(n) for n in LIMITS]


@pytest.mark.parametrize("workers", [None, 1, 2])
def test_pool_map_with_chunksize_keeps_order(workers):
    assert pool_map_with_chunksize(count_primes, LIMITS, workers=workers) == PRIMES


def test_pool_map_with_chunksize_of_nothing_is_nothing():
    assert pool_map_with_chunksize(count_primes, [], workers=2) == []


def test_results_as_completed_maps_each_item_to_its_result():
    assert results_as_completed(count_primes, LIMITS) == dict(
        zip(LIMITS, PRIMES, strict=True)
    )


def test_results_as_completed_arrive_fastest_first():
    arrived = list(results_as_completed(wait, [0.3, 0.0], workers=2))
    assert arrived == [0.0, 0.3]


def test_results_as_completed_reraises_the_tasks_error():
    with pytest.raises(ValueError, match="negative"):
        results_as_completed(checked_sqrt, [4, -1])


def test_threads_for_waiting_overlap_the_waits():
    # Calls that can only return together: one after another, the first
    # would wait for the others in vain (BrokenBarrierError after 30 s).
    together = threading.Barrier(5, timeout=30)

    def wait_for_the_others(seconds):
        together.wait()
        return wait(seconds)

    assert threads_for_waiting(wait_for_the_others, [0.2] * 5) == [0.2] * 5


def test_threads_for_waiting_with_no_items():
    assert threads_for_waiting(wait, []) == []


def test_task_group_returns_results_in_order_of_creation():
    assert asyncio.run(async_task_group([0.05, 0.0, 0.01])) == [0.05, 0.0, 0.01]


def test_task_group_cancels_the_others_when_one_fails():
    start = time.perf_counter()
    with pytest.raises(ExceptionGroup) as caught:
        asyncio.run(async_task_group([-1.0, 30.0]))
    assert caught.group_contains(ValueError, match="cannot be negative")
    assert time.perf_counter() - start < 10  # the 30 s task was cancelled


def test_blocking_call_from_async_runs_in_a_process():
    assert asyncio.run(blocking_call_from_async(count_primes, 100)) == 25


@pytest.mark.parametrize("workers", [None, 1, 2])
def test_stop_at_first_failure_keeps_order_when_nothing_fails(workers):
    assert stop_at_first_failure(count_primes, LIMITS, workers=workers) == PRIMES


def test_stop_at_first_failure_of_nothing_is_nothing():
    assert stop_at_first_failure(count_primes, [], workers=2) == []


@pytest.mark.timeout(60)
def test_stop_at_first_failure_raises_it_and_cancels_what_has_not_started():
    # 20 pauses of 1 s on 2 workers take 10 s; the failing first item cancels
    # all but the few already handed to the workers (about 2 s of them).
    start = time.perf_counter()
    with pytest.raises(ValueError, match="cannot be negative: -1"):
        stop_at_first_failure(checked_pause, [-1] + [1.0] * 20, workers=2)
    assert time.perf_counter() - start < 8


@pytest.mark.parametrize(
    "values", [[1.0, 2.0, 3.0, 4.0, 5.0], [0.5], [float(i) for i in range(1001)]]
)
def test_sum_in_shared_memory_matches_sum(values):
    assert sum_in_shared_memory(values) == pytest.approx(sum(values))


def test_sum_in_shared_memory_leaves_no_block_behind(tmp_path):
    import os

    before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    sum_in_shared_memory([1.0, 2.0], workers=2)
    after = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    assert not {name for name in after - before if name.startswith("psm_")}


def test_every_pattern_carries_its_own_imports():
    # Shown whole on the page, each must run when pasted alone.
    for name in cheat_sheet.__all__:
        source = inspect.getsource(getattr(cheat_sheet, name))
        body = source.split('"""', 2)[2]
        for used in ("ProcessPoolExecutor", "ThreadPoolExecutor", "asyncio."):
            if used in body:
                assert "import" in body, f"{name} uses {used} without importing it"
