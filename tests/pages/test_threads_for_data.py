import ast
import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("threadpoolctl")

from parallel_guide.pages.threads_for_data import (  # noqa: E402
    blas_threads,
    limit_blas_threads,
    matmul_repeat,
    read_environment,
    sort_copy,
)


def test_sort_copy_leaves_the_array_alone():
    array = np.array([3.0, 1.0, 2.0])
    assert sort_copy(array) == 1.0
    assert list(array) == [3.0, 1.0, 2.0]


def test_sort_copy_runs_in_threads_on_shared_arrays():
    arrays = [np.random.default_rng(seed).random(1000) for seed in range(4)]
    with ThreadPoolExecutor(2) as threads:
        assert list(threads.map(sort_copy, arrays)) == [float(a.min()) for a in arrays]


def test_matmul_repeat_is_deterministic_and_repeats_the_same_product():
    assert matmul_repeat(30, 1, seed=3) == matmul_repeat(30, 4, seed=3)
    assert matmul_repeat(30, 1, seed=3) != matmul_repeat(30, 1, seed=4)


def test_limit_blas_threads_limits_and_restores_this_process():
    before = blas_threads()
    try:
        limit_blas_threads(1)
        assert blas_threads() == 1
    finally:
        limit_blas_threads(None)
    assert blas_threads() == before


@pytest.mark.parametrize("start_method", ["spawn", "forkserver"])
def test_an_initializer_limits_the_blas_of_fresh_workers(start_method):
    if start_method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {start_method} here")
    context = multiprocessing.get_context(start_method)
    with ProcessPoolExecutor(
        2, mp_context=context, initializer=limit_blas_threads, initargs=(1,)
    ) as pool:
        assert list(pool.map(blas_threads, range(2))) == [1, 1]
        assert pool.submit(matmul_repeat, 20).result() == matmul_repeat(20)


def test_workers_without_a_limit_keep_the_default():
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        assert pool.submit(blas_threads).result() >= 1


# The fork server starts with the first forkserver pool of a process and then
# lives as long as the process, so each check runs in a fresh interpreter.
_SEEN_BY_POOLS = """
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from parallel_guide.pages.threads_for_data import read_environment

NAME = "PARALLEL_GUIDE_TEST_VARIABLE"


def seen(method):
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(read_environment, NAME).result(timeout=60)


if __name__ == "__main__":
    results = []
    for step in sys.argv[1:]:
        if step == "set":
            os.environ[NAME] = "set"
        else:
            results.append(seen(step))
    print(repr(results))
"""


def _seen_by_pools(*steps):
    env = {k: v for k, v in os.environ.items() if k != "PARALLEL_GUIDE_TEST_VARIABLE"}
    done = subprocess.run(
        [sys.executable, "-c", _SEEN_BY_POOLS, *steps],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=True,
    )
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


needs_forkserver = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(),
    reason="no forkserver here",
)


@needs_forkserver
def test_forkserver_workers_miss_a_variable_set_after_the_server_started():
    # The first pool starts the server; a later pool's workers are forked from
    # it and get its environment, not the parent's; spawn gets the parent's.
    assert _seen_by_pools("forkserver", "set", "forkserver", "spawn") == [
        None,
        None,
        "set",
    ]


@needs_forkserver
def test_forkserver_workers_see_a_variable_set_before_the_server_started():
    assert _seen_by_pools("set", "forkserver", "forkserver") == ["set", "set"]


def test_read_environment_reads_this_process(monkeypatch):
    monkeypatch.setenv("PARALLEL_GUIDE_TEST_VARIABLE", "here")
    assert read_environment("PARALLEL_GUIDE_TEST_VARIABLE") == "here"
    monkeypatch.delenv("PARALLEL_GUIDE_TEST_VARIABLE")
    assert read_environment("PARALLEL_GUIDE_TEST_VARIABLE") is None
