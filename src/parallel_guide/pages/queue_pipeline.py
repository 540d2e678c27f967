"""Producer and consumers in processes, joined by two multiprocessing queues.

A thread of the main process produces numbers into a bounded task queue;
worker processes take them, square them and put the results on a second
queue; the main process reads every result, then joins the processes.  Each
consumer stops at a sentinel (one per consumer) and answers it with one of
its own, so the main process knows when every result has arrived.  Every
wait has a timeout, so a consumer that dies makes the program fail instead
of hang.  Standard library only: copy it and change ``work``.
"""

import multiprocessing
import threading

STOP = None  # the sentinel: no real item is None
WORKERS = 2
TIMEOUT = 60  # seconds any get, put or join may wait before giving up


def work(number):
    """The work a consumer does on one item.

    >>> work(7)
    49
    """
    return number * number


def produce(tasks, numbers, consumers):
    """Put every number on ``tasks``, then one sentinel per consumer."""
    for number in numbers:
        tasks.put(number, timeout=TIMEOUT)  # waits while the queue is full
    for _ in range(consumers):
        tasks.put(STOP, timeout=TIMEOUT)


def consume(tasks, results):
    """Take items until the sentinel, put ``(item, result)`` pairs on ``results``."""
    while (number := tasks.get(timeout=TIMEOUT)) is not STOP:
        results.put((number, work(number)))
    results.put(STOP)  # tells the main process this consumer has finished


def run(numbers, workers=WORKERS):
    """Return ``{number: work(number)}`` and the consumers' exit codes.

    >>> run([1, 2, 3], workers=1)
    ({1: 1, 2: 4, 3: 9}, [0])
    """
    tasks = multiprocessing.Queue(maxsize=2 * workers)  # bounded: back-pressure
    results = multiprocessing.Queue()
    consumers = [
        multiprocessing.Process(target=consume, args=(tasks, results))
        for _ in range(workers)
    ]
    for consumer in consumers:
        consumer.start()
    producer = threading.Thread(target=produce, args=(tasks, numbers, workers))
    producer.start()
    try:
        done, finished = {}, 0
        while finished < workers:  # read every result *before* joining
            item = results.get(timeout=TIMEOUT)
            if item is STOP:
                finished += 1
            else:
                number, result = item
                done[number] = result
    finally:
        producer.join(timeout=TIMEOUT)
        for consumer in consumers:
            consumer.join(timeout=TIMEOUT)
            if consumer.is_alive():  # only after a failure: don't leave it behind
                consumer.kill()
                consumer.join()
    return done, [consumer.exitcode for consumer in consumers]


if __name__ == "__main__":
    numbers = range(20)
    done, exit_codes = run(numbers)
    print(f"squared {len(done)} numbers in {WORKERS} worker processes")
    print(f"sum of the squares: {sum(done.values())}")
    print(f"consumers' exit codes: {exit_codes}")
