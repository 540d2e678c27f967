"""Notice when something else on the machine disturbs a measurement.

A measurement taken while other programs use the CPUs is slower than the
code deserves.  :func:`watch` reads what the system reports before and after
an interval and says whether the interval was disturbed, in words a page can
print.  :func:`~parallel_guide.tools.timing.measure` watches its timed runs,
re-measures when they were disturbed, and records the measurements that
stayed disturbed with :func:`note_disturbed`; :func:`disturbed_measurements`
lists them, so a page can say so next to its numbers.

What is watched depends on the system:

- **Linux** (read from ``/proc`` and ``/sys``, standard library only):

  - *waiting for a CPU*: the time this process, its threads and its live
    child processes spent ready to run but queued for a CPU
    (``/proc/<pid>/task/<tid>/schedstat``), as a share of the time they ran or
    waited.  This is the most direct sign that other work took the CPUs the
    measurement wanted.  Threads and children that ended during the interval
    are not counted.
  - *other work*: the CPU time the whole machine was busy (``/proc/stat``)
    minus the CPU time of this process and its children, live or ended
    (:func:`os.times` and ``/proc/<pid>/stat``), in CPUs.
  - *steal*: CPU time a hypervisor gave to other virtual machines
    (``/proc/stat``).
  - *throttling*: the cgroup's CPU quota pausing this container
    (``cpu.stat`` of cgroup v2, or ``throttled_time`` of cgroup v1).

  An interval counts as disturbed when the measurement waited for a CPU more
  than :data:`WAITING_SHARE` of the time it was ready to run (and for more
  than a twentieth of the interval) while other work used more than
  :data:`OTHER_WORK` of a CPU (a pool with more workers than CPUs waits for
  its own workers, which is not a disturbance), when more than
  :data:`STEAL_SHARE` of a CPU was stolen, or when the cgroup throttled it at
  all.  Where the scheduler's statistics are missing, a machine whose CPUs
  were all busy, with more than :data:`OTHER_WORK` of a CPU of it other work,
  counts instead.  So one other busy program on a machine with two CPUs does
  not disturb a single-threaded measurement, and busy programs on every CPU
  do.
- **macOS, Windows and the rest**: the machine's busy CPU time from psutil
  when it is installed (it is not a dependency), judged as above from the
  other work; otherwise only the one-minute load average
  (:func:`os.getloadavg`, not on Windows), which counts as disturbed when
  other work alone exceeded the number of CPUs.  Neither sees waiting,
  steal or throttling.

Intervals shorter than :data:`SHORTEST_JUDGED` are not judged: the kernel
counts CPU time in ticks of 10 ms, too coarse for them.  A file that is
missing or unreadable leaves its signal unwatched rather than raising.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "OTHER_WORK",
    "SHORTEST_JUDGED",
    "STEAL_SHARE",
    "WAITING_SHARE",
    "Disturbance",
    "Snapshot",
    "disturbed_measurements",
    "judge",
    "note_disturbed",
    "snapshot",
    "watch",
]

WAITING_SHARE = 0.25
"""Waiting for a CPU more than this share of the time makes an interval disturbed."""

OTHER_WORK = 0.5
"""Other work must use more than this many CPUs for waiting to count as disturbed."""

STEAL_SHARE = 0.25
"""More than this many CPUs' worth of stolen time makes an interval disturbed."""

SHORTEST_JUDGED = 0.1
"""Intervals shorter than this many seconds are not judged."""

_LEAST_WAITED = 0.05  # waiting under this share of the wall time is no disturbance

_disturbed: list[str] = []
_clock = time.perf_counter  # bound here: a test that fakes time.perf_counter
# for the runs it times should not fake the length of the watched interval.


def note_disturbed(description: str) -> None:
    """Record that a measurement stayed disturbed, in words.

    >>> note_disturbed("sum: measured while the machine was busy")
    >>> disturbed_measurements()[-1]
    'sum: measured while the machine was busy'
    """
    if not isinstance(description, str) or not description:
        raise TypeError(
            f"note_disturbed() needs a description in words, got {description!r}"
        )
    _disturbed.append(description)


def disturbed_measurements() -> tuple[str, ...]:
    """The measurements in this process that stayed disturbed, in order.

    >>> isinstance(disturbed_measurements(), tuple)
    True
    """
    return tuple(_disturbed)


# -- Reading the system ---------------------------------------------------------

PROC = Path("/proc")
CGROUP_CPU_STATS = (
    Path("/sys/fs/cgroup/cpu.stat"),  # cgroup v2
    Path("/sys/fs/cgroup/cpu,cpuacct/cpu.stat"),  # cgroup v1
    Path("/sys/fs/cgroup/cpu/cpu.stat"),
)
_TICKS = 100  # USER_HZ, the unit of /proc/stat and /proc/<pid>/stat


def _ticks_per_second() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (AttributeError, ValueError, OSError):
        return _TICKS


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError):
        return None


def parse_proc_stat(text: str | None) -> tuple[float, float] | None:
    r"""Busy and stolen CPU ticks of the whole machine, from ``/proc/stat``.

    Busy is user, nice, system, irq and softirq time (guests are already in
    user); ``None`` when the text is missing or damaged.

    >>> parse_proc_stat("cpu  100 5 20 900 3 1 2 7 0 0\ncpu0 50 2 10 450 1 0 1 3 0 0")
    (128.0, 7.0)
    >>> parse_proc_stat("garbage") is None
    True
    """
    if not text:
        return None
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            try:
                values = [float(v) for v in fields[1:]]
            except ValueError:
                return None
            if len(values) < 4:
                return None
            user, nice, system = values[:3]
            irq, softirq, steal = [*values[5:8], 0.0, 0.0, 0.0][:3]
            return user + nice + system + irq + softirq, steal
    return None


def parse_cgroup_cpu_stat(text: str | None) -> tuple[int, float] | None:
    r"""Times throttled and seconds throttled, from a cgroup's ``cpu.stat``.

    Reads cgroup v2 (``nr_throttled``, ``throttled_usec``) and v1
    (``nr_throttled``, ``throttled_time`` in ns); ``None`` when the text is
    missing or has neither.

    >>> parse_cgroup_cpu_stat("usage_usec 10\nnr_throttled 3\nthrottled_usec 250000")
    (3, 0.25)
    >>> parse_cgroup_cpu_stat("nr_throttled 2\nthrottled_time 1500000000")
    (2, 1.5)
    >>> parse_cgroup_cpu_stat("nr_throttled many") is None
    True
    """
    if not text:
        return None
    values: dict[str, int] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 2:
            with contextlib.suppress(ValueError):
                values[fields[0]] = int(fields[1])
    if "nr_throttled" not in values:
        return None
    if "throttled_usec" in values:
        return values["nr_throttled"], values["throttled_usec"] / 1e6
    if "throttled_time" in values:
        return values["nr_throttled"], values["throttled_time"] / 1e9
    return None


def parse_pid_stat(text: str | None) -> tuple[int, float] | None:
    """Parent pid and CPU ticks, from ``/proc/<pid>/stat``.

    The ticks are the process's own and those of its waited-for children.

    The command name in parentheses may hold spaces and parentheses itself,
    so the fields are counted from the last ``)``.

    >>> parse_pid_stat("42 (a (b) c) R 7 1 1 0 -1 0 0 0 0 0 30 5 2 1 20 0 1 0")
    (7, 38.0)
    >>> parse_pid_stat("42 (python) R") is None
    True
    """
    if not text or ")" not in text:
        return None
    fields = text[text.rindex(")") + 1 :].split()
    # After the name: state, ppid, ..., utime (12th), stime, cutime, cstime.
    try:
        ppid = int(fields[1])
        cpu = sum(float(v) for v in fields[11:15])
    except (IndexError, ValueError):
        return None
    if len(fields) < 15:
        return None
    return ppid, cpu


def parse_schedstat(text: str | None) -> tuple[float, float] | None:
    """Seconds on a CPU and seconds waiting for one, from a task's ``schedstat``.

    >>> parse_schedstat("2000000000 500000000 42")
    (2.0, 0.5)
    >>> parse_schedstat("") is None
    True
    """
    if not text:
        return None
    fields = text.split()
    try:
        return int(fields[0]) / 1e9, int(fields[1]) / 1e9
    except (IndexError, ValueError):
        return None


def _child_pids(pid: int) -> list[int] | None:
    """Direct children of ``pid`` from ``/proc/<pid>/task/*/children``, or None."""
    children: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return None
    for task in tasks:
        text = _read(task / "children")
        if text is None:
            if not task.exists():  # the thread ended meanwhile
                continue
            return None  # the kernel does not offer the file
        children.extend(int(c) for c in text.split() if c.isdigit())
    return children


def _descendants(pid: int) -> list[int]:
    """Live descendants of ``pid``, walking children files, else every ppid."""
    found: list[int] = []
    todo = [pid]
    while todo:
        children = _child_pids(todo.pop())
        if children is None:
            return _descendants_by_ppid(pid)
        found.extend(children)
        todo.extend(children)
    return found


def _descendants_by_ppid(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in PROC.iterdir():
            if entry.name.isdigit():
                stat = parse_pid_stat(_read(entry / "stat"))
                if stat is not None:
                    parents.setdefault(stat[0], []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found.extend(children)
        todo.extend(children)
    return found


@dataclass(frozen=True)
class Snapshot:
    """What the system reported at one moment; ``None`` fields are not watched."""

    wall: float
    own_cpu: float
    """CPU seconds of this process, its ended children and its live descendants."""
    busy: float | None = None
    """CPU seconds the whole machine was busy (all CPUs)."""
    steal: float | None = None
    """CPU seconds stolen by a hypervisor (all CPUs)."""
    tasks: Mapping[tuple[int, int], tuple[float, float]] | None = None
    """Seconds on a CPU and waiting for one, per (pid, thread id)."""
    throttled: tuple[int, float] | None = None
    """Times and seconds the cgroup throttled the CPUs."""
    load: float | None = None
    """One-minute load average, where the system offers it."""
    cpus: int = field(default_factory=lambda: os.cpu_count() or 1)


def _linux_snapshot(wall: float, times: os.times_result) -> Snapshot:
    ticks = _ticks_per_second()
    pid = os.getpid()
    descendants = _descendants(pid)
    live_cpu = 0.0
    for child in descendants:
        stat = parse_pid_stat(_read(PROC / str(child) / "stat"))
        if stat is not None:
            live_cpu += stat[1] / ticks
    tasks: dict[tuple[int, int], tuple[float, float]] | None = {}
    for process in (pid, *descendants):
        try:
            tids = [t.name for t in (PROC / str(process) / "task").iterdir()]
        except OSError:
            continue  # ended meanwhile
        for tid in tids:
            path = PROC / str(process) / "task" / tid / "schedstat"
            sched = parse_schedstat(_read(path))
            if sched is not None and tid.isdigit():
                tasks[process, int(tid)] = sched
    if not tasks:
        tasks = None  # the kernel keeps no scheduler statistics
    machine = parse_proc_stat(_read(PROC / "stat"))
    throttled = None
    for path in CGROUP_CPU_STATS:
        throttled = parse_cgroup_cpu_stat(_read(path))
        if throttled is not None:
            break
    return Snapshot(
        wall=wall,
        own_cpu=_own_cpu(times) + live_cpu,
        busy=None if machine is None else machine[0] / ticks,
        steal=None if machine is None else machine[1] / ticks,
        tasks=tasks,
        throttled=throttled,
    )


def _own_cpu(times: os.times_result) -> float:
    # On Windows the children's fields are always 0.
    return times.user + times.system + times.children_user + times.children_system


def _other_snapshot(wall: float, times: os.times_result) -> Snapshot:
    busy, own_cpu = None, _own_cpu(times)
    try:  # an optional extra: the package does not depend on psutil
        psutil = importlib.import_module("psutil")
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            cpu = psutil.cpu_times()
            busy = sum(
                getattr(cpu, name, 0.0)
                for name in (
                    "user",
                    "nice",
                    "system",
                    "irq",
                    "softirq",
                    "interrupt",
                    "dpc",
                )
            )
            own = psutil.Process()
            own_cpu = sum(own.cpu_times()[:4])  # with children waited for
            for child in own.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    own_cpu += sum(child.cpu_times()[:2])
        except (psutil.Error, OSError, AttributeError):  # refused: not watched
            busy, own_cpu = None, _own_cpu(times)
    load = None
    with contextlib.suppress(AttributeError, OSError):  # no getloadavg on Windows
        load = os.getloadavg()[0]
    return Snapshot(wall=wall, own_cpu=own_cpu, busy=busy, load=load)


def snapshot() -> Snapshot:
    """Read what the system reports now, for :func:`judge`.

    >>> before = snapshot()
    >>> before.own_cpu >= 0
    True
    """
    wall = _clock()
    times = os.times()
    if sys.platform.startswith("linux") and PROC.is_dir():
        return _linux_snapshot(wall, times)
    return _other_snapshot(wall, times)


# -- Judging an interval --------------------------------------------------------


@dataclass(frozen=True)
class Disturbance:
    """What disturbed an interval; falsy when nothing did.

    Shares are ``None`` where the system did not report them.

    >>> quiet = Disturbance(seconds=0.5, judged=True, other_work=0.1, waiting=0.02)
    >>> bool(quiet), quiet.description
    (False, '')
    >>> busy = Disturbance(seconds=0.5, judged=True, other_work=1.4, waiting=0.35)
    >>> print(busy.description)  # doctest: +NORMALIZE_WHITESPACE
    measured while the machine was busy: 140% of a CPU taken by other work,
    35% of the time waiting for a CPU
    """

    seconds: float
    """Wall-clock seconds watched."""
    judged: bool
    """False when the interval was too short, or nothing could be watched."""
    other_work: float | None = None
    """CPUs' worth of work by other processes (1.4 is 140 % of a CPU)."""
    waiting: float | None = None
    """Share of the time ready to run that was spent waiting for a CPU."""
    waited: float | None = None
    """Seconds spent waiting for a CPU, added up over the watched threads."""
    steal: float | None = None
    """CPUs' worth of time stolen by a hypervisor."""
    throttled: tuple[int, float] | None = None
    """Times and seconds the cgroup throttled the CPUs during the interval."""
    own_cpus: float | None = None
    """CPUs the measurement itself kept busy on average (its CPU time / wall time)."""
    load: float | None = None
    """The one-minute load average at the end, where that is all there is."""
    cpus: int = 1
    """CPUs in the machine."""

    @property
    def reasons(self) -> list[str]:
        """The judges that found the interval disturbed, in words; empty if none."""
        if not self.judged:
            return []
        reasons = []
        others = self.other_work is None or self.other_work > OTHER_WORK
        # Code that mostly sleeps (I/O, waiting for workers) can wait a large
        # share of the little it runs without losing any time worth a flag.
        lost = self.waited is None or self.waited > _LEAST_WAITED * self.seconds
        if (
            self.waiting is not None
            and self.waiting > WAITING_SHARE
            and others
            and lost
        ):
            reasons.append(f"{self.waiting:.0%} of the time waiting for a CPU")
        if self.steal is not None and self.steal > STEAL_SHARE:
            reasons.append(f"{self.steal:.0%} of a CPU stolen by the hypervisor")
        if self.throttled is not None and self.throttled[0] > 0:
            count, seconds = self.throttled
            reasons.append(
                f"throttled {count} time{'s' if count != 1 else ''} "
                f"({seconds * 1000:.0f} ms) by the container's CPU quota"
            )
        if self.waiting is None and self.other_work is not None:
            # No scheduler statistics: judge by a machine full of other work.
            own = self.own_cpus or 0.0
            full = self.other_work + own > 0.9 * self.cpus
            if self.other_work > OTHER_WORK and full:
                reasons.append("every CPU busy")
        if (
            self.other_work is None
            and self.load is not None
            and self.load - (self.own_cpus or 0.0) > self.cpus
        ):
            reasons.append(f"a load average of {self.load:.1f} on {self.cpus} CPUs")
        return reasons

    @property
    def description(self) -> str:
        """Words a page can print, or ``""`` when nothing disturbed the interval."""
        reasons = self.reasons
        if not reasons:
            return ""
        other = (
            [f"{self.other_work:.0%} of a CPU taken by other work"]
            if self.other_work is not None
            else []
        )
        return "measured while the machine was busy: " + ", ".join(other + reasons)

    def __bool__(self) -> bool:
        return bool(self.reasons)


def _delta(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    return max(0.0, after - before)


def _waiting(
    before: Mapping[tuple[int, int], tuple[float, float]] | None,
    after: Mapping[tuple[int, int], tuple[float, float]] | None,
) -> tuple[float | None, float | None]:
    """The share of the time ready to run spent waiting, and the seconds waited."""
    if before is None or after is None:
        return None, None
    ran = waited = 0.0
    for key, (on_cpu, waiting) in after.items():
        on_cpu_before, waiting_before = before.get(key, (0.0, 0.0))
        ran += max(0.0, on_cpu - on_cpu_before)
        waited += max(0.0, waiting - waiting_before)
    if ran + waited <= 0:
        return 0.0, 0.0
    return waited / (ran + waited), waited


def judge(before: Snapshot, after: Snapshot) -> Disturbance:
    """What disturbed the interval between two snapshots.

    >>> start = Snapshot(
    ...     wall=0.0,
    ...     own_cpu=0.0,
    ...     busy=10.0,
    ...     steal=0.0,
    ...     tasks={(1, 1): (0.0, 0.0)},
    ...     throttled=(0, 0.0),
    ...     cpus=2,
    ... )
    >>> end = Snapshot(
    ...     wall=1.0,
    ...     own_cpu=1.0,
    ...     busy=12.4,
    ...     steal=0.0,
    ...     tasks={(1, 1): (0.6, 0.4)},
    ...     throttled=(0, 0.0),
    ...     cpus=2,
    ... )
    >>> print(judge(start, end).description)  # doctest: +NORMALIZE_WHITESPACE
    measured while the machine was busy: 140% of a CPU taken by other work,
    40% of the time waiting for a CPU
    """
    seconds = after.wall - before.wall
    own_cpu = max(0.0, after.own_cpu - before.own_cpu)
    if seconds < SHORTEST_JUDGED:
        return Disturbance(seconds=seconds, judged=False, cpus=after.cpus)
    busy = _delta(before.busy, after.busy)
    steal = _delta(before.steal, after.steal)
    throttled = None
    if before.throttled is not None and after.throttled is not None:
        throttled = (
            max(0, after.throttled[0] - before.throttled[0]),
            max(0.0, after.throttled[1] - before.throttled[1]),
        )
    waiting, waited = _waiting(before.tasks, after.tasks)
    result = Disturbance(
        seconds=seconds,
        judged=True,
        other_work=None if busy is None else max(0.0, busy - own_cpu) / seconds,
        waiting=waiting,
        waited=waited,
        steal=None if steal is None else steal / seconds,
        throttled=throttled,
        own_cpus=own_cpu / seconds,
        load=after.load,
        cpus=after.cpus,
    )
    nothing_watched = (
        result.other_work is None
        and result.waiting is None
        and result.steal is None
        and result.throttled is None
        and result.load is None
    )
    if nothing_watched:
        return Disturbance(seconds=seconds, judged=False, cpus=after.cpus)
    return result


class watch:  # lower case: used like a function, ``with watch() as seen``
    """Watch the code in a ``with`` block; ``disturbance`` says what disturbed it.

    >>> with watch() as seen:
    ...     total = sum(range(1000))
    >>> seen.disturbance.judged  # far too short to judge
    False
    >>> seen.disturbance.description
    ''
    """

    def __init__(self, take: Callable[[], Snapshot] = snapshot) -> None:
        self._take = take
        self._before: Snapshot | None = None
        self.disturbance = Disturbance(seconds=0.0, judged=False)

    def __enter__(self) -> watch:
        self._before = self._take()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._before is not None:
            self.disturbance = judge(self._before, self._take())
