"""Tasks for building, serving and testing *Parallel Python, measured*.

nox -l            list the sessions
nox -s docs       build the site into build/docs/html (-- --fresh: re-run all pages)
nox -s tests      run the tests on every CPython from 3.11 up that it finds
nox -s page -- docs/tutorial/introduction.md   execute one page on its own
nox -s site       build the site and check it in Chromium and statically

Every session but tests runs on the newest CPython from 3.11 up that it finds.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests", "doctests", "docs"]
# tests-3.14 without a 3.14 is skipped with a message, on CI too; CI passes
# --error-on-missing-interpreters where a Python must be there.  Never downloaded.
nox.options.error_on_missing_interpreters = False
nox.options.download_python = "never"

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
BUILD = ROOT / "build" / "docs"
SITE = ROOT / "build" / "site"  # nox -s site: its own build, checks and screenshots
# The browser-side checkers, from npm, pinned: axe-core (accessibility) and the
# Nu HTML checker.  Installed into build/site/node by the site session.
NODE_TOOLS = {"axe-core": "4.14.1", "vnu-jar": "26.9.27"}
SPHINX_STRICT = PYPROJECT["tool"]["parallel-guide"]["sphinx-options"]
# Executing pages and benchmarks: they time worker processes starting; with
# PYTHONDONTWRITEBYTECODE set no bytecode is cached, so each worker compiles every
# module it imports again, which a reader's program does not pay (None unsets it).
EXECUTE_ENV = {"PYTHONDONTWRITEBYTECODE": None}


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


def _found(version: str) -> bool:
    """Whether CPython `version` ("3.13", "3.13t") is where nox looks for it.

    That is: nox's own Python, python3.13 on PATH (pyenv's too), or Windows'
    py launcher.
    """
    own = f"{sys.version_info.major}.{sys.version_info.minor}"
    own += "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
    if version == own or shutil.which(f"python{version}"):
        return True
    if os.name != "nt" or not (py := shutil.which("py")):
        return False
    asked = subprocess.run([py, f"-{version}", "-c", ""], capture_output=True)
    return asked.returncode == 0


# The tests run on each of these that is installed ("t": free-threaded).
PYTHONS = ["3.11", "3.12", "3.13", "3.14", "3.15", "3.13t", "3.14t", "3.15t"]
FOUND = [version for version in PYTHONS if _found(version)]
# Every other session runs on the newest CPython found, preferring a build
# with the GIL (the pages measure it).  "3.11" only names what is missing.
with_gil = [version for version in FOUND if not version.endswith("t")]
DOCS_PYTHON = (with_gil or FOUND or ["3.11"])[-1]
if not FOUND:  # no session can run: say what to install, and fail, not skip
    nox.options.error_on_missing_interpreters = True
    print(
        "noxfile.py: no CPython 3.11 or newer found (on PATH, in pyenv, or by "
        "the py launcher on Windows).  Install one (https://www.python.org/"
        "downloads/, or your system's python3.11 or newer), then run nox again.",
        file=sys.stderr,
    )


def install(session: nox.Session, *groups: str) -> None:
    """Install the project (editable) and the named dependency groups."""
    session.install(*nox.project.dependency_groups(PYPROJECT, *groups))
    session.install("-e", ".")


def sphinx_args(builder: str, *options: str, build: Path = BUILD) -> list[str]:
    """Arguments for a strict build of docs/ into build/docs/<builder>."""
    doctrees = build / f"doctrees-{builder}"
    output = build / builder
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
    # Many tests wait on processes rather than compute, so running one per CPU
    # at a time roughly halves the run.  "-- -n 0" runs them one by one.  The
    # tests that run Dask keep its process-wide changes to themselves
    # (tests/conftest.py), so one pytest process runs them all.
    session.run("pytest", "-n", "auto", *session.posargs)


# The other engines the engine page shows; not docs or tests dependencies.
ENGINES = {"ray": "ray>=2.50,<3", "mpi4py": "mpi4py>=4.1,<5"}


@nox.session(python=DOCS_PYTHON, default=False)
def engines(session: nox.Session) -> None:
    """Test the Ray and mpi4py.futures code of the engine page (tests marked engines).

    mpi4py needs an MPI library and mpiexec (on Debian: apt-get install
    openmpi-bin libopenmpi-dev); without them its test is skipped, with a
    message saying so.
    """
    install(session, "tests")
    session.install(ENGINES["ray"])
    env = {}
    if shutil.which("mpiexec") and shutil.which("mpicc"):
        session.install(ENGINES["mpi4py"])
        # Open MPI refuses to run as root (containers, CI) unless told it may.
        env = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    else:
        session.warn(
            "no mpiexec/mpicc: mpi4py is not installed and its test will skip; "
            "on Debian: apt-get install openmpi-bin libopenmpi-dev"
        )
    session.run(
        "pytest", "-m", "engines", "-p", "no:cacheprovider", *session.posargs, env=env
    )


@nox.session(python=DOCS_PYTHON)
def doctests(session: nox.Session) -> None:
    """Run the docstring examples in src/ and the {doctest} blocks in the pages."""
    install(session, "docs", "tests")
    # import_log/sitecustomize.py runs at start-up of the build's kernels; as a
    # module it would clash with the interpreter's own sitecustomize (Debian's).
    session.run(
        "pytest",
        "--doctest-modules",
        "src",
        "--ignore=src/parallel_guide/site/import_log",
        "-p",
        "no:cacheprovider",
    )
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
    # --quick runs the expensive measurements smaller (see parallel_guide.site.page).
    env = {"PARALLEL_GUIDE_QUICK": "1"} if "--quick" in extra else {}
    extra = [arg for arg in extra if arg != "--quick"]
    env |= EXECUTE_ENV
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
    session.run(
        "sphinx-autobuild",
        *live,
        *sphinx_args("html"),
        *session.posargs,
        env=EXECUTE_ENV,
    )


@nox.session(python=DOCS_PYTHON, default=False)
def page(session: nox.Session) -> None:
    """Execute one page on its own, as the build does (-- docs/<folder>/<page>.md).

    The page becomes a notebook (build/pages/y.ipynb, outputs included, to
    open in Jupyter) and runs in a fresh kernel; a cell that raises, unless
    tagged raises-exception, fails the session with its traceback.
    """
    install(session, "docs")
    if not session.posargs:
        session.error("name the page: nox -s page -- docs/tutorial/introduction.md")
    out = ROOT / "build" / "pages"
    out.mkdir(parents=True, exist_ok=True)
    for source in map(Path, session.posargs):
        notebook = out / source.with_suffix(".ipynb").name
        session.run("mystnb-to-jupyter", "--overwrite", str(source), str(notebook))
        began = time.perf_counter()
        with session.chdir(source.parent):  # the build runs each page in its folder
            session.run(
                "jupyter", "execute", "--inplace", str(notebook), env=EXECUTE_ENV
            )
        seconds = time.perf_counter() - began  # kernel start-up included, as in a build
        session.log(f"Executed {source} in {seconds:.1f} s: {notebook}")


@nox.session(python=DOCS_PYTHON, default=False)
def site(session: nox.Session) -> None:
    """Build the site into build/site/html and check it as a reader sees it.

    In Chromium: search, copy buttons, theme toggle, console errors, axe, and
    screenshots of every page in both themes (build/site/artefacts).
    Statically: Nu HTML checker, links and anchors, titles, descriptions,
    sitemap, Open Graph, 404 page, favicon.  Every complete program shown is
    copied out of the HTML and run under each start method.  Needs chromium,
    chromedriver, java and npm (.ci/run installs them).

    -- --fresh      execute every page afresh (implied on CI)
    -- --html DIR   check an existing build instead (CI reuses nox -s docs')
    Other arguments go to pytest, e.g. -- -k axe.
    """
    install(session, "site")
    args = list(session.posargs)
    if "--html" in args:
        at = args.index("--html")
        html = Path(args[at + 1]).resolve()
        del args[at : at + 2]
    else:
        fresh = "--fresh" in args or os.environ.get("CI") == "true"
        args = [arg for arg in args if arg != "--fresh"]
        if fresh:  # the build and its execution cache, not the node tools
            for part in ("html", "doctrees-html", "jupyter_execute", ".jupyter_cache"):
                shutil.rmtree(SITE / part, ignore_errors=True)
        # Sphinx rewrites only pages it thinks changed (viewcode's even less
        # often): write every page, so all are checked as this tree makes them.
        shutil.rmtree(SITE / "html", ignore_errors=True)
        mode = ["-D", "nb_execution_mode=force"] if fresh else []
        env = {"DOCS_BUILD_DIR": str(SITE), **EXECUTE_ENV}  # its own cache too
        session.run("sphinx-build", *sphinx_args("html", *mode, build=SITE), env=env)
        html = SITE / "html"
    node_modules = _node_tools(session, SITE / "node")
    env = {
        "SITE_HTML": str(html),
        "SITE_WORK": str(SITE / "work"),
        "SITE_ARTEFACTS": str(SITE / "artefacts"),
        "AXE_JS": str(node_modules / "axe-core" / "axe.min.js"),
        "VNU_JAR": str(node_modules / "vnu-jar" / "build" / "dist" / "vnu.jar"),
    }
    session.run("pytest", "tests/site_checks", "-p", "no:cacheprovider", *args, env=env)
    session.log(f"Screenshots: {SITE / 'artefacts' / 'screenshots'}")


def _node_tools(session: nox.Session, prefix: Path) -> Path:
    """Install NODE_TOOLS into prefix/node_modules unless they are there already."""
    modules = prefix / "node_modules"

    def installed(name: str) -> str | None:
        package = modules / name / "package.json"
        return json.loads(package.read_text())["version"] if package.exists() else None

    missing = [f"{n}@{v}" for n, v in NODE_TOOLS.items() if installed(n) != v]
    if missing:
        prefix.mkdir(parents=True, exist_ok=True)
        npm = ["npm", "install", "--prefix", str(prefix), "--no-save"]
        # --ignore-scripts: vnu-jar's install script would download a Java.
        quiet = ["--ignore-scripts", "--no-audit", "--no-fund", "--no-package-lock"]
        session.run(*npm, *quiet, *missing, external=True)
    return modules


@nox.session(python=DOCS_PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Measure the examples against their limits (-- --full, --repeat N).

    Prints the table and writes build/bench/bench.json; -- --compare FILE
    prints the rows beside FILE's, -- --compare OLD --against NEW compares two
    saved runs without measuring (and writes nothing).
    """
    session.install("-e", ".[bench]", "numpy>=2.0,<3")
    out = ROOT / "build" / "bench" / "bench.json"
    args = ["--json", str(out), *session.posargs]  # a --json in posargs wins
    if "--against" in session.posargs:  # nothing is measured, so nothing to save
        args = list(session.posargs)
    session.run("python", "-m", "parallel_guide", "bench", *args, env=EXECUTE_ENV)


@nox.session(name="bench-build", python=DOCS_PYTHON, default=False)
def bench_build(session: nox.Session) -> None:
    """Time cold, warm and incremental builds of the site (-- --quick, --steps).

    Works on a copy of docs/ and src/ in build/bench-build/tree, never on the
    sources; prints a table and writes build/bench-build/bench-build.json.
    """
    install(session, "docs")
    out = ROOT / "build" / "bench-build"
    args = ["bench-build", "--root", str(ROOT), "--out", str(out), *session.posargs]
    session.run("python", "-m", "parallel_guide", *args)


@nox.session(python=DOCS_PYTHON)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff, and the package's layers (no changes)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # The contracts in pyproject.toml; grimp reads src/ without importing it.
    session.run("lint-imports", env={"PYTHONPATH": str(ROOT / "src")})


@nox.session(python=DOCS_PYTHON, default=False)
def inventories(session: nox.Session) -> None:
    """Download the intersphinx inventories in docs/_inventories again (-- NAME...).

    The build links to other projects' docs through these copies and never
    downloads them.  Each one listed in docs/_inventories/inventories.json is
    downloaded from its address and read with Sphinx; only if all succeed are
    the copies and their records (version, source, date) rewritten.  Needs the
    network; name inventories (-- python) to refresh only those.
    """
    import re

    # Sphinx reads the inventories: the version the docs build uses.
    docs = nox.project.dependency_groups(PYPROJECT, "docs")
    session.install(*[r for r in docs if re.split(r"[<>=!~ ;\[]", r)[0] == "sphinx"])
    session.run("python", "docs/_inventories/refresh.py", *session.posargs)
    session.log("Review the change: git diff docs/_inventories")
