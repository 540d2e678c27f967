"""Press Ctrl-C on a running program, and see what it prints and leaves behind.

The page "Stop parallel work with Ctrl-C" runs each of its programs with
:func:`press_ctrl_c`: the program starts in a session of its own, and once it
prints that its work has started, SIGINT goes to its whole process group, as a
terminal sends it when you press Ctrl-C.  What the program printed, its exit
status, the processes it had before and the ones still running after it
exited come back as an :class:`Interrupted`; any process left running is
killed, so no page leaves one behind.

Needs psutil to list the processes, and a POSIX system (process groups).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

PROGRAMS = Path(__file__).resolve().parent
"""The folder of the page's programs (``ctrl_c_*.py``)."""


@dataclass(frozen=True)
class Interrupted:
    """What a program did when it got Ctrl-C (see :func:`press_ctrl_c`)."""

    returncode: int
    """The exit status, negative for a signal (-2 is "killed by SIGINT")."""
    stdout: str
    stderr: str
    seconds: float
    """From Ctrl-C to the program's exit."""
    running: tuple[str, ...]
    """The program's processes when Ctrl-C was sent, each ``"pid role"``."""
    left: tuple[str, ...]
    """Its processes still running after it exited (and a grace period)."""
    hung: bool = False
    """True if it had not exited ``timeout`` seconds after Ctrl-C, and was killed."""

    @property
    def status(self) -> str:
        """The exit status as a shell reports it, explained.

        >>> Interrupted(-2, "", "", 0.1, (), ()).status
        '130 (killed by SIGINT: the KeyboardInterrupt was not caught)'
        >>> Interrupted(130, "", "", 0.1, (), ()).status
        '130 (the program exited with it)'
        >>> Interrupted(-9, "", "", 60.0, (), (), hung=True).status
        'none: still running 60 s after Ctrl-C, so killed'
        """
        if self.hung:
            return f"none: still running {self.seconds:.0f} s after Ctrl-C, so killed"
        if self.returncode < 0:
            name = signal.Signals(-self.returncode).name
            why = ": the KeyboardInterrupt was not caught" if name == "SIGINT" else ""
            return f"{128 - self.returncode} (killed by {name}{why})"
        return f"{self.returncode} (the program exited with it)"

    def report(self, tail: int = 6) -> str:
        r"""A summary: processes, exit status, output, the end of stderr.

        >>> run = Interrupted(130, "working\nstopped\n", "", 0.25, ("7 program",), ())
        >>> print(run.report())
        running at Ctrl-C: 7 program
        exit status:       130 (the program exited with it)
        left running:      none
        stdout:
          working
          stopped
        stderr:            (empty)
        """
        lines = [
            f"running at Ctrl-C: {', '.join(self.running)}",
            f"exit status:       {self.status}",
            f"left running:      {', '.join(self.left) or 'none'}",
            "stdout:",
            *(f"  {line}" for line in self.stdout.splitlines()),
        ]
        errors = self.stderr.splitlines()
        if not errors:
            lines.append("stderr:            (empty)")
        else:
            skipped = len(errors) - tail
            lines.append(
                f"stderr ({len(errors)} lines"
                + (f", the last {tail}):" if skipped > 0 else "):")
            )
            lines += [f"  {line}" for line in errors[-tail:]]
        return "\n".join(lines)


def role(cmdline: Sequence[str], program: bool = False) -> str:
    """Name a process of a program from its command line.

    >>> role(["python", "-c", "from multiprocessing.spawn import spawn_main; ..."])
    'worker'
    >>> role(["python", "-c", "from multiprocessing.resource_tracker import main"])
    'resource tracker'
    >>> role(["python", "app.py"], program=True)
    'program'
    """
    text = " ".join(cmdline)
    if program:
        return "program"
    if "resource_tracker" in text:
        return "resource tracker"
    if "forkserver" in text:
        return "fork server"
    return "worker"  # spawned (spawn_main) or forked (the program's command line)


def _session(sid: int) -> list[psutil.Process]:
    """The live processes of session ``sid`` (zombies count as ended)."""
    found = []
    for process in psutil.process_iter():
        try:
            if os.getsid(process.pid) == sid and process.status() != "zombie":
                found.append(process)
        except (OSError, psutil.Error):  # ended meanwhile
            continue
    return found


def _describe(processes: list[psutil.Process], sid: int) -> tuple[str, ...]:
    described = []
    for process in processes:
        try:
            cmdline = process.cmdline()
        except psutil.Error:
            continue
        described.append(f"{process.pid} {role(cmdline, program=process.pid == sid)}")
    return tuple(described)


def _still_running(sid: int, grace: float) -> tuple[str, ...]:
    """The processes of session ``sid`` that outlive a ``grace`` period."""
    end = time.monotonic() + grace
    while (still := _session(sid)) and time.monotonic() < end:
        time.sleep(0.05)
    return _describe(still, sid)


def _read(stream, into: list[str], ready: str, seen: threading.Event) -> None:
    for line in stream:
        into.append(line)
        if line.strip() == ready:
            seen.set()
    seen.set()  # at the end of the output too: the program is gone


def press_ctrl_c(
    program: str | os.PathLike[str],
    *,
    start_method: str = "spawn",
    ready: str = "working",
    timeout: float = 60.0,
    grace: float = 3.0,
) -> Interrupted:
    r"""Run ``program``, press Ctrl-C once it prints ``ready``, and report.

    The program runs in a fresh interpreter with the given ``start_method``,
    in a session of its own.  When it prints the line ``ready``, SIGINT is
    sent to its process group, as a terminal does on Ctrl-C; then it has
    ``timeout`` seconds to exit.  Processes of its session still running
    ``grace`` seconds after it exited are reported in
    :attr:`Interrupted.left`, and killed.  A program that has not exited by
    then is a result too, not an error: a pool can hang in its clean-up
    after Ctrl-C.  Its whole session is killed and the report says
    :attr:`Interrupted.hung`.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     script = Path(folder, "wait.py")
    ...     code = "import time\nprint('working', flush=True)\ntime.sleep(60)"
    ...     _ = script.write_text(code)
    ...     run = press_ctrl_c(script)
    >>> run.returncode, run.stdout, run.stderr.splitlines()[-1], run.left
    (-2, 'working\n', 'KeyboardInterrupt', ())
    """
    path = os.fspath(program)
    code = (
        "import multiprocessing, runpy; "
        f"multiprocessing.set_start_method({start_method!r}); "
        f"runpy.run_path({path!r}, run_name='__main__')"
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "PYTHON_COLORS": "0"}
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=os.path.dirname(path) or None,
        start_new_session=True,  # its own session and process group
    )
    sid = process.pid
    stdout: list[str] = []
    stderr: list[str] = []
    seen, ended = threading.Event(), threading.Event()
    readers = [
        threading.Thread(target=_read, args=(process.stdout, stdout, ready, seen)),
        threading.Thread(target=_read, args=(process.stderr, stderr, "", ended)),
    ]
    for reader in readers:
        reader.start()
    try:
        seen.wait(timeout)  # set by the line ready, or at the end of stdout
        started = any(line.strip() == ready for line in stdout)
        if not started or process.poll() is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(grace)  # so that its stderr is all there
            for reader in readers:
                reader.join(grace)
            raise RuntimeError(
                f"{path} did not print {ready!r} and keep running: "
                f"{''.join(stderr)[-2000:]}"
            )
        running = _describe(_session(sid), sid)
        sent = time.perf_counter()
        os.killpg(sid, signal.SIGINT)  # what a terminal does on Ctrl-C
        try:
            process.wait(timeout)
            hung = False
        except subprocess.TimeoutExpired:
            hung = True  # it and its whole session are killed below
        seconds = time.perf_counter() - sent
        left = () if hung else _still_running(sid, grace)
    finally:
        for leftover in _session(sid):  # orphans, or all of it on an error
            leftover.kill()
        process.kill()  # no-op if it exited
        process.wait()
        for reader in readers:
            reader.join(timeout)
        process.stdout.close()
        process.stderr.close()
    return Interrupted(
        returncode=process.returncode,
        stdout="".join(stdout),
        stderr="".join(stderr),
        seconds=seconds,
        running=running,
        left=left,
        hung=hung,
    )
