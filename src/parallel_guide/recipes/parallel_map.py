"""Apply a function to every item in worker processes, and survive the failures.

:func:`parallel_map` is the data-parallel recipe this guide recommends
instead of a bare :class:`multiprocessing.pool.Pool`.  It gives the same
answer as ``list(map(func, iterable))`` and, unlike the standard library's
pools, it also behaves well when something goes wrong:

* bad arguments, and functions that cannot be sent to another process, are
  reported before any process starts, with a message that says how to fix them;
* an exception raised by ``func`` reaches the caller with a note naming the
  item that caused it, and the remaining work is cancelled;
* a worker that dies (a crash in C code, ``os._exit``, the out-of-memory
  killer) raises :class:`~concurrent.futures.process.BrokenProcessPool` at
  once instead of hanging;
* ``timeout`` is a deadline for the whole call, after which the workers are
  stopped rather than left running;
* whatever happens, :exc:`KeyboardInterrupt` included, no process or thread
  started by the call outlives it;
* an input too small to repay starting worker processes runs in the calling
  process instead, and a log record says so.

It needs the standard library only.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import reprlib
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sized
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from concurrent.futures.process import BrokenProcessPool
from typing import Any, NoReturn

__all__ = ["parallel_map"]

START_METHOD = "spawn"
"""How the pool that :func:`parallel_map` creates starts its workers.

``spawn`` exists on every operating system and behaves the same on all of
them: each worker is a fresh interpreter that imports what it needs, so code
that works here works on macOS and Windows too.  The platform default is not
used because it differs (``fork`` on Linux before Python 3.14, which copies
the parent's threads and locks into the child).
"""

TARGET_CHUNK_SECONDS = 0.05
"""With ``chunksize=None``, how long each chunk of items should take to run.

Sending a chunk to a worker and its results back costs a fraction of a
millisecond however small the chunk is, so chunks that run for this long keep
that overhead to about one per cent, while staying short enough that no worker
is left with much more work than the others at the end.
"""

MAX_AUTO_CHUNKSIZE = 20_000
"""The largest chunk ``chunksize=None`` picks, to bound the items held in flight."""

CHUNKS_PER_WORKER = 4
"""With a known input length, ``chunksize=None`` makes at least this many chunks
per worker, so that an uneven split still keeps every worker busy."""

WINDOW_PER_WORKER = 2
"""How many chunks each worker has in flight, one running and one queued.

Only this many chunks are taken from the input ahead of the results, so a
generator (even an endless one) is consumed as the work progresses, not all at
once."""

SERIAL_BELOW_SECONDS = 0.1
"""Inputs expected to take less than this many seconds run in the calling process.

Starting a pool of spawned workers and stopping it again costs tens of
milliseconds on Linux (more on macOS and Windows), and every item then pays for
pickling on top.  Work shorter than this cannot repay that, so
:func:`parallel_map` times the first items in the calling process and, if the
whole input looks shorter, finishes it there.  Work that turns out longer keeps
the results computed so far and goes to worker processes, delayed by what the
trial took (see the ``serial_below`` argument).
"""

SEND_COST_FACTOR = 4
"""Items that take less than this many times their pickling to compute stay here.

A worker process gets each item and returns each result pickled, and the
calling process does part of that work for every item whatever the number of
workers.  On a 2-core Linux machine, with a pool already running, a function
broke even with a plain loop when an item took about 4 times as long to
compute as to pickle and unpickle the item and its result; below that, worker
processes only make the work slower, however long the input.
"""

STOP_GRACE_SECONDS = 2.0
"""How long a worker that is asked to stop (SIGTERM) gets before it is killed."""

_POLL_SECONDS = 0.25  # longest uninterrupted wait, so Ctrl-C is seen on Windows too
_NOTE_PREFIX = "parallel_map: "
_short_repr = reprlib.Repr()
_short_repr.maxstring = _short_repr.maxother = 60
_short_repr.maxlist = _short_repr.maxtuple = _short_repr.maxdict = 4

# Set in the workers of the pool parallel_map creates, so that a parallel_map
# called from inside one runs in that worker instead of starting a pool per
# worker (a process "bomb": workers squared).
_inside_worker = False

_log = logging.getLogger(__name__)


def parallel_map(
    func: Callable[[Any], Any],
    iterable: Iterable[Any],
    *,
    workers: int | None = None,
    chunksize: int | None = None,
    executor: Executor | None = None,
    timeout: float | None = None,
    serial_below: float | None = None,
) -> list[Any]:
    """Return ``[func(x) for x in iterable]``, computed in parallel, in input order.

    Args:
        func: A function of one argument.  When it runs in other processes it
            must be picklable: defined with ``def`` at module level in an
            importable ``.py`` file (or a builtin, or a
            :func:`functools.partial` of one).
        iterable: Any iterable, generators included.  It is consumed a few
            chunks ahead of the results, never all at once.
        workers: How many workers to use.  ``None`` means the CPUs this process
            may use (:func:`~parallel_guide.recipes.parallel_map.usable_cpus`).  With
            ``executor`` it only sizes the chunks and how many are in flight.
        chunksize: Items sent to a worker at a time.  ``None`` picks it while
            running: chunks grow until each takes about
            ``TARGET_CHUNK_SECONDS``, and with a known length there are
            at least ``CHUNKS_PER_WORKER`` chunks per worker.
        executor: A :class:`concurrent.futures.Executor` to run in (threads,
            processes, or a Dask client's executor); it is left running.  With
            ``None`` a pool of worker processes started with
            ``START_METHOD`` is created for this call and always shut down.
        timeout: Seconds the whole call may take.  When they are up,
            :exc:`TimeoutError` is raised and the pool's workers are stopped.
            Work already running in an ``executor`` you passed cannot be
            stopped (threads cannot be killed); only the rest is cancelled.
        serial_below: Seconds of work below which no worker process is
            started; ``None`` means ``SERIAL_BELOW_SECONDS``.  With
            ``executor=None`` and no ``timeout``, the first items run in the
            calling process, in batches that double in size, while the whole
            input looks shorter than this.  If it is, or if an item takes
            less than ``SEND_COST_FACTOR`` times as long to compute as to
            pickle it and its result (so that processes could only be slower,
            however long the input), the input finishes here, and an ``INFO``
            record on the ``parallel_guide.recipes.parallel_map`` logger says so.
            Otherwise the rest goes to worker processes, and the trial has
            delayed them by what its items took (kept, not run again): one
            item, or a few milliseconds of cheap ones, or for an input
            without a length up to about ``serial_below``.  ``0``
            runs every item in a worker process: use it when ``func`` might
            crash the interpreter or must not run in the caller.  A ``timeout``
            also turns this off, because only a worker process can be stopped
            in the middle of an item.

    Returns:
        The results, in the order of the items.  An empty input returns ``[]``
        without starting any worker.

    Raises:
        TypeError: ``workers`` or ``chunksize`` is not an int (bools included),
            ``func`` is not callable, or it cannot be sent to worker processes.
        ValueError: ``workers`` or ``chunksize`` is below 1, ``timeout`` is
            not a positive number of seconds, or ``serial_below`` is negative.
        TimeoutError: ``timeout`` seconds passed before every item was done.
        concurrent.futures.process.BrokenProcessPool: A worker process died.
            A note gives the exit codes of the workers that died.

    Any exception ``func`` raises for an item is re-raised with its type and
    message, and a note naming the item's position and a short ``repr`` of
    it; the remaining items are cancelled.  If several items fail, the first
    failure to come back is the one raised.  An exception that cannot be
    pickled back from a worker arrives as a :exc:`RuntimeError` that quotes it.
    An exception raised by ``iterable`` itself propagates unchanged.

    Called from inside a worker of another :func:`parallel_map`, with
    ``executor=None``, it runs the items one after the other in that worker
    rather than starting a pool in every worker.

    Examples:
        Builtins and functions from importable modules run in processes:

        >>> parallel_map(abs, [-2, -1, 0, 1], workers=2, serial_below=0)
        [2, 1, 0, 1]

        Four calls of :func:`abs` take microseconds, far less than starting
        processes.  By default they run here, and the log says so:

        >>> import logging, sys
        >>> log = logging.getLogger("parallel_guide.recipes.parallel_map")
        >>> log.setLevel(logging.INFO)
        >>> log.addHandler(to_stdout := logging.StreamHandler(sys.stdout))
        >>> parallel_map(abs, [-2, -1, 0, 1])  # doctest: +ELLIPSIS
        parallel_map() ran all 4 items in the calling process, because the whole ...
        [2, 1, 0, 1]
        >>> log.removeHandler(to_stdout)
        >>> log.setLevel(logging.NOTSET)

        Threads can run anything, lambdas included.  An item that fails
        raises its own exception, with a note saying which item it was:

        >>> from concurrent.futures import ThreadPoolExecutor
        >>> with ThreadPoolExecutor(max_workers=2) as threads:
        ...     try:
        ...         parallel_map(lambda x: 10 / x, [1, 2, 0, 3], executor=threads)
        ...     except ZeroDivisionError as error:
        ...         print(repr(error))
        ...         print(error.__notes__)
        ZeroDivisionError('division by zero')
        ['parallel_map: raised for item #2 of the input: 0']

        A lambda cannot be sent to another process, so this fails before any
        process starts:

        >>> parallel_map(lambda x: x + 1, [1, 2])
        Traceback (most recent call last):
        ...
        TypeError: parallel_map() cannot send <lambda> to worker processes: ...

    """
    _check_not_bootstrapping()
    _check_callable(func)
    _check_count("workers", workers)
    _check_count("chunksize", chunksize)
    _check_timeout(timeout)
    if serial_below is None:
        serial_below = SERIAL_BELOW_SECONDS
    _check_serial_below(serial_below)
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(
            "executor must be a concurrent.futures.Executor or None, "
            f"got {type(executor).__name__}"
        )
    if executor is None and _inside_worker:
        return _map_here(func, iterable, timeout)
    start_method = _start_method_of(executor)
    if start_method is not None:
        _check_picklable(func, start_method, caller="parallel_map()")
    deadline = None if timeout is None else time.monotonic() + timeout

    if workers is None:
        workers = usable_cpus() if executor is None else _workers_of(executor)
    length = len(iterable) if isinstance(iterable, Sized) else None
    items = iter(iterable)
    done_here: list[Any] = []
    if executor is None and timeout is None and serial_below > 0:
        trial = _try_here(func, items, length, serial_below)
        done_here = trial.results
        if trial.finished:
            if done_here:  # an empty input needs no explanation
                _say_ran_here(
                    len(done_here),
                    f"the whole input took {_seconds(trial.seconds)}, less "
                    f"than serial_below={serial_below:g} s",
                )
            return done_here
        if trial.item_seconds < SEND_COST_FACTOR * trial.send_seconds:
            _finish_here(func, items, done_here)
            _say_ran_here(
                len(done_here),
                f"an item took {_seconds(trial.item_seconds)} to compute, "
                f"less than {SEND_COST_FACTOR} times the "
                f"{_seconds(trial.send_seconds)} it takes to pickle it and "
                "its result both ways",
            )
            return done_here
        _log.debug(
            "parallel_map() ran %d items in the calling process in %.3g s; "
            "the rest go to worker processes",
            len(done_here),
            trial.seconds,
        )
        if length is not None:
            length -= len(done_here)
    sizer = _ChunkSizer(chunksize, length, workers)
    if done_here:
        sizer.record(len(done_here), trial.seconds)
    # Take the first chunks before starting anything: an empty input needs no
    # pool, and a short one needs no more workers than it has chunks.
    first_size = sizer.next_size()
    head = list(itertools.islice(items, first_size * workers))
    if not head:
        return done_here
    items = itertools.chain(head, items)

    if executor is not None:
        run = _Run(func, items, executor, sizer, workers, deadline, timeout, own=False)
        try:
            return run.results()
        except BaseException as exc:
            run.cancel(broken=isinstance(exc, BrokenExecutor))
            raise

    pool_size = min(workers, math.ceil(len(head) / first_size))
    if sys.platform == "win32":
        pool_size = min(pool_size, 61)  # the most Windows can wait on at once
    pool = ProcessPoolExecutor(
        max_workers=pool_size,
        mp_context=multiprocessing.get_context(START_METHOD),
        initializer=_start_worker,
    )
    try:
        run = _Run(
            func,
            items,
            pool,
            sizer,
            workers,
            deadline,
            timeout,
            own=True,
            first=len(done_here),
        )
        run.watch = _DeathWatch(pool).check
        results = done_here + run.results()
        pool.shutdown(wait=True)
    except BaseException as exc:
        exit_codes = _stop_pool(pool)
        if isinstance(exc, BrokenProcessPool) and (note := _exit_note(exit_codes)):
            exc.add_note(note)
        raise
    return results


def _check_picklable(func: Callable[..., Any], start_method: str, *, caller: str):
    """Raise :exc:`TypeError` if ``func`` cannot be sent to a worker process.

    A function travels to a worker by name: the worker imports its module and
    looks it up.  That fails for lambdas and nested functions (they have no
    importable name), and, unless workers are forked, for functions defined in
    a ``__main__`` that a new interpreter cannot import: a notebook, an
    interactive session or ``python -c``.

    >>> import operator
    >>> _check_picklable(operator.neg, "spawn", caller="demo()")
    >>> _check_picklable(lambda: 0, "spawn", caller="demo()")
    Traceback (most recent call last):
    ...
    TypeError: demo() cannot send <lambda> to worker processes: it cannot be pickled ...
    """
    name = getattr(func, "__qualname__", None) or f"this {type(func).__name__}"
    how_to_fix = (
        "Define it with def at module level in an importable .py file and "
        "import it from there, or run it in threads with "
        "executor=ThreadPoolExecutor()."
    )
    finder = _MainFinder()
    try:
        finder.dump(func)
    except Exception as exc:
        raise TypeError(
            f"{caller} cannot send {name} to worker processes: it cannot be "
            f"pickled ({type(exc).__name__}: {exc}). Lambdas, nested functions "
            f"and anything defined inside a function cannot be. {how_to_fix}"
        ) from exc
    if start_method != "fork" and (stuck := finder.unimportable()):
        raise TypeError(
            f"{caller} cannot send {name} to worker processes: "
            f"{' and '.join(stuck)} is defined in __main__ (a notebook, an "
            f"interactive session or python -c), which worker processes started "
            f"with {start_method!r} cannot import. {how_to_fix}"
        )


def _stop_pool(pool: ProcessPoolExecutor) -> list[int | None]:
    """Cancel a process pool's pending work, stop its workers and wait for them.

    :meth:`~concurrent.futures.Executor.shutdown` waits for running work to
    finish, which may be never.  This terminates the workers instead (and
    kills any that ignore the request after ``STOP_GRACE_SECONDS``), then
    waits for them and for the pool's own threads.  Returns the workers' exit
    codes.
    """
    # shutdown() forgets the processes and the manager thread: keep them.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    results = getattr(pool, "_result_queue", None)
    calls = getattr(pool, "_call_queue", None)
    # Cancel through shutdown, never future by future: on Python 3.11 a pool
    # that breaks while its futures are being cancelled one at a time loses
    # its manager thread to InvalidStateError and leaks a queue thread.
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        _signal(process, "terminate")
    # With every worker gone the manager thread sees the pool broken, waits
    # for the workers and exits.  Let it do the waiting: two threads waiting
    # for one forkserver worker can lose its exit code.
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    if manager is not None:
        manager.join(STOP_GRACE_SECONDS)
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.exitcode is None:  # it ignored SIGTERM
            _signal(process, "kill")
            process.join()
    if manager is not None and manager.is_alive() and results is not None:
        # A worker stopped while sending its results leaves half a message in
        # the results pipe, and the manager thread waits for the rest for ever.
        # Every worker is gone now: closing this process's end of the pipe
        # (which it never writes to) lets the manager see the pipe end, treat
        # the pool as broken, and exit.
        with contextlib.suppress(OSError):
            results._writer.close()
    if sys.version_info < (3, 11, 5) and calls is not None:
        # CPython gh-94777 (fixed in 3.11.5): when a worker dies while the
        # pipe to the workers is full, the thread feeding that pipe waits to
        # write for ever, and the manager thread waits for it.  Every worker
        # is gone: closing this process's reading end, as 3.11.5 does, makes
        # the write fail, and both threads exit.
        with contextlib.suppress(OSError):
            calls._reader.close()
    if manager is not None:
        manager.join(STOP_GRACE_SECONDS * 10)
    # Return no process objects: they hold the pool's queues, whose semaphores
    # are best released now rather than by a garbage collection at a random
    # moment (on 3.12 and 3.13 that can warn about a reentrant resource tracker).
    return [process.exitcode for process in processes]


class _DeathWatch:
    """Notice a dead worker that the pool itself has not noticed.

    A pool marks itself broken as soon as a worker dies, except when the
    worker dies half-way through sending its results: then the pool's
    manager thread waits for the rest of the message, for ever.  The workers
    of the pool :func:`parallel_map` creates only end when it is shut down,
    so one found dead for ``STOP_GRACE_SECONDS`` means the pool is stuck.
    """

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self.pool = pool
        self.since: float | None = None

    def check(self) -> None:
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        sentinels = [process.sentinel for process in processes]
        # Waiting on sentinels tells who has ended without reaping anyone.
        if not sentinels or not multiprocessing.connection.wait(sentinels, 0):
            self.since = None
            return
        if self.since is None:
            self.since = time.monotonic()
        elif time.monotonic() - self.since > STOP_GRACE_SECONDS:
            raise BrokenProcessPool(
                "A worker process died and the pool did not notice (it was "
                "probably killed while sending its results back)."
            )


def _signal(process: multiprocessing.process.BaseProcess, how: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # already gone, or closed
        getattr(process, how)()


def _exit_note(exit_codes: list[int | None]) -> str:
    codes = [code for code in exit_codes if code]
    # Workers stopped by _stop_pool or by the pool itself exit with -SIGTERM;
    # the one that broke the pool is the other one, if any.
    unusual = [c for c in codes if c != -signal.SIGTERM]
    if not unusual:  # all stopped on purpose: the cause is elsewhere
        return ""
    described = ", ".join(_describe_exit(code) for code in dict.fromkeys(unusual))
    return f"{_NOTE_PREFIX}worker processes exited with {described}"


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name} ({code})"
        except ValueError:
            return f"signal {-code} ({code})"
    return f"exit code {code}"


class _Run:
    """Feed chunks of items to an executor and gather their results in order."""

    def __init__(
        self, func, items, executor, sizer, workers, deadline, timeout, *, own, first=0
    ):
        self.func = func
        self.own = own  # a pool parallel_map created, and stops on failure
        self.items = items
        self.executor = executor
        self.sizer = sizer
        self.window = WINDOW_PER_WORKER * workers
        self.deadline = deadline
        self.timeout = timeout
        # Exceptions have to cross a process boundary unless threads run them.
        self.pickled = not isinstance(executor, ThreadPoolExecutor)
        self.chunks: list[list[Any] | None] = []  # results, in input order
        self.pending: dict[Future, tuple[int, int, int]] = {}
        self.finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
        self.submitted = first  # items taken from the input so far
        self.done = first
        self.exhausted = False
        self.watch: Callable[[], None] | None = None  # called while waiting

    def results(self) -> list[Any]:
        self._submit_more()
        while self.pending:
            future = self._next_finished()
            slot, start, count = self.pending.pop(future)
            try:
                outcome = future.result()
            except BaseException as exc:
                # The chunk never ran, or its results could not come back.
                if isinstance(exc, BrokenExecutor):
                    # Every chunk in flight fails the same way: name them all.
                    spans = [(start, count), *[p[1:] for p in self.pending.values()]]
                    first = min(begin for begin, _ in spans)
                    last = max(begin + size for begin, size in spans) - 1
                    exc.add_note(
                        f"{_NOTE_PREFIX}the pool broke with {_items(first, last)} "
                        "of the input in flight"
                    )
                else:
                    exc.add_note(
                        f"{_NOTE_PREFIX}raised while sending "
                        f"{_items(start, start + count - 1)} of the input to a "
                        "worker or the results back"
                    )
                raise
            if isinstance(outcome, _Failure):
                outcome.reraise()
            values, seconds = outcome
            self.chunks[slot] = values
            self.done += count
            self.sizer.record(count, seconds)
            self._submit_more()
        return [value for chunk in self.chunks for value in chunk]

    def cancel(self, *, broken: bool) -> None:
        # A broken pool has already failed every pending future itself.
        if not broken:
            for future in self.pending:
                future.cancel()

    def _submit_more(self) -> None:
        while not self.exhausted and len(self.pending) < self.window:
            count = self.sizer.next_size()
            chunk = list(itertools.islice(self.items, count))
            if not chunk:
                self.exhausted = True
                return
            try:
                future = self.executor.submit(
                    _run_chunk, self.func, self.submitted, chunk, self.pickled
                )
            except BrokenExecutor:
                if not self.pending:
                    raise
                # The futures in flight fail too, with the cause attached:
                # let results() raise one of those instead.
                self.exhausted = True
                return
            self.pending[future] = (len(self.chunks), self.submitted, len(chunk))
            self.chunks.append(None)
            self.submitted += len(chunk)
            future.add_done_callback(self.finished.put)

    def _next_finished(self) -> Future:
        while True:
            wait = _POLL_SECONDS
            if self.deadline is not None:
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    raise self._timeout_error()
                wait = min(wait, remaining)
            try:
                return self.finished.get(timeout=wait)
            except queue.Empty:
                if self.watch is not None:
                    self.watch()

    def _timeout_error(self) -> TimeoutError:
        more = "" if self.exhausted else " (and more not yet taken from the input)"
        stopped = (
            "its worker processes were stopped"
            if self.own
            else "work not yet started was cancelled, work running continues"
        )
        return TimeoutError(
            f"parallel_map() timed out after {self.timeout:g} s with "
            f"{self.done} of {self.submitted} items done{more}; {stopped}"
        )


def _run_chunk(func, start, items, pickled):
    """Run ``func`` on each item of a chunk; return the results and the seconds taken.

    This runs in the worker.  A failure is returned, not raised, as a
    :class:`_Failure` noting the item that caused it: the standard library's
    futures mistake an exception that is false (``__bool__``) for no exception.
    """
    began = time.perf_counter()
    results = []
    for offset, item in enumerate(items):
        try:
            results.append(func(item))
        except BaseException as exc:
            shown = _short_repr.repr(item)
            exc.add_note(
                f"{_NOTE_PREFIX}raised for item #{start + offset} of the input: {shown}"
            )
            return _Failure.of(exc, pickled)
    return results, time.perf_counter() - began


def _items(first: int, last: int) -> str:
    return f"item #{first}" if first == last else f"items #{first} to #{last}"


class _Failure:
    """An exception raised by ``func``, ready to be raised again by the caller."""

    def __init__(self, exc: BaseException, remote_traceback: str | None) -> None:
        self.exc = exc
        self.remote_traceback = remote_traceback

    @classmethod
    def of(cls, exc: BaseException, pickled: bool) -> _Failure:
        if not pickled:
            return cls(exc, None)
        # A traceback cannot be pickled: send its text, as the standard
        # library's process pools do.
        text = "".join(traceback.format_exception(exc))
        if why := _unpicklable_reason(exc):
            exc = _stand_in(exc, why)
        return cls(exc, text)

    def reraise(self) -> NoReturn:
        exc = self.exc
        if self.remote_traceback is not None:
            exc.__cause__ = _RemoteTraceback(self.remote_traceback)
        try:
            raise exc
        finally:
            del exc, self.exc  # break the cycle through the traceback


class _RemoteTraceback(Exception):
    """The text of a traceback from a worker process, shown as the cause."""

    def __str__(self) -> str:
        return f'\n"""\n{self.args[0]}"""'


class _Trial:
    """The first items, run in the calling process to see if processes would pay."""

    def __init__(self) -> None:
        self.results: list[Any] = []
        self.seconds = 0.0  # spent running func on them
        self.finished = False  # the input ended
        self.item_seconds = 0.0  # per item, in the fastest batch
        self.send_seconds = 0.0  # per item, to pickle it and its result both ways


def _try_here(func, items, length, budget) -> _Trial:
    """Run the first items in this process while the whole input looks cheap.

    Batches double in size (1, 2, 4, ...) so that the clock is read rarely.
    They stop when the input ends, or when the time so far plus the remaining
    items at the fastest batch's pace (if the length is known) exceeds ``budget``
    and the batches are long enough to time an item reliably.
    """
    trial = _Trial()
    batch = 1
    while True:
        chunk = list(itertools.islice(items, batch))
        if chunk:
            outcome = _run_chunk(func, len(trial.results), chunk, pickled=False)
            if isinstance(outcome, _Failure):
                outcome.reraise()
            values, took = outcome
            # What works here must work in worker processes too, so a larger
            # input does not fail where a small one succeeded.
            _check_sendable(chunk[0], values[0], len(trial.results))
            trial.results.extend(values)
            trial.seconds += took
            # The fastest batch per item: a busy machine only ever adds time.
            per_item = took / len(chunk)
            trial.item_seconds = min(trial.item_seconds or per_item, per_item)
        if len(chunk) < batch:
            trial.finished = True
            return trial
        expected = trial.seconds
        if length is not None:
            expected += trial.item_seconds * (length - len(trial.results))
        if expected > budget and trial.seconds >= budget / 20:
            trial.send_seconds = _send_seconds(chunk, values)
            return trial
        batch *= 2


def _send_seconds(items: list[Any], results: list[Any]) -> float:
    """Seconds per item to pickle and unpickle ``items`` and ``results``."""
    began = time.perf_counter()
    try:
        for value in (items, results):
            pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        return 0.0  # worker processes will report it, with the item's position
    return (time.perf_counter() - began) / len(items)


def _finish_here(func, items, results: list[Any]) -> None:
    """Run the rest of the input in this process, appending to ``results``."""
    while chunk := list(itertools.islice(items, MAX_AUTO_CHUNKSIZE)):
        outcome = _run_chunk(func, len(results), chunk, pickled=False)
        if isinstance(outcome, _Failure):
            outcome.reraise()
        results.extend(outcome[0])


def _check_sendable(item: Any, result: Any, index: int) -> None:
    for what, value in (("item", item), ("result", result)):
        try:
            pickle.dumps(value)
        except Exception as exc:
            exc.add_note(
                f"{_NOTE_PREFIX}the {what} for item #{index} of the input cannot be "
                f"pickled, so it could not be sent to or from a worker process: "
                f"{_short_repr.repr(value)}"
            )
            raise


def _say_ran_here(count: int, reason: str) -> None:
    _log.info(
        "parallel_map() ran all %d items in the calling process, because %s: "
        "worker processes would have made it slower. Pass serial_below=0 to use "
        "them anyway",
        count,
        reason,
    )


def _map_here(func, iterable, timeout):
    """Run the items one by one in this process (nested inside a worker)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    results = []
    for index, item in enumerate(iterable):
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(
                f"parallel_map() timed out after {timeout:g} s with {index} items done"
            )
        outcome = _run_chunk(func, index, [item], pickled=False)
        if isinstance(outcome, _Failure):
            outcome.reraise()
        results.extend(outcome[0])
    return results


def _unpicklable_reason(exc: BaseException) -> str:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return ""


def _stand_in(exc: BaseException, why: str) -> RuntimeError:
    try:
        message = str(exc)
    except Exception:
        message = "<str() failed>"
    stand_in = RuntimeError(
        f"{type(exc).__module__}.{type(exc).__qualname__}: {message} "
        f"(re-raised as RuntimeError: the exception could not be pickled "
        f"to send it back from the worker; {why})"
    )
    for note in getattr(exc, "__notes__", ()):
        stand_in.add_note(note)
    return stand_in


class _ChunkSizer:
    """Choose the next chunk's size from what the finished chunks took."""

    def __init__(self, fixed: int | None, length: int | None, workers: int):
        self.fixed = fixed
        self.limit = MAX_AUTO_CHUNKSIZE
        if length is not None:
            self.limit = max(
                1, min(self.limit, length // (CHUNKS_PER_WORKER * workers))
            )
        self.items = 0
        self.seconds = 0.0

    def next_size(self) -> int:
        if self.fixed is not None:
            return self.fixed
        if not self.items:
            return 1  # nothing measured yet
        per_item = self.seconds / self.items
        if per_item <= 0:
            return self.limit
        return max(1, min(self.limit, int(TARGET_CHUNK_SECONDS / per_item)))

    def record(self, count: int, seconds: float) -> None:
        self.items += count
        self.seconds += seconds


class _MainFinder(pickle.Pickler):
    """A pickler that notes what it would fetch from ``__main__`` by name."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL)
        self.found: list[Any] = []

    def reducer_override(self, obj: Any) -> Any:
        if (isinstance(obj, type) or callable(obj)) and getattr(
            obj, "__module__", None
        ) == "__main__":
            self.found.append(obj)
        return NotImplemented

    def unimportable(self) -> list[str]:
        """Names from ``__main__`` that a freshly started worker would not find.

        A worker re-imports the main module only from its file (or its module
        name, with ``python -m``), so only what that file defines is found.
        """
        main = sys.modules.get("__main__")
        path = getattr(main, "__file__", None)
        spec = getattr(main, "__spec__", None)
        names = []
        for obj in self.found:
            code = getattr(obj, "__code__", None)
            if path is None and spec is None:
                importable = False
            elif code is not None and path is not None:
                importable = _same_file(code.co_filename, path)
            else:
                importable = True
            if not importable:
                names.append(getattr(obj, "__qualname__", repr(obj)))
        return names


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _start_method_of(executor: Executor | None) -> str | None:
    """The start method of the processes ``executor`` runs in; None for threads."""
    if executor is None:
        return START_METHOD
    if isinstance(executor, ProcessPoolExecutor):
        context = getattr(executor, "_mp_context", None) or multiprocessing
        return context.get_start_method()
    return None


def usable_cpus() -> int:
    """Return how many CPUs this process may run on (at least 1).

    Unlike :func:`os.cpu_count`, this respects CPU affinity (``taskset``,
    container CPU sets), so a pool sized with it does not oversubscribe.

    >>> usable_cpus() >= 1
    True
    """
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _seconds(seconds: float) -> str:
    return f"{seconds:.3g} s"


def _workers_of(executor: Executor) -> int:
    count = getattr(executor, "_max_workers", None)
    if isinstance(count, int) and not isinstance(count, bool) and count > 0:
        return count
    return usable_cpus()


def _start_worker() -> None:
    """Set up a worker of the pool :func:`parallel_map` creates."""
    global _inside_worker
    _inside_worker = True
    # Ctrl-C in a terminal reaches the whole process group.  The parent
    # handles it by stopping the workers, so they need not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # If the parent is killed outright it cannot stop its workers, and a
    # worker waiting for its next task would wait for ever: leave instead.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True
        ).start()


def _exit_with_parent(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(1)


def _check_not_bootstrapping() -> None:
    # multiprocessing sets this while a new worker imports the main module.
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise RuntimeError(
            "parallel_map() was called while a new worker process was importing "
            "the main module, so every worker would start a pool of its own. "
            "Call it from a function, and call that function only under "
            "if __name__ == '__main__': at the end of the script."
        )


def _check_callable(func: object) -> None:
    if not callable(func):
        raise TypeError(
            f"func must be a callable taking one item, got {type(func).__name__}"
        )


def _check_count(name: str, value: object) -> None:
    if value is None:
        return
    # bool is a subclass of int, but workers=True is a mistake, not a count.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")


def _check_serial_below(seconds: object) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(
            f"serial_below must be a number of seconds, got {type(seconds).__name__}"
        )
    if not seconds >= 0:  # also rejects NaN
        raise ValueError(
            f"serial_below must be 0 (always use worker processes) or more "
            f"seconds, got {seconds}"
        )


def _check_timeout(timeout: object) -> None:
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(
            f"timeout must be a number of seconds or None, got {type(timeout).__name__}"
        )
    if not timeout > 0:  # also rejects NaN
        raise ValueError(f"timeout must be more than 0 seconds, got {timeout}")
