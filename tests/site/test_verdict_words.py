"""No page types a verdict next to a glued number: the verdict is glued too.

A sentence such as "the pool was {glue:text}`speedup:.2f` times as fast as the
loop" reads as a verdict whatever the number turns out to be: on a busy
builder it prints "0.46 times as fast", and a difference smaller than the
runs' noise still reads as "faster".  Verdicts on the pages come from
:func:`parallel_guide.compare`, worded by ``Comparison.words`` (or a page's
own helper built on it) and glued whole: "was 2.10 times as fast as the loop
(95 % interval ...)", "took 1.30 times as long as ...", "showed no measurable
difference from ...".

This check reads each page's prose (code and cells left out, as
``test_typed_numbers`` does) and fails where a glued *number* is followed by
typed comparison words ("times as fast", "times faster", "times as long",
"slower than", ...).  A ratio that is not a verdict on two measurements (a
model's prediction, a single first run) is listed in ``NOT_A_VERDICT`` with
the reason.
"""

from __future__ import annotations

import re

import pytest
from doc_pages import DOCS, PAGES, page_id
from test_typed_numbers import prose

# A glued value formatted as a number: {glue:text}`name:.2f`.
GLUED_NUMBER = re.compile(r"\{glue:text\}`(?P<key>\w+):[^`]*[dfFgGeE%]`")
PLACEHOLDER = "GLUED_NUMBER_{index}_"
COMPARISON = re.compile(
    r"^\s*(?:x\s+|\u00d7\s*|%\s*)?(?:"
    r"times\s+(?:as\s+(?:fast|slow|long|quick)|faster|slower|longer|quicker)"
    r"|(?:faster|slower|quicker)\b"
    r")",
    re.IGNORECASE,
)

NOT_A_VERDICT = {
    ("explanation/speedup_limits.md", "ceiling"): (
        "Amdahl's law's prediction from the fitted fraction, not a measurement"
    ),
    ("how-to/measure_parallel_code.md", "first_run_ratio"): (
        "the one first run of a new pool against the later ones: a first run "
        "cannot be repeated, so there is no distribution to compare"
    ),
    ("project/performance_targets.md", "cheap_bound"): (
        "a target the benchmarks are held to, not a measurement"
    ),
    ("tutorial/performance.md", "shot_spread"): (
        "the spread of seven single runs, the slowest against the fastest: "
        "slower by definition, and the point of the passage"
    ),
    ("reference/benchmarks.md", "map_vs_loop"): (
        "the benchmarks page is worded from the bench's own results"
    ),
    ("reference/benchmarks.md", "overhead_ratio"): (
        "the benchmarks page is worded from the bench's own results"
    ),
    ("reference/benchmarks.md", "overhead_own"): (
        "the benchmarks page is worded from the bench's own results"
    ),
}


def typed_verdicts(markdown: str) -> list[tuple[int, str, str]]:
    """(line number, glued key, the text) for each typed verdict on a glued number."""
    keys: list[str] = []

    def mark(match: re.Match) -> str:
        keys.append(match["key"])
        token = PLACEHOLDER.format(index=len(keys) - 1)
        return token.ljust(len(match.group(0)))  # keep columns and line numbers

    text = prose(GLUED_NUMBER.sub(mark, markdown))
    found = []
    for match in re.finditer(r"GLUED_NUMBER_(\d+)_", text):
        after = text[match.end() :]
        if COMPARISON.match(after):
            line = text.count("\n", 0, match.start()) + 1
            source = markdown.splitlines()[line - 1].strip()
            found.append((line, keys[int(match[1])], source))
    return found


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_no_verdict_is_typed_next_to_a_glued_number(page):
    name = page.relative_to(DOCS).as_posix()
    found = [
        (line, key, source)
        for line, key, source in typed_verdicts(page.read_text(encoding="utf-8"))
        if (name, key) not in NOT_A_VERDICT
    ]
    if found:
        report = "\n".join(f"  line {n}: {key}: {src[:100]}" for n, key, src in found)
        pytest.fail(
            f"{name} types a verdict next to a glued number:\n{report}\n"
            "Glue the whole comparison instead, worded from compare(): "
            "compare(baseline, candidate).words('the loop'), or "
            ".speedup_text() for a speed-up with its interval.",
            pytrace=False,
        )


@pytest.mark.parametrize(("name", "key"), sorted(NOT_A_VERDICT))
def test_every_exception_is_still_on_its_page(name, key):
    markdown = (DOCS / name).read_text(encoding="utf-8")
    assert key in {found_key for _, found_key, _ in typed_verdicts(markdown)}, (
        f"{name} no longer types a comparison after {key}: remove it from NOT_A_VERDICT"
    )


@pytest.mark.parametrize(
    "text",
    [
        "The pool ran {glue:text}`speedup:.2f` times as fast as the loop.",
        "It was {glue:text}`speedup:.1f`\ntimes faster, with one thread.",
        "The map took {glue:text}`ratio:.0f` times as long.",
        "At {glue:text}`gain:.1f`x faster, it won.",
        "By {glue:text}`pct:.0f` % slower than the loop.",
    ],
)
def test_a_typed_verdict_after_a_glued_number_is_caught(text):
    assert typed_verdicts(text)


@pytest.mark.parametrize(
    "text",
    [
        "The pool {glue:text}`pool_vs_loop`, and NumPy {glue:text}`numpy_vs_loop`.",
        "The dearest row cost {glue:text}`ratio:.0f` times as much as the cheapest.",
        "It took {glue:text}`seconds:.2f` s.",
        "```{code-cell} ipython3\nprint(f'{glue:text}`x:.2f` times faster')\n```",
        "The speed-up was {glue:text}`speedup` (a glued text, worded by compare()).",
    ],
)
def test_glued_words_and_other_ratios_pass(text):
    assert not typed_verdicts(text)
