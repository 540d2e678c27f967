"""Consumers, a back-pressure measurement and a queue that blocks a join.

The "Queues and producer/consumer" page runs these with :class:`queue.Queue`
and threads, :class:`multiprocessing.Queue` and processes, and
:class:`asyncio.Queue` and tasks.  The consumers live in a module because
worker processes started with ``spawn`` or ``forkserver`` import the
functions they run.

:func:`consume` stops at a sentinel, :func:`consume_until_shut_down` at
``queue.ShutDown`` (Python 3.13+); :func:`measure_backlog` measures how far
a producer runs ahead of a slow consumer, with and without ``maxsize``;
:func:`put_payload` puts one large item on a queue, so that the process
cannot end until someone reads it.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "STOP",
    "TIMEOUT",
    "Backlog",
    "consume",
    "consume_async",
    "consume_until_shut_down",
    "measure_backlog",
    "put_payload",
    "square",
]

STOP = None
"""The sentinel that tells a consumer to stop (no real item is ``None``)."""

TIMEOUT = 60.0
"""Seconds a consumer waits for an item before giving up, so nothing hangs."""


def square(x: int) -> int:
    """The work done on one item.

    >>> square(7)
    49
    """
    return x * x


def consume(tasks: Any, results: Any, work: Callable[[Any], Any] = square) -> None:
    """Take items from ``tasks`` until :data:`STOP`; put ``work(item)`` on ``results``.

    Works with :class:`queue.Queue` (threads) and :class:`multiprocessing.Queue`
    (processes) alike.  Each ``get`` waits at most :data:`TIMEOUT` seconds, so a
    producer that never sends the sentinel raises :exc:`queue.Empty` here
    instead of hanging.

    >>> tasks, results = queue.Queue(), queue.Queue()
    >>> for item in (1, 2, STOP):
    ...     tasks.put(item)
    >>> consume(tasks, results)
    >>> [results.get(), results.get()]
    [1, 4]
    """
    while (item := tasks.get(timeout=TIMEOUT)) is not STOP:
        results.put(work(item))


def consume_until_shut_down(
    tasks: queue.Queue, results: queue.Queue, work: Callable[[Any], Any] = square
) -> None:
    """Take items until ``tasks`` is shut down and empty (Python 3.13+).

    ``Queue.shutdown()`` makes ``get`` raise :exc:`queue.ShutDown` once the
    queue is empty, so no sentinel is needed.

    >>> import sys
    >>> tasks, results = queue.Queue(), queue.Queue()
    >>> tasks.put(3)
    >>> if sys.version_info >= (3, 13):
    ...     tasks.shutdown()
    ...     consume_until_shut_down(tasks, results)
    ... else:
    ...     results.put(9)
    >>> results.get()
    9
    """
    while True:
        try:
            item = tasks.get(timeout=TIMEOUT)
        except queue.ShutDown:  # type: ignore[attr-defined]  # 3.13+
            return
        results.put(work(item))


async def consume_async(
    tasks: asyncio.Queue, results: list, work: Callable[[Any], Any] = square
) -> None:
    """An asyncio task's consumer: take items until :data:`STOP`.

    Each ``get`` waits at most :data:`TIMEOUT` seconds.

    >>> async def main():
    ...     tasks, results = asyncio.Queue(), []
    ...     for item in (2, 3, STOP):
    ...         await tasks.put(item)
    ...     await consume_async(tasks, results)
    ...     return results
    >>> asyncio.run(main())
    [4, 9]
    """
    while True:
        item = await asyncio.wait_for(tasks.get(), TIMEOUT)
        if item is STOP:
            return
        results.append(work(item))


@dataclass(frozen=True)
class Backlog:
    """How far a producer ran ahead of its consumer (see :func:`measure_backlog`)."""

    most_waiting: int
    """The most items waiting in the queue right after a ``put``."""
    producer_done: float
    """Seconds until the producer had put its last item."""
    consumer_done: float
    """Seconds until the consumer had finished its last item."""


def measure_backlog(
    maxsize: int = 0, items: int = 20, seconds: float = 0.01
) -> Backlog:
    """Run a fast producer thread against a consumer that takes ``seconds`` an item.

    The queue is a :class:`queue.Queue` of ``maxsize`` (0: unbounded).  With
    an unbounded queue the producer puts everything at once and the items
    pile up; with a bound, ``put`` waits while the queue is full, so never
    more than ``maxsize`` items wait.

    >>> backlog = measure_backlog(maxsize=2, items=5, seconds=0)
    >>> backlog.most_waiting <= 2
    True
    """
    tasks: queue.Queue = queue.Queue(maxsize=maxsize)
    start = time.perf_counter()
    finished = []

    def consumer() -> None:
        while tasks.get(timeout=TIMEOUT) is not STOP:
            time.sleep(seconds)  # a slow consumer
        finished.append(time.perf_counter() - start)

    thread = threading.Thread(target=consumer)
    thread.start()
    most_waiting = 0
    try:
        for item in range(items):
            tasks.put(item, timeout=TIMEOUT)
            most_waiting = max(most_waiting, tasks.qsize())
        producer_done = time.perf_counter() - start
    finally:
        tasks.put(STOP, timeout=TIMEOUT)
        thread.join(timeout=TIMEOUT)
    return Backlog(most_waiting, producer_done, finished[0])


def put_payload(tasks: Any, size: int) -> None:
    """Put one item of ``size`` bytes on ``tasks``, then return.

    On a :class:`multiprocessing.Queue` the item goes to the pipe through a
    background thread, and the process that put it cannot end until the
    item is in the pipe: with an item larger than the pipe's buffer, not
    until someone reads it.

    >>> tasks = queue.Queue()
    >>> put_payload(tasks, 3)
    >>> tasks.get()
    b'xxx'
    """
    tasks.put(b"x" * size)
