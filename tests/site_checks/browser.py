"""The browser: headless Chromium driven by Selenium, and what the checks do in it.

Starting it, loading a page (waiting for its copy buttons), reading its
console, choosing a theme, reading its colours, screenshotting it.  Selenium
is imported only where it is used.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # needed as root; the pages are our own
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--window-size=1280,900",
]


def find_browser() -> tuple[str | None, str | None]:
    """Chromium (or Chrome) and its driver: $CHROMIUM/$CHROMEDRIVER, else PATH."""
    browser = os.environ.get("CHROMIUM") or next(
        filter(
            None,
            map(
                shutil.which,
                (
                    "chromium",
                    "chromium-browser",
                    "google-chrome",
                    "google-chrome-stable",
                ),
            ),
        ),
        None,
    )
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    return browser, driver


def start_browser(browser: str, driver: str, log: Path):
    """Headless Chromium driven by Selenium, logging the console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium fetch a driver
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=driver, log_output=str(log))
    chrome = webdriver.Chrome(service=service, options=options)
    chrome.set_page_load_timeout(60)
    chrome.set_script_timeout(60)
    return chrome


def console_errors(chrome) -> list[str]:
    """SEVERE console entries since the last call (uncaught errors, failed loads)."""
    return [e["message"] for e in chrome.get_log("browser") if e["level"] == "SEVERE"]


def open_page(chrome, url: str, copy_buttons: int = 0) -> list[str]:
    """Load a page; wait for its copy buttons (added once ClipboardJS loads).

    Returns the problem if they never appear.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    chrome.get(url)
    script = (
        "return document.readyState === 'complete'"
        " && document.querySelectorAll('button.copybtn').length >= arguments[0]"
    )
    try:
        WebDriverWait(chrome, 30).until(
            lambda d: d.execute_script(script, copy_buttons)
        )
    except TimeoutException:
        found = chrome.execute_script(
            "return document.querySelectorAll('button.copybtn').length"
        )
        return [f"{found} of {copy_buttons} copy buttons appeared within 30 s"]
    return []


def set_theme(chrome, theme: str) -> None:
    """Choose Furo's theme as its toggle does (kept in localStorage for the origin)."""
    chrome.execute_script(
        "localStorage.setItem('theme', arguments[0]);"
        "document.body.dataset.theme = arguments[0];",
        theme,
    )


def body_colours(chrome) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The page's background and text colour, as computed."""
    background, text = chrome.execute_script(
        "const s = getComputedStyle(document.body);return [s.backgroundColor, s.color];"
    )
    return _rgb(background), _rgb(text)


def _rgb(css: str) -> tuple[int, ...]:
    return tuple(int(float(v)) for v in re.findall(r"[\d.]+", css)[:3])


def screenshot(chrome, path: Path) -> bytes:
    """Save (and return) a PNG of the whole page, not only the window."""
    metrics = chrome.execute_cdp_cmd("Page.getLayoutMetrics", {})
    width = metrics["cssContentSize"]["width"]
    height = min(metrics["cssContentSize"]["height"], 20_000)
    shot = chrome.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    png = base64.b64decode(shot["data"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return png
