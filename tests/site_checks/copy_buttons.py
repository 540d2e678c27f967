"""Copy buttons, really clicked: each must copy what code_blocks says it copies."""

from __future__ import annotations

from site_checks.browser import open_page
from site_checks.code_blocks import blocks, copy_problems
from site_checks.server import SiteServer


def clipboard_after_click(chrome, button) -> str:
    """Really click a copy button and return what it put on the clipboard.

    A script's element.click() leaves the clipboard empty: only a trusted
    click copies.  The clipboard is first set to a marker, so the wait ends
    when the click's text has arrived, not on an old value.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    marker = "\u2400 not copied yet"
    read = (
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, e => done('ERROR ' + e));"
    )
    chrome.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.writeText(arguments[0]).then(done, e => done(String(e)));",
        marker,
    )
    summary = chrome.execute_script(
        "const d = arguments[0].closest('details');"
        "return d && !d.open ? d.querySelector('summary') : null;",
        button,
    )
    if summary is not None:  # a collapsed dropdown: open it as a reader would
        ActionChains(chrome, duration=0).scroll_to_element(summary).click(
            summary
        ).perform()
    # Hover the block (the button shows on hover), then click the button.
    block = button.find_element("xpath", "..")
    actions = ActionChains(chrome, duration=0).scroll_to_element(block)
    actions.move_to_element(block).move_to_element(button).click().perform()
    texts = []

    def copied(driver) -> bool:
        texts.append(driver.execute_async_script(read))
        return texts[-1] != marker

    try:
        WebDriverWait(chrome, 10, poll_frequency=0.05).until(copied)
    except TimeoutException:  # report what the clipboard held instead
        return texts[-1] if texts else marker
    return texts[-1]


def grant_clipboard(chrome, origin: str) -> None:
    """Let the pages of origin read and write the clipboard without asking."""
    chrome.execute_cdp_cmd(
        "Browser.grantPermissions",
        {
            "origin": origin,
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        },
    )


def copy_button_problems(chrome, server: SiteServer, page: str) -> list[str]:
    """Click every copy button on the page; check what each put on the clipboard."""
    from selenium.webdriver.common.by import By

    page_blocks = blocks(server.root, page)
    grant_clipboard(chrome, server.origin)
    if problems := open_page(chrome, server.url(page), len(page_blocks)):
        return [f"{page}: {problem}" for problem in problems]
    buttons = chrome.find_elements(By.CSS_SELECTOR, "button.copybtn")
    if len(buttons) != len(page_blocks):
        return [f"{page}: {len(buttons)} copy buttons for {len(page_blocks)} blocks"]
    return [
        problem
        for block, button in zip(page_blocks, buttons, strict=True)
        for problem in copy_problems(block, clipboard_after_click(chrome, button))
    ]
