import threading
from concurrent.futures import ThreadPoolExecutor
from graphlib import CycleError

import pytest

from bad_counts import bad_counts
from parallel_guide.pages.task_timelines import (
    GUIDE_SECONDS,
    guide_durations,
    guide_tasks,
)
from parallel_guide.tools.timeline import (
    Stopwatch,
    critical_path,
    predicted_wall,
    record_arrivals,
)

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
    # Twice SCALE: process_data ends 0.4 s before download_data.
    runs = record_arrivals(guide_tasks(2 * SCALE), order="completion")
    assert [run.name for run in runs] == [
        "process_data",
        "generate_report",
        "download_data",
    ]
    # In hand before the slowest task finished (submission order cannot).
    assert runs[0].collected < runs[-1].finished
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


# -- Stopwatch, critical_path, predicted_wall ----------------------------------

CHAIN = {"process_data": ["download_data"], "generate_report": ["process_data"]}


def test_the_critical_path_of_independent_tasks_is_the_longest_task():
    assert critical_path(GUIDE_SECONDS) == (2.0, ["download_data"])


def test_the_critical_path_follows_dependencies():
    assert critical_path(GUIDE_SECONDS, CHAIN) == (
        4.5,
        ["download_data", "process_data", "generate_report"],
    )


def test_the_critical_path_takes_the_longer_branch():
    durations = {"a": 1.0, "slow": 3.0, "fast": 1.0, "end": 1.0}
    graph = {"slow": ["a"], "fast": ["a"], "end": ["fast", "slow"]}
    assert critical_path(durations, graph) == (5.0, ["a", "slow", "end"])


def test_no_tasks_have_an_empty_critical_path():
    assert critical_path({}) == (0.0, [])


def test_a_cycle_is_reported():
    with pytest.raises(CycleError):
        critical_path({"a": 1.0, "b": 1.0}, {"a": ["b"], "b": ["a"]})


def test_a_dependency_without_a_duration_is_named():
    with pytest.raises(ValueError, match="'missing' appears in depends_on"):
        critical_path({"a": 1.0}, {"a": ["missing"]})


def test_one_dependency_given_as_a_string_is_rejected():
    with pytest.raises(TypeError, match="must be a list of names"):
        predicted_wall({"ab": 1.0, "a": 1.0}, 1, {"ab": "a"})


def test_predicted_wall_packs_tasks_onto_the_workers_in_submission_order():
    assert [predicted_wall(GUIDE_SECONDS, n) for n in (4, 3, 2, 1)] == [
        2.0,
        2.0,
        2.5,
        4.5,
    ]


def test_predicted_wall_waits_for_dependencies():
    assert predicted_wall(GUIDE_SECONDS, 3, CHAIN) == 4.5


@pytest.mark.parametrize(("workers", "error", "message"), bad_counts("workers"))
def test_predicted_wall_needs_a_whole_number_of_workers(workers, error, message):
    with pytest.raises(error, match=message):
        predicted_wall(GUIDE_SECONDS, workers)


def test_guide_durations_scale_the_guide_and_reject_negative_scales():
    assert guide_durations(2) == {
        "download_data": 4.0,
        "process_data": 2.0,
        "generate_report": 3.0,
    }
    with pytest.raises(ValueError, match="scale must be 0 or more"):
        guide_durations(-1)


@pytest.mark.timeout(60)
def test_the_stopwatch_records_tasks_run_in_threads():
    watch = Stopwatch()
    release = threading.Event()
    first = watch.wrap("first", lambda: release.wait(30))
    second = watch.wrap("second", lambda x: x + 1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        waiting = pool.submit(first)
        assert pool.submit(second, 1).result(timeout=30) == 2
        watch.collected("second")
        release.set()
        assert waiting.result(timeout=30) is True
    runs = {run.name: run for run in watch.runs()}
    assert set(runs) == {"first", "second"}
    assert runs["second"].finished <= runs["first"].finished
    assert runs["second"].collected >= runs["second"].finished
    assert runs["first"].collected == runs["first"].finished  # never noted
    for run in runs.values():
        assert 0 <= run.started <= run.finished <= watch.now()


def test_the_stopwatch_leaves_arguments_and_errors_alone():
    watch = Stopwatch()
    with pytest.raises(ZeroDivisionError):
        watch.wrap("bad", lambda: 1 / 0)()
    assert watch.runs() == []  # a task that raised has no result to record
    with pytest.raises(TypeError, match="task 'x' must be callable"):
        watch.wrap("x", 42)
