"""The misbehaving functions misbehave exactly as documented, and the unguarded
script fails (clearly, and without hanging) until it is given its guard.

Catalogue numbers (``#n``) refer to the fault catalogue, tests/FAULTS.md.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parallel_guide.pages import what_can_go_wrong as wrong
from parallel_guide.tools.run_python import run_python

SCRIPT_TIMEOUT = 60
PLAIN_TEXT = {**os.environ, "PYTHON_COLORS": "0", "NO_COLOR": "1"}


# -- the page's own misbehaving functions ----------------------------------------


def test_the_page_functions_behave_for_good_items():
    assert wrong.square(-3) == 9
    assert wrong.checked_sqrt(16) == 4.0
    assert wrong.native_sqrt(2.25) == 1.5
    assert wrong.slow_square(3, seconds=0) == 9
    assert wrong.hang_on(5, trigger=6) == 5


def test_checked_sqrt_refuses_a_negative_number_with_a_valueerror():
    with pytest.raises(ValueError, match="square root of a negative number: -4"):
        wrong.checked_sqrt(-4)


def test_native_sqrt_crashes_the_process_on_a_negative_number():
    completed = run_python(
        "from parallel_guide.pages import what_can_go_wrong as w\n"
        "w.native_sqrt(-1)\nprint('still alive')",
        timeout=SCRIPT_TIMEOUT,
    )
    assert completed.returncode == -signal.SIGSEGV
    assert "still alive" not in completed.stdout


def test_hang_on_does_not_return_for_its_trigger():
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from parallel_guide.pages import what_can_go_wrong as w\n"
                "w.hang_on(1, trigger=1)",
            ],
            capture_output=True,
            timeout=2,  # subprocess.run kills it on the way out
            check=False,
        )


# -- #28 the script without the main guard --------------------------------------------


UNGUARDED = Path(wrong.__file__).with_name("unguarded_script.py")


def test_the_unguarded_script_has_no_guard():
    tree = ast.parse(UNGUARDED.read_text())
    assert not any(isinstance(node, ast.If) for node in tree.body)


def test_the_unguarded_script_fails_clearly_without_hanging(start_method, run_script):
    # The script asks for spawn itself, so the start method set first changes nothing.
    start = time.monotonic()
    completed = run_script("pages/unguarded_script.py", start_method)
    assert time.monotonic() - start < SCRIPT_TIMEOUT
    assert completed.returncode == 1
    assert "Squares" not in completed.stdout
    # Each worker failed while importing the script, with the standard library's
    # message naming the guard; no worker got as far as starting a pool.
    failures = completed.stderr.count("finished its bootstrapping phase")
    assert 1 <= failures <= 2, completed.stderr
    assert "if __name__ == '__main__':" in completed.stderr
    assert wrong.last_traceback(completed.stderr).endswith(
        "BrokenProcessPool: A process in the process pool "
        "was terminated abruptly while the future was "
        "running or pending."
    )


def test_the_script_with_its_guard_added_runs(tmp_path):
    script = tmp_path / "guarded_script.py"
    script.write_text(wrong.with_main_guard(UNGUARDED.read_text()))
    completed = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=PLAIN_TEXT,
        timeout=SCRIPT_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"Squares: {[x * x for x in range(10)]}\n"


# -- with_main_guard ------------------------------------------------------------


def test_with_main_guard_moves_only_the_work():
    source = (
        '"""Docs."""\n'
        "import os\n"
        "from math import tau\n\n"
        "def helper():\n"
        "    return tau\n\n"
        "x = helper()\n"
        "print(x, os.sep)\n"
    )
    fixed = wrong.with_main_guard(source)
    tree = ast.parse(fixed)
    kinds = [type(node).__name__ for node in tree.body]
    assert kinds == ["Expr", "Import", "ImportFrom", "FunctionDef", "FunctionDef", "If"]
    main = tree.body[4]
    assert main.name == "main"
    assert [type(node).__name__ for node in main.body] == ["Assign", "Expr"]
    assert ast.unparse(tree.body[5].test) == "__name__ == '__main__'"
    namespace = {"__name__": "not_main"}
    exec(compile(fixed, "fixed", "exec"), namespace)  # importing does no work
    assert "x" not in namespace
    assert callable(namespace["main"])


def test_last_traceback_ends_at_the_exception_line():
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "a.py", line 1, in <module>\n'
        "RuntimeError: first\n"
        "Traceback (most recent call last):\n"
        '  File "b.py", line 2, in <module>\n'
        "    f()\n"
        "\n"
        "KeyError: 'second'\n"
        "/usr/lib/python3/resource_tracker.py:1: UserWarning: leaked\n"
        "  warnings.warn(\n"
    )
    assert wrong.last_traceback(stderr).splitlines() == [
        "Traceback (most recent call last):",
        '  File "b.py", line 2, in <module>',
        "    f()",
        "",
        "KeyError: 'second'",
    ]
    with pytest.raises(ValueError, match="substring not found"):
        wrong.last_traceback("no traceback here")


def test_with_main_guard_leaves_a_script_without_work_alone():
    source = "import os\n\ndef f():\n    return os.sep\n"
    assert wrong.with_main_guard(source) == source
