"""Where worker processes' log records go, by default and through a queue, as
the page "Log from worker processes" says, under each start method.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from parallel_guide.pages import log_from_workers, queue_logging
from parallel_guide.tools.run_python import run_python

TIMEOUT = 60
WORKER_RECORDS = [
    "INFO    squaring 0",
    "INFO    squaring 1",
    "INFO    squaring 2",
    "INFO    squaring 3",
    "WARNING 1 is odd",
    "WARNING 3 is odd",
]
PARENT_LINES = [
    "INFO    starting 2 workers  [MainProcess]",
    "INFO    results: [0, 1, 4, 9]  [MainProcess]",
]


def without_setup(start_method: str):
    run = run_python(
        "from parallel_guide.pages.log_from_workers import run_without_setup\n"
        f"run_without_setup({start_method!r})",
        timeout=TIMEOUT,
    )
    assert run.returncode == 0, run.stderr
    assert run.left_behind == ()
    return run


def from_workers(stdout: str) -> list[str]:
    return sorted(
        line.rsplit("  [", 1)[0]
        for line in stdout.splitlines()
        if not line.endswith("[MainProcess]")
    )


@pytest.mark.parametrize("start_method", ["spawn", "forkserver"])
def test_a_fresh_worker_drops_info_and_prints_bare_warnings_to_stderr(start_method):
    run = without_setup(start_method)
    assert run.stdout.splitlines() == PARENT_LINES  # nothing from the workers
    # logging.lastResort: the message alone, on the worker's stderr
    assert sorted(run.stderr.splitlines()) == ["1 is odd", "3 is odd"]


def test_a_forked_worker_logs_through_its_copy_of_the_parents_handler():
    run = without_setup("fork")
    assert from_workers(run.stdout) == WORKER_RECORDS
    assert run.stderr == ""


def test_the_queue_program_sends_each_record_once_through_the_parent(start_method):
    run = run_python(
        "from parallel_guide.pages.queue_logging import main\nmain()",
        start_method=start_method,
        timeout=TIMEOUT,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    lines = run.stdout.splitlines()
    assert [lines[0], lines[-1]] == PARENT_LINES
    assert from_workers(run.stdout) == WORKER_RECORDS


def test_the_task_logs_info_always_and_a_warning_for_odd_numbers(caplog):
    with caplog.at_level(logging.INFO, logger="squares"):
        assert log_from_workers.square_and_log(2) == 4
        assert queue_logging.square_and_log(3) == 9
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "squaring 2"),
        ("INFO", "squaring 3"),
        ("WARNING", "3 is odd"),
    ]


def test_a_context_queue_cannot_travel_with_a_task():
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            future = pool.submit(queue_logging.send_records_to, queue)
            with pytest.raises(RuntimeError, match="through inheritance"):
                future.result(timeout=TIMEOUT)
    finally:
        queue.close()
        queue.join_thread()


def test_a_manager_queue_can(tmp_path):
    run = run_python(
        "import multiprocessing, logging\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from parallel_guide.pages.log_from_workers import log_into\n"
        "with multiprocessing.Manager() as manager:\n"
        "    queue = manager.Queue()\n"
        "    with ProcessPoolExecutor(1) as pool:\n"
        "        pool.submit(log_into, queue, 'hello').result(timeout=60)\n"
        "    print(queue.get(timeout=60).getMessage())\n",
        start_method="spawn",
        timeout=TIMEOUT,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "hello\n"
