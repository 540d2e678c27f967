"""Threads for data parallelism: NumPy releases the GIL, BLAS has threads of its own.

The code behind the "Threads for data parallelism" page: a NumPy task on data
the caller already holds (:func:`sort_copy`), matrix products that run in the
BLAS library's own threads (:func:`matmul_repeat`), and worker set-up that
limits those threads (:func:`limit_blas_threads`, :func:`blas_threads`), and
:func:`read_environment`, which shows which environment a worker started with.

Needs NumPy, and threadpoolctl for the BLAS limits, both imported inside the
functions.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "blas_threads",
    "limit_blas_threads",
    "matmul_repeat",
    "read_environment",
    "sort_copy",
]


def sort_copy(array: Any) -> float:
    """Sort a copy of ``array`` with NumPy; return its smallest value.

    NumPy releases the GIL while it sorts, so threads can sort several arrays
    at once, and they read ``array`` where it is: nothing is copied to send it.

    >>> import numpy as np
    >>> sort_copy(np.array([3.0, 1.0, 2.0]))
    1.0
    """
    import numpy as np

    return float(np.sort(array)[0])


def matmul_repeat(size: int, repeats: int = 1, seed: int = 0) -> float:
    """Multiply two random ``size`` x ``size`` matrices ``repeats`` times.

    Matrix products run in the BLAS library (OpenBLAS in NumPy's wheels),
    which starts threads of its own, one per CPU by default.  Returns the
    trace of the last product.

    >>> round(matmul_repeat(2, seed=1), 6) == round(matmul_repeat(2, seed=1), 6)
    True
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    a, b = rng.random((size, size)), rng.random((size, size))
    product = a
    for _ in range(repeats):
        product = a @ b
    return float(np.trace(product))


_LIMITS: Any = None  # kept so the limit stays in force in this process


def limit_blas_threads(threads: int | None) -> None:
    """Limit the BLAS library in this process to ``threads`` threads (None: no limit).

    Meant as a pool's ``initializer``, so each worker's BLAS uses
    ``threads`` threads instead of one per CPU.  Uses threadpoolctl.
    """
    global _LIMITS
    # threadpoolctl can only limit libraries already loaded: load NumPy's BLAS
    # first, or it would start later with one thread per CPU.
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_limits

    if _LIMITS is not None:
        _LIMITS.restore_original_limits()
        _LIMITS = None
    if threads is not None:
        _LIMITS = threadpool_limits(limits=threads, user_api="blas")


def blas_threads(_: Any = None) -> int:
    """How many threads the BLAS library of this process may use.

    >>> blas_threads() >= 1
    True
    """
    import numpy  # noqa: F401 (loads the BLAS library threadpoolctl inspects)
    from threadpoolctl import threadpool_info

    counts = [
        pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"
    ]
    return max(counts, default=1)


def read_environment(name: str) -> str | None:
    """The value of the environment variable ``name`` in this process, or None.

    Run in a worker, it shows the environment the worker started with: under
    ``spawn`` the parent's when the pool started it, under ``forkserver`` the
    fork server's when the server started.

    >>> os.environ["PARALLEL_GUIDE_EXAMPLE"] = "1"
    >>> read_environment("PARALLEL_GUIDE_EXAMPLE")
    '1'
    >>> del os.environ["PARALLEL_GUIDE_EXAMPLE"]
    >>> read_environment("PARALLEL_GUIDE_EXAMPLE") is None
    True
    """
    return os.environ.get(name)
