"""The misbehaving functions misbehave exactly as documented, and the unguarded
script fails (clearly, and without hanging) until it is given its guard.

Catalogue numbers (``#n``) refer to the fault catalogue, tests/FAULTS.md.
"""

from __future__ import annotations

import ast
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parallel_guide import what_can_go_wrong as wrong

SCRIPT_TIMEOUT = 60
PLAIN_TEXT = {**os.environ, "PYTHON_COLORS": "0", "NO_COLOR": "1"}


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=PLAIN_TEXT,
        timeout=SCRIPT_TIMEOUT,
        check=False,
    )


# -- functions that behave ------------------------------------------------------


def test_well_behaved_functions():
    assert wrong.square(-3) == 9
    assert wrong.check_positive(2.5) == 2.5
    assert wrong.checked_sqrt(16) == 4.0
    assert wrong.native_sqrt(2.25) == 1.5
    assert wrong.slow_square(3, seconds=0) == 9
    assert wrong.worker_pid() == os.getpid()
    assert wrong.length(b"abc") == 3
    assert wrong.big_bytes(5) == bytes(5)
    assert wrong.read_parent_state() == "as imported"


@pytest.mark.parametrize(
    ("func", "item", "message"),
    [
        (wrong.check_positive, 0, "expected a positive number, got 0"),
        (wrong.checked_sqrt, -4, "square root of a negative number: -4"),
        (wrong.raise_item, ValueError("chosen"), "chosen"),
    ],
)
def test_refusals_raise_valueerror(func, item, message):
    with pytest.raises(ValueError, match=message):
        func(item)


def test_every_trigger_function_passes_other_items_through():
    functions = [
        wrong.crash_on,
        wrong.exit_on,
        wrong.hang_on,
        wrong.kill_on,
        wrong.sys_exit_on,
        wrong.raise_unpicklable_on,
        wrong.raise_awkward_on,
        wrong.raise_falsy_on,
        wrong.unpicklable_result_on,
        wrong.exit_when_pickled_on,
        wrong.fail_when_unpickled_on,
        wrong.timeout_on,
        wrong.die_while_sending_on,
    ]
    for func in functions:
        assert func(5, trigger=6) == 5, func.__name__


def test_record_call_appends_a_line_per_call(tmp_path):
    log = tmp_path / "log"
    assert wrong.record_call(3, log) == 3
    assert wrong.record_call(4, log, then=wrong.square) == 16
    assert log.read_text().splitlines() == ["3", "4"]


# -- functions that raise ---------------------------------------------------------


def test_trigger_exceptions():
    with pytest.raises(TimeoutError, match="the task's own time-out"):
        wrong.timeout_on(1, trigger=1)
    with pytest.raises(SystemExit) as info:
        wrong.sys_exit_on(1, trigger=1, code=4)
    assert info.value.code == 4
    with pytest.raises(wrong.FalsyError) as falsy:
        wrong.raise_falsy_on(1, trigger=1)
    assert not falsy.value
    with pytest.raises(RuntimeError, match="always fails"):
        wrong.fail_to_start()


def test_the_exceptions_that_travel_badly_really_do():
    # 3: one cannot be pickled, one cannot be rebuilt from its pickle.
    with pytest.raises(wrong.UnpicklableError) as unpicklable:
        wrong.raise_unpicklable_on(1, trigger=1)
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(unpicklable.value)
    with pytest.raises(wrong.AwkwardError) as awkward:
        wrong.raise_awkward_on(1, trigger=1)
    pickled = pickle.dumps(awkward.value)
    with pytest.raises(TypeError, match="code"):
        pickle.loads(pickled)


def test_the_results_that_travel_badly_really_do():
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(wrong.unpicklable_result_on(1, trigger=1))
    pickled = pickle.dumps(wrong.fail_when_unpickled_on(1, trigger=1))
    with pytest.raises(RuntimeError, match="unpickling refused"):
        pickle.loads(pickled)


# -- functions that end the process (each in a process of its own) ----------------


@pytest.mark.parametrize(
    ("call", "returncode"),
    [
        ("w.native_sqrt(-1)", -signal.SIGSEGV),
        ("w.crash_on(2, trigger=2)", -signal.SIGSEGV),
        ("w.exit_on(2, trigger=2, code=7)", 7),
        ("w.kill_on(2, trigger=2)", -signal.SIGKILL),
        ("w.sys_exit_on(2, trigger=2, code=3)", 3),
        ("pickle.dumps(w.ExitWhenPickled())", 9),
        ("pickle.loads(pickle.dumps(w.ExitWhenUnpickled()))", 9),
    ],
)
def test_process_enders_end_the_process(call, returncode):
    completed = run_python(
        "import pickle\nfrom parallel_guide import what_can_go_wrong as w\n"
        f"{call}\nprint('still alive')"
    )
    assert completed.returncode == returncode
    assert "still alive" not in completed.stdout


@pytest.mark.parametrize(
    "call", ["hang_on(1, trigger=1)", "ignore_sigterm_and_hang(1)"]
)
def test_hangers_do_not_return(call):
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"from parallel_guide import what_can_go_wrong as w\nw.{call}",
            ],
            capture_output=True,
            timeout=2,  # subprocess.run kills it on the way out
            check=False,
        )


def wait_for_file(path, timeout=SCRIPT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_a_sigterm_ignorer_ignores_sigterm(tmp_path):
    ready = tmp_path / "ready"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom parallel_guide import what_can_go_wrong as w\n"
            "w.ignore_sigterm_and_hang(1, ready=sys.argv[1])",
            str(ready),
        ]
    )
    try:
        wait_for_file(ready)
        process.terminate()
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=1)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL


# -- #28 the script without the main guard --------------------------------------------


UNGUARDED = Path(wrong.__file__).with_name("unguarded_script.py")


def test_the_unguarded_script_has_no_guard():
    tree = ast.parse(UNGUARDED.read_text())
    assert not any(isinstance(node, ast.If) for node in tree.body)


def test_the_unguarded_script_fails_clearly_without_hanging(start_method, run_script):
    # Whatever the interpreter's start method, parallel_map's own pool spawns.
    start = time.monotonic()
    completed = run_script("unguarded_script.py", start_method)
    assert time.monotonic() - start < SCRIPT_TIMEOUT
    assert completed.returncode == 1
    assert "Squares" not in completed.stdout
    assert (
        "RuntimeError: parallel_map() was called while a new worker process was "
        "importing the main module" in completed.stderr
    )
    assert "if __name__ == '__main__':" in completed.stderr
    last_lines = completed.stderr.strip().splitlines()[-3:]
    assert last_lines[0].endswith(
        "BrokenProcessPool: A process in the process pool "
        "was terminated abruptly while the future was "
        "running or pending."
    )
    # Each worker that started failed the same way.
    assert last_lines[-1] == "parallel_map: worker processes exited with exit code 1"


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


def test_with_main_guard_leaves_a_script_without_work_alone():
    source = "import os\n\ndef f():\n    return os.sep\n"
    assert wrong.with_main_guard(source) == source
