"""Stop a multiprocessing.Pool cleanly on Ctrl-C.

The workers ignore SIGINT (set by the pool's initializer), so Ctrl-C reaches
only the parent as KeyboardInterrupt.  The parent terminates the pool, waits
for its workers to end, says how far it got and exits with status 130, the
shell's code for "stopped by Ctrl-C".  Left alone, it prints ``working`` once
the first result is in, then the sum.
"""

import signal
import sys
import time
from multiprocessing import Pool

TASKS = 12


def ignore_ctrl_c():
    """Run in each worker as it starts: leave Ctrl-C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def slow_square(x):
    """Return ``x * x``, slowly."""
    time.sleep(0.2)  # stands in for real work
    return x * x


def main():
    """Square the numbers in parallel and print their sum."""
    results = []
    pool = Pool(processes=2, initializer=ignore_ctrl_c)
    try:
        for result in pool.imap_unordered(slow_square, range(TASKS)):
            results.append(result)
            if len(results) == 1:
                print("working", flush=True)
    except KeyboardInterrupt:
        pool.terminate()  # stop the workers now, mid-task
        pool.join()
        print(f"Interrupted: {len(results)} of {TASKS} results in, workers stopped")
        sys.exit(130)
    pool.close()
    pool.join()
    print(f"sum of squares: {sum(results)}")


if __name__ == "__main__":
    main()
