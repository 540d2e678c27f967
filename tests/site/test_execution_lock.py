"""Pages that time code execute alone; pages marked ``concurrently`` share.

Builds a small site with the project's real ``docs/conf.py`` in two
processes (``-j 2``).  Each executed page notes when it started and ended;
a page that executes alone must not overlap any other page, and the two
pages marked ``executes: concurrently`` wait for each other, which they can
only do if they really run side by side.  Needs the docs dependencies.
"""

import textwrap
from pathlib import Path

import pytest
from small_site import FRONT, sphinx_build, start_site

pytest.importorskip("myst_nb", reason="the docs dependencies are not installed")

TOGETHER = FRONT.replace("---\nfile_format", "---\nexecutes: concurrently\nfile_format")

# Sphinx splits the sorted pages into two chunks of four, one per process:
# [a, b, c, d] and [e, f, g, z_index].  a and e start both chunks, so they can
# meet; b, c, f and g execute alone, and would overlap without the lock.
ALONE = ("b_alone", "c_alone", "f_alone", "g_alone")
SHARING = {"a_shares": "e_shares", "e_shares": "a_shares"}


def noting(page: str, marks: Path, body: str = "") -> str:
    """A page's cells: note the start, run ``body``, note the end."""
    body = body or "time.sleep(1)  # long enough to overlap, were it not alone"
    return (
        "```{code-cell} ipython3\n"
        "import time\n"
        "from pathlib import Path\n\n"
        f"marks = Path({str(marks)!r})\n"
        f'(marks / "{page}.start").write_text(repr(time.time()))\n'
        "```\n\n"
        f"```{{code-cell}} ipython3\n{body}\n```\n\n"
        "```{code-cell} ipython3\n"
        f'(marks / "{page}.end").write_text(repr(time.time()))\n'
        "```\n"
    )


def meet(other: str) -> str:
    """A cell body that waits until page ``other`` has started."""
    return (
        f"deadline = time.monotonic() + 60\n"
        f'while not (marks / "{other}.start").exists():\n'
        f'    assert time.monotonic() < deadline, "{other} never ran alongside"\n'
        f"    time.sleep(0.05)"
    )


@pytest.fixture(scope="module")
def marks(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("lock")
    source, marks = tmp_path / "docs", tmp_path / "marks"
    marks.mkdir()
    start_site(source, 'root_doc = "z_index"\n')
    pages = [*ALONE, *SHARING]
    toctree = "\n".join(["```{toctree}", *sorted(pages), "d_plain", "```"])
    (source / "z_index.md").write_text(f"# Site\n\n{toctree}\n")
    (source / "d_plain.md").write_text("# Plain\n\nNo code.\n")
    for page in ALONE:
        (source / f"{page}.md").write_text(f"{FRONT}# {page}\n\n{noting(page, marks)}")
    for page, other in SHARING.items():
        text = f"{TOGETHER}# {page}\n\n{noting(page, marks, meet(other))}"
        (source / f"{page}.md").write_text(text)
    result = sphinx_build(source, tmp_path / "build", "-j", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        page: (
            float((marks / f"{page}.start").read_text()),
            float((marks / f"{page}.end").read_text()),
        )
        for page in [*ALONE, *SHARING]
    }


def test_pages_marked_concurrently_ran_side_by_side(marks):
    (a_start, a_end), (e_start, e_end) = marks["a_shares"], marks["e_shares"]
    assert a_start < e_end, "a_shares ended before e_shares began"
    assert e_start < a_end, "e_shares ended before a_shares began"


@pytest.mark.parametrize("page", ALONE)
def test_a_page_that_times_code_ran_alone(marks, page):
    start, end = marks[page]
    for other, (other_start, other_end) in marks.items():
        if other != page:
            apart = end <= other_start or other_end <= start
            assert apart, f"{page} overlapped {other}"


def test_the_cache_database_exists_before_pages_are_read_in_parallel(tmp_path):
    # No page executes here, so only the main process can have created it;
    # readers creating it at once race (sphinx-doc/sphinx#12481).
    source = tmp_path / "docs"
    start_site(source)
    (source / "index.md").write_text("# Site\n\n```{toctree}\nother\n```\n")
    (source / "other.md").write_text("# Other\n\nNo code.\n")
    result = sphinx_build(source, tmp_path / "build", "-j", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert list((tmp_path / "build" / ".jupyter_cache").glob("*/global.db"))


def test_a_wrong_mark_or_a_measuring_concurrent_page_fails_the_build(tmp_path):
    source = tmp_path / "docs"
    start_site(source)
    (source / "index.md").write_text("# Site\n\n```{toctree}\nwrong\nmeasures\n```\n")
    (source / "wrong.md").write_text(
        FRONT.replace("---\nfile_format", "---\nexecutes: together\nfile_format")
        + "# Wrong\n\n```{code-cell} ipython3\nprint(1)\n```\n"
    )
    measuring = textwrap.dedent(
        """\
        # Measures

        ```{code-cell} ipython3
        from parallel_guide import measure
        from parallel_guide.site.page import provenance

        measure(sum, range(10), repeat=1)
        record = provenance()
        ```
        """
    )
    (source / "measures.md").write_text(TOGETHER + measuring)
    result = sphinx_build(source, tmp_path / "build")
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert (
        "wrong: front matter 'executes' must be 'alone' (the default) or "
        "'concurrently', not 'together'" in log
    )
    assert "measures: marked 'executes: concurrently', but it took 1 measurement" in log
