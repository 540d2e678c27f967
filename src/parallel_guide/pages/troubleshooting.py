"""The error messages readers search for, and small programs that print them.

The code behind the "Troubleshooting by error message" page.  Each entry of
:data:`FAILURES` is a :class:`Failure`: the message as readers paste it (with
``...`` where it varies from run to run), and a short program that makes the
current Python print it.  :func:`reproduce` runs that program in a fresh
interpreter with a timeout, and :meth:`Failure.found_in` finds the message in
what it printed, so the tests can check that every message on the page is
still what Python says.  Standard library only.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from parallel_guide.pages.processes_in_depth import FORK_WITH_A_THREAD
from parallel_guide.tools.run_python import ProgramRun, run_python

__all__ = ["FAILURES", "Failure", "reproduce"]


@dataclass(frozen=True)
class Failure:
    """An error message readers meet, and a program that produces it."""

    message: str
    """The message as it is printed, with ``...`` for the parts that vary."""
    program: str
    """Python source that prints the message (run with ``python -c``)."""
    start_method: str | None = None
    """The start method the program needs, if any."""
    since: tuple[int, int] = (3, 0)
    """The first Python version that prints it."""

    def pattern(self):  # -> re.Pattern[str]
        r"""The message as a regular expression: ``...`` matches anything.

        Runs of white space match any white space, since some messages are
        wrapped over lines.

        >>> pattern = Failure("Can't pickle <function ...>", "").pattern()
        >>> bool(pattern.search("Can't  pickle\n<function f at 0x1>"))
        True
        """
        pieces = [
            r"\s+".join(map(re.escape, piece.split()))
            for piece in self.message.split("...")
        ]
        return re.compile(".*?".join(pieces), re.DOTALL)

    def found_in(self, output: str) -> str:
        """The message as ``output`` printed it, or "" if it is not there.

        >>> failure = Failure("cannot be called from a running event loop", "")
        >>> failure.found_in(
        ...     "RuntimeError: asyncio.run() cannot be called from a running event loop"
        ... )
        'cannot be called from a running event loop'
        """
        match = self.pattern().search(output)
        return match.group(0) if match else ""


_SCRIPT_WITHOUT_MAIN_GUARD = """\
from concurrent.futures import ProcessPoolExecutor
with ProcessPoolExecutor(max_workers=1) as pool:
    print(list(pool.map(abs, [-1, -2])))
"""

FAILURES: dict[str, Failure] = {
    "cant_get_attribute": Failure(
        message="AttributeError: Can't get attribute '...' on <module '__main__'",
        program="""\
from concurrent.futures import ProcessPoolExecutor

def square(x):  # defined in __main__, as in a notebook cell
    return x * x

with ProcessPoolExecutor(max_workers=1) as pool:
    print(list(pool.map(square, range(4))))
""",
        start_method="spawn",
    ),
    "broken_process_pool": Failure(
        message=(
            "BrokenProcessPool: A process in the process pool was terminated "
            "abruptly while the future was running or pending."
        ),
        program="""\
import os
from concurrent.futures import ProcessPoolExecutor

with ProcessPoolExecutor(max_workers=1) as pool:
    pool.submit(os._exit, 1).result()  # the worker dies, as if killed
""",
        start_method="spawn",
    ),
    "bootstrapping": Failure(
        message=(
            "An attempt has been made to start a new process before the "
            "current process has finished its bootstrapping phase."
        ),
        # The script needs a file that workers can import, so write one.
        program=f"""\
import pathlib, runpy, tempfile

with tempfile.TemporaryDirectory() as folder:
    script = pathlib.Path(folder, "no_main_guard.py")
    script.write_text({_SCRIPT_WITHOUT_MAIN_GUARD!r})
    runpy.run_path(str(script), run_name="__main__")
""",
        start_method="spawn",
    ),
    "asyncio_run_in_loop": Failure(
        message=(
            "RuntimeError: asyncio.run() cannot be called from a running event loop"
        ),
        program="""\
import asyncio

async def main():  # a running loop, as in a Jupyter cell
    asyncio.run(asyncio.sleep(0))

asyncio.run(main())
""",
    ),
    "fork_with_threads": Failure(
        message=(
            "DeprecationWarning: This process (pid=...) is multi-threaded, "
            "use of fork() may lead to deadlocks in the child."
        ),
        program=FORK_WITH_A_THREAD,
        since=(3, 12),
    ),
    "pickling_lambda": Failure(
        message="PicklingError: Can't pickle <function <lambda> at 0x...>",
        # One task, not map() over several: on Python 3.11.0 to 3.11.2, map()
        # cancels the other tasks when the first fails to pickle, and leaving
        # the with block then waits for the cancelled tasks for ever, so the
        # error is never printed (CPython gh-94440, fixed in 3.11.3).
        program="""\
from concurrent.futures import ProcessPoolExecutor

with ProcessPoolExecutor(max_workers=1) as pool:
    print(pool.submit(lambda: 6 * 7).result())
""",
        start_method="spawn",
    ),
}
"""Every message the troubleshooting page lists, by a short name."""


def reproduce(name: str, *, timeout: float = 60) -> ProgramRun:
    """Run the program of ``FAILURES[name]`` in a fresh interpreter.

    The program and every process it starts are killed after ``timeout``
    seconds (see :func:`~parallel_guide.tools.run_python.run_python`).

    >>> run = reproduce("asyncio_run_in_loop")
    >>> FAILURES["asyncio_run_in_loop"].found_in(run.stderr) != ""
    True
    """
    if name not in FAILURES:
        raise KeyError(f"no failure named {name!r}; choose from {sorted(FAILURES)}")
    failure = FAILURES[name]
    if sys.version_info < failure.since:
        since = ".".join(map(str, failure.since))
        raise RuntimeError(f"{name!r} happens from Python {since} on only")
    return run_python(
        failure.program, timeout=timeout, start_method=failure.start_method
    )
