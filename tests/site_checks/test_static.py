"""The built site, checked from its files: valid HTML, links, metadata."""

from site_checks import built_site, links, metadata, nu_checker


def _report(problems: list[str]) -> str:
    return f"{len(problems)} problems:\n" + "\n".join(problems)


def test_every_page_has_a_title_description_favicon_and_open_graph(site_root):
    problems = metadata.head_problems(site_root)
    assert not problems, _report(problems)


def test_sitemap_lists_every_page_and_the_404_page_works_at_any_depth(site_root):
    problems = metadata.site_problems(site_root)
    assert not problems, _report(problems)


def test_nu_html_checker_finds_no_errors(site_root, vnu_jar):
    problems = nu_checker.vnu_problems(site_root, vnu_jar)
    assert not problems, _report(problems)


def test_every_internal_link_and_anchor_resolves(site_root, work):
    problems = links.link_problems(site_root, work)
    assert not problems, _report(problems)


def test_the_site_has_pages_to_check(site_root):
    """Guards the checks above against passing on an empty or half-built site."""
    pages = built_site.pages(site_root)
    written = [page for page in pages if built_site.is_written(page)]
    assert "index.html" in written
    assert len(written) >= 5, written
    assert {"404.html", "search.html", "genindex.html"} <= set(pages)
