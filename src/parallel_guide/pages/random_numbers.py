"""Tasks for the "Random numbers in worker processes" page.

:func:`draw` shows which random streams a worker inherits from its parent:
the :mod:`random` module's functions, an explicit :class:`random.Random`
made before the workers started, and NumPy's legacy global generator
(``np.random.random``).  :func:`estimate_pi` and :func:`estimate_pi_stdlib`
are the right way: each task gets its own seed, from
:func:`task_seeds` (NumPy's :class:`~numpy.random.SeedSequence`) or
:func:`task_seed` (standard library only), so the results are independent,
reproducible and the same whatever the number of workers.

The functions live in a module because worker processes started with
``spawn`` import the functions they run.  NumPy is imported inside the
functions that need it.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

MADE_BEFORE_THE_WORKERS = random.Random(2024)
"""A generator made at import, as a program might make one at the top of a module."""


def draw(task: int, pause: float = 0.0) -> dict[str, Any]:
    """Draw one number from each inherited stream; return them with the pid.

    ``pause`` keeps the worker busy a little after drawing, so that the next
    task goes to another worker of the pool.

    >>> sorted(draw(0))
    ['numpy global', 'pid', 'random module', 'random.Random instance', 'task']
    """
    import numpy as np

    values = {
        "task": task,
        "pid": os.getpid(),
        "random module": round(random.random(), 6),
        "random.Random instance": round(MADE_BEFORE_THE_WORKERS.random(), 6),
        "numpy global": round(float(np.random.random()), 6),
    }
    time.sleep(pause)
    return values


STREAMS = ("random module", "random.Random instance", "numpy global")
"""The streams :func:`draw` draws from, as named in its result."""


def first_draws(results: list[dict[str, Any]]) -> dict[str, list[float]]:
    """For each stream, the number each worker drew in its first task.

    ``results`` are :func:`draw`'s, in task order; workers are told apart by
    their pid.

    >>> first_draws([draw(0), draw(1)])["random.Random instance"][0] > 0
    True
    """
    first: dict[int, dict[str, Any]] = {}
    for result in results:
        first.setdefault(result["pid"], result)
    return {stream: [result[stream] for result in first.values()] for stream in STREAMS}


def task_seeds(entropy: int, tasks: int) -> list[Any]:
    """One independent :class:`~numpy.random.SeedSequence` per task, from one seed.

    >>> [seed.spawn_key for seed in task_seeds(12345, 3)]
    [(0,), (1,), (2,)]
    """
    from numpy.random import SeedSequence

    return SeedSequence(entropy).spawn(tasks)


def estimate_pi(seed: Any, samples: int) -> float:
    """Estimate pi from ``samples`` random points, with a generator made from ``seed``.

    ``seed`` is anything :func:`numpy.random.default_rng` takes: a
    :class:`~numpy.random.SeedSequence` from :func:`task_seeds`, or an int.

    >>> estimate_pi(7, 1000) == estimate_pi(7, 1000)
    True
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    x, y = rng.random(samples), rng.random(samples)
    return 4 * float(np.count_nonzero(x * x + y * y <= 1.0)) / samples


def task_seed(base_seed: int, task: int) -> str:
    """A seed for task number ``task``, derived from ``base_seed``.

    :class:`random.Random` hashes a string seed with SHA-512, so seeds that
    differ in one character give unrelated streams.

    >>> task_seed(12345, 3)
    '12345/task-3'
    """
    return f"{base_seed}/task-{task}"


def estimate_pi_stdlib(base_seed: int, task: int, samples: int) -> float:
    """:func:`estimate_pi` with the standard library's generator, seeded per task.

    >>> estimate_pi_stdlib(12345, 0, 1000) == estimate_pi_stdlib(12345, 0, 1000)
    True
    """
    rng = random.Random(task_seed(base_seed, task))
    inside = sum(rng.random() ** 2 + rng.random() ** 2 <= 1.0 for _ in range(samples))
    return 4 * inside / samples
