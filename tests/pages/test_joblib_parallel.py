"""joblib: loky workers, memmapping, and functions from __main__ pickled by value."""

from __future__ import annotations

import sys

import pytest

joblib = pytest.importorskip("joblib")
np = pytest.importorskip("numpy")

from parallel_guide.pages.joblib_parallel import (  # noqa: E402
    call_in_fresh_interpreter,
    describe_argument,
    loky_workers,
    pickle_both_ways,
    sum_parts,
)
from parallel_guide.pages.share_data_without_copying import slices  # noqa: E402
from parallel_guide.tools.workloads import count_primes  # noqa: E402

# A function as a notebook cell defines it: its module is __main__.
MAIN_SQUARE = "def square(x):\n    return x * x\n"


@pytest.fixture
def main_square(monkeypatch):
    """square(), defined in this interpreter's __main__, as a notebook cell does."""
    main = sys.modules["__main__"]
    namespace = {"__name__": "__main__"}
    exec(MAIN_SQUARE, namespace)
    monkeypatch.setattr(main, "square", namespace["square"], raising=False)
    return namespace["square"]


def test_by_reference_pickle_fails_where_main_differs_and_by_value_works(
    main_square,
):
    pickled = pickle_both_ways(main_square)
    assert b"square" in pickled["pickle"]
    assert b"__main__" in pickled["pickle"]
    assert len(pickled["cloudpickle"]) > len(pickled["pickle"])
    by_reference = call_in_fresh_interpreter(pickled["pickle"], 7)
    assert by_reference.returncode != 0
    assert "Can't get attribute 'square'" in by_reference.stderr
    by_value = call_in_fresh_interpreter(pickled["cloudpickle"], 7)
    assert (by_value.returncode, by_value.stdout) == (0, "49\n")


@pytest.mark.timeout(120)
def test_loky_runs_main_functions_and_lambdas_then_stops_its_workers(
    main_square, children_now
):
    with loky_workers():
        run = joblib.Parallel(n_jobs=2)
        assert run(joblib.delayed(main_square)(x) for x in range(5)) == [0, 1, 4, 9, 16]
        assert run(joblib.delayed(lambda x: x + 1)(x) for x in range(3)) == [1, 2, 3]
        assert children_now()  # the workers stay for the next call...
    assert not [p for p in children_now() if "resource_tracker" not in _cmd(p)]


def _cmd(process):
    return " ".join(process.cmdline())


@pytest.mark.timeout(120)
def test_generator_unordered_yields_every_result_once():
    limits = [3_000, 10, 2_000, 20]
    with loky_workers():
        results = joblib.Parallel(n_jobs=2, return_as="generator_unordered")(
            joblib.delayed(count_primes)(n) for n in limits
        )
        assert sorted(results) == sorted(count_primes(n) for n in limits)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("max_nbytes", "received"),
    [(None, "ndarray (writeable)"), ("1M", "memmap (read-only)")],
)
def test_large_arrays_are_memmapped_unless_disabled(max_nbytes, received):
    array = np.arange(400_000, dtype=np.float64)  # 3.2 MB, above 1M
    small = np.arange(10, dtype=np.float64)
    with loky_workers():
        run = joblib.Parallel(n_jobs=2, max_nbytes=max_nbytes)
        assert (
            run(joblib.delayed(describe_argument)(array) for _ in range(2))
            == [received] * 2
        )
        # Small arrays are always pickled.
        assert run(joblib.delayed(describe_argument)(small) for _ in range(1)) == [
            "ndarray (writeable)"
        ]
        parts = slices(len(array), 4)
        sums = sum_parts(array, parts, n_jobs=2, max_nbytes=max_nbytes)
    expected = [float(np.dot(array[a:b], array[a:b])) for a, b in parts]
    assert [s for s, _ in sums] == pytest.approx(expected)
    assert all(memory > 0 for _, memory in sums)


def test_describe_argument_sees_read_only_arrays():
    array = np.zeros(2)
    array.flags.writeable = False
    assert describe_argument(array) == "ndarray (read-only)"
