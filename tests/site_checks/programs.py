"""Programs: run what a reader copies, as a reader would, under a start method."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

# Duplicates a helper of the main suite, to be consolidated into one shared
# "run a snippet in a subprocess" helper (#13): run_program's launcher is
# tests/conftest.py's run_script (start method set, then runpy.run_path), and
# its session kill on timeout (_kill_session) is what
# parallel_guide.processes_in_depth.run_python does with _kill_group.
PROCESS_GRACE_SECONDS = 5.0


def run_program(
    code: str, start_method: str, work: Path, timeout: float = 120
) -> str | None:
    """Run a copied program as a reader would; None if it exits 0, else why not.

    The program is written to a file and run by a fresh interpreter with no
    project on its path (``-I``, the base interpreter of this virtualenv) with
    the start method set first.  It runs in its own session: on a timeout the
    whole session is killed, and any process it leaves behind is reported.
    """
    work.mkdir(parents=True, exist_ok=True)
    script = work / "program.py"
    script.write_text(code + "\n", encoding="utf-8")
    launcher = (
        "import multiprocessing, runpy\n"
        f"multiprocessing.set_start_method({start_method!r})\n"
        f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
    )
    python = getattr(sys, "_base_executable", None) or sys.executable
    process = subprocess.Popen(
        [python, "-I", "-c", launcher],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return f"did not finish within {timeout:g} s under {start_method}"
    finally:
        left = _kill_session(process.pid)
    if process.returncode != 0:
        tail = "\n    ".join(stderr.strip().splitlines()[-6:])
        return f"exited {process.returncode} under {start_method}:\n    {tail}"
    if left:
        return f"left {len(left)} processes running under {start_method}: {left}"
    return None


def _kill_session(session: int) -> list[str]:
    """Wait briefly for a session's processes to exit; kill and name any left."""
    deadline = time.monotonic() + PROCESS_GRACE_SECONDS
    while True:
        members = []
        for process in psutil.process_iter(["pid", "name", "status"]):
            try:
                if (
                    os.getsid(process.pid) == session
                    and process.info["status"] != psutil.STATUS_ZOMBIE
                ):
                    members.append(process)
            except (ProcessLookupError, PermissionError, psutil.Error):
                continue
        if not members or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for process in members:
        with contextlib.suppress(psutil.Error):
            process.kill()
    return [f"{p.pid} {p.info['name']}" for p in members]
