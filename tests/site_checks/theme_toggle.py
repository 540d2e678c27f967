"""The theme toggle: its clicks reach auto, light and dark, each painted."""

from __future__ import annotations

from site_checks.browser import body_colours, open_page
from site_checks.colours import luminance


def theme_cycle(chrome, url: str) -> list[tuple[str, tuple[int, ...]]]:
    """Click the visible theme toggle three times from a fresh start.

    Returns each state the page went through: Furo's theme name and the
    page's computed background colour.
    """
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    open_page(chrome, url)
    chrome.execute_script("localStorage.removeItem('theme')")
    open_page(chrome, url)
    states = []
    for click in range(4):
        theme = chrome.execute_script("return document.body.dataset.theme")
        states.append((theme, body_colours(chrome)[0]))
        if click == 3:
            break
        toggle = next(
            b
            for b in chrome.find_elements(By.CSS_SELECTOR, "button.theme-toggle")
            if b.is_displayed()
        )
        ActionChains(chrome, duration=0).move_to_element(toggle).click().perform()
    return states


def theme_toggle_problems(chrome, url: str) -> list[str]:
    """The toggle must reach auto, light and dark, each painting its background."""
    page = url.rsplit("/", 1)[-1]
    states = theme_cycle(chrome, url)
    themes = [theme for theme, _ in states]
    problems = []
    if missing := {"auto", "light", "dark"} - set(themes):
        problems.append(
            f"{page}: three clicks on the theme toggle went through {themes}, "
            f"never {sorted(missing)}"
        )
    for theme, background in states:
        if (luminance(background) < 0.2) != (theme == "dark"):
            problems.append(
                f"{page}: in the {theme} theme the background is {background}"
            )
    return problems
