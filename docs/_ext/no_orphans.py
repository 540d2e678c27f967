"""Fail the build if an executed page leaves a process behind.

Kernels run as children of sphinx-build, and pool workers as children of the
kernels.  A worker whose kernel exits would be re-parented to PID 1 and go
unnoticed, so on Linux sphinx-build becomes a "child subreaper": orphans are
re-parented to it instead, and at the end of the build any descendant still
alive is reported as a warning (an error under -W) and killed.  Forks of
sphinx-build itself (sphinx-sitemap keeps a multiprocessing manager) are not
pages' doing and are allowed.  The check is the project's one leak check,
parallel_guide.site.leaks, with the build's allowances.
"""

import ctypes
import sys

import psutil
from sphinx.util import logging

from parallel_guide.site.leaks import leftovers

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
    ours = psutil.Process().cmdline()
    left = leftovers(grace=_GRACE_SECONDS, allow=lambda p: p.cmdline() == ours)
    if left:
        logger.warning(
            "processes outlived the pages that started them: %s", left.describe()
        )
        left.kill()


def setup(app):
    app.connect("builder-inited", _become_subreaper)
    app.connect("build-finished", _check_descendants)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
