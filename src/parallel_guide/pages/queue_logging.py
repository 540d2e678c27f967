"""Log from worker processes through one handler in the parent.

Each worker sends its log records into a multiprocessing queue, with a
QueueHandler that the pool's initializer installs; in the parent a
QueueListener takes them out of the queue and hands them to the parent's
handler, the same one the parent's own records go to.  Works with every start
method: under spawn and forkserver a worker starts with no logging set up,
under fork it starts with a copy of the parent's handlers, which the
initializer replaces.
"""

import logging
import logging.handlers
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor

logger = logging.getLogger("squares")


def send_records_to(queue):
    """Run in each worker as it starts: send every record to ``queue``."""
    root = logging.getLogger()
    root.handlers.clear()  # under fork, copies of the parent's handlers
    root.addHandler(logging.handlers.QueueHandler(queue))
    root.setLevel(logging.INFO)


def square_and_log(x):
    """Return ``x * x``, logging it, and an odd ``x`` as a warning too."""
    logger.info("squaring %d", x)
    if x % 2:
        logger.warning("%d is odd", x)
    return x * x


def main():
    """Square four numbers in two workers; every record goes to one handler."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter("%(levelname)-7s %(message)s  [%(processName)s]")
    )
    logging.basicConfig(level=logging.INFO, handlers=[handler])

    queue = multiprocessing.Queue()
    listener = logging.handlers.QueueListener(queue, handler)
    listener.start()  # a thread that passes each record on to the handler
    try:
        logger.info("starting 2 workers")
        with ProcessPoolExecutor(
            max_workers=2, initializer=send_records_to, initargs=(queue,)
        ) as pool:
            results = list(pool.map(square_and_log, range(4)))
    finally:
        listener.stop()  # handles the records still in the queue, then ends
    logger.info("results: %s", results)


if __name__ == "__main__":
    main()
