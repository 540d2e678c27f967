"""Data parallelism: apply one function to every item, spread over processes.

This is the original guide's data-parallel program, with one correction: the
pool gets as many processes as this process may use, not a hard-coded 4.  It is
a complete program that needs nothing but the standard library, so it can be
copied into a file and run with ``python data_parallel.py``.

Note that ``process_number`` is far too cheap to be worth sending to another
process: the guide's "Data parallelism" page measures by how much.
"""

import os
from multiprocessing import Pool


def process_number(x):
    """Return ``x * x + 2 * x + 1``, the guide's stand-in for "complex computation".

    >>> process_number(3)
    16
    """
    return x * x + 2 * x + 1


def usable_cpus():
    """Return how many CPUs this process may run on (at least 1).

    Unlike :func:`os.cpu_count`, this respects CPU affinity (``taskset``,
    container CPU sets), so a pool sized with it does not oversubscribe.

    >>> usable_cpus() >= 1
    True
    """
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def data_parallel_example(processes=None, size=1_000_000):
    """Square-and-shift ``range(size)`` in a pool; return the results in order.

    ``processes=None`` means :func:`usable_cpus`, not the guide's fixed 4.
    """
    data = list(range(size))
    if processes is None:
        processes = usable_cpus()
    # The with-block terminates the workers when the map is done.
    with Pool(processes=processes) as pool:
        result = pool.map(process_number, data)
    return result


if __name__ == "__main__":
    results = data_parallel_example()
    print(f"First 5 results: {results[:5]}")
