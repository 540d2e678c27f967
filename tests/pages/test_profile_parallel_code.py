import os
import pickle
import pstats
from concurrent.futures import ProcessPoolExecutor

import pytest

from parallel_guide.pages.profile_parallel_code import (
    ProfileData,
    make_record,
    merge_profiles,
    process_record,
    profile_call,
    slow_checksum,
    summarise,
    timed_call,
    top_functions,
)


def test_the_task_is_deterministic_and_made_of_its_steps():
    record = make_record(5, 300)
    assert record == make_record(5, 300)
    assert all(0 <= value < 256 for value in record)
    assert process_record(5, size=300) == (slow_checksum(record), *summarise(record))
    assert slow_checksum([], rounds=3) == 0


def test_profile_call_returns_the_result_and_a_picklable_profile():
    result, data = profile_call(process_record, 2, size=200)
    assert result == process_record(2, size=200)
    data = pickle.loads(pickle.dumps(data))
    names = {name for _, _, name in data.stats}
    assert {"process_record", "make_record", "slow_checksum", "summarise"} <= names


def test_merge_profiles_adds_the_calls_of_every_task():
    merged = merge_profiles(
        profile_call(process_record, n, size=200)[1] for n in range(4)
    )
    assert isinstance(merged, pstats.Stats)
    calls = {name: stat[1] for (_, _, name), stat in merged.stats.items()}
    assert calls["process_record"] == 4
    assert calls["slow_checksum"] == 4


def test_merge_profiles_needs_at_least_one():
    with pytest.raises(ValueError, match="no profiles"):
        merge_profiles([])


def test_top_functions_sorts_by_own_time():
    stats = pstats.Stats(
        ProfileData(
            {
                ("a.py", 1, "fast"): (1, 1, 0.1, 0.1, {}),
                ("a.py", 5, "slow"): (1, 1, 0.9, 1.0, {}),
                ("b.py", 1, "slow"): (1, 1, 0.2, 0.2, {}),
            }
        )
    )
    assert top_functions(stats) == [("slow", pytest.approx(1.1)), ("fast", 0.1)]
    assert top_functions(stats, 1) == [("slow", pytest.approx(1.1))]


@pytest.mark.timeout(120)
def test_a_workers_profile_finds_the_hot_function(mp_context):
    with ProcessPoolExecutor(max_workers=2, mp_context=mp_context) as pool:
        profiled = list(
            pool.map(profile_call, [process_record] * 4, range(4), timeout=60)
        )
    assert [result for result, _ in profiled] == [process_record(n) for n in range(4)]
    merged = merge_profiles(profile for _, profile in profiled)
    # Eight pure-Python passes against one list comprehension: by far the most.
    assert top_functions(merged, 1)[0][0] == "slow_checksum"


@pytest.mark.timeout(120)
def test_the_parents_profile_does_not_see_the_task(mp_context):
    import cProfile

    with ProcessPoolExecutor(max_workers=1, mp_context=mp_context) as pool:
        pool.submit(abs, 0).result(timeout=60)
        profiler = cProfile.Profile()
        profiler.enable()
        list(pool.map(process_record, range(2), timeout=60))
        profiler.disable()
    names = {name for _, _, name in pstats.Stats(profiler).stats}
    assert not names & {"process_record", "slow_checksum", "make_record"}


@pytest.mark.timeout(120)
def test_timed_call_times_are_on_the_parents_clock(mp_context):
    import time

    before = time.perf_counter()
    with ProcessPoolExecutor(max_workers=1, mp_context=mp_context) as pool:
        result, pid, started, finished = pool.submit(
            timed_call, process_record, 1, size=500
        ).result(timeout=60)
    after = time.perf_counter()
    assert result == process_record(1, size=500)
    assert pid != os.getpid()
    assert before <= started <= finished <= after
