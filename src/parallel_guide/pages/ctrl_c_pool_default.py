"""Ctrl-C in a multiprocessing.Pool, with nothing done about it.

Twelve tasks of 0.2 s each on two worker processes.  The program prints
``working`` once the first result is in, so whoever sends it Ctrl-C knows the
work has started; what it prints when interrupted is shown on the page
"Stop parallel work with Ctrl-C".
"""

import time
from multiprocessing import Pool

TASKS = 12


def slow_square(x):
    """Return ``x * x``, slowly."""
    time.sleep(0.2)  # stands in for real work
    return x * x


def main():
    """Square the numbers in parallel and print their sum."""
    results = []
    try:
        with Pool(processes=2) as pool:
            for result in pool.imap_unordered(slow_square, range(TASKS)):
                results.append(result)
                if len(results) == 1:
                    print("working", flush=True)
    finally:
        print(f"{len(results)} of {TASKS} results in")
    print(f"sum of squares: {sum(results)}")


if __name__ == "__main__":
    main()
