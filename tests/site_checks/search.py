"""The search box: searching a word lists every page whose prose mentions it."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from urllib.parse import urlsplit

from site_checks.browser import open_page
from site_checks.built_site import is_written, pages, parse
from site_checks.server import SiteServer


def search_results(chrome, server: SiteServer, word: str) -> list[str]:
    """Type a word into the sidebar's search box; the pages the results list."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(chrome, server.url("index.html"))
    box = next(
        b
        for b in chrome.find_elements(By.CSS_SELECTOR, "input.sidebar-search")
        if b.is_displayed()
    )
    box.send_keys(word, Keys.ENTER)
    # The search lists its results one by one and writes its summary ("Search
    # finished, found ..." or "did not match") once the last is listed.
    WebDriverWait(chrome, 30).until(
        lambda d: (
            "search.html" in d.current_url
            and d.execute_script(
                "const s = document.querySelector('#search-results .search-summary');"
                "return s !== null && s.textContent.trim() !== '';"
            )
        )
    )
    links = chrome.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a")
    pages = []
    for link in links:
        href = urlsplit(link.get_attribute("href")).path
        pages.append(href.removeprefix(server.prefix))
    return list(dict.fromkeys(pages))


def pages_mentioning(root: Path, word: str) -> list[str]:
    """Written pages whose prose (code blocks aside) contains the word."""
    found = []
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.I)
    for page in pages(root):
        if not is_written(page):
            continue
        article = parse(root, page).find("article")
        if article is None:
            continue
        prose = copy.copy(article)
        for code in prose.select("div.highlight"):
            code.decompose()
        if pattern.search(prose.get_text(" ")):
            found.append(page)
    return found


def search_problems(chrome, server: SiteServer, root: Path, word: str) -> list[str]:
    """Searching a word must list every page whose prose mentions it."""
    expected = pages_mentioning(root, word)
    if not expected:
        return [f"no page mentions {word!r}: pick another word to search for"]
    found = search_results(chrome, server, word)
    return [
        f"{page}: mentions {word!r} but searching for it lists only {found}"
        for page in expected
        if page not in found
    ]
