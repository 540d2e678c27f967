"""Every executed page says how it was made, and the build report lists them.

Builds a small site with the project's real ``docs/conf.py``: a measured page
(with a complete program, a measurement recorded as disturbed, and a published
file), a page without code, and the build report.  Needs the docs dependencies;
``nox -s tests`` installs them for the Python that builds the docs.
"""

import json
import platform
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from doc_pages import PAGES, page_id
from small_site import FRONT, sphinx_build, start_site

pytest.importorskip("myst_nb", reason="the docs dependencies are not installed")

BUILD_TIMEOUT = 300

SMALL_SITE = {
    "index.md": """\
        # Site

        ```{toctree}
        measured
        plain
        report
        ```
        """,
    "measured.md": """\
        # Measured

        ```{code-cell} ipython3
        :tags: [remove-cell]
        from parallel_guide.site.page import prepare

        machine = prepare()
        ```

        ```{literalinclude} program.py
        ```

        ```{code-cell} ipython3
        print("an output of this build")
        ```

        ```{code-cell} ipython3
        :tags: [remove-cell]
        import json

        import numpy
        from myst_nb import glue

        from parallel_guide.tools.disturbance import note_disturbed

        note_disturbed("work: stands in for a busy machine")
        glue("published:data.json", json.dumps({"answer": 42}), display=False)
        ```

        The data is in {published}`data.json`.

        ```{code-cell} ipython3
        :tags: [remove-cell]
        from parallel_guide.site.page import provenance

        record = provenance()
        ```
        """,
    "plain.md": "# Plain\n\nNo code here.\n",
    "report.md": "# Report\n\n```{build-report}\n```\n",
    "program.py": 'print("hello")\n\nif __name__ == "__main__":\n    pass\n',
}


def build(tmp_path: Path) -> subprocess.CompletedProcess:
    source = tmp_path / "docs"
    if not source.exists():
        start_site(source)
        for name, text in SMALL_SITE.items():
            front = FRONT if name == "measured.md" else ""
            (source / name).write_text(front + textwrap.dedent(text))
    return sphinx_build(source, tmp_path / "build", quick=False, timeout=BUILD_TIMEOUT)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("provenance")
    result = build(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp_path, result


def test_a_measured_page_names_its_machine_python_and_packages(site):
    tmp_path, _ = site
    html = (tmp_path / "build" / "html" / "measured.html").read_text()
    box = text_of(html.split("measured-on")[1].split("</dl>")[0])
    assert "usable CPU" in box
    assert f"Python {platform.python_version()}" in box
    import numpy

    assert f"numpy {numpy.__version__}" in box
    assert "full size" in box


def test_a_measured_page_offers_its_notebook_and_its_programs(site):
    tmp_path, _ = site
    html = (tmp_path / "build" / "html" / "measured.html").read_text()
    links = re.findall(r'href="(_downloads/[^"]+)"', html)
    names = sorted(Path(link).name for link in links)
    assert names == ["measured.ipynb", "program.py"]
    notebook = next(link for link in links if link.endswith(".ipynb"))
    cells = json.loads((tmp_path / "build" / "html" / notebook).read_text())["cells"]
    outputs = json.dumps([cell.get("outputs") for cell in cells])
    assert "an output of this build" in outputs


def test_a_disturbed_measurement_is_shown_and_reported_but_does_not_fail(site):
    tmp_path, result = site
    html = (tmp_path / "build" / "html" / "measured.html").read_text()
    assert "busy: work: stands in for a busy machine" not in text_of(html)
    warning = text_of(html.split('class="warning disturbed')[1].split("</ul>")[0])
    assert "Measured while the machine was busy" in warning
    assert "work: stands in for a busy machine" in warning
    said = result.stdout + result.stderr
    assert "disturbed measurement on measured: work: stands in" in said


def test_a_page_without_code_gets_no_box(site):
    tmp_path, _ = site
    html = (tmp_path / "build" / "html" / "plain.html").read_text()
    assert "measured-on" not in html


def test_a_glued_file_is_published_and_linked(site):
    tmp_path, _ = site
    published = tmp_path / "build" / "html" / "_published" / "data.json"
    assert json.loads(published.read_text()) == {"answer": 42}
    html = (tmp_path / "build" / "html" / "measured.html").read_text()
    assert 'href="_published/data.json"' in html


def test_the_build_report_lists_every_executed_page(site):
    tmp_path, _ = site
    html = (tmp_path / "build" / "html" / "report.html").read_text()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    cells = [text_of(row).strip() for row in rows[1:]]
    assert len(cells) == 1, cells
    assert "Measured" in cells[0]
    assert "executed: never run before" in cells[0]
    assert "ok" in cells[0]
    assert "work: stands in for a busy machine" in cells[0]


def test_a_rebuild_says_the_outputs_came_from_the_cache(site):
    tmp_path, _ = site
    (tmp_path / "docs" / "measured.md").touch()  # read again; cells unchanged
    result = build(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (tmp_path / "build" / "html" / "report.html").read_text()
    assert " cached " in text_of(html)


# -- the site's own pages ----------------------------------------------------------

LAST_CELL = re.compile(
    r"```\{code-cell\} ipython3\n:tags: \[remove-cell\]\n"
    r"from parallel_guide\.site\.page import provenance\n\n"
    r"record = provenance\(\).*\n```\n\Z"
)


@pytest.mark.parametrize(
    "page", [p for p in PAGES if "prepare(" in p.read_text()], ids=page_id
)
def test_every_executed_page_ends_by_recording_its_provenance(page):
    assert LAST_CELL.search(page.read_text(encoding="utf-8")), (
        f"{page_id(page)} must end with the hidden provenance() cell that the "
        "other pages end with, so that its box and the build report know how it ran"
    )
