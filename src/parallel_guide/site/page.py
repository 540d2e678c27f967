"""Set up a page's kernel the same way on every page.

Each executed page starts with a hidden cell calling :func:`prepare`.  It runs
worker processes with ``spawn`` (the default on macOS and Windows, and the
strictest: workers import everything afresh), so the build proves the
examples work where most readers run them.

Expensive measurements are sized with :func:`sized`: the published build runs
them at full size, and a quick build (``PARALLEL_GUIDE_QUICK=1``, which
``nox -s docs -- --quick`` sets) runs them smaller, for contributors and CI.

Each executed page ends with a hidden cell calling :func:`provenance`, which
glues what the build needs to say how the page was made: the packages it
imported and their versions, when it ran, and any measurement that stayed
disturbed (the ``provenance`` extension in ``docs/_ext`` shows them).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from parallel_guide.tools.disturbance import disturbed_measurements
from parallel_guide.tools.machine import Machine, describe_machine
from parallel_guide.tools.timing import measurements_taken

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
    global _modules_before_page
    _modules_before_page = frozenset(sys.modules)
    return machine


_modules_before_page: frozenset[str] = frozenset()
"""The modules the kernel had imported before the page's first cell ran."""

RECORD_KEY = "page_record"
"""The glue key of the JSON record :func:`provenance` leaves for the build."""


def packages_used(before: frozenset[str] = frozenset()) -> dict[str, str]:
    """The installed distributions whose modules were imported, with versions.

    Modules in ``before`` (the kernel's own, imported before the page ran)
    are left out, and so is the standard library.

    >>> import sys
    >>> packages_used(before=frozenset(sys.modules))  # nothing imported since
    {}
    """
    owners = metadata.packages_distributions()
    found = {}
    for name in {module.partition(".")[0] for module in set(sys.modules) - before}:
        if name in sys.stdlib_module_names:
            continue
        for distribution in owners.get(name, ()):
            try:
                found[distribution] = metadata.version(distribution)
            except metadata.PackageNotFoundError:  # a namespace without metadata
                continue
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


def provenance() -> dict[str, Any]:
    """Glue how this page was made; call it in the page's last (hidden) cell.

    Glues ``provenance``, one line for readers (Python, the packages the page
    imported, the date, quick or full), and :data:`RECORD_KEY`, the same as
    JSON with the machine, the measurements that stayed disturbed and how
    many :func:`~parallel_guide.tools.timing.measure` took, for the page's
    "Measured on" box, the build report and the check that a page executed
    beside others measured nothing (``docs/_ext/execution_lock.py``).
    Returns the record.
    """
    from IPython.display import Markdown
    from myst_nb import glue

    record = {
        "machine": describe_machine().summary(),
        "python": platform.python_version(),
        "packages": packages_used(_modules_before_page | {"parallel_guide"}),
        "executed": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick(),
        "disturbed": list(disturbed_measurements()),
        "measurements": measurements_taken(),
    }
    versions = "".join(
        f", {name} {version}" for name, version in record["packages"].items()
    )
    size = "a quick build, measurements sized down" if quick() else "full size"
    day = record["executed"][:10]
    line = f"Python {record['python']}{versions}; run on {day} ({size})"
    glue("provenance", Markdown(line), display=False)
    glue(RECORD_KEY, json.dumps(record), display=False)
    _log_modules()
    return record


def _log_modules() -> None:
    """Add the kernel's modules to the build's import log, if it keeps one.

    ``parallel_guide/site/import_log/sitecustomize.py`` logs imports as they
    happen; this adds what the kernel holds at the end, in the same form, in
    case a module was imported before that log started.
    """
    path = os.environ.get("PARALLEL_GUIDE_IMPORT_LOG")
    if not path:
        return
    project = set(os.environ.get("PARALLEL_GUIDE_IMPORT_PROJECT", "").split(","))
    names = set()
    for name in list(sys.modules):
        top = name.partition(".")[0]
        if top not in sys.stdlib_module_names:
            names.add(name if top in project else top)
    with open(path, "a", encoding="utf-8") as log:
        log.write("".join(f"{name}\n" for name in sorted(names)))


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
