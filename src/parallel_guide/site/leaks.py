"""Find the processes and threads that outlived the code that started them.

One leak check serves three callers, which differ only in what they allow
and how long they wait:

- the tests (``tests/conftest.py``), after each test: new threads, and child
  processes other than :mod:`multiprocessing`'s own helpers;
- the site checks (``tests/site_checks/conftest.py``), after each check: the
  same, also allowing the session's browser and the test servers' threads;
- the docs build (``docs/_ext/no_orphans.py``), after the last page: any
  process the pages started.

Pools shut down asynchronously, so :func:`leftovers` polls for a grace period
before it calls anything a leak.  Needs psutil (the docs and tests groups).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

import psutil

__all__ = [
    "GRACE_SECONDS",
    "Leftovers",
    "is_multiprocessing_helper",
    "kill_tree",
    "leftovers",
]

GRACE_SECONDS = 5.0
"""How long :func:`leftovers` waits for processes and threads to end by default."""


@dataclass(frozen=True)
class Leftovers:
    """Processes and threads still running after the grace period."""

    processes: tuple[psutil.Process, ...] = ()
    threads: tuple[threading.Thread, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.processes or self.threads)

    def describe(self) -> str:
        """What was left, for a failure message.

        >>> Leftovers(threads=(threading.Thread(name="feeder"),)).describe()
        "processes [] and threads ['feeder']"
        """
        processes = [_name(process) for process in self.processes]
        threads = [thread.name for thread in self.threads]
        return f"processes {processes} and threads {threads}"

    def kill(self) -> None:
        """Kill the processes (threads cannot be killed), so one leak fails one test."""
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                process.kill()


def leftovers(
    *,
    threads_before: Collection[threading.Thread] | None = None,
    grace: float = GRACE_SECONDS,
    allow: Callable[[psutil.Process], bool] = lambda process: False,
    allow_thread: Callable[[threading.Thread], bool] = lambda thread: False,
) -> Leftovers:
    """Live descendants of this process, and threads not in ``threads_before``.

    Waits (polling) up to ``grace`` seconds for them to end.  Processes for
    which ``allow`` is true, and threads for which ``allow_thread`` is true,
    are not counted; with ``threads_before=None`` threads are not checked.

    >>> before = threading.enumerate()
    >>> stop = threading.Event()
    >>> waiting = threading.Thread(target=stop.wait, name="waiting")
    >>> waiting.start()
    >>> left = leftovers(threads_before=before, grace=0, allow=lambda p: True)
    >>> [thread.name for thread in left.threads], left.processes
    (['waiting'], ())
    >>> stop.set()
    >>> waiting.join()
    """
    deadline = time.monotonic() + grace
    while True:
        processes = tuple(
            process
            for process in psutil.Process().children(recursive=True)
            if _alive(process) and not _safely(allow, process)
        )
        threads: tuple[threading.Thread, ...] = ()
        if threads_before is not None:
            before = set(threads_before)
            threads = tuple(
                thread
                for thread in threading.enumerate()
                if thread not in before
                and thread.is_alive()
                and not allow_thread(thread)
            )
        if (not processes and not threads) or time.monotonic() > deadline:
            return Leftovers(processes, threads)
        time.sleep(0.05)


def is_multiprocessing_helper(process: psutil.Process) -> bool:
    """Whether ``process`` is a resource tracker or a forkserver.

    :mod:`multiprocessing` starts each once per interpreter, to outlive any
    one pool, so they are not a test's leak.
    """
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return "resource_tracker" in command or "forkserver" in command


def kill_tree(process: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
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
    psutil.wait_procs(family, timeout=grace)
    process.wait()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE  # a zombie has exited
    except psutil.Error:
        return False


def _safely(allow: Callable[[psutil.Process], bool], process: psutil.Process) -> bool:
    try:
        return allow(process)
    except psutil.Error:  # it ended while we looked: nothing left to allow
        return True


def _name(process: psutil.Process) -> str:
    try:
        return f"{process.pid} {' '.join(process.cmdline())[:80] or process.name()}"
    except psutil.Error:
        return str(process.pid)
