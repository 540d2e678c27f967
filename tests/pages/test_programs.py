"""Every complete program a page shows runs when a reader copies it.

A complete program is a file in src/parallel_guide with an
``if __name__ == "__main__":`` block.  Pages show these files with
``literalinclude``; the tests copy each one out of the project and run it with
a fresh interpreter under every start method.
"""

import ast
import re
import sys
from pathlib import Path

import pytest

import parallel_guide

SRC = Path(parallel_guide.__file__).resolve().parent

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _check_data_parallel(stdout: str) -> None:
    assert stdout == "First 5 results: [1, 4, 9, 16, 25]\n"


def _check_task_parallel(stdout: str) -> None:
    lines = stdout.splitlines()
    assert [line.split("  ", 1)[1] for line in lines] == [
        "Processed raw_data",
        "Report: analytics",
        "Data from database",
    ]
    # Each line starts with the time its result arrived: about 1, 1.5 and 2 s
    # (printed rounded to 0.1 s), sooner than the 4.5 s of one after another.
    arrived = [float(line.split()[0]) for line in lines]
    assert arrived == sorted(arrived)
    assert arrived[0] >= 0.9
    assert 1.9 <= arrived[-1] < 4.5


def _check_mandelbrot(stdout: str) -> None:
    from parallel_guide.pages.mandelbrot import as_text, escape_counts

    width, height, max_iterations = 72, 26, 60
    image = [escape_counts(row, width, height, max_iterations) for row in range(height)]
    inside = sum(count == max_iterations for counts in image for count in counts)
    assert stdout == (
        f"{as_text(image, max_iterations)}\n"
        f"{inside} of {width * height} points are in the set\n"
    )


def _check_asyncio_requests(stdout: str) -> None:
    lines = stdout.splitlines()
    assert lines[0] == "20 requests, each answered after 0.1 s"
    serial = float(lines[1].split(":")[1].split()[0])
    bounded = float(lines[2].split(":")[1].split()[0])
    # One at a time: at least 20 delays.  Five at a time: at least 4 rounds of
    # one delay, and (generously) faster than one at a time.
    assert serial >= 20 * 0.1
    assert 4 * 0.1 <= bounded < serial
    assert lines[2].startswith("5 at a time:")
    assert lines[2].endswith("(the server saw at most 5 at once)")
    assert lines[3:] == ["bodies in order: True"]


def _check_queue_pipeline(stdout: str) -> None:
    assert stdout == (
        "squared 20 numbers in 2 worker processes\n"
        f"sum of the squares: {sum(n * n for n in range(20))}\n"
        "consumers' exit codes: [0, 0]\n"
    )


def _check_locked_counter(stdout: str) -> None:
    unlocked, locked = stdout.splitlines()
    # Lost updates without the lock are likely, never certain: only "not more".
    count, expected = unlocked.removeprefix("without the lock: ").split(" of ")
    assert expected == "200,000"
    assert 0 < int(count.replace(",", "")) <= 200_000
    assert locked == "with the lock:    200,000 of 200,000"


def _check_ctrl_c_default(stdout: str) -> None:
    # Not interrupted, each program of the Ctrl-C page runs every task.
    lines = stdout.splitlines()
    assert lines[0] == "working"
    assert lines[1] in {
        "12 of 12 results in",
        "12 of 12 tasks ran",
        "tasks: {'done': 12}",
    }
    assert lines[2:] == ["sum of squares: 506"]


def _check_ctrl_c_clean(stdout: str) -> None:
    assert stdout == "working\nsum of squares: 506\n"


def _check_queue_logging(stdout: str) -> None:
    # The workers' records, in any order, each once, each from a worker.
    lines = stdout.splitlines()
    assert lines[0] == "INFO    starting 2 workers  [MainProcess]"
    assert lines[-1] == "INFO    results: [0, 1, 4, 9]  [MainProcess]"
    records = sorted(line.rsplit("  [", 1)[0] for line in lines[1:-1])
    assert records == [
        "INFO    squaring 0",
        "INFO    squaring 1",
        "INFO    squaring 2",
        "INFO    squaring 3",
        "WARNING 1 is odd",
        "WARNING 3 is odd",
    ]
    assert all("MainProcess" not in line for line in lines[1:-1])


EXPECTED_OUTPUT = {
    "pages/asyncio_requests.py": _check_asyncio_requests,
    "pages/data_parallel.py": _check_data_parallel,
    "pages/mandelbrot.py": _check_mandelbrot,
    "pages/task_parallel.py": _check_task_parallel,
    "pages/queue_pipeline.py": _check_queue_pipeline,
    "pages/locked_counter.py": _check_locked_counter,
    "pages/ctrl_c_pool_default.py": _check_ctrl_c_default,
    "pages/ctrl_c_executor_default.py": _check_ctrl_c_default,
    "pages/ctrl_c_threads_default.py": _check_ctrl_c_default,
    "pages/ctrl_c_asyncio_default.py": _check_ctrl_c_default,
    "pages/ctrl_c_pool.py": _check_ctrl_c_clean,
    "pages/ctrl_c_executor.py": _check_ctrl_c_clean,
    "pages/ctrl_c_threads.py": _check_ctrl_c_clean,
    "pages/ctrl_c_asyncio.py": _check_ctrl_c_clean,
    "pages/queue_logging.py": _check_queue_logging,
}


def _programs() -> list[str]:
    return sorted(
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if re.search(r'^if __name__ == "__main__":', path.read_text(), re.MULTILINE)
    )


def test_every_program_has_its_output_checked():
    assert _programs() == sorted(EXPECTED_OUTPUT)


@pytest.mark.parametrize("name", sorted(EXPECTED_OUTPUT))
def test_program_runs_as_a_copied_script(name, start_method, run_script):
    completed = run_script(name, start_method)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    EXPECTED_OUTPUT[name](completed.stdout)


@pytest.mark.parametrize("name", sorted(EXPECTED_OUTPUT))
def test_program_needs_only_the_standard_library(name):
    tree = ast.parse((SRC / name).read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
    }
    assert imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names


FENCE = re.compile(
    r"^(`{3,}|:{3,})\s*(\S*)[^\n]*\n(.*?)^\1\s*$", re.MULTILINE | re.DOTALL
)


@pytest.mark.parametrize(
    "page", sorted(DOCS.rglob("*.md")), ids=lambda p: str(p.relative_to(DOCS))
)
def test_pages_include_programs_instead_of_retyping_them(page):
    for match in FENCE.finditer(page.read_text()):
        kind, body = match.group(2), match.group(3)
        if "literalinclude" in kind:
            continue
        assert "__main__" not in body, (
            f"{page.name} types out a complete program; put it in src/parallel_guide "
            "and show it with literalinclude"
        )
