"""Fixtures for checking a built site: where it is, a server, a browser, tools.

These tests run only under ``nox -s site``, which builds the site and sets
SITE_HTML (and AXE_JS, VNU_JAR, SITE_WORK, SITE_ARTEFACTS).  Without SITE_HTML
nothing here is collected, so a plain ``pytest`` or ``nox -s tests`` on a
machine without Chromium neither runs nor fails them.  Under ``nox -s site`` a
missing tool is a failure, never a skip: a check that did not run has not
passed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from parallel_guide.site.leaks import leftovers

HERE = Path(__file__).resolve().parent
SITE_HTML = os.environ.get("SITE_HTML")
if not SITE_HTML:
    collect_ignore_glob = ["test_*.py"]

BROKEN_SOURCE = HERE / "broken"
# The session browser's driver: Chromium starts and ends renderer processes
# under it as pages load, which are not a test's leaks.
BROWSER_DRIVERS: set[int] = set()
BUILD_TIMEOUT = 600
LEAK_GRACE_SECONDS = 5.0


def _world_readable(path: Path) -> Path:
    """Make a folder (and its parents' search bit) usable by linkchecker's nobody."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def site_root() -> Path:
    root = Path(SITE_HTML).resolve()
    if not (root / "index.html").is_file():
        pytest.fail(f"SITE_HTML={root} holds no built site (no index.html)")
    return root


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> Path:
    """A scratch folder that linkchecker (run as nobody when root) can read."""
    configured = os.environ.get("SITE_WORK")
    if configured:
        path = Path(configured)
        shutil.rmtree(path, ignore_errors=True)
        return _world_readable(path)
    path = tmp_path_factory.mktemp("site-work")
    for parent in [path, *path.parents][:3]:
        parent.chmod(parent.stat().st_mode | 0o755)
    return path


@pytest.fixture(scope="session")
def artefacts(tmp_path_factory) -> Path:
    configured = os.environ.get("SITE_ARTEFACTS")
    path = Path(configured) if configured else tmp_path_factory.mktemp("artefacts")
    shutil.rmtree(path / "screenshots", ignore_errors=True)
    (path / "screenshots").mkdir(parents=True, exist_ok=True)
    return path


def _required_file(variable: str, hint: str) -> Path:
    value = os.environ.get(variable)
    if not value or not Path(value).is_file():
        pytest.fail(f"{variable}={value!r} is not a file: {hint}")
    return Path(value)


@pytest.fixture(scope="session")
def axe_source() -> str:
    path = _required_file("AXE_JS", "nox -s site installs axe-core with npm")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    if not shutil.which("java"):
        pytest.fail("java is missing: apt-get install default-jre-headless")
    return _required_file("VNU_JAR", "nox -s site installs vnu-jar with npm")


@pytest.fixture(scope="session")
def broken_root(work) -> Path:
    """The deliberately broken site in broken/, built (warnings allowed) once."""
    out = _world_readable(work / "broken")
    env = {**os.environ, "DOCS_BUILD_DIR": str(out)}
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-q",
        "-b",
        "html",
        "-d",
        str(out / "doctrees"),
        str(BROKEN_SOURCE),
        str(out / "html"),
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"the broken fixture site did not build:\n{done.stderr[-4000:]}")
    for path in [out, *out.rglob("*")]:  # readable by linkchecker's nobody
        path.chmod(0o755 if path.is_dir() else 0o644)
    return out / "html"


@pytest.fixture(scope="session")
def site_server(site_root):
    from site_checks.built_site import base_url
    from site_checks.server import SiteServer

    with SiteServer(site_root, urlsplit(base_url(site_root)).path) as server:
        yield server


@pytest.fixture(scope="session")
def broken_server(broken_root):
    from site_checks.built_site import base_url
    from site_checks.server import SiteServer

    with SiteServer(broken_root, urlsplit(base_url(broken_root)).path) as server:
        yield server


@pytest.fixture(scope="session")
def chrome(work, artefacts):
    """One headless Chromium for the session, quit (with its driver) at the end."""
    from site_checks.browser import find_browser, start_browser

    browser, driver = find_browser()
    if not browser or not driver:
        pytest.fail(
            f"Chromium ({browser}) or ChromeDriver ({driver}) is missing: "
            "apt-get install chromium chromium-driver"
        )
    session = start_browser(browser, driver, artefacts / "chromedriver.log")
    BROWSER_DRIVERS.add(session.service.process.pid)
    try:
        yield session
    finally:
        session.quit()
        BROWSER_DRIVERS.clear()


# The project's one leak check (parallel_guide.site.leaks), with the site
# checks' allowances: the session's browser, its driver and the servers are
# session fixtures, started before a test begins, so only what a test starts
# itself and leaves running is a leak.
@pytest.fixture(scope="session", autouse=True)
def nothing_left_running():
    """At the end of the session: no browser, driver, Java or program running."""
    yield
    left = leftovers(grace=LEAK_GRACE_SECONDS)
    left.kill()
    if left:
        pytest.fail(f"the site checks left behind {left.describe()}")


@pytest.fixture(autouse=True)
def no_leaked_processes_or_threads():
    """After each check: nothing it started still running, browser aside."""
    processes_before = {p.pid for p in psutil.Process().children(recursive=True)}
    threads_before = set(threading.enumerate())
    yield

    def allowed(process: psutil.Process) -> bool:
        return process.pid in processes_before or _in_browser(process)

    left = leftovers(
        threads_before=threads_before,
        grace=LEAK_GRACE_SECONDS,
        allow=allowed,
        # The servers handle each request in a thread of its own.
        allow_thread=lambda thread: "process_request_thread" in thread.name,
    )
    left.kill()
    if left:
        pytest.fail(f"test left behind {left.describe()}")


def _in_browser(process: psutil.Process) -> bool:
    """Chromium starts and ends renderers under its driver as pages load."""
    return any(parent.pid in BROWSER_DRIVERS for parent in process.parents())
