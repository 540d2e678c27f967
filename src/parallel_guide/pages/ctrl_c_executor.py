"""Stop a ProcessPoolExecutor cleanly on Ctrl-C.

The workers ignore SIGINT (set by the executor's initializer), so Ctrl-C
reaches only the parent as KeyboardInterrupt.  The parent cancels the tasks
that have not started and waits for the ones running (on Python 3.14+ it
terminates the workers instead of waiting).  Then it says how far it
got and exits with status 130, the shell's code for "stopped by Ctrl-C".  Left
alone, it prints ``working`` once the first result is in, then the sum.
"""

import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

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
    pool = ProcessPoolExecutor(max_workers=2, initializer=ignore_ctrl_c)
    futures = [pool.submit(slow_square, x) for x in range(TASKS)]
    try:
        for count, _ in enumerate(as_completed(futures), 1):
            if count == 1:
                print("working", flush=True)
    except KeyboardInterrupt:
        if hasattr(pool, "terminate_workers"):  # Python 3.14+
            pool.terminate_workers()  # stop the running tasks too
        # Drop the tasks not started, wait for the running ones and the workers.
        pool.shutdown(wait=True, cancel_futures=True)
        cancelled = sum(future.cancelled() for future in futures)
        print(f"Interrupted: {cancelled} of {TASKS} tasks cancelled, workers stopped")
        sys.exit(130)
    pool.shutdown()
    print(f"sum of squares: {sum(future.result() for future in futures)}")


if __name__ == "__main__":
    main()
