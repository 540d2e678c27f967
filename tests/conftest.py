"""Shared fixtures: start methods, leak checks and running files as scripts."""

from __future__ import annotations

import contextlib
import copyreg
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

import parallel_guide

pytest_plugins = ["pytester"]  # runs a test session of its own (test_leak_check.py)

SRC = Path(parallel_guide.__file__).resolve().parent
START_METHODS = [
    m
    for m in ("spawn", "forkserver", "fork")
    if m in multiprocessing.get_all_start_methods()
]
LEAK_GRACE_SECONDS = 5.0
SCRIPT_TIMEOUT_SECONDS = 60


@pytest.fixture(params=START_METHODS)
def start_method(request) -> str:
    """Each start method this platform supports, in turn."""
    return request.param


@pytest.fixture
def mp_context(start_method):
    """A multiprocessing context for each supported start method."""
    return multiprocessing.get_context(start_method)


def _descendants() -> list[psutil.Process]:
    alive = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                alive.append(child)
        except psutil.NoSuchProcess:
            pass
    return alive


def _is_service(process: psutil.Process) -> bool:
    """multiprocessing's own long-lived helpers, started once per interpreter."""
    try:
        cmdline = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return "resource_tracker" in cmdline or "forkserver" in cmdline


def leftovers(threads_before: set[threading.Thread], grace: float = LEAK_GRACE_SECONDS):
    """Child processes and new threads still alive after ``grace`` seconds.

    Pools shut down asynchronously, so wait (polling, up to ``grace``) for them
    to go before calling them leaks.
    """
    deadline = time.monotonic() + grace
    while True:
        processes = [p for p in _descendants() if not _is_service(p)]
        threads = [
            t for t in threading.enumerate() if t not in threads_before and t.is_alive()
        ]
        if (not processes and not threads) or time.monotonic() > deadline:
            return processes, threads
        time.sleep(0.05)


@pytest.fixture
def find_leftovers():
    """The leak check's probe itself, for the tests that check it."""
    return leftovers


@pytest.fixture(autouse=True)
def no_leaked_processes_or_threads():
    """Fail a test that leaves a child process or a thread running behind it."""
    threads_before = set(threading.enumerate())
    yield
    processes, threads = leftovers(threads_before)
    for process in processes:  # don't let one leak fail every later test too
        process.kill()
    if processes or threads:
        pytest.fail(
            f"test left behind processes {[p.pid for p in processes]} "
            f"and threads {[t.name for t in threads]}"
        )


# -- What Dask changes for the whole interpreter ---------------------------------
#
# Importing distributed runs tblib.pickling_support.install() (distributed/
# utils.py), which gives every exception class, and tracebacks, a reducer in
# copyreg.dispatch_table, so exceptions pickle with their tracebacks and
# without their own __reduce__; distributed.core.error_message registers more
# classes whenever an error is sent.  A Nanny copies its pre-spawn settings
# (OMP_NUM_THREADS=1, MALLOC_TRIM_THRESHOLD_, ...) into os.environ before it
# starts a worker (distributed/nanny.py).  Both outlive the test that caused
# them, so in one pytest process the other tests would check Dask's pickling,
# not the standard library's, and start programs with Dask's thread limits.
#
# So: after collection (which imports the test modules, and with them Dask)
# Dask's reducers are taken out of copyreg.dispatch_table; tests marked
# ``dask`` get them back for their duration, and afterwards the table and the
# environment are put back as they were.  An unmarked test that leaves a Dask
# reducer behind fails.  This holds with and without xdist: each worker
# collects, and so imports, the test modules itself.

DASK_MODULES = ("tblib", "dask", "distributed")
_dask_reducers: dict = {}  # what importing Dask registered, taken out after collection


def _from_dask(reducer) -> bool:
    function = getattr(reducer, "func", reducer)  # functools.partial for tracebacks
    module = getattr(function, "__module__", None) or ""
    return module.partition(".")[0] in DASK_MODULES


def dask_reducers() -> dict:
    """The entries of copyreg.dispatch_table that Dask (or tblib) put there."""
    return {
        cls: reducer
        for cls, reducer in copyreg.dispatch_table.items()
        if _from_dask(reducer)
    }


def _undo_dask_pickling(table: dict) -> None:
    """Put back what Dask changed in copyreg.dispatch_table since ``table``.

    Only Dask's entries: a module first imported during the test (numpy, say)
    keeps its own, as it would in a process of its own.
    """
    for cls, reducer in dask_reducers().items():
        if table.get(cls) is not reducer:
            if cls in table:
                copyreg.dispatch_table[cls] = table[cls]
            else:
                del copyreg.dispatch_table[cls]


def _restore_environ(environ: dict) -> None:
    for name in set(os.environ) - set(environ):
        del os.environ[name]
    for name, value in environ.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "dask: runs Dask in this process; Dask's process-wide pickling and "
        "environment changes are undone after the test (conftest.py)",
    )


def pytest_collection_finish(session):
    for cls, reducer in dask_reducers().items():
        _dask_reducers[cls] = reducer
        del copyreg.dispatch_table[cls]


@pytest.fixture(autouse=True)
def dask_changes_stay_in_dask_tests(request):
    """Give tests marked ``dask`` Dask's pickling, and keep it from the others."""
    table, environ = dict(copyreg.dispatch_table), dict(os.environ)
    marked = request.node.get_closest_marker("dask") is not None
    if marked:
        copyreg.dispatch_table.update(_dask_reducers)
    yield
    leaked = dask_reducers()
    _undo_dask_pickling(table)
    if marked:
        _restore_environ(environ)
    elif leaked:
        pytest.fail(
            f"the test left Dask's pickling behind for {len(leaked)} classes "
            f"(such as {next(iter(leaked)).__name__}): a test that runs Dask "
            "in this process needs @pytest.mark.dask"
        )


def kill_process_tree(process: subprocess.Popen) -> None:
    """Kill ``process`` and every process it started, then reap it.

    Killing the child alone leaves its own children (pool workers, say)
    running, and once their parent is gone they are no longer this process's
    descendants, so the leak check cannot see them.  Started with
    ``start_new_session=True``, the child leads a process group of its own
    that holds them all, orphans included: on POSIX the group is killed at
    once.  psutil's list of descendants, taken first, covers the platforms
    without process groups and any process that left the group.
    """
    family = []
    if process.poll() is None:  # once reaped, its id may name another process
        with contextlib.suppress(psutil.NoSuchProcess):
            family = psutil.Process(process.pid).children(recursive=True)
    if hasattr(os, "killpg"):
        # POSIX gives no new process the id of a group that still has members.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.kill()
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()
    psutil.wait_procs(family, timeout=LEAK_GRACE_SECONDS)
    process.wait()


def _output_of_killed(process: subprocess.Popen) -> tuple[str | None, str | None]:
    try:
        return process.communicate(timeout=LEAK_GRACE_SECONDS)
    except subprocess.TimeoutExpired:  # a survivor holds the pipes: no output
        return None, None


@pytest.fixture
def run_script(tmp_path):
    """Run a file from src/parallel_guide as a reader would, under a start method.

    The file (a name in src/parallel_guide, or a Path) is copied somewhere
    outside the project (as a reader copies it), then run by a fresh
    interpreter with the start method set before the script's own code runs.
    Returns the completed process.  On timeout, or if the test is interrupted
    (pytest-timeout, Ctrl-C), the script and every process it started are
    killed; a timeout then raises subprocess.TimeoutExpired.
    """

    def run(
        name: str | Path, start_method: str, timeout: float = SCRIPT_TIMEOUT_SECONDS
    ):
        source = name if isinstance(name, Path) else SRC / name
        script = tmp_path / source.name
        script.write_text(source.read_text())
        launcher = (
            "import multiprocessing, runpy, sys\n"
            f"multiprocessing.set_start_method({start_method!r})\n"
            f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
        )
        env = {**os.environ, "PYTHONPATH": ""}  # the copy must not need the package
        process = subprocess.Popen(
            [sys.executable, "-c", launcher],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: see kill_process_tree
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_process_tree(process)
            stdout, stderr = _output_of_killed(process)
            raise subprocess.TimeoutExpired(
                process.args, timeout, output=stdout, stderr=stderr
            ) from None
        except BaseException:  # pytest-timeout's Failed, KeyboardInterrupt
            kill_process_tree(process)
            _output_of_killed(process)
            raise
        return subprocess.CompletedProcess(
            process.args, process.returncode, stdout, stderr
        )

    return run


@pytest.fixture
def kill_at_teardown():
    """Register a process (started with ``start_new_session=True``) to kill.

    At the end of the test, passed or failed or stopped by pytest-timeout,
    the process and every process it started are killed
    (:func:`kill_process_tree`), orphans included: those the leak check,
    which lists this process's descendants, cannot see.
    """
    processes: list[subprocess.Popen] = []
    yield processes.append
    for process in processes:
        kill_process_tree(process)


@pytest.fixture
def children_now():
    """A function returning the child processes alive at the moment it is called.

    Unlike the leak check it allows no grace period: use it to assert that a
    call stopped its workers before returning, not merely asked them to stop.
    """
    return lambda: leftovers(set(threading.enumerate()), grace=0)[0]
