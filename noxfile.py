"""Tasks for building, serving and testing *Parallel Python, measured*.

nox -l            list the sessions
nox -s docs       build the site into build/docs/html (-- --fresh: re-run all pages)
nox -s tests      run the tests on every installed CPython from 3.11 up
"""

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests", "doctests", "docs"]
# A missing Python is skipped with a message, on CI too; never downloaded.
nox.options.error_on_missing_interpreters = False
nox.options.download_python = "never"

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
BUILD = ROOT / "build" / "docs"
PYTHONS = ["3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t"]
DOCS_PYTHON = "3.13"
SPHINX_STRICT = ["-n", "-W", "--keep-going", "-T"]


def _expose_pyenv_versions() -> None:
    """Let nox find every pyenv-installed CPython, not only the active one.

    pyenv's shims answer only for the versions that are active, so list all
    installed ones in PYENV_VERSION (keeping any the user already chose first).
    """
    root = os.environ.get("PYENV_ROOT") or (
        shutil.which("pyenv")
        and subprocess.check_output(["pyenv", "root"], text=True).strip()
    )
    if not root or not (versions := Path(root, "versions")).is_dir():
        return
    installed = sorted(p.name for p in versions.iterdir() if p.name[:1].isdigit())
    chosen = [v for v in os.environ.get("PYENV_VERSION", "").split(":") if v]
    os.environ["PYENV_VERSION"] = ":".join(dict.fromkeys(chosen + installed))


_expose_pyenv_versions()


def install(session: nox.Session, *groups: str) -> None:
    """Install the project (editable) and the named dependency groups."""
    session.install(*nox.project.dependency_groups(PYPROJECT, *groups))
    session.install("-e", ".")


def sphinx_args(builder: str, *options: str) -> list[str]:
    """Arguments for a strict build of docs/ into build/docs/<builder>."""
    doctrees = BUILD / f"doctrees-{builder}"
    output = BUILD / builder
    return [
        *SPHINX_STRICT,
        "-b",
        builder,
        *options,
        "-d",
        str(doctrees),
        "docs",
        str(output),
    ]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (pass pytest options after --)."""
    # The docs build's own tests need Sphinx; run them on the docs' Python.
    install(session, "tests", *(["docs"] if session.python == DOCS_PYTHON else []))
    session.run("pytest", *session.posargs)


@nox.session(python=DOCS_PYTHON)
def doctests(session: nox.Session) -> None:
    """Run the docstring examples in src/ and the {doctest} blocks in the pages."""
    install(session, "docs", "tests")
    session.run("pytest", "--doctest-modules", "src", "-p", "no:cacheprovider")
    # Only the {doctest} blocks run: pages are not executed, so their glued
    # numbers and cell outputs are missing, which is expected here.
    quiet = "suppress_warnings=mystnb.glue,myst-nb.lexer"
    session.run(
        "sphinx-build",
        *sphinx_args("doctest", "-D", "nb_execution_mode=off", "-D", quiet),
    )


@nox.session(python=DOCS_PYTHON)
def docs(session: nox.Session) -> None:
    """Build the HTML site into build/docs/html, executing every changed page."""
    install(session, "docs")
    fresh = "--fresh" in session.posargs or os.environ.get("CI") == "true"
    extra = [arg for arg in session.posargs if arg != "--fresh"]
    if fresh:  # CI and --fresh: no cache, every page executed afresh
        shutil.rmtree(BUILD, ignore_errors=True)
    mode = ["-D", "nb_execution_mode=force"] if fresh else []
    # --quick runs the expensive measurements smaller (see parallel_guide.page).
    env = {"PARALLEL_GUIDE_QUICK": "1"} if "--quick" in extra else {}
    extra = [arg for arg in extra if arg != "--quick"]
    session.run("sphinx-build", *sphinx_args("html", *mode, *extra), env=env)
    session.log(f"Open {BUILD / 'html' / 'index.html'}")


@nox.session(name="docs-live", python=DOCS_PYTHON, default=False)
def docs_live(session: nox.Session) -> None:
    """Serve the site on 127.0.0.1:8000, rebuilding when docs/ or src/ change."""
    install(session, "docs")
    # Importing src/ from a page writes __pycache__ there; ignore it (and
    # notebook checkpoints) or every change would trigger a second build.
    ignore = r"(__pycache__|\.ipynb_checkpoints)"
    live = [
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "--watch",
        "src",
        "--re-ignore",
        ignore,
    ]
    session.run("sphinx-autobuild", *live, *sphinx_args("html"), *session.posargs)


@nox.session(python=DOCS_PYTHON)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff (nothing is changed)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
