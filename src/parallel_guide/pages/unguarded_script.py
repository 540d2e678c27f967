"""A script that forgets the main-module guard, so it fails under ``spawn``.

Its last lines start a pool at the top level of the script.  A worker started
with ``spawn`` (the default on macOS and Windows, and what
:func:`~parallel_guide.recipes.parallel_map.parallel_map` always uses) is a fresh
interpreter that imports this file again to find what the parent defined, so
each worker would start a pool of its own.  :mod:`multiprocessing` refuses:
the worker fails with :exc:`RuntimeError` and the parent gets
:class:`~concurrent.futures.process.BrokenProcessPool`.

The fix is to put the last two lines in a function and call it only when the
file is run as a script, under the guard every complete program in this guide
has.  Do not import this module: importing it runs the pool.
"""

from parallel_guide.pages.what_can_go_wrong import square
from parallel_guide.recipes.parallel_map import parallel_map

results = parallel_map(square, range(10), workers=2, timeout=60)
print(f"Squares: {results}")
