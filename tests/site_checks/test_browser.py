"""The built site in a real browser: Chromium, driven by Selenium.

Every page is loaded in the light and the dark theme, screenshotted (build/site/
artefacts/screenshots) and checked for console errors, accessibility (axe-core,
WCAG 2.1 A and AA) and images that vanish into the background.
"""

import os
from pathlib import Path

import pytest

from site_checks import (
    browser,
    built_site,
    code_blocks,
    colours,
    copy_buttons,
    rendered_pages,
    search,
    theme_toggle,
)

SITE = Path(os.environ["SITE_HTML"]).resolve()
PAGES = built_site.pages(SITE)
PAGES_WITH_CODE = [page for page in PAGES if code_blocks.blocks(SITE, page)]
THEMES = ["light", "dark"]
SEARCH_WORD = "chunksize"


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("page", PAGES)
def test_page_is_clean_and_accessible(
    page, theme, chrome, site_server, axe_source, artefacts
):
    problems = rendered_pages.page_problems(
        chrome, site_server, page, theme, axe_source, artefacts / "screenshots"
    )
    assert not problems, "\n".join(problems)


def test_search_box_lists_the_pages_that_mention_a_word(chrome, site_server, site_root):
    problems = search.search_problems(chrome, site_server, site_root, SEARCH_WORD)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES_WITH_CODE)
def test_copy_buttons_copy_the_code_without_prompts_or_output(
    page, chrome, site_server
):
    problems = copy_buttons.copy_button_problems(chrome, site_server, page)
    assert not problems, "\n".join(problems)


def test_theme_toggle_reaches_auto_light_and_dark(chrome, site_server):
    url = site_server.url("index.html")
    problems = theme_toggle.theme_toggle_problems(chrome, url)
    assert not problems, "\n".join(problems)


def test_auto_theme_follows_a_dark_system_setting(chrome, site_server):
    chrome.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    try:
        browser.open_page(chrome, site_server.url("index.html"))
        browser.set_theme(chrome, "auto")
        browser.open_page(chrome, site_server.url("index.html"))
        background, _ = browser.body_colours(chrome)
    finally:
        chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert colours.luminance(background) < 0.2, background


def test_a_missing_address_shows_the_styled_404_page(chrome, site_server):
    browser.console_errors(chrome)
    missing = site_server.url("no/such/deep/page.html")
    browser.open_page(chrome, missing)
    errors = [
        message
        for message in browser.console_errors(chrome)
        if not message.startswith(missing)  # the missing page's own 404
    ]
    assert "not found" in chrome.title.lower(), chrome.title
    assert not errors, "\n".join(errors)
