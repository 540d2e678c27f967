"""Stop a ThreadPoolExecutor cleanly on Ctrl-C.

A thread cannot be stopped from outside, so each task checks an event between
short steps of its work and gives up when the event is set.  On Ctrl-C the
main thread sets the event, cancels the tasks that have not started, waits for
the threads, says how far it got and exits with status 130, the shell's code
for "stopped by Ctrl-C".  Left alone, it prints ``working`` once the first
result is in, then the sum.
"""

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

TASKS = 12


def slow_square(x, stop):
    """Return ``x * x``, slowly, or None as soon as ``stop`` is set."""
    for _ in range(4):  # the work, in steps short enough to check between
        if stop.is_set():
            return None
        time.sleep(0.05)
    return x * x


def main():
    """Square the numbers in parallel and print their sum."""
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=2)
    futures = [pool.submit(slow_square, x, stop) for x in range(TASKS)]
    try:
        for count, _ in enumerate(as_completed(futures), 1):
            if count == 1:
                print("working", flush=True)
    except KeyboardInterrupt:
        stop.set()  # the running tasks return at their next check
        pool.shutdown(wait=True, cancel_futures=True)
        cancelled = sum(future.cancelled() for future in futures)
        print(f"Interrupted: {cancelled} of {TASKS} tasks cancelled, threads stopped")
        sys.exit(130)
    pool.shutdown()
    print(f"sum of squares: {sum(future.result() for future in futures)}")


if __name__ == "__main__":
    main()
