"""The recipes work as a reader uses them: copied out of the project, beside a script.

Each recipe is one file a reader copies into their own project.  These tests do
the same: they copy both files into an empty folder with a small program that
imports them, and run it in a fresh interpreter (the project not importable)
under every start method, set by the program as a reader's would be.
"""

import ast
import sys
import textwrap

import pytest

import parallel_guide.recipes.parallel_map
import parallel_guide.recipes.run_tasks
from parallel_guide.tools.run_python import run_python

RECIPES = [parallel_guide.recipes.parallel_map, parallel_guide.recipes.run_tasks]
LINE_LIMIT = 150  # issue #14: one file a reader can read, docstrings included

PROGRAM = textwrap.dedent(
    """
    import ctypes
    import multiprocessing
    import os

    from concurrent.futures.process import BrokenProcessPool

    from parallel_map import parallel_map
    from run_tasks import run_tasks

    STATE = "as imported"


    def square(x):
        return x * x


    def crash_on_first(x):
        if x == 0:
            ctypes.string_at(0)  # a crash in C code
        return x


    def worker_pid(_):
        return os.getpid()


    def state(_):
        return STATE


    def load():
        return [3, 1, 2]


    if __name__ == "__main__":
        STATE = "changed by the program"
        print(parallel_map(square, range(6)))
        try:
            parallel_map(crash_on_first, range(4), workers=2)
        except BrokenProcessPool:
            print("a crash in item 0 raised BrokenProcessPool here")
        pids = set(parallel_map(worker_pid, range(20), workers=1))
        print("workers=1:", len(pids), "process, not me:", os.getpid() not in pids)
        print("workers see", parallel_map(state, [0]))
        print(run_tasks({"load": load, "sort": sorted}, depends_on={"sort": ["load"]}))
        print("children left:", multiprocessing.active_children())
    """
)


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda module: module.__name__)
def test_a_recipe_is_one_short_file_of_the_standard_library(recipe):
    with open(recipe.__file__) as file:
        source = file.read()
    assert len(source.splitlines()) <= LINE_LIMIT
    imported, private = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            private.add(node.attr)
    assert imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names
    # Dunders are public, and os._exit is the documented way to end a process
    # at once.
    assert {name for name in private if not name.endswith("__")} <= {"_exit"}


def test_the_copied_recipes_keep_their_promises(tmp_path, start_method):
    for recipe in RECIPES:
        name = recipe.__name__.rsplit(".", 1)[1]
        with open(recipe.__file__) as file:
            (tmp_path / f"{name}.py").write_text(file.read())
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    run = run_python(
        f"import runpy; runpy.run_path({str(program)!r}, run_name='__main__')",
        start_method=start_method,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        isolated=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert not run.timed_out
    assert run.left_behind == ()
    copied = "changed by the program" if start_method == "fork" else "as imported"
    assert run.stdout.splitlines() == [
        "[0, 1, 4, 9, 16, 25]",
        "a crash in item 0 raised BrokenProcessPool here",
        "workers=1: 1 process, not me: True",
        f"workers see [{copied!r}]",
        "{'load': [3, 1, 2], 'sort': [1, 2, 3]}",
        "children left: []",
    ]
