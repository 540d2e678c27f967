"""Reference implementations behind *Parallel Python, measured*.

Every function here is executed by the guide's pages while the site is built,
so the numbers on the pages come from this code.  The package has four layers,
each importing only from the layers listed before it:

- :mod:`parallel_guide.recipes`: what readers adopt (standard library only);
- :mod:`parallel_guide.tools`: the measuring tools every page uses;
- :mod:`parallel_guide.pages`: one module per page of the site;
- :mod:`parallel_guide.site`: the site's own tooling (page set-up, benchmarks,
  build bench, command line), which also needs the docs dependencies.

The names below are the public API.
"""

from parallel_guide.recipes.parallel_map import parallel_map
from parallel_guide.recipes.run_tasks import run_tasks
from parallel_guide.tools.compare import Comparison, compare
from parallel_guide.tools.machine import Machine, describe_machine, usable_cpus
from parallel_guide.tools.timing import Timing, format_seconds, measure

__all__ = [
    "Comparison",
    "Machine",
    "Timing",
    "compare",
    "describe_machine",
    "format_seconds",
    "measure",
    "parallel_map",
    "run_tasks",
    "usable_cpus",
]
__version__ = "0.1.0"
