"""Tasks for the "Share state between processes" page.

Three ways for worker processes to end up with one answer:

* each task returns its part and the parent combines them
  (:func:`last_digits`, combined with :func:`combine`): nothing is shared;
* a :func:`multiprocessing.Value` in shared memory, handed to pool workers
  through the pool's initializer (:func:`use_counter`, :func:`add_to_counter`);
* a proxy to an object in a manager process (:func:`store_square`).

The ``increment_*`` functions add to a local variable, a ``Value`` and a
manager's proxy, so the page can time what one access costs.  The functions
live in a module because worker processes started with ``spawn`` import the
functions they run.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, MutableMapping
from typing import Any

_counter: Any = None
"""The shared counter of this worker process, set by :func:`use_counter`."""


def last_digits(start: int, stop: int) -> Counter[int]:
    """Count the last digits of the squares of ``range(start, stop)``.

    >>> last_digits(0, 10)
    Counter({1: 2, 4: 2, 9: 2, 6: 2, 0: 1, 5: 1})
    """
    return Counter(n * n % 10 for n in range(start, stop))


def combine(parts: Iterable[Counter[int]]) -> Counter[int]:
    """Add up the counts the tasks returned.

    >>> combine([Counter({1: 2}), Counter({1: 1, 4: 3})])
    Counter({1: 3, 4: 3})
    """
    total: Counter[int] = Counter()
    for part in parts:
        total.update(part)
    return total


def use_counter(counter: Any) -> None:
    """A pool initializer: keep ``counter`` for the tasks this worker will run.

    >>> from multiprocessing import Value
    >>> counter = Value("q", 0)
    >>> use_counter(counter)
    >>> add_to_counter(3) > 0
    True
    >>> counter.value
    3
    """
    global _counter
    _counter = counter


def add_to_counter(increments: int) -> int:
    """Add 1 to this worker's shared counter ``increments`` times; return the pid.

    Needs :func:`use_counter` to have run in this process first (as a pool's
    initializer).
    """
    if _counter is None:
        raise RuntimeError("no counter: start the pool with initializer=use_counter")
    for _ in range(increments):
        with _counter.get_lock():
            _counter.value += 1
    return os.getpid()


def store_square(results: MutableMapping[int, int], n: int) -> int:
    """Store ``n * n`` under ``n`` in ``results`` (a manager's dict); return the pid.

    >>> results = {}
    >>> store_square(results, 4) > 0, results
    (True, {4: 16})
    """
    results[n] = n * n
    return os.getpid()


def increment_local(times: int) -> int:
    """Add 1 to a local variable ``times`` times; return it.

    >>> increment_local(5)
    5
    """
    count = 0
    for _ in range(times):
        count += 1
    return count


def increment_value(counter: Any, times: int) -> None:
    """Add 1 to a :func:`multiprocessing.Value` ``times`` times, with its lock.

    >>> from multiprocessing import Value
    >>> counter = Value("q", 0)
    >>> increment_value(counter, 5)
    >>> counter.value
    5
    """
    for _ in range(times):
        with counter.get_lock():
            counter.value += 1


def increment_proxy(shared: MutableMapping[str, int], times: int) -> None:
    """Add 1 to ``shared["count"]`` ``times`` times (a manager's dict, or any dict).

    Each ``+=`` on a proxy is two round trips to the manager process: one to
    read, one to write.

    >>> shared = {"count": 0}
    >>> increment_proxy(shared, 5)
    >>> shared
    {'count': 5}
    """
    for _ in range(times):
        shared["count"] += 1
