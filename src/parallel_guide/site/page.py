"""Set up a page's kernel the same way on every page.

Each executed page starts with a hidden cell calling :func:`prepare`.  It runs
worker processes with ``spawn`` (the default on macOS and Windows, and the
strictest: workers import everything afresh), so the build proves the
examples work where most readers run them.

Expensive measurements are sized with :func:`sized`: the published build runs
them at full size, and a quick build (``PARALLEL_GUIDE_QUICK=1``, which
``nox -s docs -- --quick`` sets) runs them smaller, for contributors and CI.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from parallel_guide.tools.machine import Machine, describe_machine

QUICK_ENV = "PARALLEL_GUIDE_QUICK"


def quick() -> bool:
    """Whether this is a quick build, with measurements sized down.

    >>> isinstance(quick(), bool)
    True
    """
    return os.environ.get(QUICK_ENV, "") not in ("", "0")


def sized(full: Any, quick_size: Any) -> Any:
    """``full`` in the published build, ``quick_size`` in a quick build.

    >>> sized(1_000_000, 10_000) in (1_000_000, 10_000)
    True
    """
    return quick_size if quick() else full


def prepare(start_method: str = "spawn") -> Machine:
    """Fix the start method, draw figures as SVG, glue ``machine`` for the prose."""
    from IPython.display import Markdown
    from myst_nb import glue

    multiprocessing.set_start_method(start_method, force=True)
    _draw_figures_as_svg()
    machine = describe_machine()
    note = " (a quick build: measurements were sized down)" if quick() else ""
    glue("machine", Markdown(machine.summary() + note), display=False)
    return machine


def _draw_figures_as_svg() -> None:
    """Show matplotlib figures as SVG, without importing matplotlib.

    Importing it takes over a second, and half the pages draw nothing, so both
    settings name the figure type instead of importing it: one for figures
    made with pyplot (read when a page first imports it), one for bare
    :class:`~matplotlib.figure.Figure` objects, which pyplot never sees.
    """
    from functools import partial

    from IPython import get_ipython
    from IPython.core.pylabtools import print_figure

    shell = get_ipython()
    shell.config.InlineBackend.figure_formats = {"svg"}
    svg = shell.display_formatter.formatters["image/svg+xml"]
    draw = partial(print_figure, fmt="svg")
    svg.for_type_by_name("matplotlib.figure", "Figure", draw)
