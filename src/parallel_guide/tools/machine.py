"""Describe the machine a measurement ran on.

A timing means little without the machine behind it: how many CPUs this
process could use, which Python ran it, and how worker processes were started.
Every measured page prints :func:`describe_machine` next to its numbers.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import sysconfig
from dataclasses import dataclass

from parallel_guide.recipes.parallel_map import usable_cpus

__all__ = ["Machine", "describe_machine", "usable_cpus"]


@dataclass(frozen=True)
class Machine:
    """The facts about a machine that decide how parallel code behaves."""

    usable_cpus: int
    """CPUs this process may run on (affinity-aware)."""
    logical_cpus: int
    """CPUs the operating system reports (:func:`os.cpu_count`)."""
    python: str
    """Implementation and version, e.g. ``CPython 3.13.0``."""
    free_threaded: bool
    """Whether this is a free-threaded ("no GIL") build."""
    system: str
    """Operating system and architecture, e.g. ``Linux x86_64``."""
    start_method: str
    """How :mod:`multiprocessing` starts worker processes here."""

    def summary(self) -> str:
        """One line that can stand next to a measurement.

        >>> m = Machine(2, 4, "CPython 3.13.0", False, "Linux x86_64", "spawn")
        >>> print(m.summary())
        2 usable CPUs (of 4 logical), CPython 3.13.0 on Linux x86_64,
        processes started with spawn
        """
        build = " (free-threaded)" if self.free_threaded else ""
        return (
            f"{self.usable_cpus} usable CPU{'s' * (self.usable_cpus != 1)} "
            f"(of {self.logical_cpus} logical), {self.python}{build} on "
            f"{self.system}, processes started with {self.start_method}"
        )


def describe_machine() -> Machine:
    """Describe the machine and interpreter this code is running on.

    >>> m = describe_machine()
    >>> 1 <= m.usable_cpus <= m.logical_cpus
    True
    """
    return Machine(
        usable_cpus=usable_cpus(),
        logical_cpus=os.cpu_count() or 1,
        python=f"{platform.python_implementation()} {platform.python_version()}",
        free_threaded=bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        system=f"{platform.system()} {platform.machine()}",
        # get_start_method() would fix the default as a side effect, and the
        # first of get_all_start_methods() is the platform default.
        start_method=multiprocessing.get_start_method(allow_none=True)
        or multiprocessing.get_all_start_methods()[0],
    )
