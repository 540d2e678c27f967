import math
import os
from multiprocessing import get_context

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parallel_guide.pages.choose_chunksize import (
    break_even_cost,
    burn,
    pool_map_default_chunksize,
    run_lengths,
    suggest_chunksize,
    which_worker,
)


@given(items=st.integers(1, 10**7), workers=st.integers(1, 256))
def test_default_chunksize_makes_about_four_chunks_per_worker(items, workers):
    size = pool_map_default_chunksize(items, workers)
    chunks = math.ceil(items / size)
    assert size >= 1
    assert chunks <= 4 * workers
    # One item fewer per chunk would need more than four chunks per worker.
    assert size == 1 or math.ceil(items / (size - 1)) > 4 * workers


def test_default_chunksize_rejects_no_workers():
    with pytest.raises(ValueError, match="at least 1"):
        pool_map_default_chunksize(10, 0)


def test_pool_map_sends_whole_chunks_of_the_default_size():
    items, workers = 400, 2
    size = pool_map_default_chunksize(items, workers)
    with get_context("spawn").Pool(workers) as pool:
        pids = pool.map(which_worker, range(items))
    assert os.getpid() not in pids
    assert 1 <= len(set(pids)) <= workers
    assert all(run % size == 0 for run in run_lengths(pids))


@given(st.lists(st.integers(0, 3)))
def test_run_lengths_add_up_and_alternate(values):
    lengths = run_lengths(values)
    assert sum(lengths) == len(values)
    assert all(length >= 1 for length in lengths)


@given(
    items=st.integers(1, 10**8),
    cost=st.floats(1e-9, 10.0),
    workers=st.integers(1, 128),
)
def test_suggested_chunks_are_short_enough_and_numerous_enough(items, cost, workers):
    size = suggest_chunksize(items, cost, workers)
    assert 1 <= size <= items
    assert size == 1 or size * cost <= 0.05 * (1 + 1e-9)
    assert size == 1 or math.ceil(items / size) >= 4 * workers


def test_suggested_chunksize_for_free_items_is_set_by_the_count():
    assert suggest_chunksize(800, 0.0, 2) == 100
    assert suggest_chunksize(0, 1.0, 2) == 1


def test_burn_costs_more_for_more_iterations():
    assert burn(0) == 0
    assert burn(12_345) == 12_345


def test_break_even_is_interpolated_between_the_points_around_one():
    assert break_even_cost([1.0, 100.0], [0.5, 2.0]) == pytest.approx(10.0)
    assert break_even_cost([1.0, 2.0, 4.0], [0.2, 1.0, 3.0]) == pytest.approx(2.0)


def test_break_even_is_nan_when_one_is_never_crossed():
    assert math.isnan(break_even_cost([1.0, 2.0], [0.5, 0.9]))
    assert math.isnan(break_even_cost([1.0, 2.0], [1.5, 1.9]))
    assert math.isnan(break_even_cost([], []))
