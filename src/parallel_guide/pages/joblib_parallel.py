"""joblib next to the standard library: loky workers, memmapped arrays, cloudpickle.

The code behind the "Use joblib" page.  joblib's default backend, loky, runs
tasks in worker processes that it keeps for the next call; large NumPy
arrays are handed to them as memory-mapped files instead of being pickled
again for every task; and functions travel by value (cloudpickle), so those
defined in a notebook work too.

This module needs joblib (a docs and tests dependency, not a dependency of the
package) and NumPy for the arrays, both imported inside the functions.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from parallel_guide.tools.run_python import ProgramRun, run_python

__all__ = [
    "call_in_fresh_interpreter",
    "describe_argument",
    "loky_workers",
    "pickle_both_ways",
    "stop_loky_workers",
    "sum_parts",
]


def describe_argument(array: Any) -> str:
    """What a worker received for ``array``: its type and whether it may write to it.

    >>> import numpy as np
    >>> describe_argument(np.zeros(3))
    'ndarray (writeable)'
    """
    writeable = "writeable" if array.flags.writeable else "read-only"
    return f"{type(array).__name__} ({writeable})"


def sum_parts(
    array: Any, parts: Sequence[tuple[int, int]], *, n_jobs: int, max_nbytes: Any
) -> list[tuple[float, float]]:
    """Sum the squares of each ``(start, stop)`` part of ``array`` in joblib workers.

    Every task is given the *whole* array, as careless code does.  With
    ``max_nbytes=None`` joblib pickles it into every task; with a size (its
    default is ``"1M"``) an array larger than that is written once to a file
    that every worker maps into memory.  Returns each part's sum and the
    private memory of the worker that computed it, in MiB
    (:func:`~parallel_guide.pages.share_data_without_copying.sum_of_squares_slice`).
    """
    from joblib import Parallel, delayed

    from parallel_guide.pages.share_data_without_copying import sum_of_squares_slice

    run = Parallel(n_jobs=n_jobs, max_nbytes=max_nbytes)
    return run(delayed(sum_of_squares_slice)(array, part) for part in parts)


def stop_loky_workers() -> None:
    """Stop the worker processes joblib keeps for its next call, and wait for them.

    joblib's loky backend keeps its workers after a call, so the next call
    starts at once; they exit after 300 s without work, or with the
    interpreter.  A test, or a page that must leave no process behind, stops
    them itself.  Nothing happens if no workers were started.

    >>> stop_loky_workers()
    """
    from joblib.externals.loky import reusable_executor

    executor = reusable_executor._executor  # None until joblib first needs it
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)


@contextlib.contextmanager
def loky_workers() -> Iterator[None]:
    """Run the block, then :func:`stop_loky_workers`, however the block ends."""
    try:
        yield
    finally:
        stop_loky_workers()


def call_in_fresh_interpreter(
    pickled_function: bytes, argument: Any, *, timeout: float = 30
) -> ProgramRun:
    r"""Load a pickled function in a new interpreter with :mod:`pickle`; call it.

    The new interpreter's ``__main__`` is not the caller's, as in a worker
    started with ``spawn``: a function pickled *by reference* to
    ``__main__`` is not found there; one pickled *by value* (cloudpickle) is.

    >>> import operator
    >>> run = call_in_fresh_interpreter(pickle.dumps(operator.neg), 5)
    >>> run.returncode, run.stdout
    (0, '-5\n')
    """
    code = (
        "import pickle, sys\n"
        f"function = pickle.loads({pickled_function!r})\n"
        f"print(function({argument!r}))\n"
    )
    return run_python(code, timeout=timeout)


def pickle_both_ways(function: Callable[..., Any]) -> dict[str, bytes]:
    """``function`` pickled by the standard library and by cloudpickle.

    The standard pickle stores a module and a name; cloudpickle stores the code
    itself when the module is ``__main__`` (or the function is a lambda).
    joblib (1.6 and later) depends on cloudpickle, which loky uses.

    >>> import operator
    >>> pickle.loads(pickle_both_ways(operator.neg)["cloudpickle"])(2)
    -2
    """
    import cloudpickle

    by_value = cloudpickle.dumps(function)
    return {"pickle": pickle.dumps(function), "cloudpickle": by_value}
