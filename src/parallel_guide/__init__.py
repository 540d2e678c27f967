"""Reference implementations behind *Parallel Python, measured*.

Every function here is executed by the guide's pages while the site is built,
so the numbers on the pages come from this code.  The package needs the
standard library only; :mod:`parallel_guide.plots` and
:mod:`parallel_guide.page` also need the docs dependencies.
"""

from parallel_guide.machine import Machine, describe_machine, usable_cpus
from parallel_guide.parallel_map import parallel_map
from parallel_guide.run_tasks import run_tasks
from parallel_guide.timing import Timing, format_seconds, measure

__all__ = [
    "Machine",
    "Timing",
    "describe_machine",
    "format_seconds",
    "measure",
    "parallel_map",
    "run_tasks",
    "usable_cpus",
]
__version__ = "0.1.0"
