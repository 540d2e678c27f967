import io
import json
import math
import multiprocessing

import pytest

from parallel_guide.site import bench, cli
from parallel_guide.site.bench import (
    FULL,
    GRAPH_DEPENDS_ON,
    GRAPH_SECONDS,
    QUICK,
    TINY,
    BenchReport,
    Row,
    Target,
    format_table,
    measure,
    run_bench,
    to_json,
)
from parallel_guide.site.bench.progress import Progress
from parallel_guide.site.bench.report import JSON_VERSION
from parallel_guide.site.bench.saved import from_json
from parallel_guide.site.bench.versus import compare_reports
from parallel_guide.tools.machine import usable_cpus
from parallel_guide.tools.timeline import critical_path


def _report(rows=(), targets=(), notes=()):
    return BenchReport(TINY, 2, tuple(rows), tuple(targets), tuple(notes), {}, "t", 1.5)


# -- the task graph ------------------------------------------------------------


def test_critical_path_of_the_benchmark_graph():
    assert critical_path(GRAPH_SECONDS, GRAPH_DEPENDS_ON)[0] == pytest.approx(1.1)


# -- ratios and targets --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "limit", "ratio"), [(2.0, 1.0, 2.0), (1.0, 1.0, 1.0), (0.5, 2.0, 0.25)]
)
def test_ratio_is_value_over_limit(value, limit, ratio):
    assert Row("s", "r", value, limit).ratio == ratio


def test_ratio_without_a_limit_is_nan():
    assert math.isnan(Row("s", "r", 1.0, 0.0).ratio)


def test_spread_is_the_range_of_the_runs_over_the_median():
    assert Row("s", "r", 2.0, 1.0, runs=(1.5, 2.0, 2.5)).spread == pytest.approx(0.5)
    assert math.isnan(Row("s", "r", 2.0, 1.0, runs=(2.0,)).spread)  # one run
    assert math.isnan(Row("s", "r", 2.0, 1.0).spread)


def test_per_round_ratios_pair_the_runs_of_each_round():
    a = measure.Timing((2.0, 3.0, 8.0))
    b = measure.Timing((1.0, 3.0, 2.0))
    assert measure._per_round(a, b) == (2.0, 1.0, 4.0)
    with pytest.raises(ValueError, match="shorter"):  # rounds must line up
        measure._per_round(a, measure.Timing((1.0,)))


@pytest.mark.parametrize(
    ("measured", "bound", "at_least", "met"),
    [
        (0.95, 0.9, True, True),
        (0.9, 0.9, True, True),
        (0.85, 0.9, True, False),
        (1.2, 1.25, False, True),
        (1.3, 1.25, False, False),
        (math.nan, 1.0, False, False),
        (math.nan, 1.0, True, False),
    ],
)
def test_target_verdicts(measured, bound, at_least, met):
    assert Target("t", measured, bound, at_least=at_least).met is met


def test_sweep_reaches_a_quarter_of_each_workers_share():
    sizes = measure._sweep_sizes(100_000, 2)
    assert sizes == sorted(set(sizes))
    assert sizes[0] == 64
    assert sizes[-1] == 12_500


def test_sweep_of_a_tiny_input_has_one_size():
    assert measure._sweep_sizes(3, 2) == [1]


def test_sets_grow_from_tiny_to_full():
    for name in ("cpu_items", "chunk_items", "task_scale", "repeat"):
        assert getattr(TINY, name) < getattr(QUICK, name) <= getattr(FULL, name)
    assert QUICK.wait_count == FULL.wait_count == 10_000  # as the issue asks


# -- table and JSON ------------------------------------------------------------


def test_table_lines_up_and_shows_every_row_and_verdict():
    rows = [
        Row("data parallel", "plain loop", 0.08, 0.004, note="a note"),
        Row("chunk size", "automatic", 2.5e-7, 2e-7, "s/item", runs=(2e-7, 3e-7)),
        Row("waits", "threads: peak memory", 150.0, 34.0, "MiB"),
    ]
    targets = [
        Target("good", 1.1, 1.25, runs=(1.05, 1.1, 1.2)),
        Target("bad", 0.5, 0.9, at_least=True),
    ]
    text = format_table(_report(rows, targets, ["something was skipped"]))
    lines = text.splitlines()
    header = lines[0]
    assert header.split() == [
        "section",
        "row",
        "median",
        "spread",
        "limit",
        "ratio",
        "note",
    ]
    ratio_end = header.index("ratio") + len("ratio")
    spread_end = header.index("spread") + len("spread")
    for line, row in zip(lines[2:5], rows, strict=True):
        assert line[:ratio_end].endswith(f"{row.ratio:.2f}")  # right-aligned
    assert lines[3][:spread_end].endswith("40%")  # (3e-7 - 2e-7) / 2.5e-7
    assert lines[2][:spread_end].rstrip().endswith("80.0 ms")  # one run: none
    assert "1.05-1.20" in text  # the target's fastest and slowest round
    assert "80.0 ms" in text
    assert "250 ns/item" in text
    assert "150.0 MiB" in text
    assert "20.00" in text  # 0.08 / 0.004
    assert "good" in text
    assert "met" in text
    assert "missed" in text
    assert ">= 0.90" in text
    assert "note: something was skipped" in text
    assert text.split("\n\n")[-1].startswith("tiny set: 2 timed runs per row")


def test_json_has_rows_with_ratios_and_targets_with_verdicts():
    rows = [Row("tasks", "run_tasks", 1.2, 1.0, runs=(1.1, 1.2, 1.3))]
    targets = [Target("run_tasks", 1.2, 1.02, runs=(1.1, 1.3))]
    data = json.loads(json.dumps(to_json(_report(rows, targets, ["n"]))))
    assert data["version"] == JSON_VERSION
    assert data["set"] == "tiny"
    assert data["repeat"] == 2
    assert data["sizes"]["wait_count"] == TINY.wait_count
    (row,) = data["rows"]
    assert row["section"] == "tasks"
    assert row["ratio"] == pytest.approx(1.2)
    assert row["runs"] == [1.1, 1.2, 1.3]
    assert row["unit"] == "s"
    (target,) = data["targets"]
    assert target["met"] is False
    assert target["bound"] == 1.02
    assert target["runs"] == [1.1, 1.3]
    assert target["comparison"] is None  # against a critical path: no runs to compare
    assert data["notes"] == ["n"]
    assert data["machine_summary"] == "an unknown machine"  # {}: made by hand


# -- bad input -----------------------------------------------------------------


def test_run_bench_needs_a_bench_set():
    with pytest.raises(TypeError, match="BenchSet such as QUICK or FULL, got str"):
        run_bench("quick")


@pytest.mark.parametrize(("repeat", "error"), [(0, ValueError), (True, TypeError)])
def test_run_bench_rejects_a_bad_repeat_before_running(repeat, error, monkeypatch):
    monkeypatch.setattr(measure, "_SECTIONS", ())  # nothing would run anyway
    with pytest.raises(error, match="repeat"):
        run_bench(TINY, repeat=repeat)


# -- progress ------------------------------------------------------------------


def test_progress_without_tqdm_writes_one_line_per_section(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "tqdm", None)  # not installed
    stream = io.StringIO()
    progress = Progress(2, enabled=True, stream=stream)
    for title in ("first", "second", "done"):
        progress.step(title)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert [line.split()[-2:] for line in lines] == [
        ["0/2", "first"],
        ["1/2", "second"],
        ["2/2", "done"],
    ]
    assert lines[-1].count("#") == 20


def test_progress_disabled_writes_nothing():
    stream = io.StringIO()
    progress = Progress(2, enabled=False, stream=stream)
    progress.step("first")
    progress.close()
    assert stream.getvalue() == ""


# -- real runs, tiny ------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_report():
    return run_bench(TINY, repeat=1)


SECTIONS_WITH_A_LIMIT_ROW = {
    "data parallel",
    "CPU-heavy",
    "chunk size",
    "per-item overhead, running pool",
    "per-item overhead, pool per call",
}


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_tiny_run_has_every_section_and_positive_ratios(tiny_report):
    sections = {row.section for row in tiny_report.rows}
    assert {"tasks", *SECTIONS_WITH_A_LIMIT_ROW} <= sections
    assert any(section.endswith("waits of 0.05 s") for section in sections)
    names = {(row.section, row.name) for row in tiny_report.rows}
    assert ("data parallel", "plain loop") in names
    assert ("data parallel", "parallel_map") in names
    assert ("data parallel, 200 items", "parallel_map") in names
    assert ("CPU-heavy", "1 process") in names
    assert any(
        section == "CPU-heavy" and name.endswith("processes, running pool")
        for section, name in names
    )
    assert ("per-item overhead, running pool", "parallel_map, automatic chunks") in (
        names
    )
    assert ("per-item overhead, pool per call", "parallel_map, own pool") in names
    for row in tiny_report.rows:
        assert row.value > 0, row
        assert 0 < row.ratio < 100_000, row
        assert len(row.runs) == 1, row
    # Each section's limit is one of its own rows (or the wait itself).
    limit_rows = [r for r in tiny_report.rows if math.isclose(r.ratio, 1.0)]
    assert {r.section for r in limit_rows} >= SECTIONS_WITH_A_LIMIT_ROW


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_tiny_run_sweeps_the_executor_and_compares_with_its_best(tiny_report):
    swept = {
        int(row.name.rpartition("=")[2]): row
        for row in tiny_report.rows
        if row.section == "chunk size"
    }
    assert sorted(swept) == [1, *measure._sweep_sizes(TINY.chunk_items, 2)]
    best = min((size for size in swept if size > 1), key=lambda s: swept[s].value)
    assert swept[best].ratio == 1.0
    # The head-to-head measures that same best chunk size again.
    running = [r for r in tiny_report.rows if r.section.endswith("running pool")]
    assert running[0].name == f"ProcessPoolExecutor.map, chunksize={best}"
    (target,) = [t for t in tiny_report.targets if "best chunk size" in t.name]
    automatic = running[1]
    assert target.measured == pytest.approx(automatic.ratio)
    assert len(target.runs) == 1


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_tiny_run_reports_targets_and_skipped_rows(tiny_report):
    names = [t.name for t in tiny_report.targets]
    cheap = [name for name in names if name.startswith("parallel_map on a cheap")]
    assert cheap == [
        f"parallel_map on a cheap function, {TINY.data_items:,} items: "
        "time / plain loop"
    ]
    # A short input is shown, not judged: every item goes to a worker.
    assert any(
        note.startswith("data parallel, 200 items: no target")
        for note in tiny_report.notes
    )
    assert sum(name.startswith("CPU-heavy speed-up") for name in names) == 1
    assert sum("best chunk size" in name for name in names) == 1
    assert sum("critical path" in name for name in names) == 2
    assert len(names) == 5
    assert all(len(t.runs) == 1 for t in tiny_report.targets if "path" not in t.name)
    assert any("original example was not run" in note for note in tiny_report.notes)
    method = multiprocessing.get_context().get_start_method()
    assert any(
        note.startswith(f"worker processes started with {method}; load average")
        for note in tiny_report.notes
    )
    assert json.loads(json.dumps(to_json(tiny_report)))["set"] == "tiny"
    assert "ratio = median / limit" in format_table(tiny_report)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_tiny_run_compares_the_variants_its_targets_name(tiny_report):
    compared = {t.compared: t for t in tiny_report.targets if t.comparison}
    best = next(
        row.name.rpartition("=")[2]
        for row in tiny_report.rows
        if row.section == "per-item overhead, running pool"
    )
    assert sorted(compared) == [
        f"{measure._processes(usable_cpus())} against the serial loop",
        f"automatic chunks against chunksize={best}",
        "parallel_map against the plain loop",
    ]
    for target in compared.values():
        assert target.comparison.verdict in {
            "faster",
            "slower",
            "no measurable difference",
        }
    cheap = compared["parallel_map against the plain loop"]
    assert cheap.comparison.ratio == pytest.approx(cheap.measured)
    # One run a side cannot tell anything: written as such, not as a verdict.
    assert cheap.comparison.verdict == "no measurable difference"
    assert not all(t.comparison for t in tiny_report.targets)  # critical paths


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_tiny_run_survives_the_round_trip_and_compares_with_itself(tiny_report):
    back = from_json(json.loads(json.dumps(to_json(tiny_report))))
    assert back.rows == tiny_report.rows
    assert back.targets == tiny_report.targets
    pairs = compare_reports(back, tiny_report)
    assert len(pairs) == len(tiny_report.rows)
    assert {pair.difference for pair in pairs} == {"no measurable difference"}


@pytest.mark.timeout(120)
def test_data_parallel_without_numpy_says_so(monkeypatch):
    monkeypatch.setattr(measure, "_numpy", lambda: None)
    rows, targets, notes = measure._data_parallel(TINY, 1)
    sections = ["data parallel"] * 2 + ["data parallel, 200 items"] * 2
    assert [row.section for row in rows] == sections
    assert [row.name for row in rows] == ["plain loop", "parallel_map"] * 2
    assert rows[0].ratio == 1.0  # without NumPy the loop is the limit
    assert rows[2].ratio == 1.0
    assert sum("NumPy is not installed" in note for note in notes) == 2
    assert len(targets) == 1  # the short input has none


# -- the command line ------------------------------------------------------------


def test_start_method_is_set_before_the_run(monkeypatch, capsys):
    chosen = []

    def fake_run(bench_set, *, repeat, progress):
        chosen.append(multiprocessing.get_start_method(allow_none=True))
        return _report()

    monkeypatch.setattr(bench, "run_bench", fake_run)
    before = multiprocessing.get_start_method(allow_none=True)
    try:
        assert cli.main(["bench", "--start-method", "spawn", "--no-progress"]) == 0
    finally:
        multiprocessing.set_start_method(before, force=True)
    assert chosen == ["spawn"]
    assert "ratio" in capsys.readouterr().out


def test_unknown_start_method_is_refused(capsys):
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["bench", "--start-method", "vfork"])
    assert "invalid choice: 'vfork'" in capsys.readouterr().err


def test_markdown_tables_have_one_line_per_row_and_target():
    rows = [Row("a", "x|y", 2.0, 1.0), Row("b", "z", 1.0, 1.0, "MiB")]
    targets = [Target("t", 3.0, 0.9, at_least=True)]
    table, verdicts = bench.markdown_tables(_report(rows, targets))
    lines = table.splitlines()
    assert len(lines) == 2 + len(rows)
    assert all(line.count(" | ") == 6 for line in lines)  # the | in x|y is escaped
    assert "x\\|y" in lines[2]
    assert "| 2.00 |" in lines[2]
    assert "| 2.00 s |  | 1.00 s |" in lines[2]  # no runs: no spread
    assert "1.0 MiB" in lines[3]
    assert verdicts.splitlines()[2] == "| t | 3.00 |  | >= 0.90 | met |  |  |  |"
