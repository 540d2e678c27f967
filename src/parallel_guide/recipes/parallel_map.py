"""parallel_map, a recipe to copy into your project: Python 3.11+, standard library.

Like ``ProcessPoolExecutor.map``, but it checks ``func`` pickles, sizes chunks as it
goes, reads the input lazily, names a failed item, and stops workers at ``timeout``.
"""

import itertools
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

START_METHOD = None  #: None means the start method the program set, or the default
TARGET_CHUNK_SECONDS = 0.05  #: how long a chunk should take (~1% overhead, fair end)
MAX_CHUNKSIZE = 20_000  #: the most items in a chunk, to bound what is in flight
CHUNKS_PER_WORKER = 4  #: with a known length, at least this many chunks per worker
IN_FLIGHT_PER_WORKER = 2  #: chunks taken from the input ahead of their results
NO_CANCEL = (ProcessPoolExecutor,) if sys.version_info < (3, 11, 3) else ()  # gh-94440


def parallel_map(
    func, iterable, *, workers=None, chunksize=None, timeout=None, executor=None
):
    """Return ``[func(x) for x in iterable]``, computed in worker processes.

    ``workers`` defaults to the usable CPUs; chunks grow to ``TARGET_CHUNK_SECONDS``
    unless ``chunksize`` is given.  An ``executor`` of yours (threads, processes, Dask's
    ``client.get_executor()``) is used, left running; on failure its queue is emptied.

    >>> parallel_map(abs, [-2, -1, 0, 1], workers=2)
    [2, 1, 0, 1]
    """
    _check_arguments(func, workers, chunksize, timeout, executor)
    deadline = time.monotonic() + (timeout or float("inf"))
    workers = workers or usable_cpus()
    length = len(iterable) if hasattr(iterable, "__len__") else None
    items, pool = iter(iterable), executor  # a pool starts processes on submit()
    if executor is None:
        size = min(workers, length or workers, 61 if sys.platform == "win32" else 9**9)
        others = set(multiprocessing.active_children())  # the pool's are the rest
        context = multiprocessing.get_context(START_METHOD)
        pool = ProcessPoolExecutor(size, mp_context=context, initializer=_start_worker)
    futures, pending, done = [], {}, [0, 0.0]  # done: items and their seconds
    most = MAX_CHUNKSIZE if length is None else length // (CHUNKS_PER_WORKER * workers)
    try:
        while True:
            while len(pending) < IN_FLIGHT_PER_WORKER * workers:
                count, seconds = done  # one item a chunk until a chunk is timed
                n = int(TARGET_CHUNK_SECONDS * count / seconds) if seconds else 1
                size = chunksize or max(1, min(MAX_CHUNKSIZE, most, n))
                if not (chunk := list(itertools.islice(items, size))):
                    break
                start = done[0] + sum(pending.values())
                futures.append(pool.submit(_run_chunk, func, start, chunk))
                pending[futures[-1]] = len(chunk)
            if not pending:
                break
            step = min(0.25, deadline - time.monotonic())  # Windows sees Ctrl-C
            if step <= 0:
                raise TimeoutError(f"parallel_map() timed out after {timeout:g} s")
            for future in wait(pending, step, return_when=FIRST_COMPLETED)[0]:
                done[1] += future.result()[1]  # raises what func raised
                done[0] += pending.pop(future)
    except BaseException as exc:
        if executor is None:  # Ctrl-C and the deadline cannot wait for running chunks
            now = isinstance(exc, KeyboardInterrupt) or time.monotonic() >= deadline
            _stop(pool, others, pending, now)
        elif not isinstance(exc, BrokenProcessPool) and not isinstance(pool, NO_CANCEL):
            for future in pending:
                future.cancel()  # what has not started
        raise
    if executor is None:
        pool.shutdown()
    return [result for future in futures for result in future.result()[0]]


def usable_cpus():
    """How many CPUs this process may use (CPU affinity and containers included).

    >>> usable_cpus() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity") and not hasattr(os, "process_cpu_count"):
        return len(os.sched_getaffinity(0))  # Linux, Python 3.11 and 3.12
    return getattr(os, "process_cpu_count", os.cpu_count)() or 1


def _run_chunk(func, start, items):  # in a worker: the results, and their seconds
    began, results = time.perf_counter(), []
    for position, item in enumerate(items, start):
        try:
            results.append(func(item))
        except BaseException as exc:
            exc.add_note(f"parallel_map: raised for item #{position}: {item!r:.60}")
            raise
    return results, time.perf_counter() - began


def _start_worker():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
    parent = multiprocessing.parent_process()  # if the caller is killed, leave too
    threading.Thread(target=lambda: (parent.join(), os._exit(1)), daemon=True).start()


def _stop(pool, others, running, now):
    """Stop the workers, ``now`` or if a chunk still runs after 2 s; shut down."""
    # No future is cancelled: a pool that broke meanwhile would lose its thread on
    # 3.11.2.  The few chunks in flight are short; one running on may never end.
    if now or wait(running, 2.0)[1]:
        workers = [p for p in multiprocessing.active_children() if p not in others]
        if hasattr(pool, "terminate_workers"):  # Python 3.14+
            pool.terminate_workers()
        else:  # before 3.14: the workers are the processes started since the pool
            for process in workers:
                process.terminate()
        for process in workers:
            process.join(2.0)  # the time to end after SIGTERM, before SIGKILL
            if process.exitcode is None:  # it ignores SIGTERM
                process.kill()
                process.join()
    pool.shutdown()  # and wait for its threads (3.14's terminate_workers() cannot)


def _check_arguments(func, workers, chunksize, timeout, executor):
    numbers = {"workers": workers, "chunksize": chunksize, "timeout": timeout}
    for name, value in numbers.items():
        kinds = (int, float) if name == "timeout" else (int,)  # not bool, not NaN
        if value is not None and not (type(value) in kinds and value > 0):
            error = ValueError if type(value) in kinds else TypeError
            raise error(f"{name} must be None or {kinds[-1].__name__} > 0: {value!r}")
    if not callable(func) or not isinstance(executor, Executor | None):
        raise TypeError("func must be a function, executor an Executor or None")
    if executor is None or isinstance(executor, ProcessPoolExecutor):
        method = START_METHOD if executor is None else None  # given: the default
        fresh = multiprocessing.get_context(method).get_start_method() != "fork"
        console = not os.path.isfile(getattr(sys.modules["__main__"], "__file__", ""))
        try:  # a function travels by name, and fresh workers import its module
            pickle.dumps(func)
            if fresh and console and getattr(func, "__module__", "") == "__main__":
                raise TypeError("it is defined in a notebook or interactive session")
        except Exception as exc:
            raise TypeError(
                f"parallel_map() cannot send {func!r} to worker processes ({exc}): "
                "define it at module level in a .py file, or use ThreadPoolExecutor()"
            ) from exc
