import os

import pytest

from parallel_guide.pages import data_parallel
from parallel_guide.pages.data_parallel import (
    data_parallel_example,
    process_number,
    usable_cpus,
)


@pytest.mark.parametrize(
    ("x", "expected"),
    [(0, 1), (1, 4), (4, 25), (-1, 0), (10**6, 10**12 + 2 * 10**6 + 1)],
)
def test_process_number_is_x_squared_plus_2x_plus_1(x, expected):
    assert process_number(x) == expected


def test_example_returns_every_result_in_input_order():
    assert data_parallel_example(processes=2, size=1000) == [
        (x + 1) ** 2 for x in range(1000)
    ]


def test_example_handles_an_empty_dataset():
    assert data_parallel_example(processes=1, size=0) == []


def test_pool_size_defaults_to_the_usable_cpus(monkeypatch):
    seen = {}

    class RecordingPool:
        def __init__(self, processes):
            seen["processes"] = processes

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def map(self, func, data):
            return list(map(func, data))

    monkeypatch.setattr(data_parallel, "Pool", RecordingPool)
    assert data_parallel_example(size=3) == [1, 4, 9]
    assert seen["processes"] == usable_cpus()


def test_bad_pool_size_is_rejected_before_any_work():
    with pytest.raises(ValueError, match="at least 1"):
        data_parallel_example(processes=0, size=10)


def test_usable_cpus_respects_affinity():
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("CPU affinity cannot be set on this platform")
    original = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(original)})
        assert usable_cpus() == 1
    finally:
        os.sched_setaffinity(0, original)
    assert usable_cpus() == len(original)
