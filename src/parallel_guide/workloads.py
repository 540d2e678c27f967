"""Worker functions whose cost is known, for measuring pools.

They live in an importable module, not in a notebook cell or a script's
``__main__``, so every start method (spawn and forkserver included) can find
them in a worker process.
"""

from __future__ import annotations


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
