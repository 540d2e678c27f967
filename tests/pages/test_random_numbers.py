import multiprocessing
import random
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from parallel_guide.pages.random_numbers import (
    STREAMS,
    draw,
    estimate_pi,
    estimate_pi_stdlib,
    first_draws,
    task_seed,
    task_seeds,
)

SEEDED_NUMPY = round(float(np.random.RandomState(42).random()), 6)
SEEDED_RANDOM = round(random.Random(42).random(), 6)


@pytest.fixture
def seeded_parent():
    """Seed both global generators with 42, as a script might; restore them after."""
    random_state, numpy_state = random.getstate(), np.random.get_state()
    random.seed(42)
    np.random.seed(42)
    yield
    random.setstate(random_state)
    np.random.set_state(numpy_state)


def fresh_workers(mp_context, tasks):
    """Run ``draw`` for each task in a worker process of its own."""
    with mp_context.Pool(processes=2, maxtasksperchild=1) as pool:
        return pool.map(draw, range(tasks), chunksize=1)


def test_draw_reports_every_stream():
    result = draw(3)
    assert result["task"] == 3
    assert set(STREAMS) <= set(result)
    assert all(0 <= result[stream] < 1 for stream in STREAMS)


def test_first_draws_keeps_the_first_task_of_each_worker():
    results = [
        {"pid": 1, "task": 0, **dict.fromkeys(STREAMS, 0.1)},
        {"pid": 2, "task": 1, **dict.fromkeys(STREAMS, 0.2)},
        {"pid": 1, "task": 2, **dict.fromkeys(STREAMS, 0.3)},
    ]
    assert first_draws(results) == {stream: [0.1, 0.2] for stream in STREAMS}


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork"
)
@pytest.mark.timeout(120)
def test_forked_workers_repeat_numpys_stream_but_not_randoms(seeded_parent):
    results = fresh_workers(multiprocessing.get_context("fork"), 3)
    assert len({result["pid"] for result in results}) == 3
    # NumPy's global state is copied: every worker continues the parent's seed.
    assert [result["numpy global"] for result in results] == [SEEDED_NUMPY] * 3
    # random reseeds itself after fork: the parent's seed is gone.
    assert all(result["random module"] != SEEDED_RANDOM for result in results)


@pytest.mark.timeout(120)
def test_spawned_workers_ignore_the_parents_seeds(seeded_parent):
    results = fresh_workers(multiprocessing.get_context("spawn"), 2)
    assert all(result["numpy global"] != SEEDED_NUMPY for result in results)
    assert all(result["random module"] != SEEDED_RANDOM for result in results)
    # A generator made at import is made again, from the same seed, in each.
    instance = [result["random.Random instance"] for result in results]
    assert instance[0] == instance[1]


def test_task_seeds_are_reproducible_and_distinct():
    first, again = task_seeds(7, 4), task_seeds(7, 4)
    assert [s.generate_state(2).tolist() for s in first] == [
        s.generate_state(2).tolist() for s in again
    ]
    assert len({tuple(s.generate_state(2)) for s in first}) == 4


@pytest.mark.timeout(120)
def test_per_task_seeds_give_the_same_results_with_any_number_of_workers(mp_context):
    def run(workers):
        seeds = task_seeds(12345, 6)
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context) as pool:
            numpy_results = list(pool.map(estimate_pi, seeds, [2_000] * 6))
            stdlib_results = list(
                pool.map(estimate_pi_stdlib, [12345] * 6, range(6), [2_000] * 6)
            )
        return numpy_results, stdlib_results

    two, one = run(2), run(1)
    assert two == one
    for results in two:
        assert len(set(results)) == 6
        assert all(2.5 < estimate < 3.8 for estimate in results)


def test_task_seed_depends_on_base_and_task():
    seeds = {task_seed(base, task) for base in (1, 2) for task in (0, 1)}
    assert len(seeds) == 4
    assert estimate_pi_stdlib(1, 0, 500) != estimate_pi_stdlib(1, 1, 500)
