"""Benchmarks: the guide's examples against their physical limits.

``python -m parallel_guide bench`` runs
:func:`~parallel_guide.site.bench.measure.run_bench` and prints
:func:`~parallel_guide.site.bench.report.format_table`.  Every row is a median over
repeated runs, shown as a ratio to the row's *limit*: the best any approach
could do on this machine.  A ratio of 1.00 is at the limit; 2.00 takes twice
as long (or twice the memory) as the limit allows.

One module per job; each imports only modules listed before it, and
:mod:`~parallel_guide.site.bench.report` and :mod:`~parallel_guide.site.bench.plot`
need only the results, never the measuring code:

* :mod:`~parallel_guide.site.bench.sets`: how big a run is (quick, full, tiny);
* :mod:`~parallel_guide.site.bench.results`: what a run finds (rows, targets, the
  report);
* :mod:`~parallel_guide.site.bench.progress`: the progress bar during a run;
* :mod:`~parallel_guide.site.bench.measure`: the sections that measure, their
  limits and the project's targets;
* :mod:`~parallel_guide.site.bench.report`: the results as a text table, Markdown
  tables or JSON;
* :mod:`~parallel_guide.site.bench.plot`: the results as a figure;
* ``parallel_guide.site.bench.saved``: a saved JSON file read back, every
  field checked;
* ``parallel_guide.site.bench.versus``: two runs side by side, each row
  compared with :func:`~parallel_guide.tools.compare.compare` (``bench --compare``).

The package re-exports the names the command line and the benchmarks page
use, so ``from parallel_guide.site.bench import run_bench, format_table`` works.
"""

from parallel_guide.site.bench.measure import (
    GRAPH_DEPENDS_ON,
    GRAPH_SECONDS,
    TARGETS,
    run_bench,
)
from parallel_guide.site.bench.plot import ratio_plot
from parallel_guide.site.bench.report import format_table, markdown_tables, to_json
from parallel_guide.site.bench.results import BenchReport, Row, Target
from parallel_guide.site.bench.saved import BadResultFile, from_json, load
from parallel_guide.site.bench.sets import FULL, QUICK, SETS, TINY, BenchSet
from parallel_guide.site.bench.versus import compare_reports, format_comparison

__all__ = [
    "FULL",
    "GRAPH_DEPENDS_ON",
    "GRAPH_SECONDS",
    "QUICK",
    "SETS",
    "TARGETS",
    "TINY",
    "BadResultFile",
    "BenchReport",
    "BenchSet",
    "Row",
    "Target",
    "compare_reports",
    "format_comparison",
    "format_table",
    "from_json",
    "load",
    "markdown_tables",
    "ratio_plot",
    "run_bench",
    "to_json",
]
