"""Log what every Python process of a docs build imports, for the execution cache.

The ``execution_deps`` extension (``docs/_ext``) puts this folder first on
``PYTHONPATH`` while it builds, so Python imports this file at start-up in each
page's kernel and in every worker process the kernel starts (``spawn`` and
``forkserver`` start a fresh interpreter; ``fork`` copies the kernel, finder
included).  It needs nothing beyond ``os`` and ``sys``, so that it imports no
module of the project before it is watching.

A finder placed first on :data:`sys.meta_path` is asked about every module
not yet imported, whichever way the import is made (``import``,
``importlib.import_module``, unpickling in a worker), parent packages
included; it writes the name to the log file named by
``PARALLEL_GUIDE_IMPORT_LOG`` and finds nothing, so the import goes on as
usual.  Each name is written as it is imported, not at exit: pool workers are
terminated.  The log holds the full name of modules whose top-level package
is listed in ``PARALLEL_GUIDE_IMPORT_PROJECT`` (comma-separated) and the
top-level name of any other module outside the standard library.

Some files run or are read without being imported: a script started as
``python script.py`` (and re-run by its ``spawn`` workers), a program's text
read to be changed and run.  An audit hook (event ``open``) logs every file
opened for reading under the folders of ``PARALLEL_GUIDE_IMPORT_ROOTS``
(separated by :data:`os.pathsep`) as ``file:<absolute path>``.

Another ``sitecustomize`` later on ``sys.path`` (a virtual environment's) is
run afterwards, as it would have been.
"""

import os
import sys

LOG_ENV = "PARALLEL_GUIDE_IMPORT_LOG"
PROJECT_ENV = "PARALLEL_GUIDE_IMPORT_PROJECT"
ROOTS_ENV = "PARALLEL_GUIDE_IMPORT_ROOTS"


class _ImportLog:
    """A meta path finder that writes down what is imported and finds nothing."""

    def __init__(self, path, project):
        self.path = path
        self.project = project
        self.seen = set()
        self.roots = ()

    def find_spec(self, name, path=None, target=None):
        try:
            top = name.partition(".")[0]
            entry = name if top in self.project else top
            if entry in self.seen or top in sys.stdlib_module_names:
                return None
            self.seen.add(entry)
            self.write(entry)
        except Exception:  # logging must never break an import
            pass
        return None

    def write(self, entry):
        # One small O_APPEND write per line: processes never interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (entry + "\n").encode())
        finally:
            os.close(fd)

    def audit(self, event, args):
        """Log a file opened for reading under one of ``self.roots``."""
        if event != "open" or not self.roots:
            return
        try:
            path, mode, flags = args
            if isinstance(mode, str):
                if any(letter in mode for letter in "wax+"):
                    return
            elif flags is None or flags & os.O_ACCMODE != os.O_RDONLY:
                return
            if isinstance(path, int):
                return
            path = os.path.abspath(os.fsdecode(path))
            if not path.startswith(self.roots) or "__pycache__" in path:
                return
            if path not in self.seen:
                self.seen.add(path)
                self.write("file:" + path)
        except Exception:  # logging must never break an open
            pass

    def invalidate_caches(self):
        pass


def _install():
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    project = frozenset(filter(None, os.environ.get(PROJECT_ENV, "").split(",")))
    roots = os.environ.get(ROOTS_ENV, "").split(os.pathsep)
    roots = tuple(os.path.join(os.path.abspath(r), "") for r in roots if r)
    if not any(isinstance(finder, _ImportLog) for finder in sys.meta_path):
        log = _ImportLog(path, project)
        log.roots = roots
        sys.meta_path.insert(0, log)
        sys.addaudithook(log.audit)


def _run_next_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None and spec.origin != __file__:
        code = spec.loader.get_code("sitecustomize")
        exec(code, {"__name__": "sitecustomize", "__file__": spec.origin})


_install()
_run_next_sitecustomize()
