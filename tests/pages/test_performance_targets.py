"""The project's targets page: out of the reader's path, and in step with TARGETS."""

import re
from pathlib import Path

from parallel_guide.site.bench import TARGETS

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = DOCS / "project" / "performance_targets.md"
BENCHMARKS = DOCS / "reference" / "benchmarks.md"


def toctree(caption: str) -> list[str]:
    """The entries of the index's toctree with this caption."""
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    options = r"(?::\w+:[^\n]*\n)*"  # :caption:'s neighbours, such as :hidden:
    pattern = r"```\{toctree\}\n:caption: " + re.escape(caption) + r"\n"
    match = re.search(pattern + options + r"\n(.*?)```", index, re.DOTALL)
    assert match, f"no toctree captioned {caption!r}"
    return match[1].split()


def test_every_target_is_glued_from_the_code_not_typed():
    text = PAGE.read_text(encoding="utf-8")
    for key in TARGETS:
        assert f'TARGETS["{key}"]' in text, f"the page does not show target {key}"


def test_the_page_is_in_the_project_section_not_the_readers_path():
    assert "project/performance_targets" in toctree("Project")
    for caption in ("Tutorial", "Reference"):
        assert "project/performance_targets" not in toctree(caption)


def test_the_benchmarks_page_keeps_no_verdicts():
    text = BENCHMARKS.read_text(encoding="utf-8")
    for bookkeeping in ("targets_met", "bench_targets", "TARGETS"):
        assert bookkeeping not in text


def test_the_tutorial_measures_before_it_uses_measurements():
    order = toctree("Tutorial")
    assert order[0] == "tutorial/introduction"
    assert order.index("tutorial/performance") < order.index("tutorial/data_parallel")
    assert order.index("tutorial/mandelbrot") < order.index("tutorial/conclusion")
    assert order[-1] == "tutorial/conclusion"
