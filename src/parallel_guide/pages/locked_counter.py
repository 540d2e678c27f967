"""Four processes add to one shared counter, without and then with its lock.

``counter.value += 1`` reads the value and writes it back as two steps; a
process that writes between another's read and write has its increment
overwritten.  Holding the counter's lock around the whole ``+=`` makes the
two steps one, and the count comes out exact.
"""

import multiprocessing

PROCESSES = 4
INCREMENTS = 50_000


def add_unlocked(counter, increments):
    """Add 1 to ``counter`` ``increments`` times, without holding its lock."""
    for _ in range(increments):
        counter.value += 1  # a read, then a write: another process can come between


def add_locked(counter, increments):
    """Add 1 to ``counter`` ``increments`` times, holding its lock for each."""
    for _ in range(increments):
        with counter.get_lock():
            counter.value += 1


def count_with(add, processes=PROCESSES, increments=INCREMENTS):
    """Run ``add`` in ``processes`` processes on one new counter; return its total.

    >>> count_with(add_locked, processes=2, increments=100)
    200
    """
    counter = multiprocessing.Value("q", 0)  # a 64-bit integer in shared memory
    workers = [
        multiprocessing.Process(target=add, args=(counter, increments))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return counter.value


if __name__ == "__main__":
    expected = PROCESSES * INCREMENTS
    print(f"without the lock: {count_with(add_unlocked):,} of {expected:,}")
    print(f"with the lock:    {count_with(add_locked):,} of {expected:,}")
