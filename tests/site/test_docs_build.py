"""The docs build fails loudly, never silently or by hanging.

Each test builds a one-page site with the project's real ``docs/conf.py`` and
a page made to misbehave.  Needs the docs dependencies; ``nox -s tests`` installs
them for the Python that builds the docs and skips these tests elsewhere.
"""

import subprocess
import textwrap
from pathlib import Path

import pytest
from small_site import FRONT, sphinx_build, start_site

from parallel_guide.site.sphinx_options import sphinx_options

pytest.importorskip("myst_nb", reason="the docs dependencies are not installed")

BUILD_TIMEOUT = 180


def build(tmp_path: Path, cells: str) -> subprocess.CompletedProcess:
    source = tmp_path / "docs"
    start_site(source, "nb_execution_timeout = 5\n")
    (source / "index.md").write_text(FRONT + "# Page\n" + textwrap.dedent(cells))
    force = ("-D", "nb_execution_mode=force")
    return sphinx_build(
        source, tmp_path / "build", *force, quick=False, timeout=BUILD_TIMEOUT
    )


def test_a_cell_that_raises_fails_the_build(tmp_path):
    result = build(tmp_path, "```{code-cell} ipython3\n1 / 0\n```\n")
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout + result.stderr


def test_a_cell_that_hangs_fails_the_build_after_the_cell_timeout(tmp_path):
    result = build(
        tmp_path, "```{code-cell} ipython3\nimport time\ntime.sleep(600)\n```\n"
    )
    assert result.returncode != 0
    assert "timed out" in result.stdout + result.stderr


def test_a_tagged_failure_is_shown_with_its_traceback(tmp_path):
    cells = "```{code-cell} ipython3\n:tags: [raises-exception]\n1 / 0\n```\n"
    result = build(tmp_path, cells)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "build" / "html" / "index.html").read_text()
    assert "ZeroDivisionError" in html


def test_a_process_left_running_by_a_page_fails_the_build(tmp_path):
    cells = """\
    ```{code-cell} ipython3
    import subprocess, sys
    sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
    subprocess.Popen(sleeper, start_new_session=True)
    ```
    """
    result = build(tmp_path, cells)
    assert result.returncode != 0
    assert "outlived the pages that started them" in result.stdout + result.stderr


def test_a_given_number_renders_as_written(tmp_path):
    result = build(tmp_path, "A {given}`5 s` timeout, a {given}`1.5\u00d7` ratio.\n")
    assert result.returncode == 0, result.stdout + result.stderr
    html = (tmp_path / "build" / "html" / "index.html").read_text()
    assert '<span class="given">5 s</span> timeout' in html
    assert '<span class="given">1.5\u00d7</span> ratio' in html


def test_sphinx_options_come_from_pyproject(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.parallel-guide]\nsphinx-options = ["-n", "-W"]\n')
    assert sphinx_options(pyproject) == ("-n", "-W")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.parallel-guide]\n", "sphinx-options must be a list of strings"),
        ('[tool.parallel-guide]\nsphinx-options = "-W"\n', "must be a list"),
        ("[tool\n", "is not valid TOML"),
    ],
)
def test_damaged_sphinx_options_name_the_file_and_the_field(tmp_path, text, message):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(text)
    with pytest.raises(ValueError, match=message) as raised:
        sphinx_options(pyproject)
    assert str(pyproject) in str(raised.value)


def test_a_missing_pyproject_says_where_the_tooling_runs(tmp_path):
    with pytest.raises(FileNotFoundError, match="runs from a clone"):
        sphinx_options(tmp_path / "pyproject.toml")
