"""Stop asyncio work cleanly on Ctrl-C.

Since Python 3.11, asyncio.run() answers Ctrl-C by cancelling the main task:
the TaskGroup cancels its tasks, each runs its ``finally`` clause, and
asyncio.run() then raises KeyboardInterrupt.  The program catches it outside
asyncio.run(), says how far it got and exits with status 130, the shell's
code for "stopped by Ctrl-C".  Left alone, it prints ``working`` once the
first task is done, then the sum.
"""

import asyncio
import sys

TASKS = 12


async def slow_square(x, limit, open_tasks):
    """Return ``x * x``, slowly, at most ``limit`` at a time."""
    async with limit:
        open_tasks.add(x)  # stands in for a connection, a file, a lock
        try:
            await asyncio.sleep(0.2)  # stands in for real work
            return x * x
        finally:
            open_tasks.discard(x)  # runs on cancellation too


async def main(results, open_tasks):
    """Square the numbers concurrently, collecting them in ``results``."""
    limit = asyncio.Semaphore(2)
    async with asyncio.TaskGroup() as group:
        tasks = [
            group.create_task(slow_square(x, limit, open_tasks)) for x in range(TASKS)
        ]
        for next_done in asyncio.as_completed(tasks):
            results.append(await next_done)
            if len(results) == 1:
                print("working", flush=True)


if __name__ == "__main__":
    results, open_tasks = [], set()
    try:
        asyncio.run(main(results, open_tasks))
    except KeyboardInterrupt:
        print(
            f"Interrupted: {len(results)} of {TASKS} results in, "
            f"{len(open_tasks)} tasks left open"
        )
        sys.exit(130)
    print(f"sum of squares: {sum(results)}")
