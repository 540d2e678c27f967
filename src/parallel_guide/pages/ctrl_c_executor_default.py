"""Ctrl-C in a ProcessPoolExecutor, with nothing done about it.

Twelve tasks of 0.2 s each, submitted at once to two worker processes.  The
program prints ``working`` once the first result is in, so whoever sends it
Ctrl-C knows the work has started; what it prints when interrupted is shown
on the page "Stop parallel work with Ctrl-C".
"""

import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed

TASKS = 12


def slow_square(x):
    """Return ``x * x``, slowly."""
    time.sleep(0.2)  # stands in for real work
    return x * x


def outcome(future):
    """How a task ended: done, cancelled, not yet, or the exception it raised."""
    if future.cancelled():
        return "cancelled"
    if not future.done():
        return "not done"
    exception = future.exception()
    return type(exception).__name__ if exception else "done"


def main():
    """Square the numbers in parallel and print their sum."""
    futures = []
    try:
        with ProcessPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(slow_square, x) for x in range(TASKS)]
            for count, _ in enumerate(as_completed(futures), 1):
                if count == 1:
                    print("working", flush=True)
    finally:
        print(f"tasks: {dict(Counter(map(outcome, futures)))}")
    print(f"sum of squares: {sum(future.result() for future in futures)}")


if __name__ == "__main__":
    main()
