"""Sphinx configuration for *Parallel Python, measured*.

Pages are MyST text notebooks (``file_format: mystnb``) executed at build time.
Read top to bottom: project, extensions, execution, links, HTML.
"""

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from parallel_guide.site.page import quick

DOCS = Path(__file__).resolve().parent
SRC = DOCS.parent / "src"
sys.path.insert(0, str(DOCS / "_ext"))  # local extensions live in docs/_ext

# -- Project -----------------------------------------------------------------
project = "Parallel Python, measured"
author = "The Parallel Python, measured contributors"
copyright = f"2026, {author}"

# -- Extensions --------------------------------------------------------------
extensions = [
    "myst_nb",  # executes the pages; loads myst_parser itself
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "sphinx_design",
    "opengraph_without_cards",  # sphinxext.opengraph, minus a 1.5 s matplotlib import
    "sphinx_sitemap",
    "notfound.extension",
    "mathjax_offline",  # sphinx-mathjax-offline (MathJax served, no CDN), -j safe
    "no_orphans",  # fails the build if a page leaves a worker process behind
    "html_fixes",  # valid HTML where Furo, Sphinx and viewcode write invalid
    "page_meta",  # meta descriptions for the index, search and 404 pages
    "block_origins",  # marks what runs each code block, for nox -s site
    "given",  # {given}`5 s`: a number stated, not measured (test_typed_numbers)
    "provenance",  # each executed page's "Measured on" box and downloads
    "build_report",  # {build-report}: how every page of this build was made
    "execution_deps",  # runs a page again when code or packages it used change
    "execution_lock",  # a page that times code executes alone (front matter)
]
exclude_patterns = [
    "_build",
    "jupyter_execute",
    ".jupyter_cache",
    "**.ipynb_checkpoints",
    "_includes",  # files other pages include (the decision guide), not pages
    "_inventories",  # intersphinx inventories, see Links below
]
myst_enable_extensions = ["colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
nitpicky = True  # every cross-reference must resolve (-n)

# -- Executing pages ---------------------------------------------------------
# "cache" re-executes a page only when its code cells change; CI passes
# -D nb_execution_mode=force so every page runs afresh.
nb_execution_mode = "cache"
nb_execution_timeout = 180  # per cell: a hang fails the build, never stalls it
# A cell that raises is reported as a warning with its traceback, which -W
# turns into a failed build after every broken page has been reported.
nb_execution_raise_on_error = False
nb_execution_show_tb = True
nb_merge_streams = True
nb_render_markdown_format = "myst"  # Markdown outputs may contain tables


# The cache hashes only a page's cells, not the code they import (MyST-NB
# issue executablebooks/MyST-NB#299, open).  execution_deps records what each
# page imported when it ran, from the kernel and its workers, and runs a page
# again exactly when one of those files, a package version it imported, the
# Python version or the build's size changed (docs/_ext/execution_deps.py).
execution_deps_roots = [str(SRC)]  # the project's own modules are files here
_build = Path(os.environ.get("DOCS_BUILD_DIR", DOCS.parent / "build" / "docs"))
_key = f"py{sys.version_info[0]}{sys.version_info[1]}" + "-quick" * quick()
nb_execution_cache_path = str(_build / ".jupyter_cache" / _key)

# -- Links -------------------------------------------------------------------
# Other projects' inventories are kept in docs/_inventories and never
# downloaded by the build; inventories.json lists them, with where each copy
# came from, and nox -s inventories downloads them again.
_inventories = DOCS / "_inventories"
_listed = json.loads((_inventories / "inventories.json").read_text(encoding="utf-8"))
intersphinx_mapping = {
    name: (entry["docs"], str(_inventories / entry["file"]))
    for name, entry in _listed.items()
}
autodoc_typehints = "description"
autodoc_preserve_defaults = True  # signatures show `= CHANGES`, not its value
autodoc_member_order = "bysource"
doctest_test_doctest_blocks = ""  # only explicit {doctest} blocks are tested
nitpick_ignore_regex = [
    # Names that exist only in type hints and have no documentation to link to.
    ("py:class", r"parallel_guide\.tools\.timeline\.Order"),
    # psutil's documentation publishes an inventory, but the build vendors none
    # for it (docs/_inventories): its classes in type hints stay plain text.
    ("py:class", r"psutil\.\w+"),
    # Type hints name Executor by its private home; the docs list it publicly.
    ("py:class", r"concurrent\.futures\._base\.\w+"),
    ("py:class", r"asyncio\.queues\.\w+"),  # asyncio.Queue, by its home module
]

# Copy what a reader would type: strip >>>, ... and $ prompts; in blocks with
# prompts only prompted lines are copied, and cell outputs never are.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_selector = "div:not(.output):not(.cell_output) > div.highlight pre"

# -- HTML --------------------------------------------------------------------
html_theme = "furo"
html_title = project
html_static_path = ["_static"]
html_last_updated_fmt = "%Y-%m-%d"
# Read the Docs sets READTHEDOCS_CANONICAL_URL; other hosts (GitHub Pages) set
# DOCS_BASEURL.
html_baseurl = os.environ.get("READTHEDOCS_CANONICAL_URL") or os.environ.get(
    "DOCS_BASEURL", "https://parallel-python-measured.readthedocs.io/en/latest/"
)
sitemap_url_scheme = "{link}"
ogp_site_url = html_baseurl
ogp_description_length = 200
ogp_social_cards = {"enable": False}  # needs fonts the build machine lacks
# Descriptions are written (front matter), not the first paragraph: a page
# without one fails nox -s site instead of getting "Measured on ..." as its own.
ogp_enable_meta_description = False
html_favicon = "_static/favicon.svg"
# The 404 page is served for any missing address, at any depth, so its links
# are absolute: rooted at the path the site is published under (/en/latest/ on
# Read the Docs), which html_baseurl gives.
notfound_urls_prefix = urlsplit(html_baseurl).path
sitemap_excludes = ["search.html", "genindex.html", "404.html"]
