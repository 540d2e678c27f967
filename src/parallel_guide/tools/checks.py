"""Argument checks for the tools and the page modules: one way to say "bad input".

Each check raises :exc:`TypeError` for a value of the wrong type and
:exc:`ValueError` for one out of range, with a message that names the
argument and says what it accepts.  (The recipes carry checks of their own,
so that each recipe can be copied on its own.)
"""

from __future__ import annotations

import math

__all__ = ["check_count", "check_seconds"]


def check_count(
    name: str, value: object, *, minimum: int = 1, none_ok: bool = False
) -> None:
    """Check that ``value`` is a whole number of at least ``minimum``.

    With ``none_ok``, ``None`` (meaning "choose for me") passes too.

    >>> check_count("workers", 2)
    >>> check_count("workers", 0)
    Traceback (most recent call last):
    ...
    ValueError: workers must be at least 1, got 0
    >>> check_count("workers", True)
    Traceback (most recent call last):
    ...
    TypeError: workers must be an int, got bool
    """
    if none_ok and value is None:
        return
    # bool is a subclass of int, but workers=True is a mistake, not a count.
    if isinstance(value, bool) or not isinstance(value, int):
        accepted = "an int or None" if none_ok else "an int"
        raise TypeError(f"{name} must be {accepted}, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def check_seconds(name: str, value: object) -> None:
    """Check that ``value`` is a finite, non-negative number of seconds.

    >>> check_seconds("delay", 0.5)
    >>> check_seconds("delay", float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: delay must be a finite number of seconds >= 0, got inf
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value}")
