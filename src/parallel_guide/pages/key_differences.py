"""The code behind the "Key differences" page: when results reach the caller.

The original guide says data parallelism is "usually synchronous, all
operations complete before continuing" and task parallelism "can be
asynchronous, tasks can complete in any order".  :func:`first_and_last`
measures it for any way of getting results: how long until the caller holds
the first result, and the last.

:func:`decision_guide_links` reads the page links out of the decision guide
(``docs/_includes/decision_guide.md``), so the tests can check that each one
leads to a page.

It needs the standard library only.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "decision_guide_links",
    "faster_of",
    "first_and_last",
    "load_average",
    "uneven_limits",
]


def first_and_last(get_results: Callable[[], Iterable[Any]]) -> tuple[float, float]:
    """Seconds until the caller holds the first result, and the last one.

    ``get_results`` is called once; the results it returns (a list, or an
    iterator that yields them as they come) are read to the end.  A list
    arrives all at once, so its first and last results arrive together.

    >>> first, last = first_and_last(lambda: [1, 2, 3])
    >>> 0 <= last - first < 1  # together, give or take a busy machine's delays
    True
    >>> first_and_last(lambda: [])
    Traceback (most recent call last):
    ...
    ValueError: get_results() returned no results to time
    """
    start = time.perf_counter()
    first = None
    for _ in get_results():
        if first is None:
            first = time.perf_counter() - start
    if first is None:
        raise ValueError("get_results() returned no results to time")
    return first, time.perf_counter() - start


def uneven_limits(count: int, small: int, large: int) -> list[int]:
    """Work items for a pool: one ``large`` item first, then ``count - 1`` small.

    Mapped in input order, everything waits for the large one; taken as
    they finish, the small ones arrive first.

    >>> uneven_limits(4, 10, 1000)
    [1000, 10, 10, 10]
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    return [large] + [small] * (count - 1)


def faster_of(threads: float, processes: float, *, margin: float = 1.15) -> str:
    """Which of two speed-ups won, in words, for prose that stays true.

    One wins only if it is at least ``margin`` times the other; on a busy
    machine the two are often too close to call.

    >>> faster_of(1.0, 1.9)
    'processes were faster'
    >>> faster_of(1.9, 1.0)
    'threads were faster'
    >>> faster_of(1.0, 1.05)
    'neither was clearly faster'
    """
    if min(threads, processes) <= 0:
        raise ValueError(f"speed-ups must be positive, got {threads} and {processes}")
    if processes >= margin * threads:
        return "processes were faster"
    if threads >= margin * processes:
        return "threads were faster"
    return "neither was clearly faster"


def load_average() -> float | None:
    """The machine's load average over the last minute, or None where unknown.

    The number of runnable processes, averaged: a load of 2 on 2 CPUs means
    they were fully used, so parallel work had to share them.

    >>> load = load_average()
    >>> load is None or load >= 0
    True
    """
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows has no load average
        return None


# A {doc} role, with or without an explicit title: {doc}`/a/b`, {doc}`x </a/b>`.
_DOC_ROLE = re.compile(r"\{doc\}`(?:[^`<]*<)?([^`<>]+)>?`")


def decision_guide_links(guide: str | Path) -> list[str]:
    """The pages a MyST file links with ``{doc}`` roles, in order.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     guide = Path(folder, "guide.md")
    ...     text = "- Yes: {doc}`asyncio </how-to/asyncio_for_io>`, {doc}`/a/b`"
    ...     _ = guide.write_text(text)
    ...     decision_guide_links(guide)
    ['/how-to/asyncio_for_io', '/a/b']
    """
    return _DOC_ROLE.findall(Path(guide).read_text(encoding="utf-8"))
