"""Worker functions whose cost is known, for measuring pools.

They live in an importable module, not in a notebook cell or a script's
``__main__``, so every start method (spawn and forkserver included) can find
them in a worker process.
"""

from __future__ import annotations

import time


def count_primes(limit: int) -> int:
    """Count the primes below ``limit`` by trial division: pure-Python CPU work.

    The cost grows a little faster than ``limit``, and none of it releases the
    GIL, so only processes (not threads) can run several calls at once.

    >>> count_primes(30)
    10
    >>> count_primes(2)
    0
    """
    count = 0
    for candidate in range(2, limit):
        divisor = 2
        while divisor * divisor <= candidate:
            if candidate % divisor == 0:
                break
            divisor += 1
        else:
            count += 1
    return count


def sort_random(size: int, seed: int = 0) -> float:
    """Sort ``size`` random floats with NumPy; return the smallest.

    NumPy releases the GIL while it sorts, so threads can run several of
    these at once.  The array is made inside the call so that a process pool
    sends only two small integers, not the array.  Needs NumPy.

    >>> 0 <= sort_random(1000) < 0.01
    True
    """
    import numpy as np  # a docs dependency, not a runtime one

    values = np.random.default_rng(seed).random(size)
    values.sort()
    return float(values[0])


def wait(seconds: float) -> float:
    """Sleep for ``seconds`` and return them: a stand-in for waiting on I/O.

    >>> wait(0)
    0
    """
    time.sleep(seconds)
    return seconds
