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


# Durations 1, 0.5 and 0.75 s: 250 ms apart, far more than thread jitter
# even on busy cores.
SCALE = 0.5


def test_example_returns_results_in_the_order_the_tasks_finish():
    assert task_parallel_example(scale=SCALE) == [
        "Processed raw_data",
        "Report: analytics",
        "Data from database",
    ]


def test_tasks_overlap_instead_of_running_one_after_another():
    start = time.perf_counter()
    task_parallel_example(scale=SCALE)
    elapsed = time.perf_counter() - start
    # The longest task (1 s) bounds it; one after another would take 2.25 s.
    assert 1.0 <= elapsed < 2.25


def test_results_can_be_consumed_one_at_a_time():
    results = results_as_completed(scale=SCALE)
    assert next(results) == "Processed raw_data"
    assert sorted(results) == ["Data from database", "Report: analytics"]


def test_a_negative_scale_is_an_error_not_a_silent_no_op():
    with pytest.raises(ValueError, match="must be non-negative"):
        task_parallel_example(scale=-1.0)
