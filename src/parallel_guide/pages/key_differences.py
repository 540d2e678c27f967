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

from parallel_guide.tools.compare import compare
from parallel_guide.tools.timing import Timing

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


def faster_of(threads: Timing, processes: Timing) -> str:
    """Which of two timings of the same work won, in words.

    The words come from :func:`~parallel_guide.tools.compare.compare`.

    One wins only if the runs can tell the two apart at the 95 % level; on a
    busy machine they often cannot, and the words say so.

    >>> threads = Timing((1.0, 1.1, 0.95, 1.05, 1.0))
    >>> faster_of(threads, Timing((0.5, 0.55, 0.52, 0.5, 0.53)))
    'processes were faster'
    >>> faster_of(threads, Timing((2.0, 2.1, 1.9, 2.0, 2.2)))
    'threads were faster'
    >>> faster_of(threads, Timing((1.0, 1.05, 0.97, 1.1, 1.02)))
    'neither was measurably faster on this build'
    """
    verdict = compare(threads, processes).verdict
    if verdict == "faster":
        return "processes were faster"
    if verdict == "slower":
        return "threads were faster"
    return "neither was measurably faster on this build"


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
