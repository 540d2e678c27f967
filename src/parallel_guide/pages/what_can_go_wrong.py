"""Functions that misbehave on purpose, for the "What can go wrong" page.

Worker processes started with ``spawn`` or ``forkserver`` find a function by
importing its module, so every function a pool runs must live in an importable
file like this one, not in a notebook cell or a test body.  Most functions
here behave normally for every item except ``trigger``, and fail for that one
in a particular way: an exception, a crash, a hang, a result that cannot be
sent back.  Use :func:`functools.partial` to fix ``trigger``.
"""

from __future__ import annotations

import ast
import ctypes
import math
import threading
import time
from typing import Any

__all__ = [
    "checked_sqrt",
    "hang_on",
    "last_traceback",
    "native_sqrt",
    "slow_square",
    "square",
    "with_main_guard",
]


def square(x: float) -> float:
    """Return ``x * x``: a function that works in any worker.

    >>> square(3)
    9
    """
    return x * x


def native_sqrt(x: float) -> float:
    """Return the square root of ``x``, like a C function that trusts its input.

    It stands for a call into compiled code with no checks: for a negative
    ``x`` the process crashes (a segmentation fault) instead of raising.
    """
    if x < 0:
        _segfault()
    return math.sqrt(x)


def checked_sqrt(x: float) -> float:
    """Return the square root of ``x``, refusing negative numbers first.

    The fix for :func:`native_sqrt`: check in Python, where a bad item becomes
    an exception that names it, before handing it to code that would crash.

    >>> checked_sqrt(9)
    3.0
    >>> checked_sqrt(-4)
    Traceback (most recent call last):
    ...
    ValueError: cannot take the square root of a negative number: -4
    """
    if x < 0:
        raise ValueError(f"cannot take the square root of a negative number: {x!r}")
    return native_sqrt(x)


def with_main_guard(source: str) -> str:
    r"""Return a script's source with its work moved under the main-module guard.

    Everything from the first statement that is not an import, a definition or
    the docstring becomes the body of a ``main()`` function, called only when
    the file runs as a script, not when a worker process imports it.

    >>> print(with_main_guard("import os\nprint(os.sep)\n"))
    import os
    <BLANKLINE>
    <BLANKLINE>
    def main():
        print(os.sep)
    <BLANKLINE>
    <BLANKLINE>
    if __name__ == "__main__":
        main()
    <BLANKLINE>
    """
    tree = ast.parse(source)
    quiet = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
    work = [
        node
        for index, node in enumerate(tree.body)
        if not isinstance(node, quiet) and not (index == 0 and _is_docstring(node))
    ]
    if not work:
        return source
    lines = source.splitlines(keepends=True)
    start = work[0].lineno - 1
    body = "".join(f"    {line}" if line.strip() else line for line in lines[start:])
    head = "".join(lines[:start]).rstrip("\n")
    guard = 'if __name__ == "__main__":'
    return f"{head}\n\n\ndef main():\n{body}\n\n{guard}\n    main()\n".lstrip("\n")


def last_traceback(stderr: str) -> str:
    r"""The last traceback in a program's error output, down to its exception.

    Whatever the program printed after it (a warning at exit, say) is left
    out.  The exception's line is the first line after the header that is not
    indented.

    >>> print(
    ...     last_traceback(
    ...         "Traceback (most recent call last):\n  File ...\nKeyError: 1\n"
    ...         "Traceback (most recent call last):\n  File ...\nValueError: 2\n"
    ...         "a warning printed at exit\n"
    ...     )
    ... )
    Traceback (most recent call last):
      File ...
    ValueError: 2
    """
    header = "Traceback (most recent call last):"
    lines = stderr[stderr.rindex(header) :].splitlines()
    end = next(
        (i for i, line in enumerate(lines[1:], 1) if line[:1] not in ("", " ")),
        len(lines) - 1,
    )
    return "\n".join(lines[: end + 1])


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def hang_on(x: Any, trigger: Any = -1) -> Any:
    """Return ``x``, but never return for ``trigger``: a task that never ends.

    It waits on an event that is never set, as a worker stuck on a lock or a
    network call without a timeout would.
    """
    if x == trigger:
        threading.Event().wait()
    return x


def slow_square(x: float, seconds: float = 0.1) -> float:
    """Return ``x * x`` after ``seconds``: a stand-in for an expensive function."""
    time.sleep(seconds)
    return x * x


def _segfault() -> None:
    # Skip Python's own crash report so the output is just the exit status.
    import faulthandler

    faulthandler.disable()
    ctypes.string_at(0)
