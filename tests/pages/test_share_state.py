import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import pytest

from parallel_guide.pages import share_state
from parallel_guide.pages.locked_counter import (
    INCREMENTS,
    PROCESSES,
    add_locked,
    add_unlocked,
    count_with,
)
from parallel_guide.pages.share_state import (
    add_to_counter,
    combine,
    increment_local,
    increment_proxy,
    increment_value,
    last_digits,
    store_square,
    use_counter,
)


def test_returned_parts_combine_to_the_serial_answer():
    parts = [last_digits(start, start + 7) for start in range(0, 70, 7)]
    assert combine(parts) == last_digits(0, 70)
    assert combine([]) == Counter()


def test_the_increments_count_what_they_are_asked_to():
    assert increment_local(0) == 0
    assert increment_local(7) == 7
    shared = {"count": 2}
    increment_proxy(shared, 3)
    assert shared == {"count": 5}


@pytest.mark.timeout(120)
def test_the_locked_counter_is_exact_and_the_unlocked_one_never_more(
    start_method, monkeypatch
):
    ctx = multiprocessing.get_context(start_method)
    monkeypatch.setattr(multiprocessing, "Value", ctx.Value)
    monkeypatch.setattr(multiprocessing, "Process", ctx.Process)
    assert count_with(add_locked) == PROCESSES * INCREMENTS
    # Lost updates are likely but never guaranteed: only "not more" is certain.
    assert 0 < count_with(add_unlocked, increments=5_000) <= PROCESSES * 5_000


@pytest.mark.timeout(120)
def test_a_value_cannot_be_a_task_argument(mp_context):
    counter = mp_context.Value("q", 0)
    with ProcessPoolExecutor(max_workers=1, mp_context=mp_context) as pool:
        future = pool.submit(increment_value, counter, 1)
        with pytest.raises(RuntimeError, match="through inheritance"):
            future.result(timeout=60)
    assert counter.value == 0


@pytest.mark.timeout(120)
def test_a_value_reaches_pool_workers_through_the_initializer(mp_context):
    counter = mp_context.Value("q", 0)
    with ProcessPoolExecutor(
        max_workers=2,
        mp_context=mp_context,
        initializer=use_counter,
        initargs=(counter,),
    ) as pool:
        pids = list(pool.map(add_to_counter, [500] * 6))
    assert counter.value == 6 * 500
    assert len(pids) == 6


def test_add_to_counter_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(share_state, "_counter", None)
    with pytest.raises(RuntimeError, match="initializer=use_counter"):
        add_to_counter(1)


@pytest.mark.timeout(120)
def test_workers_write_into_a_managers_dict(mp_context):
    with mp_context.Manager() as manager:
        squares = manager.dict()
        with ProcessPoolExecutor(max_workers=2, mp_context=mp_context) as pool:
            list(pool.map(store_square, [squares] * 5, range(5)))
        assert dict(squares) == {n: n * n for n in range(5)}
        increment_proxy(manager_dict := manager.dict(count=0), 4)
        assert manager_dict["count"] == 4
        nested = manager.dict(found=[])
        nested["found"].append("lost")
        assert nested["found"] == []
