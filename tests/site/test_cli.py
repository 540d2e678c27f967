import json
import subprocess
import sys

import pytest

from parallel_guide.site import bench, cli
from parallel_guide.site.bench import TINY, BenchReport, Row, Target


def _fail(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    return stopped.value.code, capsys.readouterr().err


def test_bench_defaults_to_no_set_given():
    # None: the quick set, or with --compare the file's (tests/site/test_bench_compare)
    args = cli.parser().parse_args(["bench"])
    assert (args.set, args.repeat, args.json, args.compare) == (None, None, None, None)


def test_full_and_repeat_are_parsed():
    args = cli.parser().parse_args(["bench", "--full", "--repeat", "4"])
    assert (args.set, args.repeat) == ("full", 4)


def test_quick_and_full_together_are_refused(capsys):
    code, err = _fail(["bench", "--quick", "--full"], capsys)
    assert code == 2
    assert "not allowed with argument" in err


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "must be at least 1; got 0"), ("three", "whole number of runs")],
)
def test_a_bad_repeat_is_refused_clearly(value, message, capsys):
    code, err = _fail(["bench", "--repeat", value], capsys)
    assert code == 2
    assert message in err


def test_a_command_is_required(capsys):
    code, err = _fail([], capsys)
    assert code == 2
    assert "required" in err


def test_json_to_a_folder_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="is a folder; give a file name"):
        cli.main(["bench", "--json", str(tmp_path)])


def test_bench_prints_the_table_and_writes_json(tmp_path, monkeypatch, capsys):
    report = BenchReport(
        TINY,
        1,
        (Row("tasks", "x", 1.0, 1.0),),
        (Target("x", 1.0, 1.02),),
        (),
        {},
        "",
        0.1,
    )
    calls = []

    def fake_run(bench_set, *, repeat, progress):
        calls.append((bench_set.name, repeat, progress))
        return report

    monkeypatch.setattr(bench, "run_bench", fake_run)
    out = tmp_path / "new" / "bench.json"
    assert cli.main(["bench", "--full", "--repeat", "2", "--json", str(out)]) == 0
    assert calls == [("full", 2, True)]
    assert "ratio" in capsys.readouterr().out
    assert json.loads(out.read_text())["rows"][0]["name"] == "x"


@pytest.mark.timeout(60)
def test_python_dash_m_runs_the_command_line():
    completed = subprocess.run(
        [sys.executable, "-m", "parallel_guide", "bench", "--help"],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "--repeat N" in completed.stdout


# -- bench-build ---------------------------------------------------------------


def test_bench_build_steps_are_parsed():
    args = cli.parser().parse_args(["bench-build", "--steps", "cold,warm,change-src"])
    assert args.steps == ["cold", "warm", "change src"]
    assert cli.parser().parse_args(["bench-build"]).steps is None


def test_every_bench_build_step_can_be_named_and_repeated():
    names = "cold,warm,warm,touch-page,change-src,change-set-up"
    args = cli.parser().parse_args(["bench-build", "--steps", names])
    assert args.steps == [
        "cold",
        "warm",
        "warm",
        "touch page",
        "change src",
        "change set-up",
    ]


def test_bench_build_refuses_unknown_steps(capsys):
    code, err = _fail(["bench-build", "--steps", "cold,lukewarm"], capsys)
    assert code == 2
    assert "choose from cold, warm, touch-page, change-src" in err


def test_bench_build_needs_a_clone(tmp_path):
    with pytest.raises(SystemExit, match="no docs/ folder there"):
        cli.main(["bench-build", "--root", str(tmp_path)])


def _clone(tmp_path):
    (tmp_path / "docs" / "tutorial").mkdir(parents=True)
    (tmp_path / "docs" / "tutorial" / "introduction.md").write_text("# Hi\n")
    (tmp_path / "src").mkdir()
    return tmp_path


def test_bench_build_needs_an_existing_page(tmp_path):
    root = _clone(tmp_path)
    with pytest.raises(SystemExit, match=r"--page x\.md: no such page"):
        cli.main(["bench-build", "--root", str(root), "--page", "x.md"])


@pytest.mark.parametrize("out", [".", "docs/build"])
def test_bench_build_will_not_build_over_the_sources(tmp_path, out):
    root = _clone(tmp_path)
    with pytest.raises(SystemExit, match="would overwrite the sources"):
        cli.main(["bench-build", "--root", str(root), "--out", str(root / out)])
