import ast
import importlib.util
import json
import textwrap
from pathlib import Path

import pytest
from small_site import FRONT

from parallel_guide.site import bench_build
from parallel_guide.site.bench_build import (
    BuildStep,
    PageRun,
    change_function,
    copy_tree,
    format_report,
    importers,
    judge,
    parse_log,
    parse_reasons,
    run_builds,
    touch_page,
)

ROOT = Path(__file__).resolve().parents[2]

# What sphinx-build printed in a real build, around MyST-NB's lines.
LOG = """\
Running Sphinx v9.0.4
loading translations [en]... done
reading sources... [ 10%] how-to/choose_chunksize
/w/docs/how-to/choose_chunksize.md: Executing notebook using local CWD [mystnb]
/w/docs/how-to/choose_chunksize.md: Executed notebook in 24.78 seconds [mystnb]
/w/docs/how-to/choose_chunksize.md: Cached executed notebook: ID=5 [mystnb]
reading sources... [ 20%] index
/w/docs/tutorial/introduction.md: Using cached notebook: ID=2 [mystnb]
/w/docs/tutorial/mandelbrot.md: Executed notebook in 3 seconds [mystnb]
not a line: Executed notebook in many seconds
build succeeded.
"""


# -- parsing and reporting -----------------------------------------------------


def test_parse_log_finds_executed_and_cached_pages():
    executed, cached = parse_log(LOG, "/w/docs")
    assert executed == [
        PageRun("how-to/choose_chunksize.md", 24.78),
        PageRun("tutorial/mandelbrot.md", 3.0),
    ]
    assert cached == ["tutorial/introduction.md"]


def test_parse_log_keeps_paths_outside_docs_whole():
    executed, _ = parse_log("/elsewhere/p.md: Executed notebook in 1.5 seconds", "/w")
    assert executed == [PageRun("/elsewhere/p.md", 1.5)]


def test_parse_log_of_a_build_that_executed_nothing():
    assert parse_log("build succeeded.\n", "/w/docs") == ([], [])


def test_build_step_shares_and_slowest_page():
    step = BuildStep("cold", 200.0, (PageRun("a.md", 20.0), PageRun("b.md", 130.0)))
    assert step.executing_seconds == 150.0
    assert step.share_executing == 0.75
    assert step.slowest == PageRun("b.md", 130.0)
    data = step.to_json()
    assert data["slowest"] == "b.md"
    assert data["share_executing"] == 0.75
    assert data["executed"][1] == {"page": "b.md", "seconds": 130.0}


def test_build_step_with_nothing_executed():
    step = BuildStep("warm", 0.0)
    assert (step.executing_seconds, step.share_executing, step.slowest) == (
        0,
        0.0,
        None,
    )


def test_judge_applies_each_target():
    cold = BuildStep("cold", 601.0, (PageRun("a.md", 59.0),))
    warm = BuildStep("warm", 4.9)
    verdicts = {v.name: v for v in judge([cold, warm])}
    assert verdicts["cold full build, seconds"].met is False
    assert verdicts["warm rebuild, seconds"].met is True
    slowest = verdicts["slowest page execution, seconds"]
    assert (slowest.met, slowest.measured, slowest.note) == (True, 59.0, "a.md")


def test_judge_takes_the_median_of_a_repeated_step_and_notes_its_range():
    steps = [BuildStep("warm", s) for s in (4.0, 9.0, 4.5)]
    (verdict,) = judge(steps)
    assert (verdict.measured, verdict.met) == (4.5, True)
    assert verdict.note == "median of 3 builds, 4.0 to 9.0 s"


def test_judge_checks_a_change_executes_exactly_the_pages_that_used_it():
    runs = (PageRun("a.md", 1.0), PageRun("b.md", 2.0))
    step = BuildStep("change set-up", 9.0, runs, expected=("a.md", "b.md"))
    (verdict,) = judge([step])
    assert (verdict.name, verdict.met, verdict.note) == (
        "set-up changed, pages executed again",
        True,
        "exactly the 2 page(s) that used the file",
    )
    stale = BuildStep("change set-up", 9.0, runs[:1], expected=("a.md", "b.md"))
    (verdict,) = judge([stale])
    assert (verdict.met, verdict.measured, verdict.bound) == (False, 1, 2)
    assert verdict.note == "not executed again: b.md"
    row = format_report([stale], [verdict]).splitlines()[-1]
    assert row.split()[5:9] == ["1", "=", "2", "missed"]


def test_judge_notes_a_page_that_executed_without_using_the_change():
    runs = (PageRun("tutorial/mandelbrot.md", 20.0), PageRun("index.md", 2.0))
    step = BuildStep("change src", 30.0, runs, expected=("tutorial/mandelbrot.md",))
    verdict = judge([step])[-1]
    assert verdict.name == "one module changed, pages executed again"
    assert not verdict.met
    assert verdict.note == "executed but did not use it: index.md"


def test_importers_reads_which_pages_used_a_file(tmp_path):
    tree, out = tmp_path / "tree", tmp_path / "out"
    module = tree / "src" / "pkg" / "mod.py"
    module.parent.mkdir(parents=True)
    module.write_text("")
    records = out / ".jupyter_cache" / "py313" / "execution_deps"
    for page, files in (("how-to/a", ["src/pkg/mod.py"]), ("b", ["src/pkg/other.py"])):
        (records / page).parent.mkdir(parents=True, exist_ok=True)
        state = {"state": {"files": dict.fromkeys(files, "0")}}
        (records / f"{page}.json").write_text(json.dumps(state))
    (records / "damaged.json").write_text("{not json")
    assert importers(out, tree, module) == ("how-to/a.md",)


def test_judge_notes_a_failed_build():
    (verdict,) = judge([BuildStep("warm", 1.0, exit_code=2)])
    assert verdict.met  # the time is still the time
    assert verdict.note == "the warm build(s) failed"


def test_judge_notes_a_quick_build_and_skips_missing_steps():
    (verdict,) = judge([BuildStep("warm", 1.0)], quick=True)
    assert verdict.name == "warm rebuild, seconds"
    assert "quick build" in verdict.note


def test_report_shows_every_build_and_verdict():
    steps = [
        BuildStep("cold", 250.0, (PageRun("a.md", 100.0), PageRun("b.md", 50.0))),
        BuildStep("warm", 7.5, cached=()),
    ]
    text = format_report(steps, judge(steps))
    lines = text.splitlines()
    assert lines[2].split()[:5] == ["cold", "250.0", "2", "150.0", "60%"]
    assert lines[2].endswith("ok")
    assert "a.md (100.0 s)" in lines[2]
    assert lines[3].split()[:5] == ["warm", "7.5", "0", "0.0", "0%"]
    assert "missed" in text  # warm over 5 s
    assert "met" in text


# -- preparing the copy --------------------------------------------------------


def _clone(tmp_path: Path) -> Path:
    root = tmp_path / "clone"
    (root / "docs" / "jupyter_execute").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Home\n")
    (root / "docs" / "jupyter_execute" / "old.ipynb").write_text("{}")
    (root / "src" / "parallel_guide" / "__pycache__").mkdir(parents=True)
    (root / "src" / "parallel_guide" / "__init__.py").write_text("")
    (root / "README.md").write_text("readme\n")
    return root


def test_copy_tree_copies_sources_but_not_caches(tmp_path):
    root = _clone(tmp_path)
    tree = tmp_path / "out" / "tree"
    (tree / "stale").mkdir(parents=True)
    copy_tree(root, tree)
    assert (tree / "docs" / "index.md").read_text() == "# Home\n"
    assert (tree / "src" / "parallel_guide" / "__init__.py").exists()
    assert (tree / "README.md").read_text() == "readme\n"
    assert not (tree / "docs" / "jupyter_execute").exists()
    assert not (tree / "src" / "parallel_guide" / "__pycache__").exists()
    assert not (tree / "stale").exists()


def test_copy_tree_needs_docs_and_src(tmp_path):
    with pytest.raises(FileNotFoundError, match="docs is missing"):
        copy_tree(tmp_path, tmp_path / "tree")


def test_touch_page_changes_the_text_only(tmp_path):
    tree = copy_tree(_clone(tmp_path), tmp_path / "tree")
    touch_page(tree, "index.md")
    assert (tree / "docs" / "index.md").read_text() == "# Home\n\n"
    with pytest.raises(FileNotFoundError, match=r"no page 'nope\.md'"):
        touch_page(tree, "nope.md")


def test_change_function_changes_the_source_not_the_behaviour(tmp_path):
    package = tmp_path / "src" / "parallel_guide" / "tools"
    package.mkdir(parents=True)
    original = (ROOT / "src" / "parallel_guide" / "tools" / "workloads.py").read_text()
    (package / "workloads.py").write_text(original)
    path = change_function(tmp_path, "tools/workloads.py", "def wait(")
    changed = path.read_text()
    assert changed != original
    wait = next(
        node
        for node in ast.parse(changed).body
        if isinstance(node, ast.FunctionDef) and node.name == "wait"
    )
    assert ast.get_docstring(wait)  # the docstring is still the docstring
    spec = importlib.util.spec_from_file_location("changed_workloads", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.wait(0) == 0


def test_change_function_says_what_it_could_not_find(tmp_path):
    package = tmp_path / "src" / "parallel_guide" / "tools"
    package.mkdir(parents=True)
    (package / "workloads.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="no 'def wait\\(' to change"):
        change_function(tmp_path, "tools/workloads.py", "def wait(")


def test_change_function_by_default_changes_a_module_one_page_uses(tmp_path):
    package = tmp_path / "src" / "parallel_guide" / "pages"
    package.mkdir(parents=True)
    original = (ROOT / "src" / "parallel_guide" / "pages" / "mandelbrot.py").read_text()
    (package / "mandelbrot.py").write_text(original)
    changed = change_function(tmp_path).read_text()
    assert changed != original
    render = next(
        node
        for node in ast.parse(changed).body
        if isinstance(node, ast.FunctionDef) and node.name == "render"
    )
    assert ast.get_docstring(render)
    assert "# changed by bench-build" in ast.get_source_segment(changed, render)


def test_judge_says_which_pages_ran_after_one_module_changed():
    step = BuildStep("change src", 30.0, (PageRun("tutorial/mandelbrot.md", 20.0),))
    (verdict,) = judge([step])
    assert verdict.name == "one module changed, rebuild seconds"
    assert verdict.met
    assert verdict.note == "executed: tutorial/mandelbrot.md"


def test_parse_reasons_reads_why_each_page_ran():
    log = LOG + "tutorial/mandelbrot: executed: src/parallel_guide/x.py changed\n"
    log += "tutorial/introduction: cached\n"
    assert parse_reasons(log) == [
        ("tutorial/mandelbrot", "src/parallel_guide/x.py changed")
    ]


def test_run_builds_rejects_unknown_steps_before_copying(tmp_path):
    with pytest.raises(ValueError, match="unknown steps \\['lukewarm'\\]"):
        run_builds(tmp_path, tmp_path / "out", steps=["lukewarm"])
    assert not (tmp_path / "out").exists()


# -- a real build of a one-page site ---------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_builds_of_a_tiny_site_execute_once_then_use_the_cache(tmp_path):
    pytest.importorskip("myst_nb")
    root = _clone(tmp_path)
    (root / "docs" / "conf.py").write_text(
        textwrap.dedent("""\
        import os
        extensions = ["myst_nb"]
        nb_execution_mode = "cache"
        nb_execution_cache_path = os.environ["DOCS_BUILD_DIR"] + "/.jupyter_cache"
        exclude_patterns = ["jupyter_execute"]
        """)
    )
    (root / "docs" / "index.md").write_text(
        FRONT
        + textwrap.dedent("""\
        # Home

        ```{code-cell} ipython3
        print(6 * 7)
        ```
        """)
    )
    out = tmp_path / "out"
    steps = run_builds(
        root,
        out,
        page="index.md",
        steps=["cold", "warm", "touch page", "warm"],
        echo=False,
    )
    cold, warm, touched, _ = steps
    assert [run.page for run in cold.executed] == ["index.md"]
    assert 0 < cold.executing_seconds < cold.seconds
    assert warm.executed == ()
    assert warm.cached == ()  # nothing was even read
    assert touched.executed == ()
    assert touched.cached == ("index.md",)
    assert "42" in (out / "html" / "index.html").read_text()
    assert (out / "cold.log").exists()
    assert (out / "warm.log").exists()
    assert (out / "warm-2.log").exists()  # a step run again keeps its own log
    assert (root / "docs" / "index.md").read_text().endswith("```\n")  # untouched


@pytest.mark.timeout(60)
def test_a_failed_build_is_reported_with_its_exit_code(tmp_path, monkeypatch):
    root = _clone(tmp_path)  # no conf.py: sphinx-build fails
    monkeypatch.setattr(bench_build, "_check_imports_copy", lambda env, tree: None)
    pytest.importorskip("sphinx")
    (step,) = run_builds(root, tmp_path / "out", steps=["cold"], echo=False)
    assert step.exit_code != 0
    assert "conf.py" in (tmp_path / "out" / "cold.log").read_text()
    text = format_report([step], judge([step]))
    assert f"failed (exit {step.exit_code})" in text
