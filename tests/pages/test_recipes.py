"""The recipes page's functions do what they say, and its claims hold.

The recipes themselves are tested in tests/recipes/; these tests check what
the page shows with the page's own functions, under every start method.
"""

from __future__ import annotations

import importlib
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path

import pytest

from parallel_guide.pages.cheat_sheet import stop_at_first_failure
from parallel_guide.pages.choose_chunksize import which_worker
from parallel_guide.pages.recipes import (
    checked_pause,
    most_in_flight,
    noted_pause,
    stamp_after,
    stamped,
)
from parallel_guide.pages.what_can_go_wrong import native_sqrt
from parallel_guide.recipes.parallel_map import parallel_map

pm = importlib.import_module("parallel_guide.recipes.parallel_map")
rt = importlib.import_module("parallel_guide.recipes.run_tasks")
PAGE = Path(__file__).resolve().parents[2] / "docs" / "how-to" / "recipes.md"


@pytest.fixture
def own_pool(start_method, monkeypatch):
    """Make the pool parallel_map creates use each start method in turn."""
    monkeypatch.setattr(pm, "START_METHOD", start_method)
    return start_method


# -- the page's functions ---------------------------------------------------------


def test_noted_pause_leaves_a_file_even_when_it_refuses_its_input(tmp_path):
    assert noted_pause(str(tmp_path), 0) == 0
    with pytest.raises(ValueError, match="cannot be negative"):
        noted_pause(str(tmp_path), -1)
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.timeout(90)
def test_the_first_failure_leaves_most_tasks_never_started(tmp_path, children_now):
    # The page's cell: the second of twenty tasks fails; what was not yet handed
    # to the two workers is cancelled and leaves no file.
    pauses = [0.2, -1] + [0.2] * 18
    with pytest.raises(ValueError, match="cannot be negative: -1"):
        stop_at_first_failure(partial(noted_pause, str(tmp_path)), pauses, workers=2)
    started = len(list(tmp_path.iterdir()))
    assert 2 <= started < len(pauses)
    assert children_now() == []


# -- what the page shows ------------------------------------------------------------


@pytest.mark.timeout(90)
def test_a_crash_on_the_first_item_breaks_the_pool_not_the_caller(
    own_pool, children_now
):
    with pytest.raises(BrokenProcessPool):
        parallel_map(native_sqrt, [-1.0, 4.0, 9.0], workers=2, timeout=60)
    assert children_now() == []


@pytest.mark.timeout(90)
def test_one_worker_runs_every_item_in_one_process_that_is_not_the_caller(own_pool):
    pids = set(parallel_map(which_worker, range(200), workers=1, timeout=60))
    assert len(pids) == 1
    assert os.getpid() not in pids


@pytest.mark.timeout(90)
def test_the_deadline_stops_pauses_far_longer_than_it(own_pool, children_now):
    start = time.perf_counter()
    with pytest.raises(TimeoutError, match=r"timed out after 1 s"):
        parallel_map(checked_pause, [30] * 4, workers=2, timeout=1)
    assert time.perf_counter() - start < 15
    assert children_now() == []


@pytest.mark.timeout(90)
def test_executor_map_takes_the_whole_input_and_parallel_map_a_few_chunks(own_pool):
    with ProcessPoolExecutor(max_workers=2) as pool:
        taken: list[float] = []
        finished = list(pool.map(stamp_after, stamped([0.05] * 12, taken), timeout=60))
    assert most_in_flight(taken, finished) == 12
    taken = []
    finished = parallel_map(
        stamp_after, stamped([0.05] * 12, taken), workers=2, chunksize=1, timeout=60
    )
    assert len(finished) == 12
    assert most_in_flight(taken, finished) <= pm.IN_FLIGHT_PER_WORKER * 2


@pytest.mark.timeout(90)
def test_a_failing_item_keeps_its_type_and_is_named(own_pool):
    with pytest.raises(ValueError, match="cannot be negative") as raised:
        parallel_map(checked_pause, [0.01, 0.01, -4, 0.01], workers=2, timeout=60)
    assert raised.value.__notes__ == ["parallel_map: raised for item #2: -4"]


@pytest.mark.parametrize("module", [pm, rt], ids=["parallel_map", "run_tasks"])
def test_the_page_shows_each_recipe_whole(module):
    name = Path(module.__file__).name
    whole_file = (
        f"```{{literalinclude}} ../../src/parallel_guide/recipes/{name}\n"
        ":language: python\n```"
    )
    assert whole_file in PAGE.read_text()
