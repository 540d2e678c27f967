"""Worker functions and helpers for the "Two recipes to copy" page.

The page first runs the standard library's idioms, then the two recipes
(:mod:`parallel_guide.recipes.parallel_map` and
:mod:`parallel_guide.recipes.run_tasks`), and then makes each promise of
``parallel_map`` happen: a worker that crashes in C code, one worker process
for ``workers=1``, a deadline, an input read as results come back, a failing
item named.  Worker processes started with ``spawn`` or ``forkserver`` import
the functions they run, so those functions live here rather than in the page
(the crash in C code is :func:`~parallel_guide.pages.what_can_go_wrong.native_sqrt`).

:func:`checked_pause` sleeps or refuses bad input, and :func:`noted_pause`
also leaves a file to say that it started; :func:`stamp_after` and
:func:`stamped` record when an item finished and when it was taken from the
input, and :func:`most_in_flight` compares the two.

It needs the standard library only.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "checked_pause",
    "most_in_flight",
    "noted_pause",
    "stamp_after",
    "stamped",
]


def checked_pause(seconds: float) -> float:
    """Sleep for ``seconds`` (standing in for work), then return them.

    A negative number is taken for bad input and raises :exc:`ValueError`
    at once.

    >>> checked_pause(0.01)
    0.01
    >>> checked_pause(-1)
    Traceback (most recent call last):
    ...
    ValueError: a pause cannot be negative: -1
    """
    if seconds < 0:
        raise ValueError(f"a pause cannot be negative: {seconds!r}")
    time.sleep(seconds)
    return seconds


def noted_pause(folder: str, seconds: float) -> float:
    """Leave a new empty file in ``folder``, then :func:`checked_pause` for ``seconds``.

    The file is left before the input is checked, so counting the files in
    ``folder`` counts the tasks that started, failing ones included, and not
    the ones cancelled before they started.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     noted_pause(folder, 0), len(os.listdir(folder))
    (0, 1)
    """
    Path(folder, uuid.uuid4().hex).touch()
    return checked_pause(seconds)


def stamp_after(seconds: float) -> float:
    """Sleep for ``seconds``, then return the time it finished (:func:`time.time`).

    The wall clock is the same for every process of the machine, so the
    caller can compare the stamps its workers return with its own.

    >>> before = time.time()
    >>> before <= stamp_after(0) <= time.time()
    True
    """
    time.sleep(seconds)
    return time.time()


def stamped(items: Iterable[Any], taken: list[float]) -> Iterator[Any]:
    """Yield ``items``, appending to ``taken`` the time each one was taken.

    >>> taken = []
    >>> list(stamped("ab", taken)), len(taken)
    (['a', 'b'], 2)
    """
    for item in items:
        taken.append(time.time())
        yield item


def most_in_flight(taken: Sequence[float], finished: Sequence[float]) -> int:
    """The most items taken from the input at any moment whose results were not back.

    ``taken`` holds the times the items were taken from the input (as
    :func:`stamped` records them), ``finished`` the times their work finished
    (as :func:`stamp_after` returns them).  An item counts as back from the
    moment its work finished, so this never overstates.

    >>> most_in_flight([0, 0, 0, 0], [1, 2, 3, 4])  # everything taken at once
    4
    >>> most_in_flight([0, 0, 1.5, 2.5], [1, 2, 3, 4])  # two at a time
    2
    """
    return max(
        (
            index + 1 - sum(end <= start for end in finished)
            for index, start in enumerate(taken)
        ),
        default=0,
    )
