"""Ctrl-C in asyncio.run, with nothing done about it.

Twelve tasks of 0.2 s each in a TaskGroup, two at a time.  The program prints
``working`` once the first task is done, so whoever sends it Ctrl-C knows the
work has started; what it prints when interrupted is shown on the page
"Stop parallel work with Ctrl-C".
"""

import asyncio

TASKS = 12


async def slow_square(x, limit):
    """Return ``x * x``, slowly, at most ``limit`` at a time."""
    async with limit:
        await asyncio.sleep(0.2)  # stands in for real work
        return x * x


async def main():
    """Square the numbers concurrently and print their sum."""
    limit = asyncio.Semaphore(2)
    tasks = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(slow_square(x, limit)) for x in range(TASKS)]
            for count, task in enumerate(asyncio.as_completed(tasks), 1):
                await task
                if count == 1:
                    print("working", flush=True)
    finally:
        ran = sum(task.done() and not task.cancelled() for task in tasks)
        print(f"{ran} of {TASKS} tasks ran")
    print(f"sum of squares: {sum(task.result() for task in tasks)}")


if __name__ == "__main__":
    asyncio.run(main())
