import time

import pytest

from parallel_guide.pages.task_parallel import (
    download_data,
    generate_report,
    process_data,
    results_as_completed,
    task_parallel_example,
)


def test_tasks_return_what_the_guide_prints():
    assert download_data("database", seconds=0) == "Data from database"
    assert process_data("raw_data", seconds=0) == "Processed raw_data"
    assert generate_report("analytics", seconds=0) == "Report: analytics"


def test_example_returns_results_in_the_order_the_tasks_finish():
    # Durations 0.4, 0.2 and 0.3 s: 100 ms apart, far more than thread jitter.
    assert task_parallel_example(scale=0.2) == [
        "Processed raw_data",
        "Report: analytics",
        "Data from database",
    ]


def test_tasks_overlap_instead_of_running_one_after_another():
    start = time.perf_counter()
    task_parallel_example(scale=0.2)
    elapsed = time.perf_counter() - start
    # Serial would take 0.9 s; concurrently the longest task (0.4 s) bounds it.
    assert 0.4 <= elapsed < 0.8


def test_results_can_be_consumed_one_at_a_time():
    results = results_as_completed(scale=0.1)
    assert next(results) == "Processed raw_data"
    assert sorted(results) == ["Data from database", "Report: analytics"]


def test_a_negative_scale_is_an_error_not_a_silent_no_op():
    with pytest.raises(ValueError, match="must be non-negative"):
        task_parallel_example(scale=-1.0)
