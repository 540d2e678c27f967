"""Share a large NumPy array with worker processes without copying it.

The code behind the "Share data without copying" page.  A worker can get an
array three ways:

* as an argument, pickled and copied into the worker (:func:`sum_of_squares`);
* through :mod:`multiprocessing.shared_memory`: the parent puts the array in a
  named block of shared memory (:func:`shared_array`) and sends only its
  :class:`ArraySpec`; workers map the same memory (:func:`attach`,
  :func:`sum_of_squares_shared`);
* inherited from a parent that forks its workers (:func:`share_by_fork`,
  :func:`sum_of_squares_inherited`): POSIX only.

Each worker function reports :func:`private_memory_mb`, the memory that only
that process uses, which is where a copy shows up.  Needs NumPy, imported
inside the functions.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import resource_tracker, shared_memory
from typing import Any

__all__ = [
    "ArraySpec",
    "attach",
    "private_memory_mb",
    "share_by_fork",
    "shared_array",
    "slices",
    "sum_of_squares",
    "sum_of_squares_inherited",
    "sum_of_squares_shared",
    "sum_of_squares_slice",
]


@dataclass(frozen=True)
class ArraySpec:
    """What a worker needs to find an array in shared memory: a few bytes to send."""

    name: str
    """The name of the :class:`~multiprocessing.shared_memory.SharedMemory` block."""
    shape: tuple[int, ...]
    dtype: str


def slices(length: int, parts: int) -> list[tuple[int, int]]:
    """Split ``range(length)`` into ``parts`` contiguous ``(start, stop)`` pairs.

    >>> slices(10, 3)
    [(0, 4), (4, 7), (7, 10)]
    """
    if parts < 1:
        raise ValueError(f"parts must be at least 1, got {parts}")
    size, extra = divmod(length, parts)
    bounds, start = [], 0
    for index in range(parts):
        stop = start + size + (index < extra)
        bounds.append((start, stop))
        start = stop
    return bounds


def private_memory_mb() -> float:
    """Memory used by this process alone, in MiB (Linux; NaN elsewhere).

    Pages shared with other processes (shared memory, pages inherited by
    ``fork`` and not written to since) are not counted, so a copy of an array
    shows up here and a shared one does not.

    >>> private_memory_mb() > 0 or not sys.platform.startswith("linux")
    True
    """
    try:
        with open("/proc/self/smaps_rollup") as smaps:
            fields = dict(line.split(":", 1) for line in smaps if ":" in line)
    except OSError:
        return float("nan")
    kib = sum(int(fields[key].split()[0]) for key in ("Private_Clean", "Private_Dirty"))
    return kib / 1024


def _result(array: Any) -> tuple[float, float]:
    import numpy as np

    return float(np.dot(array, array)), private_memory_mb()


def sum_of_squares(array: Any) -> tuple[float, float]:
    """Sum of the squares of a NumPy array received as an argument (a copy).

    Returns the sum and this process's private memory in MiB.
    """
    return _result(array)


def sum_of_squares_slice(array: Any, bounds: tuple[int, int]) -> tuple[float, float]:
    """Sum of squares of ``array[start:stop]``, receiving the *whole* array.

    Bound into every task with :func:`functools.partial`, this is the costly
    mistake: the whole array is pickled and sent with each task.
    """
    start, stop = bounds
    return _result(array[start:stop])


@contextlib.contextmanager
def shared_array(array: Any) -> Iterator[tuple[ArraySpec, Any]]:
    """Copy ``array`` into a new block of shared memory, for the ``with`` block.

    Yields the :class:`ArraySpec` to send to workers and a NumPy view of the
    shared copy.  When the block ends, however it ends, the memory is closed
    and unlinked, so no segment is left behind.
    """
    import numpy as np

    block = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
    try:
        view = np.ndarray(array.shape, dtype=array.dtype, buffer=block.buf)
        view[...] = array
        spec = ArraySpec(block.name, tuple(array.shape), array.dtype.str)
        try:
            yield spec, view
        finally:
            del view  # a view still using the buffer would stop close()
    finally:
        block.close()
        block.unlink()


@contextlib.contextmanager
def attach(spec: ArraySpec) -> Iterator[Any]:
    """Map the shared array described by ``spec``; yield a NumPy view of it.

    The worker only *uses* the block; the process that created it unlinks it.
    Before Python 3.13, attaching also registered the block with the resource
    tracker, which would then try to unlink it again (and warn) when the worker
    exits; this undoes that registration.  On 3.13+, ``track=False`` does it.
    """
    import numpy as np

    if sys.version_info >= (3, 13):
        block = shared_memory.SharedMemory(name=spec.name, track=False)
    else:
        block = shared_memory.SharedMemory(name=spec.name)
        if os.name == "posix":
            resource_tracker.unregister(block._name, "shared_memory")  # type: ignore[attr-defined]
    try:
        view = np.ndarray(spec.shape, dtype=np.dtype(spec.dtype), buffer=block.buf)
        try:
            yield view
        finally:
            del view
    finally:
        block.close()


def sum_of_squares_shared(
    spec: ArraySpec, bounds: tuple[int, int]
) -> tuple[float, float]:
    """Sum of squares of ``array[start:stop]`` of a shared array, without copying."""
    start, stop = bounds
    with attach(spec) as array:
        return _result(array[start:stop])


_INHERITED: Any = None


@contextlib.contextmanager
def share_by_fork(array: Any) -> Iterator[None]:
    """Leave ``array`` where workers forked inside the block will find it.

    Workers started with ``fork`` get a copy-on-write image of the parent, so
    they see it without it being sent.  Workers started any other way do not.
    """
    global _INHERITED
    _INHERITED = array
    try:
        yield
    finally:
        _INHERITED = None


def sum_of_squares_inherited(bounds: tuple[int, int]) -> tuple[float, float]:
    """Sum of squares of ``array[start:stop]`` of the array inherited by ``fork``."""
    if _INHERITED is None:
        raise RuntimeError(
            "no inherited array: this worker was not forked inside share_by_fork()"
        )
    start, stop = bounds
    return _result(_INHERITED[start:stop])
