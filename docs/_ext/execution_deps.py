"""Re-execute a page when, and only when, something it ran has changed.

MyST-NB's execution cache (jupyter-cache) hashes a notebook's code cells and
their metadata, not the code they import (MyST-NB issue
executablebooks/MyST-NB#299, open).  This extension records what each page
actually imported when it ran and keys its cache entry on that:

* While the site builds, every Python process a page starts (its kernel and
  the kernel's worker processes, under spawn, forkserver or fork) logs the
  modules it imports, and the files under ``execution_deps_roots`` it opens
  to read (a script it runs, a program's text), to
  ``<cache>/execution_deps/<page>.log``: a ``sitecustomize`` in
  ``parallel_guide/site/import_log`` does it, put first on ``PYTHONPATH`` for
  the kernels by :func:`start_build`.
* After a page ran without error, its record ``<page>.json`` keeps the files
  under ``execution_deps_roots`` it imported, ran or read, with their
  hashes, the third-party distributions it imported with their versions,
  the Python version and the build's size (quick or full), a hash of the
  code cells it ran, and the key the run was cached under.
* Before Sphinx reads the sources (``env-get-outdated``), a page whose
  recorded files, versions, Python or size differ from now, or whose record is
  missing or damaged, is read again; Sphinx would not notice by itself, since
  none of these is the page's source.
* When a page is read (``source-read``), its key goes into the metadata of its
  first code cell, which jupyter-cache hashes with the cells: the recorded key
  if neither its cells nor anything it ran changed, so the cache serves the
  outputs, or a new random one, so the page runs.  There is no way to "reuse"
  by accident: no record, a damaged one or any difference means a key no
  cached run has.  The key is cell metadata, never code: the page does not
  show it (the downloadable notebook keeps it in its first cell's metadata).
* The build says why each page ran (``executed: src/.../mandelbrot.py
  changed``, ``executed: numpy 2.3.1 -> 2.3.2``, ``cached``), and keeps it in
  ``env.parallel_guide_execution[docname]`` for the build report.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)

FORMAT = 1
"""The version of the record's layout; a record of another one is run again."""
KEY_OPTION = "execution-deps"
"""The cell metadata key holding the page's key."""
LOG_ENV = "PARALLEL_GUIDE_IMPORT_LOG"  # as in import_log/sitecustomize.py
PROJECT_ENV = "PARALLEL_GUIDE_IMPORT_PROJECT"
ROOTS_ENV = "PARALLEL_GUIDE_IMPORT_ROOTS"
CODE_FENCE = ("```{code-cell}", "````{code-cell}", "~~~{code-cell}")


# -- the state a page ran in ---------------------------------------------------


def _sha(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return "absent"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def _size() -> str:
    from parallel_guide.site.page import quick

    return "quick" if quick() else "full"


def current_state(files, packages, base: Path, memo=None) -> dict[str, Any]:
    """The hashes of ``files`` (under ``base``) and versions of ``packages`` now.

    ``memo``, a dict, keeps hashes and versions between calls, for checking
    every page at once.
    """
    memo = {} if memo is None else memo

    def remember(kind, name, find):
        if (kind, name) not in memo:
            memo[kind, name] = find(name)
        return memo[kind, name]

    return {
        "python": platform.python_version(),
        "size": _size(),
        "files": {
            n: remember("file", n, lambda n: _sha(base / n)) for n in sorted(files)
        },
        "packages": {n: remember("package", n, _version) for n in sorted(packages)},
    }


def differences(then: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What changed from ``then`` to ``now``, in words; [] if nothing.

    >>> then = {
    ...     "python": "3.13.1",
    ...     "size": "full",
    ...     "files": {"a.py": "1"},
    ...     "packages": {"numpy": "2.3.1"},
    ... }
    >>> now = {
    ...     "python": "3.13.1",
    ...     "size": "full",
    ...     "files": {"a.py": "2"},
    ...     "packages": {"numpy": "2.3.2"},
    ... }
    >>> differences(then, now)
    ['a.py changed', 'numpy 2.3.1 -> 2.3.2']
    >>> differences(then, then)
    []
    """
    said = []
    for name, old in then["files"].items():
        new = now["files"].get(name, "absent")
        if new != old:
            what = {"absent": "was deleted"}.get(new, "changed")
            said.append(f"{name} {'is new' if old == 'absent' else what}")
    for name, old in then["packages"].items():
        new = now["packages"].get(name, "absent")
        if new != old:
            said.append(f"{name} {old} -> {new}")
    if then["python"] != now["python"]:
        said.append(f"Python {then['python']} -> {now['python']}")
    if then["size"] != now["size"]:
        said.append(f"{then['size']} -> {now['size']} size")
    return said


def read_record(path: Path) -> dict[str, Any]:
    """The record at ``path``; ValueError naming the file and field if damaged."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: not a JSON record ({error})") from None
    checks = {
        "format": lambda v: v == FORMAT,
        "key": lambda v: isinstance(v, str) and bool(v),
        "state": lambda v: isinstance(v, dict),
        "cells": lambda v: isinstance(v, str),
    }
    for field, ok in checks.items():
        if not isinstance(record, dict) or not ok(record.get(field)):
            raise ValueError(f"{path}: field {field!r} is missing or wrong")
    state = record["state"]
    for field, kind in (("python", str), ("size", str), ("files", dict)):
        if not isinstance(state.get(field), kind):
            raise ValueError(f"{path}: field 'state.{field}' is missing or wrong")
    if not isinstance(state.get("packages"), dict):
        raise ValueError(f"{path}: field 'state.packages' is missing or wrong")
    return record


# -- deciding, before a page is read --------------------------------------------


def _record_path(app, docname: str) -> Path:
    return app.execution_deps_dir / f"{docname}.json"


def code_cells(text: str) -> str:
    """A hash of a text notebook's code cells, their metadata and its kernel.

    What jupyter-cache hashes, or more: a record is only valid for the cells
    it ran, so that a key is never reused for other cells (whose cached run,
    say before an edit was undone, may have imported other modules).
    """
    from myst_nb.core.read import read_myst_markdown_notebook

    try:
        notebook = read_myst_markdown_notebook(text)
    except Exception as error:  # MyST-NB reports it when it reads the page
        return f"unreadable {uuid.uuid4().hex} {error}"
    cells = [
        [cell.source, cell.metadata]
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]
    kernel = notebook.metadata.get("kernelspec", {})
    text = json.dumps([kernel, cells], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def decide(app, docname: str, memo=None, cells=None) -> tuple[str, str]:
    """``(key, reason)`` for a page about to be read; reason "" if it may be cached.

    ``cells``, the hash of the page's code cells, is checked against the
    record's if given; Sphinx reads a page again anyway when its text changes.
    """
    path = _record_path(app, docname)
    if not path.is_file():
        return uuid.uuid4().hex, "never run before"
    try:
        record = read_record(path)
    except ValueError as error:
        return uuid.uuid4().hex, f"its record is damaged: {error}"
    then = record["state"]
    now = current_state(then["files"], then["packages"], app.execution_deps_base, memo)
    changed = differences(then, now)
    if cells is not None and record["cells"] != cells:
        changed.insert(0, "its code cells changed")
    if changed:
        return uuid.uuid4().hex, "; ".join(changed)
    return record["key"], ""


def with_key(text: str, key: str) -> str | None:
    """``text`` with ``key`` in its first code cell's options; None if it has none.

    >>> print(with_key("# T\\n```{code-cell} ipython3\\n:tags: [x]\\n1\\n```\\n", "k"))
    # T
    ```{code-cell} ipython3
    :execution-deps: k
    :tags: [x]
    1
    ```
    <BLANKLINE>
    >>> yaml = "```{code-cell} ipython3\\n---\\ntags: [x]\\n---\\n1\\n```"
    >>> print(with_key(yaml, "k"))
    ```{code-cell} ipython3
    ---
    execution-deps: k
    tags: [x]
    ---
    1
    ```
    """
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if line.lstrip().startswith(CODE_FENCE):
            following = lines[number + 1] if number + 1 < len(lines) else ""
            if following.strip() == "---":
                lines.insert(number + 2, f"{KEY_OPTION}: {key}")
            else:
                lines.insert(number + 1, f":{KEY_OPTION}: {key}")
            return "\n".join(lines)
    return None


def is_notebook(text: str) -> bool:
    """Whether a page is a MyST text notebook with code to execute."""
    head = text[:2000]
    return "file_format: mystnb" in head and with_key(text, "") is not None


# -- Sphinx events ---------------------------------------------------------------


def start_build(app) -> None:
    env = app.env
    app.execution_deps_on = app.config.nb_execution_mode in ("cache", "force")
    for attribute in ("parallel_guide_execution", "parallel_guide_notebooks"):
        if not hasattr(env, attribute):
            setattr(env, attribute, {})
    app.execution_deps_pending = {}
    if not app.execution_deps_on:
        return
    cache = app.config.nb_execution_cache_path or Path(app.outdir).parent / (
        ".jupyter_cache"
    )
    app.execution_deps_dir = Path(cache, "execution_deps")
    app.execution_deps_dir.mkdir(parents=True, exist_ok=True)
    app.execution_deps_base = Path(app.srcdir).parent
    app.execution_deps_roots = [Path(root) for root in app.config.execution_deps_roots]
    app.execution_deps_project = sorted(
        {
            entry.name.removesuffix(".py")
            for root in app.execution_deps_roots
            for entry in root.iterdir()
            if entry.suffix == ".py" or (entry / "__init__.py").is_file()
        }
    )
    import parallel_guide.site

    hook = str(Path(parallel_guide.site.__file__).parent / "import_log")
    app.execution_deps_saved_env = {
        name: os.environ.get(name)
        for name in ("PYTHONPATH", LOG_ENV, PROJECT_ENV, ROOTS_ENV)
    }
    path = [hook, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(path)
    os.environ[PROJECT_ENV] = ",".join(app.execution_deps_project)
    os.environ[ROOTS_ENV] = os.pathsep.join(map(str, app.execution_deps_roots))


def outdated(app, env, added, changed, removed) -> list[str]:
    """Pages to read again because something they ran changed."""
    if not app.execution_deps_on:
        return []
    again, memo = [], {}
    for docname, notebook in sorted(env.parallel_guide_notebooks.items()):
        if not notebook or docname in added or docname in changed or docname in removed:
            continue
        if docname not in env.all_docs:
            continue
        _, reason = decide(app, docname, memo)
        if reason:
            again.append(docname)
    return again


def read_source(app, docname: str, source: list[str]) -> None:
    """Put the page's key in its first code cell; point its kernels' log at it."""
    env = app.env
    if not app.execution_deps_on or not is_notebook(source[0]):
        env.parallel_guide_notebooks[docname] = False
        return
    cells = code_cells(source[0])
    key, reason = decide(app, docname, cells=cells)
    if app.config.nb_execution_mode == "force":
        reason = "every page runs (nb_execution_mode = force)"
    source[0] = with_key(source[0], key)
    env.parallel_guide_notebooks[docname] = True
    log = app.execution_deps_dir / f"{docname}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    if reason:  # it will run: until it succeeds, there is no valid record
        _record_path(app, docname).unlink(missing_ok=True)
    os.environ[LOG_ENV] = str(log)
    app.execution_deps_pending[docname] = (key, reason, cells)


def read_page(app, doctree) -> None:
    """After a page was read: write its record if it ran, and say why it did."""
    from myst_nb.sphinx_ import NbMetadataCollector

    env, docname = app.env, app.env.docname
    pending = app.execution_deps_pending.pop(docname, None)
    os.environ.pop(LOG_ENV, None)
    if pending is None:
        return
    key, reason, cells = pending
    exec_data = NbMetadataCollector.get_exec_data(env, docname) or {}
    if not exec_data:
        env.parallel_guide_notebooks[docname] = False  # nothing was executed
        return
    names = _logged(app, docname)
    # A kernel ran for the page exactly when its log names ipykernel: the time
    # MyST-NB stamps a cached run with is not reliable (local or UTC), and a
    # page given a new key cannot have been found in the cache.
    ran = "ipykernel" in names
    executed = bool(reason) or ran
    if not executed:
        said = "cached"
    else:
        reason = reason or "the execution cache had no entry for it"
        if not exec_data.get("succeeded"):
            _record_path(app, docname).unlink(missing_ok=True)
            reason += " (it failed: it runs again next build)"
        elif not ran:
            _record_path(app, docname).unlink(missing_ok=True)
            logger.warning(
                f"{docname}: its kernel logged no imports, so it runs again next "
                f"build: is {LOG_ENV} or PYTHONPATH cleared for kernels?",
                location=docname,
            )
        else:
            _write_record(app, docname, key, cells, names)
        said = f"executed: {reason}"
    env.parallel_guide_execution[docname] = {"executed": executed, "reason": reason}
    logger.info(f"{docname}: {said}")


def _logged(app, docname: str) -> set[str]:
    log = app.execution_deps_dir / f"{docname}.log"
    try:
        return set(filter(None, log.read_text(encoding="utf-8").splitlines()))
    except FileNotFoundError:
        return set()


def _write_record(app, docname: str, key: str, cells: str, names: set[str]) -> None:
    project = set(app.execution_deps_project)
    files, tops = set(), set()
    for name in names:
        if name.startswith("file:"):  # run or read, under a root
            path = os.path.relpath(name.removeprefix("file:"), app.execution_deps_base)
            files.add(Path(path).as_posix())
            continue
        top = name.partition(".")[0]
        if top in project:
            files |= _module_files(app, name)
        else:
            tops.add(top)
    owners = _owners(app)
    packages = {dist for top in tops for dist in owners.get(top, ())}
    packages -= {dist for top in project for dist in owners.get(top, ())}
    record = {
        "format": FORMAT,
        "key": key,
        "cells": cells,
        "modules": sorted(names),
        "state": current_state(files, packages, app.execution_deps_base),
    }
    path = _record_path(app, docname)
    path.write_text(json.dumps(record, indent=1), encoding="utf-8")


def _module_files(app, name: str) -> set[str]:
    """The files a module and its parent packages ran, relative to the base."""
    parts = name.split(".")
    root = next(
        (
            root
            for root in app.execution_deps_roots
            if (root / parts[0]).is_dir() or (root / f"{parts[0]}.py").is_file()
        ),
        None,
    )
    if root is None:
        return set()
    found = set()
    for depth in range(1, len(parts) + 1):
        here = root.joinpath(*parts[:depth])
        candidates = [here / "__init__.py", here.with_name(here.name + ".py")]
        existing = [path for path in candidates if path.is_file()]
        # A module that does not exist yet is recorded as absent: creating it
        # runs the page again (an optional import may now succeed).
        for path in existing or candidates[1:]:
            found.add(Path(os.path.relpath(path, app.execution_deps_base)).as_posix())
    return found


def _owners(app) -> dict[str, list[str]]:
    if not hasattr(app, "execution_deps_owners"):
        app.execution_deps_owners = metadata.packages_distributions()
    return app.execution_deps_owners


def purge_page(app, env, docname: str) -> None:
    env.parallel_guide_execution.pop(docname, None)
    env.parallel_guide_notebooks.pop(docname, None)


def merge_pages(app, env, docnames, other) -> None:
    for attribute in ("parallel_guide_execution", "parallel_guide_notebooks"):
        mine, theirs = getattr(env, attribute), getattr(other, attribute, {})
        mine.update((name, theirs[name]) for name in docnames if name in theirs)


def finish_build(app, exception) -> None:
    for name, value in getattr(app, "execution_deps_saved_env", {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def setup(app):
    app.add_config_value("execution_deps_roots", [], "env", types=[list])
    app.connect("builder-inited", start_build)
    app.connect("env-get-outdated", outdated)
    app.connect("source-read", read_source)
    app.connect("doctree-read", read_page, priority=300)
    app.connect("env-purge-doc", purge_page)
    app.connect("env-merge-info", merge_pages)
    app.connect("build-finished", finish_build)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
