"""A rebuild runs a page again exactly when something it ran has changed.

Builds a small site with the project's real ``docs/conf.py`` and a small
package of its own (``depsdemo``, on ``PYTHONPATH`` and in
``execution_deps_roots``), then changes one thing at a time and checks which
pages MyST-NB executed again.  The builds follow one another, so the tests of
this module share one site and run in order.  Needs the docs dependencies.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from small_site import FRONT, REAL_DOCS, sphinx_build, start_site

pytest.importorskip("myst_nb", reason="the docs dependencies are not installed")

SRC = Path(__file__).resolve().parents[2] / "src"
BUILD_TIMEOUT = 300
HIDDEN = "```{code-cell} ipython3\n:tags: [remove-cell]\nimport warnings\n```\n\n"

PACKAGE = {
    "depsdemo/__init__.py": "",
    "depsdemo/shapes.py": "def area():\n    return 6 * 7\n",
    "depsdemo/colours.py": "def favourite():\n    return 'teal'\n",
    "depsdemo/tasks.py": """\
        import importlib


        def in_worker(method):
            # Imported here, in the worker only: the kernel never imports it.
            module = importlib.import_module(f"depsdemo.only_{method}")
            return module.answer()
        """,
    "depsdemo/only_spawn.py": "def answer():\n    return 'spawn-1'\n",
    "depsdemo/only_forkserver.py": "def answer():\n    return 'forkserver-1'\n",
    "depsdemo/only_fork.py": "def answer():\n    return 'fork-1'\n",
    "depsdemo/script.py": "print('script-1')\n",
    "depsdemo/words.txt": "read-1\n",
}

PAGES = {
    "index.md": "# Site\n\n```{toctree}\nshapes\ncolours\nworkers\nplain\n```\n",
    "shapes.md": FRONT
    + "# Shapes\n\n"
    + HIDDEN
    + "```{code-cell} ipython3\nfrom depsdemo.shapes import area\n\n"
    + 'print(f"area={area()}")\n```\n',
    "colours.md": FRONT
    + "# Colours\n\n"
    + HIDDEN
    + "```{code-cell} ipython3\nimport numpy\n"
    + "from depsdemo.colours import favourite\n\n"
    + 'print(f"colour={favourite()}")\n```\n',
    "workers.md": FRONT
    + "# Workers\n\n"
    + HIDDEN
    + textwrap.dedent(
        """\
        ```{code-cell} ipython3
        import multiprocessing
        import warnings
        from concurrent.futures import ProcessPoolExecutor

        from depsdemo.tasks import in_worker

        warnings.simplefilter("ignore", DeprecationWarning)  # fork in a kernel
        for method in ("spawn", "forkserver", "fork"):
            context = multiprocessing.get_context(method)
            with ProcessPoolExecutor(1, mp_context=context) as pool:
                print("answer=" + pool.submit(in_worker, method).result())
        ```

        ```{code-cell} ipython3
        import subprocess
        import sys
        from pathlib import Path

        import depsdemo

        folder = Path(depsdemo.__file__).parent
        run = subprocess.run([sys.executable, str(folder / "script.py")],
                             capture_output=True, text=True, check=True)
        print("script=" + run.stdout.strip())
        print("words=" + (folder / "words.txt").read_text().strip())
        ```
        """
    ),
    "plain.md": "# Plain\n\nNo code here.\n",
}

RAN = re.compile(r"/docs/(\w+)\.md: Executed notebook in")


def build(tmp_path: Path) -> tuple[set[str], str]:
    """Build the site; the pages MyST-NB executed, and the whole log."""
    source, package = tmp_path / "docs", tmp_path / "pkgs"
    if not source.exists():
        start_site(
            source,
            f"execution_deps_roots = [*execution_deps_roots, {str(package)!r}]\n",
        )
        for name, text in PAGES.items():
            (source / name).write_text(text)
        for name, text in PACKAGE.items():
            (package / name).parent.mkdir(parents=True, exist_ok=True)
            (package / name).write_text(textwrap.dedent(text))
    result = sphinx_build(
        source, tmp_path / "build", paths=(str(package),), timeout=BUILD_TIMEOUT
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    return set(RAN.findall(log)), log


def html(tmp_path: Path, page: str) -> str:
    return (tmp_path / "build" / "html" / f"{page}.html").read_text()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def record(tmp_path: Path, page: str) -> Path:
    (found,) = (tmp_path / "build" / ".jupyter_cache").glob(
        f"*/execution_deps/{page}.json"
    )
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("deps")
    ran, log = build(tmp_path)
    return tmp_path, ran, log


def test_a_cold_build_runs_every_page_and_says_why(site):
    _, ran, log = site
    assert ran == {"shapes", "colours", "workers"}
    assert "shapes: executed: never run before" in log


def test_the_record_holds_what_the_kernel_and_each_kind_of_worker_imported(site):
    tmp_path, _, _ = site
    files = json.loads(record(tmp_path, "workers").read_text())["state"]["files"]
    for method in ("spawn", "forkserver", "fork"):
        assert f"pkgs/depsdemo/only_{method}.py" in files
    shapes = json.loads(record(tmp_path, "shapes").read_text())["state"]
    assert "pkgs/depsdemo/shapes.py" in shapes["files"]
    assert "pkgs/depsdemo/colours.py" not in shapes["files"]
    colours = json.loads(record(tmp_path, "colours").read_text())["state"]
    assert "numpy" in colours["packages"]


def test_the_key_is_not_shown(site):
    tmp_path, _, _ = site
    for page in ("shapes", "colours", "workers"):
        assert "execution-deps" not in html(tmp_path, page)


def test_a_rebuild_with_nothing_changed_runs_nothing(site):
    tmp_path, _, _ = site
    (tmp_path / "docs" / "shapes.md").write_text(
        (tmp_path / "docs" / "shapes.md").read_text() + "\nMore prose.\n"
    )
    ran, log = build(tmp_path)
    assert ran == set()
    assert "shapes: cached" in log
    assert "More prose." in html(tmp_path, "shapes")


def test_editing_a_code_cell_runs_its_page_once(site):
    tmp_path, _, _ = site
    edit(tmp_path / "docs" / "shapes.md", 'print(f"area=', 'print(f"size=')
    ran, log = build(tmp_path)
    assert ran == {"shapes"}
    assert "shapes: executed: its code cells changed" in log
    assert "size=" in html(tmp_path, "shapes")
    # Undone: a new run, not the run cached for these cells before, whose
    # imports the record (now of the edited cells' run) does not describe.
    edit(tmp_path / "docs" / "shapes.md", 'print(f"size=', 'print(f"area=')
    ran, log = build(tmp_path)
    assert ran == {"shapes"}
    assert "area=" in html(tmp_path, "shapes")


def test_editing_a_module_runs_exactly_the_pages_that_imported_it(site):
    tmp_path, _, _ = site
    assert "area=42" in html(tmp_path, "shapes")
    edit(tmp_path / "pkgs" / "depsdemo" / "shapes.py", "6 * 7", "6 * 8")
    ran, log = build(tmp_path)
    assert ran == {"shapes"}
    assert "shapes: executed: pkgs/depsdemo/shapes.py changed" in log
    assert "area=48" in html(tmp_path, "shapes")
    assert "area=42" not in html(tmp_path, "shapes")


def test_editing_a_module_only_a_worker_imported_runs_its_page(site):
    tmp_path, _, _ = site
    edit(tmp_path / "pkgs" / "depsdemo" / "only_spawn.py", "spawn-1", "spawn-2")
    ran, log = build(tmp_path)
    assert ran == {"workers"}
    assert "workers: executed: pkgs/depsdemo/only_spawn.py changed" in log
    assert "answer=spawn-2" in html(tmp_path, "workers")


def test_editing_a_script_run_or_a_file_read_runs_its_page(site):
    tmp_path, _, _ = site
    edit(tmp_path / "pkgs" / "depsdemo" / "script.py", "script-1", "script-2")
    edit(tmp_path / "pkgs" / "depsdemo" / "words.txt", "read-1", "read-2")
    ran, log = build(tmp_path)
    assert ran == {"workers"}
    assert "pkgs/depsdemo/script.py changed" in log
    assert "pkgs/depsdemo/words.txt changed" in log
    assert "script=script-2" in html(tmp_path, "workers")
    assert "words=read-2" in html(tmp_path, "workers")


def test_a_changed_package_version_runs_the_pages_that_imported_it(site):
    import numpy

    tmp_path, _, _ = site
    path = record(tmp_path, "colours")
    saved = json.loads(path.read_text())
    saved["state"]["packages"]["numpy"] = "0.0.1"  # as if numpy was upgraded since
    path.write_text(json.dumps(saved))
    ran, log = build(tmp_path)
    assert ran == {"colours"}
    assert f"colours: executed: numpy 0.0.1 -> {numpy.__version__}" in log


def test_a_deleted_or_damaged_record_runs_its_page(site):
    tmp_path, _, _ = site
    record(tmp_path, "shapes").unlink()
    record(tmp_path, "colours").write_text('{"format": 1, "key": ')
    ran, log = build(tmp_path)
    assert ran == {"shapes", "colours"}
    assert "shapes: executed: never run before" in log
    assert "colours: executed: its record is damaged" in log
    ran, _ = build(tmp_path)
    assert ran == set()


# -- the import log on its own, without a build ------------------------------------

HOOK = SRC / "parallel_guide" / "site" / "import_log"
PROGRAM = """\
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor

import depsdemo.tasks

if __name__ == "__main__":
    for method in sys.argv[1:]:
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            print(pool.submit(depsdemo.tasks.in_worker, method).result())
    with open("depsdemo/words.txt") as words:
        words.read()
    with open("written.txt", "w") as out:
        out.write("not read")
"""


def test_every_process_logs_its_imports_under_each_start_method(tmp_path):
    methods = [m for m in ("spawn", "forkserver", "fork") if m in _start_methods()]
    for name, text in PACKAGE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    (tmp_path / "program.py").write_text(PROGRAM)
    log = tmp_path / "imports.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HOOK), str(tmp_path)]),
        "PARALLEL_GUIDE_IMPORT_LOG": str(log),
        "PARALLEL_GUIDE_IMPORT_PROJECT": "depsdemo",
        "PARALLEL_GUIDE_IMPORT_ROOTS": str(tmp_path),
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    result = subprocess.run(
        [sys.executable, str(tmp_path / "program.py"), *methods],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"{method}-1" for method in methods]
    names = log.read_text().splitlines()
    assert f"file:{tmp_path / 'program.py'}" in names  # run as a script
    assert f"file:{tmp_path / 'depsdemo' / 'words.txt'}" in names  # read
    assert f"file:{tmp_path / 'written.txt'}" not in names  # written only
    for method in methods:
        assert f"depsdemo.only_{method}" in names
    assert "depsdemo.tasks" in names
    assert "depsdemo.shapes" not in names  # nothing imported it
    assert "multiprocessing" not in names  # the standard library is left out


def test_without_a_log_file_named_nothing_is_logged(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(HOOK)}
    env.pop("PARALLEL_GUIDE_IMPORT_LOG", None)
    code = "import sys; print(any('ImportLog' in repr(f) for f in sys.meta_path))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "False"


def _start_methods():
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def test_a_damaged_record_names_its_file_and_field(tmp_path):
    sys.path.insert(0, str(REAL_DOCS / "_ext"))
    try:
        import execution_deps
    finally:
        sys.path.remove(str(REAL_DOCS / "_ext"))
    path = tmp_path / "page.json"
    good = {
        "format": 1,
        "key": "k",
        "cells": "c",
        "state": {"python": "3.13.0", "size": "full", "files": {}, "packages": {}},
    }
    path.write_text(json.dumps(good))
    assert execution_deps.read_record(path)["key"] == "k"
    good["state"]["files"] = []
    path.write_text(json.dumps(good))
    with pytest.raises(ValueError, match=r"page\.json: field 'state\.files'"):
        execution_deps.read_record(path)
    path.write_text('{"format": 1, "key": ')
    with pytest.raises(ValueError, match=r"page\.json: not a JSON record"):
        execution_deps.read_record(path)
