"""run_python runs a program in a fresh interpreter and leaves nothing behind."""

import os
import sys

import psutil
import pytest

from parallel_guide.tools.run_python import run_python


def test_run_python_returns_the_output_of_a_program():
    run = run_python("import sys; print('out'); print('err', file=sys.stderr)")
    assert (run.returncode, run.stdout, run.stderr, run.timed_out) == (
        0,
        "out\n",
        "err\n",
        False,
    )


def test_run_python_sets_the_start_method():
    run = run_python(
        "import multiprocessing; print(multiprocessing.get_start_method())",
        start_method="spawn",
    )
    assert run.stdout == "spawn\n"


@pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")
def test_run_python_kills_a_hanging_program_and_its_children():
    run = run_python(
        "import subprocess, sys, time\n"
        "sleeper = 'import time; time.sleep(60)'\n"
        "child = subprocess.Popen([sys.executable, '-c', sleeper])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n",
        timeout=3,
    )
    assert run.timed_out
    assert run.returncode is None
    assert 3 <= run.seconds < 30
    child = int(run.stdout.split()[0])
    # SIGKILL is delivered asynchronously: give the child a moment to go.
    _, alive = psutil.wait_procs(_process_or_nothing(child), timeout=5)
    assert all(p.status() == psutil.STATUS_ZOMBIE for p in alive)


def _process_or_nothing(pid):
    try:
        return [psutil.Process(pid)]
    except psutil.NoSuchProcess:
        return []


def test_run_python_passes_arguments_folder_and_environment(tmp_path):
    run = run_python(
        "import os, sys; print(sys.argv[1:], os.getcwd(), os.environ['GUIDE_X'])",
        args=["a", "b"],
        cwd=tmp_path,
        env={"GUIDE_X": "set"},
    )
    assert run.stdout == f"{['a', 'b']} {tmp_path} set\n"


def test_an_isolated_run_cannot_import_this_project():
    run = run_python("import parallel_guide", isolated=True)
    assert run.returncode == 1
    assert "ModuleNotFoundError" in run.stderr


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the group in /proc")
def test_run_python_names_and_kills_what_an_exited_program_left_running():
    run = run_python(
        "import subprocess, sys\n"
        "sleep = [sys.executable, '-c', 'import time; time.sleep(60)']\n"
        "quiet = {'stdout': subprocess.DEVNULL, 'stderr': subprocess.DEVNULL}\n"
        "print(subprocess.Popen(sleep, **quiet).pid)\n",
        timeout=30,
    )
    assert run.returncode == 0
    child = int(run.stdout)
    assert [entry.split()[0] for entry in run.left_behind] == [str(child)]
    _, alive = psutil.wait_procs(_process_or_nothing(child), timeout=5)
    assert all(p.status() == psutil.STATUS_ZOMBIE for p in alive)


def test_a_program_whose_pool_is_closed_leaves_nothing_behind():
    run = run_python(
        "from concurrent.futures import ProcessPoolExecutor\n"
        "with ProcessPoolExecutor(2) as pool:\n"
        "    print(sum(pool.map(abs, [-1, -2])))\n",
        start_method="forkserver" if sys.platform.startswith("linux") else None,
        timeout=60,
    )
    assert (run.returncode, run.stdout, run.left_behind) == (0, "3\n", ())
