"""The original guide's code, as published, kept to be measured against.

Pages run these next to the corrected versions so that every correction is
shown by execution rather than asserted.  Do not copy them: each has a
documented problem, noted in its docstring.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool

from parallel_guide.pages.data_parallel import process_number
from parallel_guide.pages.task_parallel import (
    download_data,
    generate_report,
    process_data,
)


def data_parallel_example():
    """The guide's data-parallel example.  Problem: hard-codes 4 processes."""
    # Create a large dataset
    data = list(range(1000000))

    # Create a pool of worker processes
    with Pool(processes=4) as pool:
        # Map the function across the data
        result = pool.map(process_number, data)

    return result


def task_parallel_example():
    """The guide's task-parallel example.

    Problem: it reads the futures in submission order, so no result is
    available before the slowest first task, ``download_data``, has finished.
    """
    with ThreadPoolExecutor(max_workers=3) as executor:
        # Submit different tasks
        download_future = executor.submit(download_data, "database")
        process_future = executor.submit(process_data, "raw_data")
        report_future = executor.submit(generate_report, "analytics")

        # Get results as they complete
        results = []
        for future in [download_future, process_future, report_future]:
            results.append(future.result())

    return results


def measure_performance(func, data, processes):
    """The guide's timing helper.

    Problems: one run, timed with the wall clock :func:`time.time`, pool
    start-up and teardown included, and no serial baseline to compare with.
    """
    start = time.time()
    with Pool(processes=processes) as pool:
        result = pool.map(func, data)  # noqa: F841 - kept as published
    end = time.time()
    return end - start


def measure_task_performance(tasks):
    """The guide's task timing helper.

    Problem: one run, timed with the wall clock :func:`time.time`.
    """
    start = time.time()
    with ThreadPoolExecutor() as executor:
        futures = [executor.submit(task) for task in tasks]
        results = [f.result() for f in futures]  # noqa: F841 - kept as published
    end = time.time()
    return end - start
