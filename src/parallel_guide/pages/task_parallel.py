"""Task parallelism: run different functions at the same time.

This is the original guide's task-parallel program, with one correction: it
collects each result as soon as its task finishes (``as_completed``), which is
what the guide said it did.  The original read the futures in submission order,
so every result waited for the slowest task, ``download_data``.

The tasks only sleep, standing in for I/O: threads overlap the waiting even
though the GIL lets one thread run Python code at a time.  It is a complete
program that needs nothing but the standard library: ``python task_parallel.py``.
"""

import time
from concurrent.futures import ThreadPoolExecutor, as_completed


def download_data(source, *, seconds=2.0):
    """Pretend to download from ``source``; takes ``seconds``.

    >>> download_data("database", seconds=0)
    'Data from database'
    """
    time.sleep(seconds)
    return f"Data from {source}"


def process_data(data, *, seconds=1.0):
    """Pretend to process ``data``; takes ``seconds``.

    >>> process_data("raw_data", seconds=0)
    'Processed raw_data'
    """
    time.sleep(seconds)
    return f"Processed {data}"


def generate_report(data, *, seconds=1.5):
    """Pretend to write a report on ``data``; takes ``seconds``.

    >>> generate_report("analytics", seconds=0)
    'Report: analytics'
    """
    time.sleep(seconds)
    return f"Report: {data}"


def results_as_completed(scale=1.0):
    """Run the three tasks concurrently; yield each result as its task finishes.

    ``scale`` multiplies every task's duration (``scale=1`` is the guide's
    2 s, 1 s and 1.5 s).
    """
    with ThreadPoolExecutor(max_workers=3) as executor:
        futures = [
            executor.submit(download_data, "database", seconds=2.0 * scale),
            executor.submit(process_data, "raw_data", seconds=1.0 * scale),
            executor.submit(generate_report, "analytics", seconds=1.5 * scale),
        ]
        for future in as_completed(futures):  # completion order, not submission
            yield future.result()


def task_parallel_example(scale=1.0):
    """Run the three tasks concurrently; return their results in finishing order."""
    return list(results_as_completed(scale))


if __name__ == "__main__":
    start = time.perf_counter()
    for result in results_as_completed():
        print(f"{time.perf_counter() - start:4.1f} s  {result}")
