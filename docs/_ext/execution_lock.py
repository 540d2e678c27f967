"""Pages that time code execute alone; pages that measure nothing may share.

The build reads pages in as many processes as there are CPUs
(``sphinx-build -j auto``), and MyST-NB executes a page while it reads it.  A
page's front matter says whether it may execute beside other pages::

    executes: alone  # the default: it times code, so nothing runs beside it
    executes: concurrently  # it measures nothing: other pages may be read meanwhile

While a page is read (from ``source-read`` to ``doctree-read``, between which
MyST-NB executes it), its process holds a lock on ``<doctrees>/reading.lock``:
an exclusive one for a notebook that executes alone, a shared one for any
other page.  So a page that times code has the machine to itself, except for
Sphinx merging what other processes read, and the other pages share it.  The
lock is :func:`fcntl.flock`; Windows has none, and there Sphinx reads in one
process anyway (its parallel build needs ``fork``), so there is nothing to order.

Before the readers start, the main process creates the execution cache's
database: jupyter-cache creates it on first use after checking that it is
missing, so two readers starting at once can both try, and one fails with
"table settings already exists" (sphinx-doc/sphinx#12481, seen on this
project's CI with ``-j 2``).

A page marked ``concurrently`` that times anything with
:func:`parallel_guide.tools.timing.measure` fails the build (its provenance
record counts the measurements): its numbers could have been made beside
another page's work.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.util import logging

try:
    import fcntl
except ImportError:  # Windows: see above
    fcntl = None

logger = logging.getLogger(__name__)

KEY = "executes"
ALONE, CONCURRENTLY = "alone", "concurrently"


def kind_of(text: str) -> str:
    """``alone`` or ``concurrently``, from a page's front matter.

    ValueError, saying what to write, for any other value.

    >>> kind_of("---\\nfile_format: mystnb\\n---\\n# Page\\n")
    'alone'
    >>> kind_of("---\\nexecutes: concurrently\\n---\\n# Page\\n")
    'concurrently'
    >>> kind_of("---\\nexecutes: together\\n---\\n")
    Traceback (most recent call last):
    ...
    ValueError: front matter 'executes' must be 'alone' (the default) or 'concurrently', not 'together'
    """  # noqa: E501
    from myst_parser.config.main import TopmatterReadError, read_topmatter

    try:
        front = read_topmatter(text) or {}
    except TopmatterReadError:
        return ALONE  # MyST reports the malformed front matter itself
    kind = front.get(KEY, ALONE) if isinstance(front, dict) else ALONE
    if kind not in (ALONE, CONCURRENTLY):
        raise ValueError(
            f"front matter {KEY!r} must be {ALONE!r} (the default) or "
            f"{CONCURRENTLY!r}, not {kind!r}"
        )
    return kind


def _release(app) -> None:
    held = getattr(app, "execution_lock_held", None)
    app.execution_lock_held = None
    if held is not None:
        held.close()  # closing the file lets go of its flock


def read_source(app, docname: str, source: list[str]) -> None:
    """Take the lock this page needs before MyST-NB executes it."""
    _release(app)  # in case the last page failed before doctree-read
    try:
        kind = kind_of(source[0])
    except ValueError as error:
        logger.warning(f"{docname}: {error}", location=docname)
        kind = ALONE
    notebook = "file_format: mystnb" in source[0][:2000]
    app.env.parallel_guide_executes[docname] = kind if notebook else None
    if fcntl is None or app.config.nb_execution_mode == "off":
        return
    exclusive = notebook and kind == ALONE
    # Held past this function, until the page has been read: no with block.
    lock = Path(app.doctreedir, "reading.lock").open("a")  # noqa: SIM115
    fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    app.execution_lock_held = lock


def read_page(app, doctree) -> None:
    """Let go of the lock; fail a concurrent page that measured something."""
    _release(app)
    env, docname = app.env, app.env.docname
    record = env.parallel_guide_pages.get(docname) or {}
    taken = record.get("measurements", 0)
    if env.parallel_guide_executes.get(docname) == CONCURRENTLY and taken:
        logger.warning(
            f"{docname}: marked '{KEY}: {CONCURRENTLY}', but it took {taken} "
            "measurement(s) with parallel_guide.tools.timing.measure, which other "
            f"pages would disturb: remove the line (pages execute {ALONE} by "
            "default)",
            location=docname,
        )


def create_cache_database(app, env, docnames) -> None:
    """Create the execution cache's database before Sphinx forks its readers."""
    config = env.mystnb_config
    if config.execution_mode != "cache" or not docnames:
        return
    from jupyter_cache import get_cache

    # dispose(): no open connection is carried into the forked readers.
    get_cache(config.execution_cache_path).db.dispose()


def start_build(app) -> None:
    if not hasattr(app.env, "parallel_guide_executes"):
        app.env.parallel_guide_executes = {}


def purge_page(app, env, docname: str) -> None:
    env.parallel_guide_executes.pop(docname, None)


def merge_pages(app, env, docnames, other) -> None:
    theirs = getattr(other, "parallel_guide_executes", {})
    env.parallel_guide_executes.update((n, theirs[n]) for n in docnames if n in theirs)


def setup(app):
    app.setup_extension("provenance")  # its record counts the measurements
    app.connect("builder-inited", start_build)
    app.connect("env-before-read-docs", create_cache_database)
    app.connect("source-read", read_source)
    # After provenance (400) kept the page's record.
    app.connect("doctree-read", read_page, priority=450)
    app.connect("env-purge-doc", purge_page)
    app.connect("env-merge-info", merge_pages)
    app.connect("build-finished", lambda app, exception: _release(app))
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
