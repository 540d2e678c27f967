"""Worker functions for the "Pass several arguments to a worker function" page.

Worker processes started with ``spawn`` or ``forkserver`` import the
function they run by name, so the functions a pool calls live here, at the
top level of a module, rather than in the page's cells.

:func:`power` takes two positional arguments, :func:`scale` keyword
arguments, and :func:`power_of_pair` is the small named wrapper that takes
the place of a lambda.
"""

from __future__ import annotations

__all__ = ["power", "power_of_pair", "scale"]


def power(base: float, exponent: float) -> float:
    """Return ``base ** exponent``.

    >>> power(2, 10)
    1024
    """
    return base**exponent


def power_of_pair(pair: tuple[float, float]) -> float:
    """Call :func:`power` with the two items of ``pair``.

    A named wrapper, at the top level of a module, where one might write
    ``lambda pair: power(*pair)``: unlike the lambda, it can be pickled and
    sent to a worker process.

    >>> power_of_pair((3, 2))
    9
    """
    return power(*pair)


def scale(x: float, *, factor: float = 1.0, offset: float = 0.0) -> float:
    """Return ``x * factor + offset``; ``factor`` and ``offset`` are keyword-only.

    >>> scale(2, factor=10, offset=1)
    21
    """
    return x * factor + offset
