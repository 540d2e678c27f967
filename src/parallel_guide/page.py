"""Set up a page's kernel the same way on every page.

Each executed page starts with a hidden cell calling :func:`prepare`.  It runs
worker processes with ``spawn`` (the default on macOS and Windows, and the
strictest: workers import everything afresh), so the build proves the
examples work where most readers run them.
"""

from __future__ import annotations

import multiprocessing

from parallel_guide.machine import Machine, describe_machine


def prepare(start_method: str = "spawn") -> Machine:
    """Fix the start method, draw figures as SVG, glue ``machine`` for the prose."""
    from IPython.display import Markdown
    from matplotlib_inline.backend_inline import set_matplotlib_formats
    from myst_nb import glue

    multiprocessing.set_start_method(start_method, force=True)
    set_matplotlib_formats("svg")  # also makes bare Figure objects display
    machine = describe_machine()
    glue("machine", Markdown(machine.summary()), display=False)
    return machine
