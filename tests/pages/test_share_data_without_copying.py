import multiprocessing
import sys
from functools import partial
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")

from parallel_guide.pages.share_data_without_copying import (  # noqa: E402
    ArraySpec,
    attach,
    private_memory_mb,
    share_by_fork,
    shared_array,
    slices,
    sum_of_squares,
    sum_of_squares_inherited,
    sum_of_squares_shared,
    sum_of_squares_slice,
)

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="/dev/shm and smaps are Linux's"
)


@pytest.mark.parametrize(
    ("length", "parts", "expected"),
    [
        (10, 3, [(0, 4), (4, 7), (7, 10)]),
        (2, 3, [(0, 1), (1, 2), (2, 2)]),
        (0, 1, [(0, 0)]),
    ],
)
def test_slices_cover_the_range_in_order(length, parts, expected):
    assert slices(length, parts) == expected


def test_slices_need_at_least_one_part():
    with pytest.raises(ValueError, match="at least 1"):
        slices(10, 0)


def test_shared_array_holds_a_copy_that_workers_can_read_and_is_unlinked_after():
    array = np.arange(1000, dtype=np.float64)
    with shared_array(array) as (spec, view):
        assert spec == ArraySpec(spec.name, (1000,), array.dtype.str)
        assert np.array_equal(view, array)
        view[0] = 42.0  # a copy: the original is untouched
        assert array[0] == 0
        with attach(spec) as seen:
            assert seen[0] == 42.0
        name = spec.name
    with pytest.raises(FileNotFoundError):
        multiprocessing.shared_memory.SharedMemory(name=name)


def test_shared_array_is_unlinked_when_the_block_raises():
    with pytest.raises(KeyError), shared_array(np.ones(10)) as (spec, _):
        raise KeyError
    with pytest.raises(FileNotFoundError):
        multiprocessing.shared_memory.SharedMemory(name=spec.name)


@linux_only
def test_no_segment_is_left_in_dev_shm():
    before = set(Path("/dev/shm").iterdir())
    with shared_array(np.ones(100)) as (spec, _):
        assert Path("/dev/shm", spec.name.lstrip("/")).exists()
    assert set(Path("/dev/shm").iterdir()) <= before


def test_workers_sum_a_shared_array_under_every_start_method(start_method):
    array = np.random.default_rng(1).random(10_000)
    parts = slices(len(array), 4)
    with (
        shared_array(array) as (spec, _),
        multiprocessing.get_context(start_method).Pool(2) as pool,
    ):
        results = pool.map(partial(sum_of_squares_shared, spec), parts)
    assert sum(part for part, _ in results) == pytest.approx(float(array @ array))


def test_pickled_and_whole_array_tasks_give_the_same_sum():
    array = np.arange(100, dtype=np.float64)
    assert sum_of_squares(array[:10])[0] == sum(x * x for x in range(10))
    assert sum_of_squares_slice(array, (0, 10))[0] == sum(x * x for x in range(10))


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork"
)
def test_forked_workers_inherit_the_array_and_spawned_ones_do_not():
    array = np.arange(100, dtype=np.float64)
    with share_by_fork(array):
        with multiprocessing.get_context("fork").Pool(2) as pool:
            results = pool.map(sum_of_squares_inherited, slices(100, 4))
        assert sum(part for part, _ in results) == float(array @ array)
        with (
            multiprocessing.get_context("spawn").Pool(1) as pool,
            pytest.raises(RuntimeError, match="no inherited array"),
        ):
            pool.map(sum_of_squares_inherited, [(0, 1)])


@linux_only
def test_a_copy_shows_up_in_private_memory():
    before = private_memory_mb()
    # 64 MiB, written to: above glibc's largest mmap threshold (32 MiB), so it
    # is fresh memory, not heap that an earlier test freed and already counted.
    copy = np.ones(64 * 2**20 // 8)
    assert private_memory_mb() - before >= 48
    del copy
