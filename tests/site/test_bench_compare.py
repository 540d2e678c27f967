"""Saved runs read back (site.bench.saved), set side by side (site.bench.versus),
and ``python -m parallel_guide bench --compare`` on fixture files."""

import copy
import json
import math

import pytest

from parallel_guide import Timing, compare
from parallel_guide.site import bench, cli
from parallel_guide.site.bench import (
    FULL,
    TINY,
    BadResultFile,
    BenchReport,
    Row,
    Target,
    compare_reports,
    format_comparison,
    format_table,
    from_json,
    load,
    to_json,
)
from parallel_guide.site.bench.report import JSON_VERSION
from parallel_guide.site.bench.versus import least_runs

MACHINE = {
    "usable_cpus": 2,
    "logical_cpus": 4,
    "python": "CPython 3.13.1",
    "free_threaded": False,
    "system": "Linux x86_64",
    "start_method": "forkserver",
}
SLOW = (2.0, 2.1, 1.9, 2.05, 1.95, 2.02, 1.98)
FAST = (1.0, 1.05, 0.95, 1.02, 0.98, 1.01, 0.99)


def _report(rows, targets=(), *, machine=None, started="2026-12-01T10:00:00+00:00"):
    return BenchReport(
        TINY,
        len(rows[0].runs) if rows and rows[0].runs else 1,
        tuple(rows),
        tuple(targets),
        ("a note",),
        dict(MACHINE if machine is None else machine),
        started,
        3.5,
    )


def _row(name, runs, section="data parallel", unit="s"):
    return Row(section, name, sorted(runs)[len(runs) // 2], 1.0, unit, "", runs)


OLD = _report(
    [
        _row("plain loop", SLOW),
        _row("NumPy", FAST),
        _row(
            "threads: peak memory",
            (30.0, 30.5, 29.5, 30.2, 29.8, 30.1, 29.9),
            "waits",
            "MiB",
        ),
        _row("only here", SLOW),
    ],
    [
        Target(
            "parallel_map on a cheap function: time / plain loop",
            1.5,
            2.0,
            runs=(1.4, 1.5, 1.6),
            comparison=compare(Timing(SLOW), Timing(FAST)),
            compared="parallel_map against the plain loop",
        ),
        Target(
            "run_tasks: time / critical path",
            1.01,
            1.02,
            comparison=compare(Timing((1.0, 1.1)), Timing((1.0, 1.2))),
        ),
    ],
)
NEW = _report(
    [
        _row("plain loop", FAST),
        _row("NumPy", (1.0, 0.97, 1.04, 1.01, 0.99, 1.03, 0.96)),
        _row(
            "threads: peak memory",
            (60.0, 61.0, 59.0, 60.5, 59.5, 60.2, 59.8),
            "waits",
            "MiB",
        ),
        _row("new here", FAST),
    ],
    machine={
        **MACHINE,
        "usable_cpus": 8,
        "logical_cpus": 8,
        "python": "CPython 3.11.2",
    },
    started="2026-12-06T20:00:00+00:00",
)


def _write(path, data):
    path.write_text(json.dumps(data, indent=2))
    return path


@pytest.fixture
def files(tmp_path):
    return (
        _write(tmp_path / "old.json", to_json(OLD)),
        _write(tmp_path / "new.json", to_json(NEW)),
    )


# -- JSON ------------------------------------------------------------------------


def test_json_round_trip_keeps_every_field():
    text = json.dumps(to_json(OLD), allow_nan=False)  # strict JSON
    back = from_json(json.loads(text))
    assert back == OLD
    unbounded = back.targets[1].comparison
    assert unbounded.interval == (0.0, math.inf)  # two runs a side cannot bound it
    assert json.loads(text)["targets"][1]["comparison"]["interval"][1] is None


def test_json_names_what_a_reader_needs_to_compare():
    data = to_json(OLD)
    assert data["version"] == JSON_VERSION == 2
    assert data["set"] == "tiny"
    assert data["repeat"] == 7
    assert data["started"] == "2026-12-01T10:00:00+00:00"
    assert data["machine"]["python"] == "CPython 3.13.1"
    assert data["machine_summary"].startswith("2 usable CPUs (of 4 logical), CPython")
    assert data["rows"][0]["runs"] == list(SLOW)
    target = data["targets"][0]
    assert target["compared"] == "parallel_map against the plain loop"
    assert target["comparison"]["verdict"] == "faster"
    assert target["comparison"]["ratio"] == pytest.approx(0.5, rel=0.05)
    low, high = target["comparison"]["interval"]
    assert low < target["comparison"]["ratio"] < high < 1


def test_table_shows_a_targets_comparison():
    text = format_table(OLD)
    line = next(
        line for line in text.splitlines() if line.startswith("parallel_map on")
    )
    expected = OLD.targets[0].comparison
    low, high = expected.interval
    assert f"{expected.ratio:.2f}" in line
    assert f"{low:.2f}-{high:.2f}" in line
    assert line.endswith("faster")
    tasks = next(line for line in text.splitlines() if line.startswith("run_tasks"))
    assert "unbounded" in tasks
    assert tasks.endswith("no measurable difference")


# -- damaged files ---------------------------------------------------------------


def _set(path, value):
    def damage(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        data[last] = value

    return damage


def _drop(path):
    def damage(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        del data[last]

    return damage


DAMAGE = [
    (_drop(["version"]), "version: missing, so this is not a file written by"),
    (_set(["version"], 1), "version: the file has layout 1, this version of the guide"),
    (_set(["version"], "2"), 'version: the file has layout "2"'),
    (_drop(["sizes"]), "sizes: missing"),
    (
        _set(["sizes", "cpu_items"], "many"),
        'sizes.cpu_items: expected a whole number, got "many"',
    ),
    (
        _set(["sizes", "task_scale"], None),
        "sizes.task_scale: expected a number, got null",
    ),
    (_set(["set"], "quick"), 'set: "quick", but sizes.name is "tiny"'),
    (_set(["repeat"], 0), "repeat: expected a whole number of at least 1, got 0"),
    (_set(["repeat"], True), "repeat: expected a whole number of at least 1, got true"),
    (_set(["started"], 5), "started: expected a string, got 5"),
    (_drop(["machine", "python"]), "machine.python: missing"),
    (
        _set(["machine", "usable_cpus"], "two"),
        'machine.usable_cpus: expected a whole number, got "two"',
    ),
    (_set(["rows"], {}), "rows: expected a list, got {}"),
    (_set(["rows", 1], "NumPy"), 'rows[1]: expected an object, got "NumPy"'),
    (_drop(["rows", 3, "runs"]), "rows[3].runs: missing"),
    (
        _set(["rows", 3, "runs"], "abc"),
        'rows[3].runs: expected a list of numbers, got "abc"',
    ),
    (
        _set(["rows", 0, "runs", 2], "x"),
        'rows[0].runs[2]: expected a number of at least 0, got "x"',
    ),
    (
        _set(["rows", 0, "runs", 0], -1.0),
        "rows[0].runs[0]: expected a number of at least 0, got -1.0",
    ),
    (_set(["rows", 0, "value"], [1]), "rows[0].value: expected a number, got [1]"),
    (
        _set(["rows", 2, "unit"], "GB"),
        'rows[2].unit: expected one of "s", "s/item", "MiB", got "GB"',
    ),
    (
        _set(["rows", 1, "name"], "plain loop"),
        'rows[1]: a second row "plain loop" in section',
    ),
    (
        _set(["targets", 0, "at_least"], "no"),
        'targets[0].at_least: expected true or false, got "no"',
    ),
    (
        _set(["targets", 0, "comparison", "verdict"], "better"),
        'targets[0].comparison.verdict: expected one of "faster", "slower", '
        '"no measurable difference", got "better"',
    ),
    (
        _set(["targets", 0, "comparison", "interval"], [0.5]),
        "targets[0].comparison.interval: expected a pair of numbers",
    ),
    (_drop(["targets", 1, "compared"]), "targets[1].compared: missing"),
    (_set(["notes"], [None]), "notes[0]: expected a string, got null"),
]


@pytest.mark.parametrize(("damage", "message"), DAMAGE)
def test_each_kind_of_damage_names_the_file_and_the_field(
    damage, message, files, capsys
):
    old, new = files
    data = copy.deepcopy(to_json(OLD))
    damage(data)
    _write(new, data)
    assert cli.main(["bench", "--compare", str(old), "--against", str(new)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"python -m parallel_guide bench: error: {new}: ")
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert len(captured.err.splitlines()) == 1


def test_a_list_at_the_top_is_not_a_result_file():
    with pytest.raises(
        BadResultFile, match=r"^f\.json: expected a JSON object at the top, got \[\]$"
    ):
        from_json([], source="f.json")


def _holding(content):
    def make(path):
        path.write_bytes(content)
        return path

    return make


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: p,
            "no such file; write one with: python -m parallel_guide bench --json",
        ),
        (lambda p: p.mkdir() or p, "is a folder; give the JSON file inside it"),
        (_holding(b"{'rows': []}"), "not JSON (line 1, column 2:"),
        (_holding(b"\xff\xfe\x00"), "not a text file"),
        (_holding(b""), "not JSON (line 1, column 1:"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(make, message, tmp_path):
    path = make(tmp_path / "bench.json")
    with pytest.raises(BadResultFile) as raised:
        load(path)
    assert str(raised.value).startswith(f"{path}: {message}")


def test_a_bad_file_is_refused_before_anything_is_measured(
    tmp_path, monkeypatch, capsys
):
    ran = []
    monkeypatch.setattr(bench, "run_bench", lambda *a, **k: ran.append(a))
    bad = _write(tmp_path / "bench.json", {"version": 1})
    assert cli.main(["bench", "--compare", str(bad)]) == 2
    assert ran == []
    assert "version: the file has layout 1" in capsys.readouterr().err


# -- the comparison ----------------------------------------------------------------


def test_rows_are_matched_by_section_and_name_and_compared_with_compare():
    pairs = {pair.name: pair for pair in compare_reports(OLD, NEW)}
    assert list(pairs) == [
        "plain loop",
        "NumPy",
        "threads: peak memory",
        "only here",
        "new here",
    ]
    loop = pairs["plain loop"]
    assert loop.comparison == compare(Timing(SLOW), Timing(FAST))
    assert loop.difference == "faster"
    assert pairs["NumPy"].difference == "no measurable difference"
    assert pairs["threads: peak memory"].difference == "more"  # memory: more or less
    assert pairs["only here"].new is None
    assert pairs["only here"].difference == "only in the first"
    assert pairs["new here"].old is None
    assert pairs["new here"].difference == "only in the second"


def test_comparison_table_shows_both_machines_ratio_interval_and_verdict():
    text = format_comparison(OLD, NEW, sources=("bench.json", "this machine, now"))
    lines = text.splitlines()
    assert lines[0].startswith("theirs: bench.json, tiny set, 7 timed runs per row,")
    assert "started 2026-12-01T10:00:00+00:00" in lines[0]
    assert "on 2 usable CPUs (of 4 logical), CPython 3.13.1" in lines[1]
    assert lines[2].startswith("yours:  this machine, now, tiny set")
    assert "on 8 usable CPUs (of 8 logical), CPython 3.11.2" in lines[3]
    assert lines[5].split() == [
        "section",
        "row",
        "theirs",
        "yours",
        "ratio",
        "95",
        "%",
        "interval",
        "difference",
    ]

    def line_of(name):
        return next(line for line in lines if f"  {name}  " in line)

    expected = compare(Timing(SLOW), Timing(FAST))
    loop = line_of("plain loop")
    assert "2.00 s" in loop
    assert "1.00 s" in loop  # both medians
    assert f"  {expected.ratio:.2f}  " in loop
    low, high = expected.interval
    assert f"{low:.2f}-{high:.2f}" in loop
    assert loop.endswith("faster")
    assert line_of("NumPy").endswith("no measurable difference")
    memory = line_of("threads: peak memory")
    assert "30.0 MiB" in memory
    assert "60.0 MiB" in memory
    assert memory.endswith("more")
    assert line_of("only here").endswith("only in theirs")
    assert line_of("new here").endswith("only in yours")
    assert "ratio = yours / theirs" in text
    assert "note:" not in text  # seven runs a side can tell a difference


def test_too_few_runs_are_said_to_be_too_few():
    old = _report([_row("plain loop", SLOW[:3])])
    new = _report([_row("plain loop", FAST[:3])])
    (pair,) = compare_reports(old, new)
    assert pair.difference == "no measurable difference"  # however large it looks
    text = format_comparison(old, new)
    assert "unbounded" in text
    assert "too few runs" in text
    assert f"--repeat {least_runs(3)}" in text


def test_least_runs_is_what_compare_needs():
    for runs in (1, 2, 3, 5):
        enough = least_runs(runs)
        baseline = Timing(tuple(1.0 + i / 100 for i in range(runs)))

        def bounded(count, baseline=baseline):
            candidate = Timing(tuple(3.0 + i / 100 for i in range(count)))
            return math.isfinite(compare(baseline, candidate).interval[1])

        if enough is None:
            assert not bounded(30)
        else:
            assert bounded(enough)
            assert enough == 1 or not bounded(enough - 1)


def test_different_start_methods_are_noted():
    spawned = _report(list(NEW.rows), machine={**MACHINE, "start_method": "spawn"})
    text = format_comparison(OLD, spawned)
    assert "theirs started worker processes with forkserver, yours with spawn" in text
    assert "--start-method forkserver" in text
    assert "started worker processes" not in format_comparison(OLD, NEW)


def test_different_sets_are_noted():
    full = BenchReport(FULL, 7, NEW.rows, (), (), MACHINE, "", 1.0)
    assert "theirs ran the tiny set, yours the full set" in format_comparison(OLD, full)


# -- the command line ----------------------------------------------------------------


def test_compare_two_files_without_measuring(files, monkeypatch, capsys):
    monkeypatch.setattr(bench, "run_bench", lambda *a, **k: pytest.fail("measured"))
    old, new = files
    assert cli.main(["bench", "--compare", str(old), "--against", str(new)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"old: {old}, tiny set")
    assert f"new: {new}, tiny set" in out
    assert "ratio = new / old" in out
    assert "only in old" in out


def test_compare_runs_the_files_set_and_repeat(files, monkeypatch, capsys):
    calls = []

    def fake_run(bench_set, *, repeat, progress):
        calls.append((bench_set, repeat))
        return NEW

    monkeypatch.setattr(bench, "run_bench", fake_run)
    old, _ = files
    assert cli.main(["bench", "--compare", str(old), "--no-progress"]) == 0
    assert calls == [(TINY, 7)]
    out = capsys.readouterr().out
    assert out.startswith(f"theirs: {old}, tiny set, 7 timed runs per row")
    assert "yours:  this machine, now, tiny set" in out
    assert "plain loop" in out
    assert "faster" in out


def test_compare_with_a_set_or_repeat_given_uses_them(
    files, monkeypatch, capsys, tmp_path
):
    calls = []

    def fake_run(bench_set, *, repeat, progress):
        calls.append((bench_set.name, repeat))
        return NEW

    monkeypatch.setattr(bench, "run_bench", fake_run)
    old, _ = files
    mine = tmp_path / "mine.json"
    argv = ["bench", "--compare", str(old), "--no-progress", "--json", str(mine)]
    assert cli.main([*argv, "--full"]) == 0
    assert cli.main([*argv, "--repeat", "9"]) == 0
    assert calls == [("full", None), ("tiny", 9)]
    assert "theirs ran the tiny set, yours the full set" not in capsys.readouterr().out
    assert from_json(json.loads(mine.read_text())) == NEW  # --json still saves yours


def test_without_compare_the_quick_set_runs(monkeypatch, capsys):
    calls = []

    def fake_run(bench_set, *, repeat, progress):
        calls.append((bench_set.name, repeat))
        return OLD

    monkeypatch.setattr(bench, "run_bench", fake_run)
    assert cli.main(["bench", "--no-progress"]) == 0
    assert calls == [("quick", None)]
    assert "theirs" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--repeat", "3"], "so --repeat cannot apply"),
        (["--quick"], "so --quick/--full cannot apply"),
        (["--json", "x.json"], "so --json cannot apply"),
    ],
)
def test_against_refuses_measuring_options(extra, message, files, capsys):
    old, new = files
    assert (
        cli.main(["bench", "--compare", str(old), "--against", str(new), *extra]) == 2
    )
    assert message in capsys.readouterr().err


def test_against_needs_compare(files, capsys):
    assert cli.main(["bench", "--against", str(files[1])]) == 2
    assert "--against NEW needs --compare OLD" in capsys.readouterr().err
