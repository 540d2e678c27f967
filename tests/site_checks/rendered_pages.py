"""Each page as a reader sees it in a theme.

Loaded in the browser and screenshotted; its console errors, its axe-core
violations (WCAG 2.1 A and AA), a theme that did not apply and images that
vanish into the background are its problems.
"""

from __future__ import annotations

import io
from pathlib import Path

from site_checks.browser import (
    body_colours,
    console_errors,
    open_page,
    screenshot,
    set_theme,
)
from site_checks.code_blocks import blocks
from site_checks.colours import low_contrast_ink, luminance
from site_checks.server import SiteServer

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(chrome, axe_source: str) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the loaded page."""
    chrome.execute_script(axe_source)
    result = chrome.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},"
        "                   resultTypes: ['violations']})"
        "  .then(r => done(r.violations.map(v => ({"
        "     id: v.id, impact: v.impact, help: v.help,"
        "     targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))),"
        "        e => done({error: String(e)}));",
        WCAG_TAGS,
    )
    if isinstance(result, dict):
        return [f"axe failed: {result['error']}"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}"
        for v in result
    ]


def unreadable_images(chrome, page_png: bytes, background) -> list[str]:
    """Images in the page's content whose drawing vanishes into the background.

    An image with its own opaque background is readable in any theme.  One
    that lets the page show through (a transparent plot) is unreadable when
    most of its ink is too close to the page colour: black axes on Furo's
    dark background.  Each image is cut out of the full-page screenshot, so
    it is judged as the reader sees it.
    """
    from PIL import Image

    boxes = chrome.execute_script(
        "return Array.from(document.querySelectorAll('article img'))"
        "  .filter(i => i.offsetParent !== null)"
        "  .map(i => { const r = i.getBoundingClientRect();"
        "    return [i.getAttribute('src'), r.left + scrollX, r.top + scrollY,"
        "            r.right + scrollX, r.bottom + scrollY]; });"
    )
    page = Image.open(io.BytesIO(page_png)).convert("RGB")
    problems = []
    for source, *box in boxes:
        left, top, right, bottom = (round(v) for v in box)
        if (right - left) * (bottom - top) < 400 or bottom > page.height:
            continue
        share = low_contrast_ink(page.crop((left, top, right, bottom)), background)
        if share is not None and share > 0.5:
            problems.append(
                f"image {source.rsplit('/', 1)[-1]}: {share:.0%} of its ink has too "
                f"little contrast with the page background {background}; give it "
                "an opaque background"
            )
    return problems


def screenshot_name(page: str, theme: str) -> str:
    return f"{page.removesuffix('.html').replace('/', '__')}-{theme}.png"


def page_problems(
    chrome, server: SiteServer, page: str, theme: str, axe_source: str, shots: Path
) -> list[str]:
    """Load a page in a theme: screenshot it; report console errors, axe
    violations, a theme that did not apply and images that vanish in it."""
    console_errors(chrome)  # drop what earlier pages logged
    buttons = len(blocks(server.root, page))
    problems = open_page(chrome, server.url(page), buttons)
    set_theme(chrome, theme)
    background, _ = body_colours(chrome)
    if (theme == "dark") != (luminance(background) < 0.2):
        problems.append(f"the {theme} theme did not apply: background {background}")
    png = screenshot(chrome, shots / screenshot_name(page, theme))
    problems += [f"console: {message}" for message in console_errors(chrome)]
    problems += [
        f"axe: {violation}" for violation in axe_violations(chrome, axe_source)
    ]
    problems += unreadable_images(chrome, png, background)
    problems += [f"console: {message}" for message in console_errors(chrome)]
    return [f"{page} ({theme}): {problem}" for problem in problems]
