import time
from graphlib import CycleError

import pytest

from parallel_guide.pages.task_dependencies import (
    SOURCES,
    download_then_process,
    nested_wait_finishes,
    pipeline,
    pipeline_durations,
    record,
    report_on,
    run_graph,
)
from parallel_guide.recipes.run_tasks import run_tasks
from parallel_guide.tools.timeline import critical_path

SCALE = 0.1  # sales 0.2 s, weather 0.1 s, prices 0.05 s; process 0.1 s; report 0.15 s


def test_the_pipeline_processes_each_download_and_reports_on_all():
    tasks, depends_on = pipeline(SOURCES, scale=0)
    assert set(tasks) == {
        *(f"download {s}" for s in SOURCES),
        *(f"process {s}" for s in SOURCES),
        "report",
    }
    assert depends_on["process weather"] == ["download weather"]
    assert depends_on["report"] == [f"process {s}" for s in SOURCES]
    assert list(pipeline_durations(SOURCES)) == list(tasks)


def test_the_critical_path_is_the_slowest_source_then_the_report():
    _, depends_on = pipeline(SOURCES)
    length, chain = critical_path(pipeline_durations(SOURCES), depends_on)
    assert chain == ["download sales", "process sales", "report"]
    assert length == pytest.approx(2.0 + 1.0 + 1.5)


def test_bad_pipelines_are_rejected():
    with pytest.raises(ValueError, match="at least one source"):
        pipeline({})
    with pytest.raises(ValueError, match="0 or more"):
        pipeline_durations({"a": -1.0})


@pytest.mark.timeout(60)
@pytest.mark.parametrize("driver", [run_graph, run_tasks])
@pytest.mark.parametrize("workers", [None, 2, 1])
def test_no_task_starts_before_the_tasks_it_needs_have_finished(driver, workers):
    tasks, depends_on = pipeline(SOURCES, scale=SCALE)
    runs, wall = record(driver, tasks, depends_on, workers=workers)
    by_name = {run.name: run for run in runs}
    assert set(by_name) == set(tasks)
    for name, needs in depends_on.items():
        for need in needs:
            assert by_name[name].started >= by_name[need].finished
    assert by_name["report"].result == report_on(
        *(f"Processed Data from {s}" for s in SOURCES), seconds=0
    )
    floor, _ = critical_path(pipeline_durations(SOURCES, scale=SCALE), depends_on)
    assert wall >= floor


@pytest.mark.timeout(60)
def test_enough_threads_overlap_independent_branches():
    # Larger than SCALE, so that the margins are far beyond a busy machine's
    # delays: prices is downloaded 0.75 s before sales is.
    scale = 0.5
    tasks, depends_on = pipeline(SOURCES, scale=scale)
    runs, wall = record(run_graph, tasks, depends_on)
    by_name = {run.name: run for run in runs}
    # prices is processed while sales is still downloading
    assert by_name["process prices"].started < by_name["download sales"].finished
    # The critical path (2.25 s) bounds it; one after another would take 4 s.
    assert wall < sum(pipeline_durations(SOURCES, scale=scale).values())


def test_a_cycle_raises_before_any_task_runs():
    ran = []
    tasks = {"a": lambda b: ran.append("a"), "b": lambda a: ran.append("b")}
    with pytest.raises(CycleError) as info:
        run_graph(tasks, {"a": ["b"], "b": ["a"]})
    assert set(info.value.args[1]) == {"a", "b"}
    with pytest.raises(ValueError, match="cycle"):
        run_tasks(tasks, depends_on={"a": ["b"], "b": ["a"]})
    assert ran == []


@pytest.mark.timeout(60)
def test_a_failing_task_stops_the_graph_loop_with_its_exception():
    with pytest.raises(ZeroDivisionError):
        run_graph({"a": lambda: 1 / 0, "b": lambda a: a}, {"b": ["a"]})


@pytest.mark.timeout(60)
def test_waiting_on_a_subtask_in_a_one_worker_pool_is_detected_within_the_bound():
    start = time.monotonic()
    assert nested_wait_finishes(1, patience=0.5) is False
    assert time.monotonic() - start < 30  # the timeout and the clean-up, not a hang
    # the leak check fixture fails this test if the blocked thread survived


@pytest.mark.timeout(60)
@pytest.mark.parametrize("workers", [2, 3])
def test_a_free_worker_lets_the_subtask_run(workers):
    assert nested_wait_finishes(workers, patience=30, seconds=0.01) is True


@pytest.mark.timeout(60)
def test_the_subtask_waits_behind_the_task_that_waits_for_it():
    from concurrent.futures import CancelledError, ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    outer = pool.submit(download_then_process, pool, "x", seconds=0.01)
    with pytest.raises(TimeoutError):
        outer.result(timeout=0.5)
    assert outer.running()
    pool.shutdown(wait=True, cancel_futures=True)
    assert isinstance(outer.exception(timeout=0), CancelledError)
