"""The fault injectors of tests/faults.py misbehave exactly as documented.

The tests of the recipes rely on them, so each is checked here first: the
ones that end or hang a process run in a process of their own.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import faults
from parallel_guide.pages import what_can_go_wrong as wrong
from parallel_guide.tools.run_python import run_python

SCRIPT_TIMEOUT = 60
# The snippets import faults from tests/, as the tests' own workers do.
TESTS = str(Path(faults.__file__).parent)
PLAIN_TEXT = {
    **os.environ,
    "PYTHON_COLORS": "0",
    "NO_COLOR": "1",
    "PYTHONPATH": os.pathsep.join(
        [str(Path(faults.__file__).parent), os.environ.get("PYTHONPATH", "")]
    ),
}


# -- functions that behave ------------------------------------------------------


def test_well_behaved_functions():
    assert wrong.square(-3) == 9
    assert faults.check_positive(2.5) == 2.5
    assert wrong.checked_sqrt(16) == 4.0
    assert wrong.native_sqrt(2.25) == 1.5
    assert wrong.slow_square(3, seconds=0) == 9
    assert faults.worker_pid() == os.getpid()
    assert faults.length(b"abc") == 3
    assert faults.big_bytes(5) == bytes(5)
    assert faults.read_parent_state() == "as imported"


@pytest.mark.parametrize(
    ("func", "item", "message"),
    [
        (faults.check_positive, 0, "expected a positive number, got 0"),
        (wrong.checked_sqrt, -4, "square root of a negative number: -4"),
        (faults.raise_item, ValueError("chosen"), "chosen"),
    ],
)
def test_refusals_raise_valueerror(func, item, message):
    with pytest.raises(ValueError, match=message):
        func(item)


def test_every_trigger_function_passes_other_items_through():
    functions = [
        faults.crash_on,
        faults.exit_on,
        wrong.hang_on,
        faults.kill_on,
        faults.sys_exit_on,
        faults.raise_unpicklable_on,
        faults.raise_awkward_on,
        faults.raise_falsy_on,
        faults.unpicklable_result_on,
        faults.exit_when_pickled_on,
        faults.fail_when_unpickled_on,
        faults.timeout_on,
    ]
    for func in functions:
        assert func(5, trigger=6) == 5, func.__name__


def test_record_call_appends_a_line_per_call(tmp_path):
    log = tmp_path / "log"
    assert faults.record_call(3, log) == 3
    assert faults.record_call(4, log, then=wrong.square) == 16
    assert log.read_text().splitlines() == ["3", "4"]


# -- functions that raise ---------------------------------------------------------


def test_trigger_exceptions():
    with pytest.raises(TimeoutError, match="the task's own time-out"):
        faults.timeout_on(1, trigger=1)
    with pytest.raises(SystemExit) as info:
        faults.sys_exit_on(1, trigger=1, code=4)
    assert info.value.code == 4
    with pytest.raises(faults.FalsyError) as falsy:
        faults.raise_falsy_on(1, trigger=1)
    assert not falsy.value
    with pytest.raises(RuntimeError, match="always fails"):
        faults.fail_to_start()


def test_the_exceptions_that_travel_badly_really_do():
    # 3: one cannot be pickled, one cannot be rebuilt from its pickle.
    with pytest.raises(faults.UnpicklableError) as unpicklable:
        faults.raise_unpicklable_on(1, trigger=1)
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(unpicklable.value)
    with pytest.raises(faults.AwkwardError) as awkward:
        faults.raise_awkward_on(1, trigger=1)
    pickled = pickle.dumps(awkward.value)
    with pytest.raises(TypeError, match="code"):
        pickle.loads(pickled)


def test_the_results_that_travel_badly_really_do():
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(faults.unpicklable_result_on(1, trigger=1))
    pickled = pickle.dumps(faults.fail_when_unpickled_on(1, trigger=1))
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
        f"import pickle\nimport faults as w\n{call}\nprint('still alive')",
        env={"PYTHONPATH": TESTS},
        timeout=SCRIPT_TIMEOUT,
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
                f"import faults as w\nw.{call}",
            ],
            capture_output=True,
            env=PLAIN_TEXT,
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
            "import sys\nimport faults as w\n"
            "w.ignore_sigterm_and_hang(1, ready=sys.argv[1])",
            str(ready),
        ],
        env=PLAIN_TEXT,
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
