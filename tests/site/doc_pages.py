"""The Markdown sources of the site's pages, for the checks that read them."""

from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(
    path
    for path in DOCS.rglob("*.md")
    if not {"_build", "jupyter_execute", ".jupyter_cache"} & set(path.parts)
)


def page_id(path: Path) -> str:
    """A page's test id: its path under docs/."""
    return path.relative_to(DOCS).as_posix()
