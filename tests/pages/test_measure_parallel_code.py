import os
import subprocess
import sys
import time
from multiprocessing import get_context

import psutil
import pytest

from faults import check_positive
from parallel_guide.pages.measure_parallel_code import (
    POOL_PHASES,
    WallAndCpu,
    busy_neighbour,
    cgroup_cpu_limit,
    cpu_counts,
    measure_interleaved,
    pinned_to,
    pool_phases,
    spin,
    wall_and_cpu,
)
from parallel_guide.tools.workloads import count_primes

needs_affinity = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux-only"
)


def test_spin_takes_the_time_it_is_given():
    start = time.perf_counter()
    assert spin(0.05) == 0.05
    # At least its time; the upper bound only catches a spin that never stops
    # (busy cores may well wake it late).
    assert 0.05 <= time.perf_counter() - start < 5


def test_a_serial_call_uses_cpu_in_this_process_only():
    usage = wall_and_cpu(count_primes, 30_000)
    assert usage.children_cpu == 0
    # One thread cannot use more CPU time than wall time.
    assert 0 < usage.own_cpu <= usage.wall + 0.02
    assert usage.cores_busy == pytest.approx(usage.total_cpu / usage.wall)


@pytest.mark.skipif(sys.platform == "win32", reason="no children's times on Windows")
def test_the_cpu_time_of_a_pools_workers_is_counted_once_they_exit():
    # Fixed work, not spinning until a deadline: on a busy machine a spin
    # would use less CPU than its wall time.
    one_call = wall_and_cpu(count_primes, 30_000).own_cpu

    def pooled():
        with get_context("spawn").Pool(2) as pool:
            pool.map(count_primes, [30_000, 30_000], chunksize=1)

    usage = wall_and_cpu(pooled)
    assert usage.children_cpu >= 2 * one_call * 0.8
    assert usage.own_cpu < usage.children_cpu


def test_cores_busy_of_an_instant_call_is_not_a_number():
    assert WallAndCpu(0.0, 0.0, 0.0).cores_busy != WallAndCpu(0.0, 0.0, 0.0).cores_busy


def test_pool_phases_times_every_phase_and_stops_the_workers(start_method):
    phases = pool_phases(start_method, 2, abs, range(4))
    assert list(phases) == list(POOL_PHASES)
    assert all(0 <= seconds < 30 for seconds in phases.values())


def test_pool_phases_runs_the_initializer_in_every_worker():
    # An initializer that fails would make the pool restart workers for ever;
    # one that works must not change the result.
    phases = pool_phases("spawn", 2, abs, range(4), initializer=int, initargs=("1",))
    assert phases["later map"] < 10


def test_a_failing_map_stops_the_pool_and_raises():
    with pytest.raises(ValueError, match="expected a positive number"):
        pool_phases("spawn", 2, check_positive, [1, -1])


def test_busy_neighbour_uses_a_cpu_until_the_block_ends():
    with busy_neighbour() as pid:
        neighbour = psutil.Process(pid)
        assert neighbour.ppid() == os.getpid()
        before = sum(neighbour.cpu_times()[:2])
        # Even sharing two CPUs with several busy processes it gets some: wait
        # for it, rather than expecting a share within a fixed time.
        deadline = time.monotonic() + 30
        while sum(neighbour.cpu_times()[:2]) - before <= 0.05:
            assert time.monotonic() < deadline, "no CPU time in 30 s"
            time.sleep(0.05)
    assert not neighbour.is_running() or neighbour.status() == psutil.STATUS_ZOMBIE


def test_busy_neighbour_is_stopped_when_the_block_raises():
    with pytest.raises(KeyError), busy_neighbour():
        raise KeyError("boom")


@pytest.mark.parametrize(
    ("membership", "files", "expected"),
    [
        ("0::/job\n", {"job/cpu.max": "150000 100000\n"}, 1.5),
        ("0::/job\n", {"job/cpu.max": "max 100000\n"}, None),
        ("0::/\n", {"cpu.max": "200000 100000\n"}, 2.0),
        (
            "2:cpuacct:/\n1:cpu:/pod\n",
            {
                "cpu/pod/cpu.cfs_quota_us": "50000\n",
                "cpu/pod/cpu.cfs_period_us": "100000",
            },
            0.5,
        ),
        (
            "1:cpu,cpuacct:/pod\n",
            {
                "cpu,cpuacct/pod/cpu.cfs_quota_us": "300000\n",
                "cpu,cpuacct/pod/cpu.cfs_period_us": "100000\n",
            },
            3.0,
        ),
        (
            "1:cpu:/\n",
            {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"},
            None,
        ),
        ("0::/job\n", {}, None),
    ],
)
def test_cgroup_cpu_limit_reads_v1_and_v2_quotas(tmp_path, membership, files, expected):
    for name, text in files.items():
        path = tmp_path / "fs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "cgroup").write_text(membership)
    assert cgroup_cpu_limit(tmp_path / "fs", tmp_path / "cgroup") == expected


def test_cgroup_cpu_limit_is_none_without_control_groups(tmp_path):
    assert cgroup_cpu_limit(tmp_path, tmp_path / "missing") is None


def test_cpu_counts_agree_with_each_other():
    counts = cpu_counts()
    assert counts["os.cpu_count()"] == os.cpu_count()
    affinity = counts["len(os.sched_getaffinity(0))"]
    if affinity is not None:
        assert 1 <= affinity <= counts["os.cpu_count()"]
    if counts["os.process_cpu_count()"] is not None and affinity is not None:
        assert counts["os.process_cpu_count()"] == affinity


@needs_affinity
def test_pinned_to_restricts_this_process_and_its_children_then_restores():
    before = os.sched_getaffinity(0)
    first = min(before)
    with pinned_to({first}) as allowed:
        assert allowed == {first} == os.sched_getaffinity(0)
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert child.stdout.strip() == f"[{first}]"
    assert os.sched_getaffinity(0) == before


@needs_affinity
def test_pinned_to_restores_affinity_when_the_block_raises():
    before = os.sched_getaffinity(0)
    with pytest.raises(RuntimeError), pinned_to({min(before)}):
        raise RuntimeError
    assert os.sched_getaffinity(0) == before


def test_measure_interleaved_takes_turns():
    calls = []
    timings = measure_interleaved(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
        repeat=2,
        warmup=1,
    )
    assert calls == ["a", "b"] * 3
    assert [len(t.seconds) for t in timings.values()] == [2, 2]


def test_measure_interleaved_times_each_variant():
    timings = measure_interleaved(
        {"short": lambda: spin(0.01), "long": lambda: spin(0.05)}
    )
    assert timings["short"].median < timings["long"].median


def test_measure_interleaved_needs_a_run():
    with pytest.raises(ValueError, match="at least 1"):
        measure_interleaved({"a": int}, repeat=0)
