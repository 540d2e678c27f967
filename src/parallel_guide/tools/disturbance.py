"""Notice when something else on the machine disturbs a measurement.

:func:`~parallel_guide.tools.timing.measure` records the measurements that
stayed disturbed after re-measuring; :func:`disturbed_measurements` lists them,
so a page can say so next to its numbers.
"""

from __future__ import annotations

_disturbed: list[str] = []


def note_disturbed(description: str) -> None:
    """Record that a measurement stayed disturbed, in words."""
    _disturbed.append(description)


def disturbed_measurements() -> tuple[str, ...]:
    """The measurements in this process that stayed disturbed, in order.

    >>> isinstance(disturbed_measurements(), tuple)
    True
    """
    return tuple(_disturbed)
