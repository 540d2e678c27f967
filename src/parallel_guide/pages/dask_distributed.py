"""Run the guide's workloads and recipes on Dask distributed, locally or on a cluster.

The code behind the "Run on Dask distributed" page.  :func:`connect` gives a
``distributed.Client``: connected to the scheduler named by
``PARALLEL_GUIDE_SCHEDULER`` (or Dask's own ``DASK_SCHEDULER_ADDRESS``) when
one is set, otherwise to a ``distributed.LocalCluster`` of worker
processes that it starts, and always closed at the end of the ``with`` block.
:func:`scheduler_processes` starts a real cluster on this machine, a
``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, the way one is
started on many machines.

This module needs ``dask[distributed]`` (a docs and tests dependency, not a
dependency of the package), imported inside the functions: importing the
module works without it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from parallel_guide.pages.task_parallel import (
    download_data,
    generate_report,
    process_data,
)
from parallel_guide.tools.checks import check_count

__all__ = [
    "ADDRESS_ENV",
    "PIPELINE_SECONDS",
    "always_die",
    "connect",
    "die_once",
    "fail_once",
    "local_cluster",
    "pipeline_delayed",
    "pipeline_tasks",
    "scheduler_address",
    "scheduler_processes",
]

ADDRESS_ENV = "PARALLEL_GUIDE_SCHEDULER"
"""The environment variable naming the scheduler :func:`connect` connects to."""

CONNECT_TIMEOUT_SECONDS = 60
"""How long :func:`connect` and :func:`scheduler_processes` wait for a cluster."""

STOP_TIMEOUT_SECONDS = 15
"""How long :func:`scheduler_processes` waits for its processes to exit when asked."""

PIPELINE_SECONDS = {"download": 1.0, "process": 0.5, "report": 0.75}
"""Seconds each step of :func:`pipeline_delayed` sleeps per source at ``scale=1``."""

_ADDRESS = re.compile(
    r"^(?:[a-z]+://)?[^\s:/]+:\d{1,5}$|^(?:[a-z]+://)?\[[^\]]+\]:\d+$"
)


def scheduler_address(address: str | None = None) -> str | None:
    """The scheduler to connect to: ``address``, else the environment, else None.

    ``PARALLEL_GUIDE_SCHEDULER`` is read first, then Dask's own setting
    ``scheduler-address`` (which the ``DASK_SCHEDULER_ADDRESS`` environment
    variable sets).  None means "start a local cluster".

    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> scheduler_address("10.0.0.5")
    Traceback (most recent call last):
    ...
    ValueError: a scheduler address looks like tcp://host:port, got '10.0.0.5'
    """
    if address is None:
        address = os.environ.get(ADDRESS_ENV) or None
    if address is None:
        address = _dask_config_address()
    if address is None:
        return None
    if not isinstance(address, str):
        raise TypeError(
            f"the scheduler address must be a string like tcp://host:port, "
            f"got {type(address).__name__}"
        )
    address = address.strip()
    if not _ADDRESS.match(address):
        raise ValueError(
            f"a scheduler address looks like tcp://host:port, got {address!r}"
        )
    return address


def _dask_config_address() -> str | None:
    try:
        import dask
    except ImportError:
        return None
    return dask.config.get("scheduler-address", None) or None


def local_cluster(workers: int | None = None, **options: Any):
    """A ``distributed.LocalCluster`` of single-threaded worker processes.

    ``workers`` defaults to the CPUs this process may use.  The scheduler's
    web server (and dashboard) takes a free port, so no two clusters clash over
    the default 8787, and only errors are logged.
    Close it (``with``) when done; ``options`` go to ``LocalCluster``.
    """
    from distributed import LocalCluster

    from parallel_guide.pages.data_parallel import usable_cpus

    settings = {
        "n_workers": workers or usable_cpus(),
        "threads_per_worker": 1,  # CPU-bound Python: one task per process
        "processes": True,
        # The scheduler always serves HTTP; ":0" picks a free port instead of
        # 8787, which a second cluster on the machine would find taken.
        "dashboard_address": ":0",
        "silence_logs": logging.ERROR,
    }
    return LocalCluster(**{**settings, **options})


@contextlib.contextmanager
def connect(address: str | None = None, *, workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for the ``with`` block, closed at its end.

    Connects to ``address``, or to the scheduler the environment names (see
    :func:`scheduler_address`); with neither, starts a :func:`local_cluster`
    of ``workers`` processes and stops it at the end.  The same code thus runs
    on a laptop and on a cluster: ``with connect() as client:``, then the
    block submits its work through ``client``, as :doc:`/how-to/dask_distributed`
    does.
    """
    import dask
    from distributed import Client

    address = scheduler_address(address)
    if address is not None:
        with Client(address, timeout=CONNECT_TIMEOUT_SECONDS) as client:
            yield client
        return
    # Worker processes may take a while to start on a busy machine: wait
    # CONNECT_TIMEOUT_SECONDS for them rather than Dask's default of 30 s.
    # The same goes for a worker that died and that its nanny is restarting:
    # after lost-worker-timeout (15 s by default) the cluster gives it up and
    # closes its nanny, so the cluster stays a worker short for good
    # (SpecCluster._update_worker_status, from dask/distributed#2990).
    wait = f"{CONNECT_TIMEOUT_SECONDS}s"
    patience = {
        "distributed.comm.timeouts.connect": wait,
        "distributed.deploy.lost-worker-timeout": wait,
    }
    with (
        dask.config.set(patience),
        local_cluster(workers) as cluster,
        Client(cluster) as client,
    ):
        yield client


# -- A real cluster on this machine ---------------------------------------------


@contextlib.contextmanager
def scheduler_processes(
    workers: int = 2, *, timeout: float = CONNECT_TIMEOUT_SECONDS
) -> Iterator[str]:
    """Start ``dask scheduler`` and ``dask worker`` processes here; yield the address.

    Everything listens on 127.0.0.1 only, on free ports, without dashboards,
    exactly as the command-line tools start a cluster on several machines.
    At the end of the block the workers and then the scheduler are asked to
    stop (SIGTERM) and, after ``STOP_TIMEOUT_SECONDS``, killed with everything
    they started.  Raises :exc:`TimeoutError` if the cluster is not up within
    ``timeout`` seconds.
    """
    check_count("workers", workers)
    dask = _dask_command()
    processes: list[subprocess.Popen] = []
    folder = tempfile.mkdtemp(prefix="dask-cluster-")
    scheduler_file = Path(folder, "scheduler.json")
    deadline = time.monotonic() + timeout
    # Logs go to files: read them if the cluster does not come up.
    logs = Path(folder)
    try:
        processes.append(
            _start(
                [
                    *dask,
                    *("scheduler", "--host", "127.0.0.1", "--port", "0"),
                    *("--no-dashboard", "--scheduler-file", str(scheduler_file)),
                ],
                logs / "scheduler.log",
            )
        )
        address = _wait_for_file(scheduler_file, processes[0], deadline, logs)
        for number in range(workers):
            processes.append(
                _start(
                    [
                        *dask,
                        *("worker", address, "--host", "127.0.0.1", "--nthreads", "1"),
                        *("--no-dashboard", "--name", f"w{number}"),
                        *("--local-directory", folder, "--death-timeout", "30"),
                    ],
                    logs / f"worker-{number}.log",
                )
            )
        _wait_for_workers(address, workers, deadline, processes, logs)
        yield address
    finally:
        _stop(processes[1:])  # workers first, so none waits for a gone scheduler
        _stop(processes[:1])
        shutil.rmtree(folder, ignore_errors=True)


def _dask_command() -> list[str]:
    # The dask next to this interpreter, not whichever is first on PATH.
    beside = Path(sys.executable).with_name("dask")
    if beside.exists():
        return [str(beside)]
    return [sys.executable, "-m", "dask"]


def _start(command: list[str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        # Its own session: the process and whatever it starts can be signalled
        # as a group, and a Ctrl-C in the terminal is left to us to handle.
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for_file(
    path: Path, process: subprocess.Popen, deadline: float, logs: Path
) -> str:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dask scheduler exited early:\n{_read_logs(logs)}")
        with contextlib.suppress(OSError, ValueError, KeyError):
            return json.loads(path.read_text())["address"]
        time.sleep(0.1)
    raise TimeoutError(f"dask scheduler did not start in time:\n{_read_logs(logs)}")


def _wait_for_workers(address, count, deadline, processes, logs) -> None:
    from distributed import Client

    remaining = max(1.0, deadline - time.monotonic())
    with Client(address, timeout=remaining) as client:
        # Not scheduler_info(n_workers=-1): the client's periodic poll can
        # empty its "workers" in between; nthreads() asks the scheduler.
        while len(client.nthreads()) < count:
            if any(p.poll() is not None for p in processes):
                raise RuntimeError(f"a dask process exited early:\n{_read_logs(logs)}")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{count} dask workers did not connect in time:\n{_read_logs(logs)}"
                )
            time.sleep(0.1)


def _read_logs(folder: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}"
        for log in sorted(folder.glob("*.log"))
    )


def _stop(processes: Sequence[subprocess.Popen]) -> None:
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(0.1, deadline - time.monotonic()))
    for process in processes:
        # Whatever it started (a nanny's worker) goes too.
        _signal_group(process, signal.SIGKILL)
        process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


# -- Worker functions for the page -----------------------------------------------


def die_once(marker: str) -> int:
    """Kill the worker process running this, the first time only; return its pid.

    The first call creates the file ``marker`` and exits the process at once,
    as a crash or the out-of-memory killer would.  A call that finds the file
    returns the process id: the task was run again, on a live worker.
    """
    try:
        with open(marker, "x"):
            pass
    except FileExistsError:
        return os.getpid()
    os._exit(1)


def fail_once(marker: str) -> str:
    """Raise :exc:`ConnectionError` the first time, succeed after: a flaky task.

    Like :func:`die_once`, the file ``marker`` remembers the first call across
    processes.

    >>> import os, tempfile
    >>> marker = os.path.join(tempfile.mkdtemp(), "failed")
    >>> fail_once(marker)
    Traceback (most recent call last):
    ...
    ConnectionError: the first try always fails
    >>> fail_once(marker)
    'succeeded on a retry'
    """
    try:
        with open(marker, "x"):
            pass
    except FileExistsError:
        return "succeeded on a retry"
    raise ConnectionError("the first try always fails")


def always_die() -> None:
    """Kill the worker process running this, every time: a task that never succeeds."""
    os._exit(1)


def pipeline_delayed(sources: Sequence[str], scale: float = 1.0) -> list[Any]:
    """Download, process and report on each source: a graph of ``dask.delayed`` calls.

    Nothing runs until the graph is computed: ``dask.compute(*graph)``.
    ``scale`` multiplies the tasks' durations (:data:`PIPELINE_SECONDS`).
    """
    from dask import delayed

    seconds = {step: duration * scale for step, duration in PIPELINE_SECONDS.items()}
    reports = []
    for source in sources:
        data = delayed(download_data, pure=False)(source, seconds=seconds["download"])
        processed = delayed(process_data, pure=False)(data, seconds=seconds["process"])
        reports.append(
            delayed(generate_report, pure=False)(processed, seconds=seconds["report"])
        )
    return reports


def pipeline_tasks(
    sources: Sequence[str], scale: float = 1.0
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The pipeline of :func:`pipeline_delayed` as ``tasks, depends_on`` for run_tasks.

    >>> tasks, depends_on = pipeline_tasks(["db"], scale=0)
    >>> sorted(tasks)
    ['download db', 'process db', 'report db']
    >>> depends_on
    {'process db': ['download db'], 'report db': ['process db']}
    """
    seconds = {step: duration * scale for step, duration in PIPELINE_SECONDS.items()}
    tasks: dict[str, Any] = {}
    depends_on: dict[str, list[str]] = {}
    for source in sources:
        tasks[f"download {source}"] = partial(
            download_data, source, seconds=seconds["download"]
        )
        tasks[f"process {source}"] = partial(process_data, seconds=seconds["process"])
        tasks[f"report {source}"] = partial(generate_report, seconds=seconds["report"])
        depends_on[f"process {source}"] = [f"download {source}"]
        depends_on[f"report {source}"] = [f"process {source}"]
    return tasks, depends_on
