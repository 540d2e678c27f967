"""Code a reader copies: complete programs run, fragments were run by the page.

Blocks are read from the built HTML exactly as the copy button copies them
(code_blocks.format_copy_text, checked against real clicks in test_browser).
"""

import os
from pathlib import Path

import pytest

from site_checks import built_site, code_blocks, fragments, programs

SITE = Path(os.environ["SITE_HTML"]).resolve()
PAGES = built_site.pages(SITE)
PROGRAMS = [
    block
    for page in PAGES
    for block in code_blocks.blocks(SITE, page)
    if block.is_program
]
PROGRAM_TIMEOUT = 90


def test_the_site_shows_complete_programs():
    """Guards the parametrized test below against running on nothing."""
    assert PROGRAMS, "no complete program found in the built site"


@pytest.mark.timeout(3 * PROGRAM_TIMEOUT)
@pytest.mark.parametrize("block", PROGRAMS, ids=lambda block: block.name)
def test_a_copied_program_runs(block, start_method, work):
    folder = work / "programs" / block.name.replace("/", "_") / start_method
    problem = programs.run_program(
        block.copied, start_method, folder, timeout=PROGRAM_TIMEOUT
    )
    assert problem is None, f"{block.name} ({block.first_line!r}) {problem}"


@pytest.mark.parametrize("page", PAGES)
def test_every_fragment_was_executed(page):
    problems = fragments.fragment_problems(SITE, page)
    assert not problems, "\n".join(problems)
