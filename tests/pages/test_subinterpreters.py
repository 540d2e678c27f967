import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from parallel_guide.pages import subinterpreters
from parallel_guide.pages.subinterpreters import (
    EXECUTOR_KINDS,
    InterpretersUnavailable,
    available_kinds,
    call_in_new_interpreter,
    compare_executors,
    import_problem,
    interpreters_missing,
    make_executor,
    read_flag,
    startup_seconds,
    what_crosses,
)
from parallel_guide.tools.workloads import count_primes

HAS_INTERPRETERS = sys.version_info >= (3, 14)
needs_314 = pytest.mark.skipif(
    not HAS_INTERPRETERS,
    reason="concurrent.interpreters and InterpreterPoolExecutor are new in 3.14",
)


def test_interpreters_are_reported_missing_exactly_before_314():
    reason = interpreters_missing()
    if HAS_INTERPRETERS:
        assert reason == ""
        assert available_kinds() == list(EXECUTOR_KINDS)
    else:
        assert "3.14" in reason
        assert ".".join(map(str, sys.version_info[:3])) in reason
        assert available_kinds() == ["threads", "processes"]


@pytest.mark.parametrize(
    ("kind", "cls"),
    [("threads", ThreadPoolExecutor), ("processes", ProcessPoolExecutor)],
)
def test_make_executor_builds_the_pool_named(kind, cls):
    with make_executor(kind, 2) as pool:
        assert isinstance(pool, cls)
        assert list(pool.map(count_primes, [10, 20])) == [4, 8]


def test_make_executor_rejects_unknown_kinds_and_bad_worker_counts():
    with pytest.raises(ValueError, match="kind must be one of"):
        make_executor("fibers", 2)
    for workers in (0, -2):
        with pytest.raises(ValueError, match="workers must be at least 1"):
            make_executor("threads", workers)
    for workers in (2.0, True):
        with pytest.raises(TypeError, match="workers must be an int"):
            make_executor("threads", workers)


@pytest.mark.skipif(HAS_INTERPRETERS, reason="this Python has interpreters")
@pytest.mark.parametrize(
    "call",
    [
        lambda: make_executor("interpreters", 2),
        lambda: call_in_new_interpreter(read_flag),
        lambda: what_crosses({"one": 1}),
        lambda: import_problem("json"),
    ],
    ids=["make_executor", "call", "what_crosses", "import_problem"],
)
def test_before_314_interpreter_functions_say_what_is_needed(call):
    with pytest.raises(InterpretersUnavailable, match=r"new in Python 3\.14"):
        call()


def test_compare_executors_times_serial_and_every_available_pool():
    timings = compare_executors(count_primes, [3_000] * 4, workers=2, repeat=2)
    assert list(timings) == ["serial", *available_kinds()]
    assert all(len(t.seconds) == 2 for t in timings.values())


def test_compare_executors_shuts_down_pools_started_before_a_failure():
    with pytest.raises(ValueError, match="kind must be one of"):
        compare_executors(abs, [1], workers=1, kinds=["threads", "nonsense"])


@pytest.mark.parametrize("kind", available_kinds())
def test_startup_seconds_is_a_positive_duration(kind):
    assert 0 < startup_seconds(kind, 2) < 60


@needs_314
def test_interpreter_pool_runs_the_workload():
    with make_executor("interpreters", 2) as pool:
        assert list(pool.map(count_primes, [10, 20])) == [4, 8]


@needs_314
def test_a_new_interpreter_imports_the_module_afresh(monkeypatch):
    monkeypatch.setattr(subinterpreters, "FLAG", "changed in the main interpreter")
    assert read_flag() == "changed in the main interpreter"
    assert call_in_new_interpreter(read_flag) == "as imported"


@needs_314
def test_arguments_and_results_cross():
    assert call_in_new_interpreter(count_primes, 30) == 10


@needs_314
def test_what_crosses_tells_shared_from_pickled_from_impossible():
    import threading

    verdicts = what_crosses(
        {"int": 1, "str": "s", "tuple": (1, "a"), "list": [1], "lock": threading.Lock()}
    )
    assert verdicts["int"] == verdicts["str"] == verdicts["tuple"] == "shared"
    assert verdicts["list"] == "pickled"
    assert verdicts["lock"].startswith("cannot cross")


@needs_314
def test_pure_python_modules_import_in_a_subinterpreter():
    assert import_problem("json") == ""


@needs_314
def test_numpy_refuses_to_load_in_a_subinterpreter():
    pytest.importorskip("numpy")
    problem = import_problem("numpy")
    if not problem:
        pytest.skip("this NumPy supports subinterpreters")
    assert problem.startswith("ImportError")
