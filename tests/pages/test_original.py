"""The original guide's code still behaves as the pages say it does."""

import time

from parallel_guide.pages import original
from parallel_guide.pages.data_parallel import process_number


def test_original_data_example_computes_the_right_million_results():
    results = original.data_parallel_example()
    assert len(results) == 1_000_000
    assert results[:5] == [1, 4, 9, 16, 25]
    assert results[-1] == process_number(999_999)


def test_original_task_example_returns_results_in_submission_order():
    start = time.perf_counter()
    results = original.task_parallel_example()
    elapsed = time.perf_counter() - start
    assert results == ["Data from database", "Processed raw_data", "Report: analytics"]
    # The longest task (2 s) bounds it; one after another would take 4.5 s.
    assert 2.0 <= elapsed < 4.5


def test_original_measure_performance_returns_seconds():
    assert 0 < original.measure_performance(process_number, range(100), 2) < 30


def test_original_measure_task_performance_handles_no_tasks():
    assert 0 <= original.measure_task_performance([]) < 5  # generous: busy cores
