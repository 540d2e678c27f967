import contextlib
import dataclasses
import os
import signal
import subprocess
import sys

import pytest

from parallel_guide.tools import disturbance, timing
from parallel_guide.tools.disturbance import (
    Disturbance,
    Snapshot,
    disturbed_measurements,
    judge,
    note_disturbed,
    parse_cgroup_cpu_stat,
    parse_pid_stat,
    parse_proc_stat,
    parse_schedstat,
    snapshot,
    watch,
)
from parallel_guide.tools.machine import usable_cpus
from parallel_guide.tools.timing import Timing, measure
from parallel_guide.tools.workloads import count_primes

PRIMES_LIMIT = 150_000  # a few tenths of a second of one CPU's work
HOG_SECONDS = 60  # a hog ends by itself after this, should the kill be missed
HOGS_PER_CPU = 2

# The hogs must be *other* work, not this process's children, whose CPU time
# and waiting count as the measurement's own (a pool's workers are).  So a
# launcher starts them in new sessions, prints their pids and exits, and they
# are re-parented away from this process, as a neighbour's jobs would be.
LAUNCHER = """
import subprocess, sys
count, seconds = int(sys.argv[1]), float(sys.argv[2])
hog = (f"import time\\nend = time.monotonic() + {seconds}\\n"
       "while time.monotonic() < end: pass")
for _ in range(count):
    quiet = subprocess.DEVNULL
    hog_process = subprocess.Popen([sys.executable, "-c", hog], start_new_session=True,
                                   stdin=quiet, stdout=quiet, stderr=quiet)
    print(hog_process.pid, flush=True)
"""


@contextlib.contextmanager
def cpu_hogs(count):
    """``count`` busy processes that are not ours, always killed on the way out."""
    pids = []
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(count), str(HOG_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for line in launcher.stdout:
            pids.append(int(line))
        launcher.wait(timeout=30)
        assert len(pids) == count
        yield pids
    finally:
        launcher.kill()
        launcher.wait()
        launcher.stdout.close()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def cpu_bound():
    return count_primes(PRIMES_LIMIT)


def watches_the_cpus():
    seen = snapshot()
    return seen.tasks is not None or seen.busy is not None


# -- The honest test: hogs on every core, and none ----------------------------------


@pytest.mark.timeout(120)
@pytest.mark.skipif(
    not watches_the_cpus(), reason="this system reports no CPU time (no psutil?)"
)
def test_a_measurement_next_to_cpu_hogs_on_every_core_is_flagged():
    with cpu_hogs(HOGS_PER_CPU * usable_cpus()):
        result = measure(cpu_bound, repeat=3, warmup=0, remeasure=0)
        # And judged as where the kernel keeps no scheduler statistics:
        with watch(lambda: dataclasses.replace(snapshot(), tasks=None)) as blind:
            cpu_bound()
            cpu_bound()
    assert result.disturbed.startswith("measured while the machine was busy: ")
    assert "of a CPU taken by other work" in result.disturbed
    if snapshot().tasks is not None:  # Linux keeps scheduler statistics
        assert "waiting for a CPU" in result.disturbed
    assert blind.disturbance.description.endswith("every CPU busy")


@pytest.mark.timeout(120)
def test_a_measurement_without_hogs_is_not_flagged():
    # The machine is shared (other tests run beside this one), so a few
    # measurements get a chance.  One clean one shows the flag is not stuck;
    # one flagged while at most one CPU's worth of other work ran is a false
    # alarm; only a machine busier than that throughout proves nothing.
    seen = []
    for _ in range(4):
        with watch() as watched:
            result = measure(cpu_bound, repeat=3, warmup=0)  # re-measures by default
        if not result.disturbed:
            return
        seen.append(watched.disturbance)
        assert watched.disturbance.other_work is None or (
            watched.disturbance.other_work > 1.0
        ), f"flagged with little other work: {result.disturbed}"
    shares = ", ".join(f"{d.other_work or 0:.0%}" for d in seen)
    pytest.skip(
        f"the machine stayed busier than one other CPU-bound job: {shares} of a CPU"
    )


# -- Re-measuring ----------------------------------------------------------------


class FakeWatch:
    """Stands in for :class:`watch`: hands out the next verdict for each interval."""

    def __init__(self, verdicts):
        self.verdicts = list(verdicts)
        self.intervals = 0

    def __call__(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.disturbance = self.verdicts[self.intervals]
        self.intervals += 1


BUSY = Disturbance(seconds=1.0, judged=True, other_work=1.5, waiting=0.6)
QUIET = Disturbance(seconds=1.0, judged=True, other_work=0.2, waiting=0.01)


def test_a_disturbed_measurement_is_measured_again_until_it_is_clean(monkeypatch):
    fake = FakeWatch([BUSY, BUSY, QUIET])
    monkeypatch.setattr(timing, "watch", fake)
    calls = []
    result = measure(calls.append, "x", repeat=3, warmup=1, remeasure=2)
    assert fake.intervals == 3
    assert len(calls) == 1 + 3 * 3  # the warm-up once, then three attempts
    assert result.disturbed == ""
    assert len(result.seconds) == 3


def test_a_measurement_that_stays_disturbed_says_so_and_is_recorded(monkeypatch):
    fake = FakeWatch([BUSY, BUSY])
    monkeypatch.setattr(timing, "watch", fake)
    before = len(disturbed_measurements())

    def cpu_work():
        pass

    result = measure(cpu_work, repeat=2, warmup=0, remeasure=1)
    assert fake.intervals == 2
    assert result.disturbed == BUSY.description
    assert "150% of a CPU taken by other work" in result.disturbed
    recorded = disturbed_measurements()[before:]
    assert recorded == (f"{cpu_work.__qualname__}: {BUSY.description}",)


def test_the_best_disturbed_attempt_is_kept(monkeypatch):
    monkeypatch.setattr(timing, "watch", FakeWatch([BUSY, BUSY, BUSY]))
    ticks = iter([0, 5, 5, 10, 20, 21, 21, 22, 30, 33, 33, 36])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(ticks))
    result = measure(lambda: None, repeat=2, warmup=0, remeasure=2)
    assert result.seconds == (1, 1)  # the second attempt, the fastest of three


def test_remeasure_zero_measures_once(monkeypatch):
    fake = FakeWatch([BUSY])
    monkeypatch.setattr(timing, "watch", fake)
    assert measure(lambda: None, repeat=1, remeasure=0).disturbed
    assert fake.intervals == 1


def test_runs_too_short_to_judge_are_not_measured_again():
    calls = []
    result = measure(calls.append, 1, repeat=3, warmup=0)  # the real probe
    assert calls == [1, 1, 1]
    assert result.disturbed == ""


@pytest.mark.parametrize(
    ("remeasure", "error", "message"),
    [
        (-1, ValueError, "remeasure must be at least 0"),
        (1.5, TypeError, "remeasure must be an int"),
        (True, TypeError, "remeasure must be an int"),
        ("2", TypeError, "remeasure must be an int"),
    ],
)
def test_bad_remeasure_is_rejected_before_anything_runs(remeasure, error, message):
    calls = []
    with pytest.raises(error, match=message):
        measure(calls.append, 1, remeasure=remeasure)
    assert calls == []


def test_timing_disturbed_defaults_to_nothing_and_must_be_words():
    assert Timing((0.1, 0.2)).disturbed == ""
    assert Timing((0.1,), disturbed="busy").disturbed == "busy"
    with pytest.raises(TypeError, match=r"Timing\.disturbed must be a description"):
        Timing((0.1,), disturbed=True)


# -- The registry ----------------------------------------------------------------


def test_the_registry_keeps_descriptions_in_order():
    before = disturbed_measurements()
    note_disturbed("first: busy")
    note_disturbed("second: busy")
    assert disturbed_measurements() == (*before, "first: busy", "second: busy")
    assert isinstance(disturbed_measurements(), tuple)  # a copy, not the list


@pytest.mark.parametrize("bad", ["", None, 3])
def test_the_registry_wants_words(bad):
    with pytest.raises(TypeError, match="description in words"):
        note_disturbed(bad)


# -- Judging -----------------------------------------------------------------------


def snap(wall, own_cpu=0.0, busy=None, steal=None, tasks=None, throttled=None, **kw):
    return Snapshot(wall, own_cpu, busy, steal, tasks, throttled, **kw)


def test_judge_flags_waiting_for_a_cpu_and_reports_the_other_work():
    before = snap(0.0, 0.0, busy=100.0, tasks={(1, 1): (0.0, 0.0)}, cpus=2)
    after = snap(1.0, 0.7, busy=102.0, tasks={(1, 1): (0.7, 0.3)}, cpus=2)
    seen = judge(before, after)
    assert seen.other_work == pytest.approx(1.3)
    assert seen.waiting == pytest.approx(0.3)
    assert seen.description == (
        "measured while the machine was busy: 130% of a CPU taken by other work, "
        "30% of the time waiting for a CPU"
    )


def test_one_other_busy_process_beside_a_single_thread_is_not_a_disturbance():
    before = snap(0.0, 0.0, busy=0.0, tasks={(1, 1): (0.0, 0.0)}, cpus=2)
    after = snap(1.0, 1.0, busy=1.95, tasks={(1, 1): (0.97, 0.03)}, cpus=2)
    seen = judge(before, after)
    assert seen.other_work == pytest.approx(0.95)
    assert not seen
    assert seen.description == ""


def test_a_pool_waiting_for_its_own_workers_is_not_a_disturbance():
    # Four workers on two CPUs wait half the time, for each other.
    tasks = {(1, n): (0.0, 0.0) for n in range(4)}
    before = snap(0.0, 0.0, busy=10.0, tasks=tasks, cpus=2)
    after_tasks = {(1, n): (0.5, 0.5) for n in range(4)}
    after = snap(1.0, 2.0, busy=12.1, tasks=after_tasks, cpus=2)
    seen = judge(before, after)
    assert seen.waiting == pytest.approx(0.5)
    assert seen.other_work == pytest.approx(0.1)
    assert not seen


def test_code_that_mostly_sleeps_is_not_flagged_for_its_little_waiting():
    before = snap(0.0, 0.0, busy=0.0, tasks={(1, 1): (0.0, 0.0)}, cpus=2)
    after = snap(1.0, 0.02, busy=1.8, tasks={(1, 1): (0.02, 0.02)}, cpus=2)
    seen = judge(before, after)
    assert seen.waiting == pytest.approx(0.5)
    assert seen.waited == pytest.approx(0.02)
    assert not seen


def test_threads_that_start_or_end_during_the_interval_do_not_skew_waiting():
    before = snap(0.0, tasks={(1, 1): (5.0, 1.0), (1, 2): (9.0, 9.0)})
    after = snap(1.0, tasks={(1, 1): (5.9, 1.1), (1, 3): (0.9, 0.1)})
    assert judge(before, after).waiting == pytest.approx(0.2 / 2.0)


def test_steal_and_throttling_are_disturbances():
    stolen = judge(snap(0.0, steal=0.0), snap(2.0, steal=1.0))
    assert stolen.steal == pytest.approx(0.5)
    assert "50% of a CPU stolen by the hypervisor" in stolen.description
    throttled = judge(snap(0.0, throttled=(4, 1.0)), snap(1.0, throttled=(6, 1.25)))
    assert throttled.throttled == (2, pytest.approx(0.25))
    assert "throttled 2 times (250 ms)" in throttled.description


def test_without_scheduler_statistics_a_full_machine_is_a_disturbance():
    full = judge(snap(0.0, 0.0, busy=0.0, cpus=2), snap(1.0, 0.9, busy=2.0, cpus=2))
    assert full.description.endswith("every CPU busy")
    half = judge(snap(0.0, 0.0, busy=0.0, cpus=2), snap(1.0, 0.9, busy=1.2, cpus=2))
    assert not half


def test_with_only_a_load_average_other_work_above_every_cpu_is_a_disturbance():
    loaded = judge(snap(0.0, 0.0, cpus=2), snap(1.0, 1.0, load=3.5, cpus=2))
    assert "a load average of 3.5 on 2 CPUs" in loaded.description
    assert not judge(snap(0.0, 0.0, cpus=2), snap(1.0, 1.0, load=2.5, cpus=2))


def test_short_or_unwatched_intervals_are_not_judged():
    short = judge(
        snap(0.0, tasks={(1, 1): (0.0, 0.0)}), snap(0.01, tasks={(1, 1): (0.0, 0.01)})
    )
    assert not short.judged
    assert not short
    blind = judge(snap(0.0), snap(5.0, own_cpu=5.0))
    assert not blind.judged
    assert blind.description == ""


# -- Reading /proc and cgroup files -------------------------------------------------


PROC_STAT = """\
cpu  3112232 1607 433755 3399814 8359 0 7432 94296 0 0
cpu0 1419750 802 211088 1845454 2007 0 2415 46679 0 0
intr 1 2 3
"""


def test_parse_proc_stat():
    busy, steal = parse_proc_stat(PROC_STAT)
    assert busy == 3112232 + 1607 + 433755 + 0 + 7432
    assert steal == 94296


def test_parse_proc_stat_of_an_old_kernel_without_steal():
    assert parse_proc_stat("cpu 10 0 5 100\n") == (15.0, 0.0)


@pytest.mark.parametrize(
    "text", [None, "", "cpu\n", "cpu 1 2\n", "cpu a b c d\n", "intr 1 2 3\n"]
)
def test_damaged_proc_stat_is_not_watched(text):
    assert parse_proc_stat(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "usage_usec 9\nnr_periods 5\nnr_throttled 2\nthrottled_usec 4000\n",
            (2, 0.004),
        ),
        ("nr_periods 0\nnr_throttled 0\nthrottled_time 0\n", (0, 0.0)),
        ("nr_throttled 1\nthrottled_time 2000000\nnr_bursts 0\n", (1, 0.002)),
        ("", None),
        (None, None),
        ("nr_periods 3\n", None),
        ("nr_throttled 1\n", None),
        ("nr_throttled lots\nthrottled_usec 5\n", None),
        ("\x00\x01 garbage", None),
    ],
)
def test_parse_cgroup_cpu_stat(text, expected):
    assert parse_cgroup_cpu_stat(text) == expected


def test_parse_pid_stat_with_an_awkward_name():
    text = "1234 (my (odd) name) S 77 1234 1234 0 -1 4194560 1 0 0 0 250 50 10 5 20 0 1"
    assert parse_pid_stat(text) == (77, 315.0)


@pytest.mark.parametrize("text", [None, "", "1234 (x) S 77", "12 (x) S p 1 1 0 -1"])
def test_damaged_pid_stat_is_not_watched(text):
    assert parse_pid_stat(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1500000000 250000000 10\n", (1.5, 0.25)),
        ("7 3\n", (7e-9, 3e-9)),
        ("", None),
        (None, None),
        ("only-one\n", None),
        ("1 x 3\n", None),
    ],
)
def test_parse_schedstat(text, expected):
    assert parse_schedstat(text) == expected


def fake_proc(root, *, stat=PROC_STAT, schedstat="1000000000 100000000 5\n"):
    """A /proc with this process, one thread, and one child with one thread."""
    pid, child = os.getpid(), 999_999
    for process, tid, children in ((pid, pid, f"{child}\n"), (child, child, "")):
        task = root / str(process) / "task" / str(tid)
        task.mkdir(parents=True)
        (task / "children").write_text(children)
        if schedstat is not None:
            write(task / "schedstat", schedstat)
    (root / str(child) / "stat").write_text(
        f"{child} (worker) R {pid} 1 1 0 -1 0 0 0 0 0 100 50 0 0 20 0 1\n"
    )
    if stat is not None:
        write(root / "stat", stat)
    return pid, child


def write(path, content):
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_snapshot_reads_a_fake_proc(tmp_path, monkeypatch):
    pid, child = fake_proc(tmp_path)
    cgroup = tmp_path / "cpu.stat"
    cgroup.write_text("nr_throttled 3\nthrottled_usec 1500\n")
    monkeypatch.setattr(disturbance, "PROC", tmp_path)
    monkeypatch.setattr(disturbance, "CGROUP_CPU_STATS", (tmp_path / "absent", cgroup))
    seen = snapshot()
    assert seen.tasks == {(pid, pid): (1.0, 0.1), (child, child): (1.0, 0.1)}
    assert seen.throttled == (3, 0.0015)
    ticks = os.sysconf("SC_CLK_TCK")
    assert seen.busy == pytest.approx((3112232 + 1607 + 433755 + 7432) / ticks)
    assert seen.steal == pytest.approx(94296 / ticks)
    assert seen.own_cpu >= 150 / ticks  # the child's 100 + 50 ticks, and ours


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    ("stat", "schedstat", "cgroup"),
    [
        (None, None, None),  # every file missing
        ("cpu x y z w\n", "garbage\n", "nr_throttled ?\n"),  # every file garbled
        (b"\xff\xfe cpu 1 2 3 4", b"\xff 1 2", b"nr_throttled \xff"),  # not text
    ],
)
def test_missing_or_garbled_files_leave_signals_unwatched(
    tmp_path, monkeypatch, stat, schedstat, cgroup
):
    fake_proc(tmp_path, stat=stat, schedstat=schedstat)
    paths = (tmp_path / "cpu.stat",)
    if cgroup is not None:
        write(paths[0], cgroup)
    monkeypatch.setattr(disturbance, "PROC", tmp_path)
    monkeypatch.setattr(disturbance, "CGROUP_CPU_STATS", paths)
    before = snapshot()
    assert (before.busy, before.steal, before.tasks, before.throttled) == (None,) * 4
    after = Snapshot(before.wall + 1.0, before.own_cpu + 1.0)
    seen = judge(before, after)
    assert not seen.judged
    assert seen.description == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_without_children_files_descendants_are_found_by_parent_pid(
    tmp_path, monkeypatch
):
    pid, child = fake_proc(tmp_path)
    for children in tmp_path.glob("*/task/*/children"):
        children.unlink()
    grandchild = tmp_path / "1000000"
    (grandchild / "task" / "1000000").mkdir(parents=True)
    (grandchild / "stat").write_text(
        f"1000000 (grand child) R {child} 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1\n"
    )
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "stat").write_text("1 (init) S 0 1 1 0 -1 0 0 0 0 0 9 9 9 9\n")
    monkeypatch.setattr(disturbance, "PROC", tmp_path)
    assert sorted(disturbance._descendants(pid)) == [child, 1_000_000]


def test_the_real_system_can_be_read_without_error():
    before = snapshot()
    after = snapshot()
    assert after.wall >= before.wall
    assert after.own_cpu >= before.own_cpu
    assert isinstance(judge(before, after), Disturbance)


def test_other_systems_fall_back_to_what_they_offer(monkeypatch):
    monkeypatch.setattr(disturbance.sys, "platform", "darwin")
    seen = snapshot()
    assert (seen.tasks, seen.steal, seen.throttled) == (None, None, None)
    assert (
        seen.busy is not None or seen.load is not None or not hasattr(os, "getloadavg")
    )
