"""A script that forgets the main-module guard, so it fails under ``spawn``.

Its last lines start a process pool at the top level of the script, with the
``spawn`` start method (the default on macOS and Windows), asked for here so
that it fails the same way on every system.  A worker started with ``spawn``
is a fresh interpreter that runs this file's top level again (as
``__mp_main__``), to define what the parent defined, so each worker would
start a pool of its own.  :mod:`multiprocessing` refuses:
the worker fails with :exc:`RuntimeError` and the parent gets
:class:`~concurrent.futures.process.BrokenProcessPool`.

The fix is to put the last four lines in a function and call it only
when the file is run as a script, under the guard every complete program in
this guide has.  Do not import this module: importing it runs the pool.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from parallel_guide.pages.what_can_go_wrong import square

spawn = multiprocessing.get_context("spawn")
with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
    results = list(pool.map(square, range(10), timeout=60))
print(f"Squares: {results}")
