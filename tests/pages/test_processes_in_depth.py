import functools
import math
import multiprocessing
import os
import re
import sys
import threading
from pathlib import Path

import pytest

from parallel_guide.pages import processes_in_depth
from parallel_guide.pages.processes_in_depth import (
    EXECUTOR_REPLACING_WORKERS,
    FORK_WITH_A_THREAD,
    POOL_WITH_A_FUNCTION_FROM_MAIN,
    leaky_task,
    load_table,
    lookup,
    lookup_in,
    peak_memory_mb,
    pickle_problem,
    read_setting,
)
from parallel_guide.tools.run_python import run_python


def test_a_forked_worker_sees_the_parents_change_and_a_spawned_one_does_not(
    monkeypatch, start_method
):
    monkeypatch.setattr(processes_in_depth, "SETTING", "changed")
    with multiprocessing.get_context(start_method).Pool(1) as pool:
        pid, value = pool.apply(read_setting)
    assert pid != os.getpid()
    assert value == ("changed" if start_method == "fork" else "as imported")


@pytest.mark.parametrize(
    "obj", [len, lookup_in, functools.partial(lookup_in, b"x"), [1, "a", None]]
)
def test_module_functions_and_plain_data_can_be_pickled(obj):
    assert pickle_problem(obj) == ""


@pytest.mark.parametrize(
    "obj",
    [lambda: 0, (x for x in ()), threading.Lock()],
    ids=["lambda", "generator", "lock"],
)
def test_lambdas_generators_and_locks_cannot(obj):
    problem = pickle_problem(obj)
    assert problem.split(":")[0] in {"PicklingError", "TypeError", "AttributeError"}


def test_lookup_needs_the_table_from_the_initializer(monkeypatch):
    monkeypatch.setattr(processes_in_depth, "_TABLE", None)
    with pytest.raises(RuntimeError, match="load_table"):
        lookup(1)
    load_table(1000)
    assert len(processes_in_depth._TABLE) == 1000
    assert lookup(1003) == processes_in_depth._TABLE[3]


def test_the_initializer_builds_the_table_in_every_worker():
    context = multiprocessing.get_context("spawn")
    with context.Pool(2, initializer=load_table, initargs=(500,)) as pool:
        assert pool.map(lookup, range(500)) == [
            lookup_in(_table(500), i) for i in range(500)
        ]


def _table(size):
    load_table(size)
    return processes_in_depth._TABLE


def test_leaky_task_grows_its_process(monkeypatch):
    monkeypatch.setattr(processes_in_depth, "_LEAKED", [])
    before = peak_memory_mb()
    pid, after = leaky_task(50)
    assert pid == os.getpid()
    if not math.isnan(after):
        assert after >= before
        assert after >= 50


def test_maxtasksperchild_replaces_workers():
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, maxtasksperchild=2) as pool:
        pids = {pid for pid, _ in pool.map(leaky_task, [1] * 6, chunksize=1)}
    assert len(pids) == 3


def test_an_executor_replacing_workers_either_finishes_or_hangs_until_killed():
    run = run_python(EXECUTOR_REPLACING_WORKERS, timeout=15, start_method="spawn")
    # Fixed Pythons finish; those with gh-115634 hang and are killed.
    if not run.timed_out:
        assert run.stdout == "[5, 4, 3, 2, 1]\n"
        assert run.returncode == 0


@pytest.mark.skipif(sys.version_info < (3, 12), reason="the warning is new in 3.12")
def test_forking_with_a_thread_is_warned_about():
    run = run_python(FORK_WITH_A_THREAD, timeout=60)
    assert run.returncode == 0
    assert run.stdout == "[1, 2]\n"
    assert "DeprecationWarning" in run.stderr
    assert "multi-threaded, use of fork() may lead to deadlocks" in run.stderr


def test_a_pool_with_a_function_from_main_hangs_until_killed():
    run = run_python(POOL_WITH_A_FUNCTION_FROM_MAIN, timeout=4, start_method="spawn")
    assert run.timed_out
    # The resource tracker outlived the rest and removed the pool's semaphores
    # (naming them from Python 3.12), rather than dying with it and leaking them.
    assert "leaked semaphore objects to clean up" in run.stderr
    for name in re.findall(r"'/(mp-[^']+)'", run.stderr):
        assert not Path("/dev/shm", f"sem.{name}").exists()
    assert "AttributeError" in run.stderr
    assert "'square'" in run.stderr
