"""Fragments: every Python block that is not a program was executed.

A fragment counts as executed if the page ran it, ``nox -s doctests`` runs
it, or an executed cell of the page uses what it shows.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from site_checks.code_blocks import blocks


def executed_cells(root: Path, page: str) -> list[str] | None:
    """Sources of the page's notebook cells that ran, or None if it did not run.

    myst-nb writes each executed page's notebook, outputs and execution counts
    included, to jupyter_execute/ beside the HTML output folder.
    """
    notebook = root.parent / "jupyter_execute" / Path(page).with_suffix(".ipynb")
    if not notebook.is_file():
        return None
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for cell in cells
        if cell["cell_type"] == "code" and cell.get("execution_count") is not None
    ]


def defined_names(code: str) -> list[str] | None:
    """Names a block only defines (functions, classes), or None if it does more."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            continue
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        else:
            return None
    return names or None


def fragment_problems(root: Path, page: str) -> list[str]:
    """Python fragments (blocks that are not programs) the page did not run.

    A fragment passes if it is

    - the input of a cell the page executed;
    - run by ``nox -s doctests`` (class ``doctested``);
    - a literalinclude of functions or classes (``:pyobject:``) that an
      executed cell of the page uses by name;
    - a literalinclude of a whole file that an executed cell names (imports it
      or runs it).
    """
    fragments = [b for b in blocks(root, page) if b.is_python and not b.is_program]
    if not fragments:
        return []
    ran = executed_cells(root, page) or []
    ran_sources = {source.strip() for source in ran}
    used = {word for source in ran for word in re.findall(r"[\w.]+|\w+", source)}
    used |= {part for word in list(used) for part in word.split(".")}
    problems = []
    for block in fragments:
        if block.is_doctested:
            continue
        if block.in_cell:
            if block.copied.strip() not in ran_sources:
                problems.append(
                    f"{block.name}: a code cell the page's execution did not run: "
                    f"{block.first_line!r}"
                )
            continue
        names = defined_names(block.copied)
        included = block.included_from
        if names is not None:
            if unused := [name for name in names if name not in used]:
                problems.append(
                    f"{block.name}: shows {', '.join(unused)} but no executed cell "
                    "on the page uses it"
                )
        elif included is None:
            problems.append(
                f"{block.name}: a Python fragment that nothing executes "
                f"({block.first_line!r}); make it a code-cell, a {{doctest}} block "
                "or a complete program"
            )
        elif not {included, Path(included).stem} & used:
            problems.append(
                f"{block.name}: shows {included}, which no executed cell on the "
                "page imports or runs"
            )
    return problems
