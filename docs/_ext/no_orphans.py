"""Fail the build if an executed page leaves a process behind.

Kernels run as children of sphinx-build, and pool workers as children of the
kernels.  A worker whose kernel exits would be re-parented to PID 1 and go
unnoticed, so on Linux sphinx-build becomes a "child subreaper": orphans are
re-parented to it instead, and at the end of the build any descendant still
alive is reported as a warning (an error under -W).  Forks of sphinx-build
itself (sphinx-sitemap keeps a multiprocessing manager) are not pages' doing
and are left alone.
"""

import ctypes
import sys
import time

import psutil
from sphinx.util import logging

logger = logging.getLogger(__name__)
_PR_SET_CHILD_SUBREAPER = 36
_GRACE_SECONDS = 10


def _become_subreaper(app) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _check_descendants(app, exception) -> None:
    if exception is not None:
        return
    me = psutil.Process()
    ours = me.cmdline()
    deadline = time.monotonic() + _GRACE_SECONDS
    while alive := [
        p for p in me.children(recursive=True) if _is_alive(p) and _cmdline(p) != ours
    ]:
        if time.monotonic() > deadline:
            names = ", ".join(f"{p.pid} {' '.join(_cmdline(p))[:80]}" for p in alive)
            logger.warning("processes outlived the pages that started them: %s", names)
            for process in alive:
                process.kill()
            return
        time.sleep(0.2)


def _is_alive(process: psutil.Process) -> bool:
    try:
        if process.status() == psutil.STATUS_ZOMBIE:
            process.wait(0)  # reap it: a zombie has already exited
            return False
        return True
    except (psutil.NoSuchProcess, psutil.TimeoutExpired):
        return False


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return ["?"]


def setup(app):
    app.connect("builder-inited", _become_subreaper)
    app.connect("build-finished", _check_descendants)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
