"""The code cells a reader sees are code a reader would write.

The site's own plumbing (sizes for the quick build, glue for the prose,
imports from ``parallel_guide.site``) lives in cells tagged ``remove-cell``
(or ``remove-input``, where the reader sees only the output),
so that what a reader copies runs without this project's build around it.
"""

from __future__ import annotations

import re

import pytest
from doc_pages import DOCS, PAGES, page_id

CELL = re.compile(
    r"^(?P<fence>`{3,})\{code-cell\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
TAGS = re.compile(r"^:tags:\s*\[(?P<tags>[^\]]*)\]", re.MULTILINE)
PLUMBING = re.compile(r"\bsized\(|\bglue\(|\bparallel_guide\.site\b")


def visible_plumbing(markdown: str) -> list[tuple[int, str]]:
    """(line number, line) of each plumbing line in a cell a reader sees."""
    found = []
    for cell in CELL.finditer(markdown):
        tags = TAGS.search(cell.group("body"))
        if tags and re.search(r"remove-(cell|input)", tags.group("tags")):
            continue  # the reader sees no code of this cell
        first = markdown.count("\n", 0, cell.start("body")) + 1
        for offset, line in enumerate(cell.group("body").splitlines()):
            if PLUMBING.search(line):
                found.append((first + offset, line.strip()))
    return found


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_visible_cells_hold_no_site_plumbing(page):
    found = visible_plumbing(page.read_text(encoding="utf-8"))
    if found:
        report = "\n".join(f"  line {n}: {line}" for n, line in found)
        pytest.fail(
            f"{page.relative_to(DOCS)} shows the site's plumbing to readers:\n"
            f"{report}\nMove it into a cell tagged remove-cell and use the names "
            "it sets in the visible cell.",
            pytrace=False,
        )


def test_the_check_sees_plumbing_only_in_visible_cells():
    markdown = (
        "```{code-cell} ipython3\n:tags: [remove-cell]\nn = sized(10, 1)\n```\n"
        "```{code-cell} ipython3\n:tags: [remove-input]\nglue('x', 1)\n```\n"
        "```{code-cell} ipython3\nfrom parallel_guide.site.page import sized\n```\n"
        "```python\nglue('not a cell', 1)\n```\n"
    )
    assert [n for n, _ in visible_plumbing(markdown)] == [10]
