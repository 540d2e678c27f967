"""The guide's two measuring helpers, corrected.

The original ``measure_performance`` timed one run with :func:`time.time`,
pool start-up included, and had nothing to compare it with.  These versions
keep the original names, arguments and meaning (elapsed seconds, as a float)
but time with :func:`~parallel_guide.tools.timing.measure`: a warm-up run, several
timed runs with :func:`time.perf_counter`, and the median.  Compare the result
with the same work done serially: a pool is only worth its start-up if it
beats the plain loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool
from typing import Any

from parallel_guide.pages.data_parallel import usable_cpus
from parallel_guide.tools.checks import check_count
from parallel_guide.tools.compare import compare
from parallel_guide.tools.timing import Timing, measure


def measure_performance(
    func: Callable[[Any], Any],
    data: Iterable[Any],
    processes: int | None = None,
    *,
    include_startup: bool = True,
    repeat: int = 5,
    warmup: int = 1,
) -> float:
    """Median seconds for ``Pool(processes).map(func, data)``.

    ``processes=None`` means every CPU this process may use.  With
    ``include_startup=True`` (the original's meaning) each run creates and
    tears down its own pool; with ``False`` one pool is started first and only
    the ``map`` calls are timed: the steady-state cost.  :func:`time_pool`
    takes the same arguments and keeps every run, to compare with another
    timing.

    ``processes`` is checked before any process starts:

    >>> from parallel_guide.pages.data_parallel import process_number
    >>> measure_performance(process_number, range(10), processes=0)
    Traceback (most recent call last):
    ...
    ValueError: processes must be at least 1, got 0
    """
    return time_pool(
        func,
        data,
        processes,
        include_startup=include_startup,
        repeat=repeat,
        warmup=warmup,
    ).median


def time_pool(
    func: Callable[[Any], Any],
    data: Iterable[Any],
    processes: int | None = None,
    *,
    include_startup: bool = True,
    repeat: int = 5,
    warmup: int = 1,
) -> Timing:
    """Every timed run of ``Pool(processes).map(func, data)``.

    The runs come back as a :class:`~parallel_guide.tools.timing.Timing`.

    The arguments are :func:`measure_performance`'s; pass the result to
    :func:`~parallel_guide.tools.compare.compare` to compare it with the loop.

    >>> from parallel_guide.pages.data_parallel import process_number
    >>> len(time_pool(process_number, range(10), 1, repeat=2).seconds)
    2
    """
    processes = _check_processes(processes)
    data = list(data)  # every run must see the same items
    if include_startup:
        return measure(_pool_map, func, data, processes, repeat=repeat, warmup=warmup)
    with Pool(processes=processes) as pool:
        return measure(pool.map, func, data, repeat=repeat, warmup=warmup)


def measure_task_performance(
    tasks: Iterable[Callable[[], Any]],
    *,
    max_workers: int | None = None,
    repeat: int = 3,
    warmup: int = 0,
) -> float:
    """Median seconds to run every task in a thread pool and collect its result.

    ``tasks`` are callables taking no arguments.  An empty list measures the
    cost of an empty thread pool (close to zero) rather than failing:

    >>> measure_task_performance([]) < 5  # generous: a busy machine is slow too
    True
    >>> measure_task_performance(["not a task"])
    Traceback (most recent call last):
    ...
    TypeError: tasks[0] must be a callable taking no arguments, got 'not a task'
    """
    tasks = list(tasks)
    for index, task in enumerate(tasks):
        if not callable(task):
            raise TypeError(
                f"tasks[{index}] must be a callable taking no arguments, got {task!r}"
            )
    return measure(
        _run_in_threads, tasks, max_workers, repeat=repeat, warmup=warmup
    ).median


def compared_with(
    candidate: Timing, baseline: Timing, name: str, *, digits: int = 2
) -> str:
    """How ``candidate`` compares with ``baseline``, in words.

    The words come from :func:`~parallel_guide.tools.compare.compare`.

    ``name`` names the baseline in the sentence.  The clause follows the
    candidate as its subject, and says "faster", "slower" or "no measurable
    difference" only as far as the runs can tell, with the 95 % interval:

    >>> loop = Timing((2.0, 2.1, 1.9, 2.0, 2.05))
    >>> compared_with(Timing((0.5, 0.52, 0.48, 0.5, 0.51)), loop, "the loop")
    'was 4.00 times as fast as the loop (95 % interval 3.80 to 4.20)'
    >>> compared_with(Timing((3.0, 3.1, 2.9, 3.0, 3.2)), loop, "the loop", digits=1)
    'took 1.5 times as long as the loop (95 % interval 1.4 to 1.6)'
    >>> compared_with(Timing((2.0, 1.9, 2.1, 2.0, 1.95)), loop, "the loop")[:45]
    'showed no measurable difference from the loop'
    """
    return compare(baseline, candidate).words(name, digits=digits)


def _pool_map(func, data, processes):
    with Pool(processes=processes) as pool:
        return pool.map(func, data)


def _run_in_threads(tasks, max_workers):
    with ThreadPoolExecutor(max_workers=max_workers) as executor:
        futures = [executor.submit(task) for task in tasks]
        return [future.result() for future in futures]


def _check_processes(processes: object) -> int:
    check_count("processes", processes, none_ok=True)
    return usable_cpus() if processes is None else processes
