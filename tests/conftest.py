"""Shared fixtures: start methods, leak checks and running files as scripts."""

from __future__ import annotations

import copyreg
import multiprocessing
import os
import subprocess
import threading
from pathlib import Path

import pytest

import parallel_guide
from parallel_guide.site import leaks
from parallel_guide.tools.run_python import run_python

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


def leftovers(threads_before: set[threading.Thread], grace: float = LEAK_GRACE_SECONDS):
    """Child processes and new threads still alive after ``grace`` seconds.

    The project's one leak check (:mod:`parallel_guide.site.leaks`), allowing
    multiprocessing's own helpers, which live as long as the interpreter.
    """
    left = leaks.leftovers(
        threads_before=threads_before,
        grace=grace,
        allow=leaks.is_multiprocessing_helper,
    )
    return list(left.processes), list(left.threads)


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
# ``dask`` get them back for their duration, and afterwards Dask's entries in
# the table and the whole environment are put back as they were.  An unmarked
# test that leaves a Dask reducer behind fails.  This holds with and without
# xdist: each worker collects, and so imports, the test modules itself.

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


@pytest.fixture
def run_script(tmp_path):
    """Run a file from src/parallel_guide (``pages/x.py``, or a Path) as a reader would.

    The file is copied somewhere outside the project (as a reader copies it),
    then run by a fresh interpreter (:func:`~parallel_guide.tools.run_python.
    run_python`) with the start method set before the script's own code runs.
    On timeout, or if the test is interrupted (pytest-timeout, Ctrl-C), the
    script and every process it started are killed; a timeout then raises
    subprocess.TimeoutExpired.
    """

    def run(
        name: str | Path, start_method: str, timeout: float = SCRIPT_TIMEOUT_SECONDS
    ):
        source = name if isinstance(name, Path) else SRC / name
        script = tmp_path / source.name
        script.write_text(source.read_text())
        completed = run_python(
            f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')",
            start_method=start_method,
            cwd=tmp_path,
            env={"PYTHONPATH": ""},  # the copy must not need the package
            timeout=timeout,
        )
        if completed.timed_out:
            raise subprocess.TimeoutExpired(
                str(script), timeout, output=completed.stdout, stderr=completed.stderr
            )
        return completed

    return run


@pytest.fixture
def kill_at_teardown():
    """Register a process (started with ``start_new_session=True``) to kill.

    At the end of the test, passed or failed or stopped by pytest-timeout,
    the process and every process it started are killed
    (:func:`parallel_guide.site.leaks.kill_tree`), orphans included: those the
    leak check, which lists this process's descendants, cannot see.
    """
    processes: list[subprocess.Popen] = []
    yield processes.append
    for process in processes:
        leaks.kill_tree(process)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def children_now():
    """A function returning the child processes alive at the moment it is called.

    Unlike the leak check it allows no grace period: use it to assert that a
    call stopped its workers before returning, not merely asked them to stop.
    """
    return lambda: leftovers(set(threading.enumerate()), grace=0)[0]
