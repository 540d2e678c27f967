"""Run a Python program in a fresh interpreter, with a timeout and no leftovers.

Pages use :func:`run_python` to show programs that fail or hang without
failing or hanging themselves; the tests and the site checks use it to run
the programs a reader copies, as a reader would.  The program runs in a
process group (a session) of its own, so that on a timeout, and after it
exits, every process it started is found and killed.

It needs the standard library only.  Finding the group's processes reads
``/proc`` (Linux); elsewhere the group is killed without waiting.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProgramRun", "run_python"]

_TRACKER_GRACE_SECONDS = 5.0
_LEFTOVER_GRACE_SECONDS = 5.0  # for processes ending on their own after the program


@dataclass(frozen=True)
class ProgramRun:
    """What a program run by :func:`run_python` did."""

    returncode: int | None
    """The exit code, negative for a signal; None if it was stopped at the timeout."""
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float
    left_behind: tuple[str, ...] = ()
    """Processes the program left running after it exited (killed since),
    each as ``"pid command"``."""


def run_python(
    code: str,
    *,
    timeout: float = 10.0,
    start_method: str | None = None,
    args: Sequence[str] = (),
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    isolated: bool = False,
) -> ProgramRun:
    r"""Run ``code`` with ``python -c`` in a new interpreter.

    A program given with ``-c`` has a main module like a notebook's or an
    interactive session's: there is no file that a worker could import it
    from.  With ``start_method``, it is set before the program runs; ``args``
    become its ``sys.argv[1:]``; ``env`` adds to (or, with a value of ``""``,
    blanks) variables of this process's environment.  ``isolated`` runs the
    interpreter this virtual environment was made from, with ``-I``: nothing
    installed here (this project included) can be imported, as on a reader's
    machine.

    After ``timeout`` seconds the program *and every process it started* are
    killed, so a program that hangs, or leaves workers behind, cannot outlive
    the call.  Processes still running a few seconds after the program exited
    are killed and named in :attr:`ProgramRun.left_behind` (one that still
    holds the program's output keeps the call waiting until the timeout).
    Output is plain text: colour is switched off.

    >>> run = run_python("print(6 * 7)")
    >>> run.returncode, run.stdout, run.timed_out, run.left_behind
    (0, '42\n', False, ())
    """
    if start_method is not None:
        setup = f"multiprocessing.set_start_method({start_method!r})"
        code = f"import multiprocessing; {setup}\n{code}"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("FORCE_COLOR", "PYTHONSTARTUP")
    }
    environment.update(NO_COLOR="1", PYTHON_COLORS="0", PYTHONUNBUFFERED="1")
    environment.update(env or {})
    python = sys.executable
    if isolated:
        python = getattr(sys, "_base_executable", None) or sys.executable
    command = [python, *(["-I"] if isolated else []), "-c", code, *args]
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=environment,
        start_new_session=sys.platform != "win32",
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        stdout, stderr = _output_of_killed(process)
        timed_out, left_behind = True, []
    except BaseException:  # Ctrl-C, or a test stopped by its timeout
        _kill_group(process)
        _output_of_killed(process)
        raise
    else:
        # Workers left behind by a program that did exit are stopped too.
        timed_out = False
        left_behind = _kill_group(process, wait=_LEFTOVER_GRACE_SECONDS)
    return ProgramRun(
        returncode=None if timed_out else process.returncode,
        stdout=stdout,
        stderr=stderr,
        timed_out=timed_out,
        seconds=time.perf_counter() - start,
        left_behind=tuple(left_behind),
    )


def _output_of_killed(process: subprocess.Popen) -> tuple[str, str]:
    try:
        return process.communicate(timeout=_TRACKER_GRACE_SECONDS)
    except subprocess.TimeoutExpired:  # a process outside the group holds the pipes
        process.kill()
        process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        return "", ""


def _kill_group(process: subprocess.Popen, *, wait: float = 0.0) -> list[str]:
    """Kill every process the program started; name those that were still alive.

    Processes get ``wait`` seconds to exit on their own first (a forkserver
    ends a moment after its parent).  The resource tracker (a helper process
    :mod:`multiprocessing` starts) is spared at first: once every other
    process has gone it removes the semaphores and shared memory they left,
    which killing it too would leave in ``/dev/shm``.  Whatever is still alive
    after a grace period is killed.
    """
    if sys.platform == "win32":
        process.kill()
        return []
    group = process.pid
    deadline = time.monotonic() + wait
    while (workers := _workers(group)) and time.monotonic() < deadline:
        time.sleep(0.05)
    killed = []
    for pid, command in workers:
        killed.append(f"{pid} {command}")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + _TRACKER_GRACE_SECONDS
    while _group_members(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    return killed


def _workers(group: int) -> list[tuple[int, str]]:
    """The group's live processes but the resource tracker, with their commands."""
    found = []
    for pid in _group_members(group):
        command = _cmdline(pid).replace(b"\0", b" ").decode(errors="replace")
        if "resource_tracker" not in command:
            found.append((pid, command.strip()))
    return found


def _group_members(group: int) -> list[int]:
    """Live (not zombie) processes in a process group; Linux reads /proc."""
    proc = Path("/proc")
    if not proc.is_dir():  # other POSIX systems: treat as done
        return []
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp.
        if int(fields[2]) == group and fields[0] != b"Z":
            members.append(int(entry.name))
    return members


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
