"""Ctrl-C, really sent: each program gets SIGINT (to its whole process group, as
from a terminal) once it has printed that its work started, and does what the
page "Stop parallel work with Ctrl-C" says; the clean programs leave no process.
"""

from __future__ import annotations

import ast
import re
import signal

import psutil
import pytest

from parallel_guide.pages.stop_with_ctrl_c import PROGRAMS, Interrupted, press_ctrl_c

TIMEOUT = 60
TASKS = 12


def interrupt(name: str, start_method: str = "spawn") -> Interrupted:
    return press_ctrl_c(PROGRAMS / name, start_method=start_method, timeout=TIMEOUT)


def count(pattern: str, text: str) -> int:
    match = re.search(pattern, text)
    assert match, (pattern, text)
    return int(match.group(1))


# -- by default ------------------------------------------------------------------


def killed_by_keyboard_interrupt(run: Interrupted) -> None:
    assert run.returncode == -signal.SIGINT
    assert run.stderr.splitlines()[-1] == "KeyboardInterrupt"
    assert run.stdout.splitlines()[0] == "working"
    assert "sum of squares" not in run.stdout
    assert run.left == ()


def test_a_pool_stops_at_once_or_hangs_in_terminate():
    run = interrupt("ctrl_c_pool_default.py")
    assert sum(" worker" in process for process in run.running) == 2
    if run.hung:
        # About one run in ten: the with block's terminate() waits forever for
        # the task queue's lock (python/cpython#78178); the page says so.
        assert "sum of squares" not in run.stdout
        return
    killed_by_keyboard_interrupt(run)
    assert 1 <= count(r"(\d+) of 12 results in", run.stdout) < TASKS


def outcomes(run: Interrupted) -> dict[str, int]:
    line = run.stdout.splitlines()[1]
    assert line.startswith("tasks: "), run.stdout
    return ast.literal_eval(line.removeprefix("tasks: "))


def test_a_process_pool_executor_finishes_or_fails_every_task_before_it_stops():
    run = interrupt("ctrl_c_executor_default.py")
    killed_by_keyboard_interrupt(run)
    tasks = outcomes(run)
    # Nothing is cancelled or left: each task ran (a worker in a task returns
    # its KeyboardInterrupt as the result), or failed when a worker caught
    # between tasks died and broke the pool.
    assert sum(tasks.values()) == TASKS
    assert set(tasks) <= {"done", "KeyboardInterrupt", "BrokenProcessPool"}
    assert sum(" worker" in process for process in run.running) == 2


def test_a_thread_pool_executor_runs_every_task_before_it_stops():
    run = interrupt("ctrl_c_threads_default.py")
    killed_by_keyboard_interrupt(run)
    assert outcomes(run) == {"done": TASKS}
    assert [process.split()[1] for process in run.running] == ["program"]


def test_asyncio_run_cancels_the_task_group_and_raises_keyboardinterrupt():
    run = interrupt("ctrl_c_asyncio_default.py")
    killed_by_keyboard_interrupt(run)
    assert 1 <= count(r"(\d+) of 12 tasks ran", run.stdout) < TASKS
    assert "CancelledError" in run.stderr


# -- stopped cleanly, under every start method -----------------------------------


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        ("ctrl_c_pool.py", r"Interrupted: (\d+) of 12 results in, workers stopped"),
        ("ctrl_c_executor.py", r"Interrupted: (\d+) of 12 tasks cancelled"),
        ("ctrl_c_threads.py", r"Interrupted: (\d+) of 12 tasks cancelled"),
    ],
)
def test_a_clean_program_stops_early_and_leaves_no_process(name, summary, start_method):
    run = interrupt(name, start_method)
    assert run.returncode == 130, run.stderr
    assert run.stderr == ""
    assert run.stdout.splitlines()[0] == "working"
    assert 1 <= count(summary, run.stdout) < TASKS
    assert run.left == ()


def test_the_clean_asyncio_program_closes_every_task():
    run = interrupt("ctrl_c_asyncio.py")
    assert run.returncode == 130, run.stderr
    assert run.stderr == ""
    assert 1 <= count(r"Interrupted: (\d+) of 12 results in", run.stdout) < TASKS
    assert run.stdout.rstrip().endswith(", 0 tasks left open")
    assert run.left == ()


# -- the tool itself -------------------------------------------------------------


def test_press_ctrl_c_reports_and_kills_a_process_left_behind(tmp_path):
    script = tmp_path / "orphan.py"
    script.write_text(
        "import signal, subprocess, sys, time\n"
        "child = 'import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN);"
        ' print("child", flush=True); time.sleep(60)\'\n'
        "child = subprocess.Popen([sys.executable, '-c', child],"
        " stdout=subprocess.PIPE)\n"
        "child.stdout.readline()\n"  # it ignores SIGINT from now on
        "print('working', flush=True)\n"
        "time.sleep(60)\n"
    )
    run = press_ctrl_c(script, timeout=TIMEOUT, grace=1.0)
    assert run.returncode == -signal.SIGINT
    assert [process.split()[1] for process in run.left] == ["worker"]


def test_press_ctrl_c_kills_a_program_that_does_not_stop(tmp_path):
    script = tmp_path / "deaf.py"
    script.write_text(
        "import signal, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "print('working', flush=True)\n"
        "time.sleep(60)\n"
    )
    run = press_ctrl_c(script, timeout=0.5, grace=0.5)
    assert run.hung
    assert run.returncode == -signal.SIGKILL
    assert run.status.startswith("none: still running")
    assert run.left == ()
    assert not psutil.pid_exists(int(run.running[0].split()[0]))


def test_press_ctrl_c_refuses_a_program_that_never_starts(tmp_path):
    script = tmp_path / "quits.py"
    script.write_text("raise SystemExit('no work today')\n")
    with pytest.raises(RuntimeError, match="no work today"):
        press_ctrl_c(script, timeout=TIMEOUT)
