"""The patterns readers copy most, one function each, imports included.

The cheat sheet page shows each function whole, so each one carries its own
imports and runs when pasted into a module.  The worker functions they are
given must be importable by name (defined in a ``.py`` module), as every
process pool needs.  Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "async_task_group",
    "blocking_call_from_async",
    "pool_map_with_chunksize",
    "results_as_completed",
    "stop_at_first_failure",
    "sum_in_shared_memory",
    "threads_for_waiting",
]


def pool_map_with_chunksize(
    func: Callable[[Any], Any], items: list[Any], workers: int | None = None
) -> list[Any]:
    """Map ``func`` over ``items`` in processes, a few large chunks per worker.

    >>> from parallel_guide.tools.workloads import count_primes
    >>> pool_map_with_chunksize(count_primes, [10, 20, 30], workers=2)
    [4, 8, 10]
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    # os.process_cpu_count() (3.13+) respects CPU affinity; os.cpu_count() before.
    cpus = getattr(os, "process_cpu_count", os.cpu_count)() or 1
    workers = workers or cpus
    # ProcessPoolExecutor.map sends one item per message unless told otherwise.
    chunksize = max(1, len(items) // (4 * workers))
    spawn = multiprocessing.get_context("spawn")  # the same on every platform
    with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
        return list(pool.map(func, items, chunksize=chunksize))


def results_as_completed(
    func: Callable[[Any], Any], items: Iterable[Any], workers: int = 4
) -> dict[Any, Any]:
    """Run ``func`` on each item in threads; handle each result as it arrives.

    >>> from parallel_guide.tools.workloads import wait
    >>> results_as_completed(wait, [0.02, 0.01])
    {0.01: 0.01, 0.02: 0.02}
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    results = {}
    with ThreadPoolExecutor(workers) as pool:
        futures = {pool.submit(func, item): item for item in items}
        for future in as_completed(futures, timeout=60):
            item = futures[future]
            results[item] = future.result()  # re-raises the task's exception
    return results


def threads_for_waiting(func: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """Overlap calls that wait (network, disk) in threads, results in order.

    >>> from parallel_guide.tools.workloads import wait
    >>> threads_for_waiting(wait, [0.01, 0.02])
    [0.01, 0.02]
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(32, len(items) or 1)) as pool:
        return list(pool.map(func, items, timeout=60))


async def async_task_group(delays: list[float]) -> list[float]:
    """Run coroutines at once with a TaskGroup (3.11+): all succeed or all stop.

    >>> import asyncio
    >>> asyncio.run(async_task_group([0.02, 0.01]))
    [0.02, 0.01]
    """
    import asyncio

    async def fetch(delay: float) -> float:  # stands in for a network call
        if delay < 0:
            raise ValueError(f"a delay cannot be negative, got {delay}")
        await asyncio.sleep(delay)
        return delay

    async with asyncio.timeout(60), asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch(delay)) for delay in delays]
    # Leaving the block waited for every task; a failure cancels the others
    # and raises an ExceptionGroup.
    return [task.result() for task in tasks]


async def blocking_call_from_async(func: Callable[[Any], Any], arg: Any) -> Any:
    """Run a CPU-bound call in a process without blocking the event loop.

    >>> import asyncio
    >>> from parallel_guide.tools.workloads import count_primes
    >>> asyncio.run(blocking_call_from_async(count_primes, 30))
    10
    """
    import asyncio
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    loop = asyncio.get_running_loop()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        # For a call that waits rather than computes: await asyncio.to_thread(...)
        return await loop.run_in_executor(pool, func, arg)


def stop_at_first_failure(
    func: Callable[[Any], Any], items: list[Any], workers: int | None = None
) -> list[Any]:
    """Run ``func`` on each item in processes; at the first failure, cancel the rest.

    >>> from parallel_guide.tools.workloads import count_primes
    >>> stop_at_first_failure(count_primes, [10, 20, 30], workers=2)
    [4, 8, 10]
    """
    import multiprocessing
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

    spawn = multiprocessing.get_context("spawn")  # the same on every platform
    with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
        futures = [pool.submit(func, item) for item in items]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            if future in done and future.exception() is not None:
                pool.shutdown(cancel_futures=True)  # what has not started never will
                raise future.exception()
    return [future.result() for future in futures]


def sum_in_shared_memory(values: list[float], workers: int = 2) -> float:
    """Let processes read one block of shared memory instead of copies.

    >>> sum_in_shared_memory([1.0, 2.0, 3.0, 4.0, 5.0])
    15.0
    """
    import multiprocessing
    from array import array
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial
    from multiprocessing import shared_memory

    data = array("d", values)
    block = shared_memory.SharedMemory(create=True, size=max(1, len(data) * 8))
    try:
        block.buf[: len(data) * 8] = data.tobytes()
        step = -(-len(data) // workers)
        bounds = [
            (start, min(start + step, len(data))) for start in range(0, len(data), step)
        ]
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
            # Only the block's name and two numbers travel to each worker.
            return sum(pool.map(partial(_sum_slice, block.name), bounds))
    finally:
        block.close()
        block.unlink()  # free it once, in the process that created it


def _sum_slice(name: str, bounds: tuple[int, int]) -> float:
    """Sum a slice of the doubles in the shared memory block called ``name``."""
    from multiprocessing import shared_memory

    block = shared_memory.SharedMemory(name=name)
    try:
        view = block.buf[bounds[0] * 8 : bounds[1] * 8].cast("d")
        total = sum(view)
        view.release()
        return total
    finally:
        block.close()
