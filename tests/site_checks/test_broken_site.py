"""Every check fails, naming the page and the problem, on a site built to fail it.

broken/ is a small site built with the real docs/conf.py in which each page
breaks one check on purpose (its name says which) and clean.html breaks none.
Each test runs a check exactly as the tests of the real site do and asserts
that it reports the planted problem on the planted page, and nothing on any
other page, so no check can pass by not looking.
"""

import shutil

import pytest

from site_checks import (
    built_site,
    code_blocks,
    copy_buttons,
    fragments,
    links,
    metadata,
    nu_checker,
    programs,
    rendered_pages,
    search,
    theme_toggle,
)


def flagged(problems: list[str]) -> dict[str, str]:
    """Problems by the page they name (the text before the first colon)."""
    pages: dict[str, str] = {}
    for problem in problems:
        page = problem.split(":", 1)[0].split(" (", 1)[0].split("#", 1)[0]
        pages[page] = pages.get(page, "") + problem + "\n"
    return pages


# -- Static -------------------------------------------------------------------


def test_a_page_without_a_title_or_a_description_is_reported(broken_root):
    problems = flagged(metadata.head_problems(broken_root))
    assert set(problems) == {"no_title.html", "no_description.html"}, problems
    assert "no title" in problems["no_title.html"]
    assert "no meta description" in problems["no_description.html"]


def test_site_level_files_and_tags_are_required(broken_root, work):
    """A copy of the broken site without sitemap, 404 page, favicon and OG tags."""
    copy = work / "stripped"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(broken_root, copy)
    (copy / "404.html").unlink()
    (copy / "_static" / "favicon.svg").unlink()
    sitemap = copy / "sitemap.xml"
    sitemap.write_text(sitemap.read_text().replace("clean.html", "gone.html"))
    clean = copy / "clean.html"
    clean.write_text(clean.read_text().replace('property="og:', 'property="xx:'))

    site = metadata.site_problems(copy)
    assert "404.html: missing (notfound.extension)" in site
    assert "sitemap.xml: does not list clean.html" in site
    assert any(p.startswith("sitemap.xml: https") and "gone.html" in p for p in site)
    head = flagged(metadata.head_problems(copy))
    assert "no Open Graph og:title, og:description" in head["clean.html"]
    assert "the favicon _static/favicon.svg does not exist" in head["index.html"]


def test_a_404_page_with_relative_links_is_reported(broken_root, work):
    copy = work / "relative-404"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(broken_root, copy)
    page = copy / "404.html"
    page.write_text(page.read_text().replace('href="/en/latest/', 'href="'))
    problems = metadata.not_found_page_problems(copy)
    assert problems, "relative links on the 404 page went unnoticed"
    assert all("is relative or outside /en/latest/" in p for p in problems)


def test_nu_html_checker_reports_a_missing_alt_and_a_duplicate_id(broken_root, vnu_jar):
    problems = flagged(nu_checker.vnu_problems(broken_root, vnu_jar))
    assert set(problems) == {"image_without_alt.html", "duplicate_id.html"}, problems
    assert "must have an “alt” attribute" in problems["image_without_alt.html"]
    assert "Duplicate ID “twice”" in problems["duplicate_id.html"]


def test_the_theme_markup_the_nu_checker_rejected_is_repaired(broken_root):
    """docs/_ext/html_fixes.py at work: without it, the Nu checker test above
    would also report clean.html (Furo copies the captioned table's id onto
    its wrapper), every page (toctree captions without aria-level) and the
    viewcode page (divs inside pre)."""
    page = built_site.parse(broken_root, "clean.html")
    table = page.find("table", id="clean-table")
    assert table is not None
    assert "table-wrapper" in table.parent["class"]
    assert not table.parent.get("id")
    captions = page.select('p.caption[role="heading"]')
    assert captions
    assert all(caption.get("aria-level") == "2" for caption in captions)
    source = built_site.parse(
        broken_root, "_modules/parallel_guide/tools/workloads.html"
    )
    assert source.select("pre span.viewcode-block")
    assert not source.select("pre div")


def test_a_missing_page_and_a_missing_anchor_are_reported(broken_root, work):
    problems = links.link_problems(broken_root, work)
    assert set(flagged(problems)) == {"broken_links.html"}, problems
    assert len(problems) == 3, problems
    assert any("no-such-page.html" in p for p in problems)
    assert any("#no-such-section: anchor" in p and "not found" in p for p in problems)
    assert any("#nowhere: anchor #nowhere not found" in p for p in problems)


# -- Snippets -----------------------------------------------------------------


def _program(broken_root, number: int) -> code_blocks.Block:
    block = code_blocks.blocks(broken_root, "bad_programs.html")[number]
    assert block.is_program
    return block


@pytest.mark.parametrize("start_method", ["spawn", "forkserver"])
def test_a_program_whose_worker_spawn_cannot_import_fails(
    broken_root, work, start_method
):
    block = _program(broken_root, 0)
    problem = programs.run_program(block.copied, start_method, work / "bad0")
    assert problem is not None
    assert f"exited 1 under {start_method}" in problem


def test_the_same_program_runs_under_fork(broken_root, work):
    """Shows the runner really varies the start method: fork copies the worker."""
    block = _program(broken_root, 0)
    assert programs.run_program(block.copied, "fork", work / "bad0-fork") is None


def test_a_block_marked_as_script_is_run_and_its_failure_reported(broken_root, work):
    block = _program(broken_root, 1)
    assert "script" in block.classes
    problem = programs.run_program(block.copied, "spawn", work / "bad1")
    assert problem is not None
    assert "this script fails on purpose" in problem


def test_a_program_that_hangs_is_stopped_at_the_timeout(broken_root, work):
    block = _program(broken_root, 2)
    problem = programs.run_program(block.copied, "spawn", work / "bad2", timeout=2)
    assert problem == "did not finish within 2 s under spawn"


def test_the_clean_program_runs_under_every_start_method(
    broken_root, work, start_method
):
    (block,) = [
        b for b in code_blocks.blocks(broken_root, "clean.html") if b.is_program
    ]
    assert programs.run_program(block.copied, start_method, work / "clean") is None


def test_fragments_that_nothing_executes_are_reported(broken_root):
    problems = {
        page: fragments.fragment_problems(broken_root, page)
        for page in built_site.pages(broken_root)
    }
    problems = {page: found for page, found in problems.items() if found}
    assert set(problems) == {"unexecuted_fragments.html", "copied_prompts.html"}
    typed, unused, example = problems["unexecuted_fragments.html"]
    assert "'average = total / 10'" in typed
    assert "shows unused_helper but no executed cell" in unused
    assert "'6 * 7'" in example


# -- In the browser --------------------------------------------------------------

EXPECTED_IN_BROWSER = {
    ("console_error.html", "light"): "deliberate console error",
    ("console_error.html", "dark"): "deliberate console error",
    ("image_without_alt.html", "light"): "axe: image-alt",
    ("image_without_alt.html", "dark"): "axe: image-alt",
    ("low_contrast.html", "light"): "axe: color-contrast",
    ("transparent_plot.html", "dark"): "image transparent_plot.svg",
}


def test_console_errors_axe_violations_and_vanishing_plots_are_reported(
    broken_root, broken_server, chrome, axe_source, work
):
    found = {}
    for page in built_site.pages(broken_root):
        for theme in ("light", "dark"):
            problems = rendered_pages.page_problems(
                chrome, broken_server, page, theme, axe_source, work / "shots"
            )
            if problems:
                found[page, theme] = "\n".join(problems)
    assert set(found) == set(EXPECTED_IN_BROWSER), found
    for (page, theme), expected in EXPECTED_IN_BROWSER.items():
        assert expected in found[page, theme]
        assert found[page, theme].startswith(f"{page} ({theme}): ")


def test_a_page_left_out_of_the_search_index_is_reported(
    broken_root, broken_server, chrome
):
    problems = search.search_problems(
        chrome, broken_server, broken_root, "quuxification"
    )
    assert problems == [
        "hidden_from_search.html: mentions 'quuxification' but searching for it "
        "lists only []"
    ]
    assert not search.search_problems(
        chrome, broken_server, broken_root, "deliberately"
    )


def test_copying_ipython_prompts_and_output_is_reported(broken_server, chrome):
    assert not copy_buttons.copy_button_problems(chrome, broken_server, "clean.html")
    problems = copy_buttons.copy_button_problems(
        chrome, broken_server, "copied_prompts.html"
    )
    assert problems == [
        "copied_prompts.html#codecell0: copies the prompt in 'In [1]: answer = 6 * 7'",
        "copied_prompts.html#codecell0: copies the output 'Out[2]: 42'",
    ]


def test_a_copy_that_differs_from_the_block_is_reported(broken_root):
    (block,) = [
        b for b in code_blocks.blocks(broken_root, "clean.html") if b.is_program
    ]
    problems = code_blocks.copy_problems(block, block.copied + "\nextra")
    assert len(problems) == 1
    assert "the clipboard holds" in problems[0]


def test_a_theme_toggle_that_does_nothing_is_reported(broken_server, chrome):
    problems = theme_toggle.theme_toggle_problems(
        chrome, broken_server.url("dead_theme_toggle.html")
    )
    assert len(problems) == 1, problems
    assert problems[0].startswith("dead_theme_toggle.html: three clicks")
    assert "never ['dark', 'light']" in problems[0]
    clean = broken_server.url("clean.html")
    assert not theme_toggle.theme_toggle_problems(chrome, clean)
