"""The same map on every engine: the standard library, joblib, Dask, Ray and MPI.

The code behind the "Choose an engine" page.  Each ``*_map`` function returns
``[func(x) for x in items]`` computed by one engine, starting whatever that
engine needs and stopping it again before returning.  Only
:func:`stdlib_map` needs nothing beyond the standard library; the others import
their engine inside the function, so this module imports without any of them.
Ray and mpi4py are not documentation or test dependencies: the optional
``nox -s engines`` session installs them and runs their tests.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = [
    "ENGINES",
    "dask_map",
    "engine_installed",
    "joblib_map",
    "mpi_map",
    "ray_map",
    "stdlib_map",
]

ENGINES = {
    "stdlib": None,
    "joblib": "joblib",
    "dask": "distributed",
    "ray": "ray",
    "mpi": "mpi4py",
}
"""Each engine's name, and the module that must be importable to use it."""


def engine_installed(engine: str) -> bool:
    """Whether ``engine`` (a key of :data:`ENGINES`) can be used here.

    >>> engine_installed("stdlib")
    True
    >>> engine_installed("spark")
    Traceback (most recent call last):
    ...
    ValueError: unknown engine 'spark'; choose one of stdlib, joblib, dask, ray, mpi
    """
    if engine not in ENGINES:
        raise ValueError(
            f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}"
        )
    module = ENGINES[engine]
    return module is None or importlib.util.find_spec(module) is not None


def stdlib_map(func: Callable[[Any], Any], items: Iterable[Any], workers: int = 2):
    """Map with a :class:`~concurrent.futures.ProcessPoolExecutor` (spawn).

    >>> stdlib_map(abs, [-1, -2])
    [1, 2]
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        return list(executor.map(func, items))


def joblib_map(func: Callable[[Any], Any], items: Iterable[Any], workers: int = 2):
    """Map with joblib's loky workers, stopped again at the end."""
    from joblib import Parallel, delayed

    from parallel_guide.pages.joblib_parallel import loky_workers

    with loky_workers():
        return Parallel(n_jobs=workers)(delayed(func)(item) for item in items)


def dask_map(func: Callable[[Any], Any], items: Iterable[Any], workers: int = 2):
    """Map on Dask distributed: a scheduler from the environment, or a local cluster."""
    from parallel_guide.pages.dask_distributed import connect

    with connect(workers=workers) as client:
        return client.gather(client.map(func, list(items), pure=False))


def ray_map(func: Callable[[Any], Any], items: Iterable[Any], workers: int = 2):
    """Map with Ray tasks on a Ray instance started for the call and shut down after."""
    import ray

    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        task = ray.remote(func)
        return ray.get([task.remote(item) for item in items])
    finally:
        ray.shutdown()


def mpi_map(func: Callable[[Any], Any], items: Iterable[Any], workers: int = 2):
    """Map with ``mpi4py.futures`` on MPI processes.

    Started as ``mpiexec -n N python -m mpi4py.futures program.py``, the
    executor uses the N - 1 processes that ``mpiexec`` started besides this
    one as its workers (``workers`` is then ignored), and every one of them
    imports ``program.py``: its work belongs under
    ``if __name__ == "__main__":``.  Started as a plain ``python`` program, it
    spawns ``workers`` processes with ``MPI_Comm_spawn``, which some MPI
    installations (containers, batch systems) do not allow.
    """
    from mpi4py.futures import MPIPoolExecutor

    with MPIPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(func, items))
