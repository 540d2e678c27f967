"""Shared fixtures: start methods, leak checks and running files as scripts."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

import parallel_guide

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


@pytest.fixture
def run_script(tmp_path):
    """Run a file from src/parallel_guide (``pages/x.py``) as a reader would.

    The file is copied somewhere outside the project (as a reader copies it),
    then run by a fresh interpreter with the start method set before the
    script's own code runs.  Returns the completed process; raises on timeout.
    """

    def run(name: str, start_method: str, timeout: float = SCRIPT_TIMEOUT_SECONDS):
        script = tmp_path / Path(name).name
        script.write_text((SRC / name).read_text())
        launcher = (
            "import multiprocessing, runpy, sys\n"
            f"multiprocessing.set_start_method({start_method!r})\n"
            f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
        )
        env = {**os.environ, "PYTHONPATH": ""}  # the copy must not need the package
        return subprocess.run(
            [sys.executable, "-c", launcher],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture
def children_now():
    """A function returning the child processes alive at the moment it is called.

    Unlike the leak check it allows no grace period: use it to assert that a
    call stopped its workers before returning, not merely asked them to stop.
    """
    return lambda: leftovers(set(threading.enumerate()), grace=0)[0]
