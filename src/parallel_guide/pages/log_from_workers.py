"""A task that logs, and logging left to its defaults, for "Log from worker processes".

:func:`square_and_log` is the task the workers run: it logs an INFO record for
every number and a WARNING for an odd one.  :func:`run_without_setup`
configures logging in the parent only, as most programs do, and runs the task
in a process pool: the page runs it as a program of its own, to show where
the workers' records go.  The fix is the complete program ``queue_logging.py``.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor

logger = logging.getLogger("squares")

FORMAT = "%(levelname)-7s %(message)s  [%(processName)s]"
"""The parent's format, with the level, the message and the process that logged it."""


def square_and_log(x: int) -> int:
    """Return ``x * x``, logging it at INFO, and an odd ``x`` at WARNING too.

    >>> square_and_log(3)
    9
    """
    logger.info("squaring %d", x)
    if x % 2:
        logger.warning("%d is odd", x)
    return x * x


def run_without_setup(
    start_method: str = "spawn", numbers: Iterable[int] = range(4)
) -> list[int]:
    r"""Configure logging in this process only, then log from two workers.

    Logging goes to stdout, with :data:`FORMAT`, at INFO and above.  The
    workers' records end where the worker's own logging sends them; run this
    in a process of its own to see where (it configures the root logger).

    >>> import subprocess, sys
    >>> code = "from parallel_guide.pages.log_from_workers import run_without_setup\n"
    >>> run = subprocess.run(
    ...     [sys.executable, "-c", code + "run_without_setup()"],
    ...     capture_output=True,
    ...     text=True,
    ...     timeout=60,
    ... )
    >>> print(run.stdout, end="")
    INFO    starting 2 workers  [MainProcess]
    INFO    results: [0, 1, 4, 9]  [MainProcess]
    >>> sorted(run.stderr.splitlines())
    ['1 is odd', '3 is odd']
    """
    logging.basicConfig(level=logging.INFO, format=FORMAT, stream=sys.stdout)
    context = multiprocessing.get_context(start_method)
    logger.info("starting 2 workers")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        results = list(pool.map(square_and_log, numbers))
    logger.info("results: %s", results)
    return results


def log_into(queue, message: str) -> None:
    """Log ``message`` as a WARNING into ``queue``, through a QueueHandler.

    ``queue`` is any queue with ``put_nowait()``: a :class:`queue.Queue`, or,
    passed to a worker with its task, a proxy from ``Manager().Queue()``.

    >>> import queue
    >>> records = queue.Queue()
    >>> log_into(records, "hello")
    >>> records.get_nowait().getMessage()
    'hello'
    """
    handler = logging.handlers.QueueHandler(queue)
    logger.addHandler(handler)
    try:
        logger.warning(message)
    finally:
        logger.removeHandler(handler)
