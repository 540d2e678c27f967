import subprocess
import sys
import sysconfig

import pytest

from bad_counts import bad_counts
from parallel_guide.pages.free_threading import (
    GilStatus,
    Tally,
    compare_pools,
    count_in_threads,
    gil_status,
    import_and_check_gil,
    lost_update,
    with_python_gil,
)
from parallel_guide.tools.workloads import count_primes

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def test_gil_status_matches_what_the_interpreter_reports():
    status = gil_status()
    assert status.version == ".".join(map(str, sys.version_info[:3]))
    assert status.free_threaded_build is FREE_THREADED
    assert status.can_ask is (sys.version_info >= (3, 13))
    if status.can_ask:
        assert status.gil_enabled is sys._is_gil_enabled()
    else:
        assert status.gil_enabled is True
    assert status.version in status.summary()


def test_a_standard_build_always_has_its_gil_on():
    if FREE_THREADED:
        pytest.skip("this is a free-threaded build")
    assert gil_status().gil_enabled is True
    assert "standard build" in gil_status().summary()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (GilStatus("3.13.0", False, True, True), "always on"),
        (GilStatus("3.14.0", True, False, True), "GIL is off"),
        (GilStatus("3.14.0", True, True, True), "re-enabled"),
    ],
)
def test_summary_says_which_build_and_state(status, words):
    assert words in status.summary()


def test_compare_pools_times_all_three_and_gets_the_same_work_done():
    timings = compare_pools(count_primes, [2_000] * 4, workers=2, repeat=2)
    assert sorted(timings) == ["processes", "serial", "threads"]
    assert all(len(t.seconds) == 2 and t.min > 0 for t in timings.values())


@pytest.mark.parametrize(("workers", "error", "message"), bad_counts("workers"))
def test_compare_pools_rejects_bad_worker_counts(workers, error, message):
    with pytest.raises(error, match=message):
        compare_pools(abs, [1], workers=workers)


def test_the_lock_never_loses_an_update():
    for _ in range(5):
        assert count_in_threads(4, 20_000, safe=True) == 80_000


def test_without_the_lock_updates_can_only_be_lost_never_invented():
    counted = count_in_threads(4, 20_000, safe=False)
    assert 20_000 <= counted <= 80_000


def test_the_forced_interleaving_loses_all_but_one_update():
    assert lost_update(2) == 1
    assert lost_update(4) == 1


def test_the_lock_forbids_the_interleaving():
    assert lost_update(4, safe=True) == 4


@pytest.mark.parametrize(("threads", "error", "message"), bad_counts("threads"))
def test_lost_update_rejects_bad_thread_counts(threads, error, message):
    with pytest.raises(error, match=message):
        lost_update(threads)


def test_tally_counts_both_ways():
    tally = Tally()
    for _ in range(3):
        tally.add_unsafely()
        tally.add_safely()
    assert tally.value == 6


def test_python_gil_1_keeps_the_gil_on():
    assert with_python_gil("1") == "GIL on"


def test_python_gil_0_is_refused_by_a_standard_313_build_honoured_by_free_threaded():
    outcome = with_python_gil("0")
    if FREE_THREADED:
        assert outcome == "GIL off"
    elif sys.version_info >= (3, 13):
        assert outcome.startswith("Fatal Python error")
        assert "not supported by this build" in outcome
    else:  # 3.11 and 3.12 do not know the variable
        assert outcome == "GIL on"


@pytest.mark.parametrize("value", ["", "yes", 0])
def test_python_gil_takes_only_0_or_1(value):
    with pytest.raises(ValueError, match="'0' or '1'"):
        with_python_gil(value)


def test_a_pure_python_import_leaves_the_gil_alone():
    report = import_and_check_gil("json")
    assert report.gil_before == report.gil_after
    assert report.warnings == ()


def test_importing_numpy_reports_the_gil_honestly():
    report = import_and_check_gil("numpy")
    if not FREE_THREADED:
        assert (report.gil_before, report.gil_after) == (True, True)
        assert report.warnings == ()
    elif report.gil_after:  # an older NumPy without free-threading support
        assert any("has been enabled to load module" in w for w in report.warnings)


def test_a_missing_module_is_a_clear_import_error():
    with pytest.raises(ImportError, match="no_such_module_here"):
        import_and_check_gil("no_such_module_here")


def test_the_warning_text_the_page_quotes_is_in_this_interpreter_when_free_threaded():
    if not FREE_THREADED:
        pytest.skip("only a free-threaded build can re-enable its GIL")
    # _testsinglephase declares nothing about the GIL, so importing it turns
    # the GIL back on, with the warning the page quotes.
    code = (
        "import warnings, sys\n"
        "warnings.simplefilter('always')\n"
        "import _testsinglephase\n"
        "print(sys._is_gil_enabled())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    if "No module named '_testsinglephase'" in done.stderr:
        pytest.skip("this build has no _testsinglephase test module")
    assert "The global interpreter lock (GIL) has been enabled" in done.stderr
    assert done.stdout.strip() == "True"
