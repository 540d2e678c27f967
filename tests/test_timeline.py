import pytest

from parallel_guide.timeline import guide_tasks, record_arrivals

# Scaled durations: download 0.4 s, process 0.2 s, report 0.3 s.
SCALE = 0.2


def test_submission_order_collects_nothing_before_the_first_task_finishes():
    runs = record_arrivals(guide_tasks(SCALE), order="submission")
    assert [run.name for run in runs] == [
        "download_data",
        "process_data",
        "generate_report",
    ]
    download = runs[0]
    assert all(run.collected >= download.finished for run in runs)
    assert max(run.waited for run in runs) >= 0.15  # process_data sat unread


def test_completion_order_collects_each_result_when_it_finishes():
    runs = record_arrivals(guide_tasks(SCALE), order="completion")
    assert [run.name for run in runs] == [
        "process_data",
        "generate_report",
        "download_data",
    ]
    assert all(run.waited < 0.05 for run in runs)
    assert [run.result for run in runs] == [
        "Processed raw_data",
        "Report: analytics",
        "Data from database",
    ]


def test_times_are_ordered_within_each_run():
    for run in record_arrivals(guide_tasks(SCALE / 4)):
        assert 0 <= run.started <= run.finished <= run.collected


def test_too_few_workers_delay_the_last_task():
    runs = {run.name: run for run in record_arrivals(guide_tasks(SCALE), workers=2)}
    # The report starts only when process_data (0.2 s) frees a thread.
    assert runs["generate_report"].started >= runs["process_data"].finished - 0.01


def test_an_unknown_order_is_rejected():
    with pytest.raises(ValueError, match="'submission' or 'completion'"):
        record_arrivals(guide_tasks(0), order="random")


def test_no_tasks_give_no_runs():
    assert record_arrivals({}) == []
