import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("threadpoolctl")

from parallel_guide.pages.threads_for_data import (  # noqa: E402
    blas_threads,
    limit_blas_threads,
    matmul_repeat,
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
