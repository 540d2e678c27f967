import math
from multiprocessing import get_context

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parallel_guide.pages.speedup_limits import (
    amdahl_speedup,
    fit_serial_fraction,
    job_with_serial_part,
    karp_flatt,
)
from parallel_guide.tools.workloads import count_primes


@pytest.mark.parametrize(
    ("fraction", "workers", "cpus", "expected"),
    [
        (0.0, 8, None, 8.0),
        (1.0, 8, None, 1.0),
        (0.5, 2, None, 4 / 3),
        (0.0, 8, 2, 2.0),
        (0.2, 1, None, 1.0),
    ],
)
def test_amdahl_speedup(fraction, workers, cpus, expected):
    assert amdahl_speedup(fraction, workers, cpus) == pytest.approx(expected)


@pytest.mark.parametrize("fraction", [-0.1, 1.1, math.nan])
def test_amdahl_rejects_fractions_outside_0_to_1(fraction):
    with pytest.raises(ValueError, match="between 0 and 1"):
        amdahl_speedup(fraction, 2)


def test_amdahl_rejects_no_workers():
    with pytest.raises(ValueError, match="at least 1"):
        amdahl_speedup(0.1, 0)


@given(
    fraction=st.floats(0.001, 0.999),
    workers=st.integers(2, 1024),
)
def test_speedup_never_reaches_one_over_the_serial_fraction(fraction, workers):
    speedup = amdahl_speedup(fraction, workers)
    assert 1 <= speedup < 1 / fraction
    assert speedup <= workers


@given(fraction=st.floats(0, 1), workers=st.integers(2, 256))
def test_karp_flatt_inverts_amdahl(fraction, workers):
    speedup = amdahl_speedup(fraction, workers)
    assert karp_flatt(speedup, workers) == pytest.approx(fraction, abs=1e-9)


@given(
    fraction=st.floats(0, 1),
    counts=st.lists(st.integers(1, 64), min_size=1, max_size=8).filter(
        lambda c: max(c) >= 2
    ),
)
def test_fit_recovers_the_fraction_of_exact_amdahl_data(fraction, counts):
    speedups = [amdahl_speedup(fraction, n) for n in counts]
    assert fit_serial_fraction(counts, speedups) == pytest.approx(fraction, abs=1e-9)


def test_fit_treats_workers_beyond_the_cpus_as_taking_turns():
    workers = [1, 2, 3, 4]
    speedups = [amdahl_speedup(0.1, n, cpus=2) for n in workers]
    assert fit_serial_fraction(workers, speedups, cpus=2) == pytest.approx(0.1)
    # Ignoring the CPU count would read the flat tail as a large serial part.
    assert fit_serial_fraction(workers, speedups) > 0.3


def test_fit_is_clipped_to_0_and_1():
    assert fit_serial_fraction([2, 4], [2.5, 5.0]) == 0.0  # superlinear: noise
    assert fit_serial_fraction([2, 4], [0.5, 0.4]) == 1.0  # slower than serial


def test_fit_needs_a_run_with_several_workers_at_once():
    with pytest.raises(ValueError, match="more than one worker"):
        fit_serial_fraction([1, 4, 8], [1.0, 1.0, 1.0], cpus=1)


def test_fit_needs_matching_lengths():
    with pytest.raises(ValueError, match="2 worker counts but 1 speed-ups"):
        fit_serial_fraction([1, 2], [1.0])


def test_fit_rejects_non_positive_speedups():
    with pytest.raises(ValueError, match="positive"):
        fit_serial_fraction([2], [0.0])


@pytest.mark.parametrize(
    ("speedup", "workers", "message"),
    [(1.5, 1, "more than one worker"), (0.0, 2, "must be positive")],
)
def test_karp_flatt_rejects_meaningless_input(speedup, workers, message):
    with pytest.raises(ValueError, match=message):
        karp_flatt(speedup, workers)


def test_job_with_serial_part_gives_the_same_answer_in_a_pool():
    limits = [1000, 2000, 3000]
    expected = [count_primes(500)] + [count_primes(n) for n in limits]
    assert job_with_serial_part(None, 500, limits) == expected
    with get_context("spawn").Pool(2) as pool:
        assert job_with_serial_part(pool, 500, limits) == expected
