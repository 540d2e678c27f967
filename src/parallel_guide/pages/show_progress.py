"""Tasks and a bar counter for the "Show progress" page.

The page counts finished tasks with the standard library (futures as they
complete, and :meth:`multiprocessing.pool.Pool.imap` in order), then with
tqdm.  :func:`pause` is the task, in a module because worker processes
started with ``spawn`` import the function they run.  :func:`bar_count`
runs ``tqdm.contrib.concurrent.process_map`` and reports where its bar
stopped, which depends on ``chunksize`` and on the tqdm release.
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

__all__ = ["bar_count", "pause", "progress_line"]


def pause(seconds: float) -> float:
    """Sleep for ``seconds`` (standing in for work), then return them.

    >>> pause(0.01)
    0.01
    """
    time.sleep(seconds)
    return seconds


def progress_line(done: int, total: int) -> str:
    """A one-line progress report: how many of ``total`` are done, and the share.

    >>> progress_line(3, 8)
    '3/8 done (38%)'
    """
    return f"{done}/{total} done ({done / total:.0%})"


def bar_count(
    items: int = 100, chunksize: int = 10, **process_map_options: Any
) -> tuple[int, int]:
    """Run ``process_map(pause, ...)`` and return where its bar stopped: ``(n, total)``.

    ``items`` tasks of no work each go through
    ``tqdm.contrib.concurrent.process_map`` with ``chunksize``; the bar is
    drawn into a string, not the terminal.  Needs tqdm.

    >>> n, total = bar_count(items=4, chunksize=1, max_workers=1)
    >>> (n, total)
    (4, 4)
    """
    from tqdm import tqdm
    from tqdm.contrib.concurrent import process_map

    drawn = io.StringIO()
    process_map(
        pause,
        [0] * items,
        chunksize=chunksize,
        tqdm_class=tqdm,
        file=drawn,
        **process_map_options,
    )
    # The bar is redrawn after each "\r"; the last drawing reads "... n/total [...".
    last = drawn.getvalue().strip().rsplit("\r", 1)[-1]
    match = re.search(r"(\d+)/(\d+) \[", last)
    if match is None:
        raise ValueError(f"no count in the bar {last!r}")
    return int(match[1]), int(match[2])
