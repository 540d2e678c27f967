"""Dask distributed: connecting, a real scheduler and workers, the recipes on them.

Marked ``dask``: what Dask changes for the whole interpreter (pickling,
environment) is undone after each test (see conftest.py).
"""

from __future__ import annotations

import os

import psutil
import pytest

from bad_counts import bad_counts

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

from dask.utils import parse_timedelta  # noqa: E402

from parallel_guide.pages.dask_distributed import (  # noqa: E402
    ADDRESS_ENV,
    CONNECT_TIMEOUT_SECONDS,
    PIPELINE_SECONDS,
    always_die,
    connect,
    die_once,
    pipeline_delayed,
    pipeline_tasks,
    scheduler_address,
    scheduler_processes,
)
from parallel_guide.recipes.parallel_map import parallel_map  # noqa: E402
from parallel_guide.recipes.run_tasks import run_tasks  # noqa: E402
from parallel_guide.tools.workloads import count_primes  # noqa: E402

# An in-process scheduler (a LocalCluster's) hands big messages to Dask's one
# "Dask-Offload" thread, which then lives as long as the interpreter, like
# multiprocessing's resource tracker.  Start it now, before any leak check
# takes its list of threads, so that it is not counted as a leak.
distributed.utils._offload_executor.submit(int).result()

pytestmark = pytest.mark.dask
LIMITS = [500, 1_000, 1_500, 2_000, 2_500, 3_000]


@pytest.fixture
def no_scheduler_env(monkeypatch):
    monkeypatch.delenv(ADDRESS_ENV, raising=False)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with dask.config.set({"scheduler-address": None}):
        yield monkeypatch


def test_address_comes_from_argument_then_environment(no_scheduler_env):
    assert scheduler_address() is None
    with dask.config.set({"scheduler-address": "tcp://127.0.0.1:2"}):
        assert scheduler_address() == "tcp://127.0.0.1:2"
        no_scheduler_env.setenv(ADDRESS_ENV, " tcp://127.0.0.1:1 ")
        assert scheduler_address() == "tcp://127.0.0.1:1"
        assert scheduler_address("127.0.0.1:3") == "127.0.0.1:3"


@pytest.mark.parametrize("bad", ["", "localhost", "tcp://host", "host:port", "a b:1"])
def test_malformed_address_is_rejected_with_the_expected_form(bad):
    with pytest.raises(ValueError, match=r"looks like tcp://host:port"):
        scheduler_address(bad)


def test_address_must_be_a_string():
    with pytest.raises(TypeError, match="must be a string"):
        scheduler_address(8786)


@pytest.mark.parametrize(("workers", "error", "message"), bad_counts("workers"))
def test_scheduler_processes_rejects_bad_worker_counts(workers, error, message):
    with (
        pytest.raises(error, match=message),
        scheduler_processes(workers),
    ):
        pass


def test_pipeline_tasks_chain_each_source():
    tasks, depends_on = pipeline_tasks(["a", "b"], scale=0)
    assert len(tasks) == 6
    assert depends_on["report b"] == ["process b"]
    results = run_tasks(tasks, depends_on=depends_on)
    assert results["report a"] == "Report: Processed Data from a"


def test_pipeline_steps_sleep_the_seconds_the_page_adds_up():
    # The page computes the pipeline's length from PIPELINE_SECONDS.
    tasks, _ = pipeline_tasks(["a"], scale=0.5)
    slept = {name.split()[0]: task.keywords["seconds"] for name, task in tasks.items()}
    assert slept == {step: 0.5 * seconds for step, seconds in PIPELINE_SECONDS.items()}


def test_die_once_returns_the_pid_when_the_marker_exists(tmp_path):
    marker = tmp_path / "died"
    marker.touch()
    assert die_once(str(marker)) == os.getpid()


def _dask_processes():
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "dask" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_recipes_run_on_a_real_scheduler_and_workers(no_scheduler_env, children_now):
    with scheduler_processes(workers=2) as address:
        running = _dask_processes()
        assert sum("scheduler" in " ".join(p.cmdline()) for p in running) == 1
        assert sum(" worker " in " ".join(p.cmdline()) for p in running) == 2
        # The same code as on the page, told where the cluster is by the environment.
        no_scheduler_env.setenv(ADDRESS_ENV, address)
        with connect() as client:
            assert client.scheduler.address == address
            assert len(client.nthreads()) == 2  # not scheduler_info(): see below
            # Tasks run in the worker processes, not here.
            pids = set(client.run(os.getpid).values())
            assert os.getpid() not in pids
            assert pids <= {p.pid for p in psutil.Process().children(recursive=True)}

            expected = [count_primes(n) for n in LIMITS]
            assert client.gather(client.map(count_primes, LIMITS)) == expected

            executor = client.get_executor(pure=False)
            assert parallel_map(count_primes, LIMITS * 3, executor=executor) == (
                expected * 3
            )
            with pytest.raises(TypeError) as raised:
                parallel_map(count_primes, [10, "x", 20], executor=executor)
            assert "parallel_map: raised for item #1: 'x'" in raised.value.__notes__

            tasks, depends_on = pipeline_tasks(["db", "api"], scale=0.05)
            results = run_tasks(tasks, depends_on=depends_on, executor=executor)
            assert results["report api"] == "Report: Processed Data from api"
            assert list(results).index("download db") < list(results).index("report db")
            reports = dask.compute(*pipeline_delayed(["db"], scale=0.05))
            assert reports == ("Report: Processed Data from db",)
    assert children_now() == []


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_local_cluster_retries_a_task_whose_worker_died(no_scheduler_env, tmp_path):
    marker = tmp_path / "died"
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        connect(workers=2) as client,
    ):
        # client.scheduler_info(n_workers=-1)["workers"] is sometimes empty:
        # the client's poll (every 2 s) stores an identity without workers in
        # the cache that call fills, then returns (seen once in 35 runs).  An
        # upstream bug of distributed 2026.8 not reported yet; related:
        # dask/distributed#9308.  client.nthreads() asks the scheduler directly.
        assert len(client.nthreads()) == 2
        # A restart slower than lost-worker-timeout (Dask's 15 s: one run in
        # about 17 on two busy cores) made the cluster close that worker's
        # nanny for good, and wait_for_workers below timed out: connect()
        # allows a restart as long as a start.
        lost_after = dask.config.get("distributed.deploy.lost-worker-timeout")
        assert parse_timedelta(lost_after) >= CONNECT_TIMEOUT_SECONDS
        pid = client.submit(die_once, str(marker), pure=False).result(timeout=120)
        assert marker.exists()  # the first try ran, and killed its worker
        assert pid != os.getpid()
        with pytest.raises(distributed.KilledWorker):
            client.submit(always_die, pure=False).result(timeout=120)
        # The nannies restart the dead workers; wait for both, as the page does.
        client.wait_for_workers(2, timeout=120)
        assert len(client.nthreads()) == 2
