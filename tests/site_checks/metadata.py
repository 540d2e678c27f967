"""Static checks of each page's head and of the site as a whole.

Titles, descriptions, favicons and Open Graph tags in every head; the sitemap;
the 404 page, whose links must work at any depth.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import unquote, urlsplit

from site_checks.built_site import base_url, is_written, pages, parse

# Generated pages that are not content, which the sitemap must leave out.
NOT_IN_SITEMAP = {"genindex.html", "search.html", "404.html"}
OPEN_GRAPH = ("og:title", "og:description", "og:url", "og:type", "og:site_name")


def _head_meta(head, **attrs) -> str:
    tag = head.find("meta", attrs=attrs)
    return (tag.get("content") or "").strip() if tag else ""


def head_problems(root: Path) -> list[str]:
    """Every page has a title, a description and a favicon; written pages have OG."""
    problems = []
    for page in pages(root):
        head = parse(root, page).head
        # Furo's inline SVG icons have <title>s too: only the head's counts.
        title = head.find("title", recursive=False) if head else None
        text = title.get_text(strip=True) if title else ""
        if not text or text.startswith("<no title>"):
            problems.append(
                f"{page}: the page has no title (start it with a # heading)"
            )
        if not _head_meta(head, name="description"):
            problems.append(
                f"{page}: no meta description (add myst: html_meta: description: "
                "to its front matter)"
            )
        icon = head.find("link", rel=lambda rel: rel and "icon" in rel)
        if icon is None:
            problems.append(f"{page}: no favicon link (html_favicon in conf.py)")
        elif not _resolve(root, page, icon["href"]).is_file():
            problems.append(f"{page}: the favicon {icon['href']} does not exist")
        if is_written(page):
            missing = [p for p in OPEN_GRAPH if not _head_meta(head, property=p)]
            if missing:
                problems.append(f"{page}: no Open Graph {', '.join(missing)}")
    return problems


def _resolve(root: Path, page: str, href: str) -> Path:
    """The file a link on a page points to (root-absolute links included)."""
    path = unquote(urlsplit(href).path)
    if path.startswith("/"):
        return root / path.removeprefix(urlsplit(base_url(root)).path)
    return (root / page).parent / path


def site_problems(root: Path) -> list[str]:
    """The sitemap lists every written page, and the 404 page exists and links home."""
    problems = []
    base = base_url(root)
    sitemap = root / "sitemap.xml"
    if not sitemap.is_file():
        problems.append("sitemap.xml: missing (sphinx_sitemap)")
    else:
        namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
        tree = ElementTree.parse(sitemap)
        listed = {loc.text or "" for loc in tree.iter(f"{namespace}loc")}
        for url in sorted(listed):
            page = url.removeprefix(base)
            if not url.startswith(base) or not (root / page).is_file():
                problems.append(f"sitemap.xml: {url} is not a page of this site")
            elif page in NOT_IN_SITEMAP:
                problems.append(f"sitemap.xml: lists {page}, which is not content")
        for page in pages(root):
            if is_written(page) and base + page not in listed:
                problems.append(f"sitemap.xml: does not list {page}")
    problems += not_found_page_problems(root)
    return problems


def not_found_page_problems(root: Path) -> list[str]:
    """404.html exists and its links are rooted at the path the site is served at."""
    if not (root / "404.html").is_file():
        return ["404.html: missing (notfound.extension)"]
    prefix = urlsplit(base_url(root)).path
    problems = []
    page = parse(root, "404.html")
    for tag, attribute in (("a", "href"), ("link", "href"), ("script", "src")):
        for element in page.find_all(tag, attrs={attribute: True}):
            url = urlsplit(element[attribute])
            if url.scheme or not url.path:
                continue
            if not url.path.startswith(prefix):
                problems.append(
                    f"404.html: {element[attribute]} is relative or outside {prefix}, "
                    "so it breaks when the page is served for a missing deeper address"
                )
            elif not (root / unquote(url.path.removeprefix(prefix))).is_file():
                problems.append(f"404.html: {element[attribute]} does not exist")
    return problems
