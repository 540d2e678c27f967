"""The build's wrappers around third-party extensions do their one job.

``opengraph_without_cards`` loads sphinxext-opengraph without importing
matplotlib, and still writes the Open Graph tags; ``mathjax_offline`` lets the
real site build with ``-j 2`` (no "does not declare if it is safe" warning,
which ``-W`` would make an error) and still serves MathJax.  Needs the docs
dependencies.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from small_site import REAL_DOCS, sphinx_build, start_site

pytest.importorskip("sphinxext.opengraph", reason="the docs dependencies are missing")

BUILD_TIMEOUT = 180

BUILD_AND_REPORT = """\
import sys
from sphinx.application import Sphinx

source, out = sys.argv[1], sys.argv[2]
app = Sphinx(source, source, out, out + "/doctrees", "html", status=None)
app.build()
print("matplotlib imported" if "matplotlib" in sys.modules else "no matplotlib")
"""


def opengraph_site(tmp_path: Path, cards: str) -> subprocess.CompletedProcess:
    source = tmp_path / "docs"
    source.mkdir()
    (source / "conf.py").write_text(
        textwrap.dedent(
            f"""\
            import sys
            sys.path.insert(0, {str(REAL_DOCS / "_ext")!r})
            extensions = ["opengraph_without_cards"]
            ogp_site_url = "https://example.org/guide/"
            ogp_social_cards = {cards}
            """
        )
    )
    (source / "index.rst").write_text("Home\n====\n\nA page about pools.\n")
    return subprocess.run(
        [sys.executable, "-c", BUILD_AND_REPORT, str(source), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )


def test_open_graph_tags_are_written_without_importing_matplotlib(tmp_path):
    result = opengraph_site(tmp_path, '{"enable": False}')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("no matplotlib")
    html = (tmp_path / "out" / "index.html").read_text()
    assert '<meta property="og:title" content="Home" />' in html
    assert 'content="https://example.org/guide/index.html"' in html


def test_asking_for_social_cards_says_how_to_get_them(tmp_path):
    result = opengraph_site(tmp_path, "None")
    assert result.returncode != 0
    assert "opengraph_without_cards cannot draw social cards" in result.stderr


def test_the_real_configuration_builds_in_parallel_with_mathjax(tmp_path):
    source = tmp_path / "docs"
    start_site(source)
    (source / "index.md").write_text("# Home\n\n```{toctree}\nmaths\n```\n")
    (source / "maths.md").write_text(
        "# Maths\n\n```{math}\nS = 1 / (f + (1 - f) / p)\n```\n"
    )
    result = sphinx_build(source, tmp_path / "build", "-j", "2", quick=False)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "safe for parallel" not in log
    html = tmp_path / "build" / "html"
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert "mathjax/tex-chtml.js" in (html / "maths.html").read_text()
