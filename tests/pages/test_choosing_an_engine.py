"""The same map on every engine gives the same answer, and leaves nothing running.

Ray and mpi4py are not test dependencies: their tests (marked ``engines``)
skip unless the optional ``nox -s engines`` session installed them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys

import pytest

from parallel_guide.pages.choosing_an_engine import (
    ENGINES,
    dask_map,
    engine_installed,
    joblib_map,
    ray_map,
    stdlib_map,
)
from parallel_guide.tools.workloads import count_primes

# See test_dask_distributed.py: Dask's one offload thread lives as long as the
# interpreter, so start it before a leak check can count it.
with contextlib.suppress(ImportError):
    import distributed.utils

    distributed.utils._offload_executor.submit(int).result()

LIMITS = [100, 1_000, 2_000, 50]
EXPECTED = [count_primes(n) for n in LIMITS]


def test_every_known_engine_can_be_asked_about():
    assert engine_installed("stdlib")
    assert {engine_installed(name) for name in ENGINES} <= {True, False}
    with pytest.raises(ValueError, match="choose one of stdlib"):
        engine_installed("Dask")


@pytest.mark.timeout(60)
def test_stdlib_map(children_now):
    assert stdlib_map(count_primes, LIMITS) == EXPECTED
    assert children_now() == []


@pytest.mark.timeout(120)
def test_joblib_map():
    pytest.importorskip("joblib")
    assert joblib_map(count_primes, LIMITS) == EXPECTED


@pytest.mark.slow
@pytest.mark.dask
@pytest.mark.timeout(180)
def test_dask_map(monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.delenv("PARALLEL_GUIDE_SCHEDULER", raising=False)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert dask_map(count_primes, LIMITS) == EXPECTED


@pytest.mark.engines
@pytest.mark.timeout(300)
def test_ray_map():
    pytest.importorskip("ray", reason="Ray is installed by nox -s engines only")
    assert ray_map(count_primes, LIMITS) == EXPECTED


MPI_PROGRAM = """\
from parallel_guide.pages.choosing_an_engine import mpi_map
from parallel_guide.tools.workloads import count_primes

if __name__ == "__main__":  # the workers import this file too
    print(mpi_map(count_primes, {limits!r}))
"""


@pytest.mark.engines
@pytest.mark.timeout(300)
def test_mpi_map_under_mpiexec(tmp_path):
    pytest.importorskip("mpi4py", reason="mpi4py is installed by nox -s engines only")
    mpiexec = shutil.which("mpiexec")
    if mpiexec is None:
        pytest.skip("no MPI: on Debian, apt-get install openmpi-bin libopenmpi-dev")
    program = tmp_path / "program.py"
    program.write_text(MPI_PROGRAM.format(limits=LIMITS))
    # One manager and two workers, as a batch system would start them.  Open
    # MPI counts cores as slots: allow three processes on a two-core machine.
    command = [mpiexec, "-n", "3", "--oversubscribe", sys.executable]
    command += ["-m", "mpi4py.futures", str(program)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == 0, err
    assert out.strip() == str(EXPECTED)
