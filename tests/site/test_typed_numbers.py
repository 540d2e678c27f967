"""No measured-looking number is typed into a page's prose.

The site promises that every number it reports was measured by the build and
glued from the cell that measured it.  This check reads each page's Markdown,
leaves out everything that is not prose written by hand (code, cell sources,
inline code, roles such as ``{glue:text}`` and ``{func}``, maths, link
targets) and fails on what is left that looks like a measurement:

- a time: a number with a unit (``3 s``, ``40 ms``, ``2.5 seconds``);
- a percentage (``12 %``, ``12 per cent``);
- a speed-up or ratio (``1.8x`` with a multiplication sign or an x,
  ``3 times as fast``);
- a machine fact (``2-core``, ``4 CPUs``).

Numbers in digits are caught, and times in words ("two seconds").  A number
that is not a measurement (a parameter, a definition, a quotation) is wrapped
in the ``{given}`` role (``docs/_ext/given.py``), which renders it unchanged:
each exception is then visible and reviewed in the page's source.
"""

from __future__ import annotations

import re

import pytest
from doc_pages import DOCS, PAGES, page_id

# Directives whose content is prose a reader reads; every other fenced block
# (code-cell, code, literalinclude, doctest, math, automodule...) is code or
# generated, and left out.
PROSE_DIRECTIVES = {
    "admonition", "attention", "caution", "danger", "error", "hint",
    "important", "note", "seealso", "tip", "warning", "topic", "sidebar",
    "margin", "epigraph", "dropdown", "card", "grid", "grid-item",
    "grid-item-card", "tab-set", "tab-item", "list-table", "table", "figure",
    "glossary", "rubric", "versionadded", "versionchanged", "deprecated",
}  # fmt: skip

# A fence of three or more backticks, tildes or colons, up to its closing fence
# of the same length.  Group 2 is the directive's name, if any.
FENCE = re.compile(
    r"^(?P<fence>`{3,}|~{3,}|:{3,})[ \t]*(?:\{(?P<name>[\w:-]+)\})?[^\n]*\n"
    r"(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
NOT_PROSE = [
    re.compile(r"\{[\w:.-]+\}(`+).*?\1", re.DOTALL),  # roles: {glue:text}`x`
    re.compile(r"(`+).*?\1", re.DOTALL),  # inline code
    re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL),  # maths
    re.compile(r"\]\([^)]*\)|<https?://[^>]*>"),  # link targets
    re.compile(r"<!--.*?-->", re.DOTALL),  # comments
    re.compile(r"^\([\w:.-]+\)=$", re.MULTILINE),  # targets: (label)=
    re.compile(r"^[ \t]*:[\w-]+:.*$", re.MULTILINE),  # directive options
]
DIGITS = r"(?<![\w.])\d[\d,_]*(?:\.\d+)?[ \t\u00a0\u202f-]?"
WORDS = r"(?<![\w.])(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty"
WORDS += r"|a hundred|half an?)[ -]"
TIME = r"(?:ns|µs|μs|us|ms|s|secs?|seconds?|milliseconds?|microseconds?"
TIME += r"|nanoseconds?|minutes?|mins?|hours?|h)\b"
MEASURED = re.compile(
    DIGITS
    + r"(?:"
    + TIME
    + r"|%|per ?cent\b"  # a percentage
    + r"|\u00d7|(?-i:x)\b"  # a ratio: 1.8x
    + r"|times (?:as|faster|slower|more|less|longer|shorter)\b"
    + r"|cores?\b|CPUs?\b(?!-)"  # a machine fact
    + r")"
    + rf"|{WORDS}{TIME}",  # a time in words: "two seconds"
    re.IGNORECASE,
)


def _blank(match: re.Match) -> str:
    """The matched text as spaces, keeping its line breaks (and line numbers)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def prose(markdown: str) -> str:
    """``markdown`` with everything but hand-written prose blanked out.

    Front matter is prose only in its ``description``, which search engines
    show.  Lines keep their numbers, so a finding can name its line.
    """
    front = re.match(r"---\n.*?\n---\n", markdown, re.DOTALL)
    if front:
        kept = re.sub(r"^(?!\s*description:).*$", _blank, front.group(0), flags=re.M)
        markdown = kept + markdown[front.end() :]

    def fenced(match: re.Match) -> str:
        if (match.group("name") or "") not in PROSE_DIRECTIVES and (
            match.group("fence")[0] != ":" or match.group("name") is None
        ):
            return _blank(match)
        body = prose(match.group("body"))  # nested fences, options, roles
        opening = match.group(0)[: match.start("body") - match.start()]
        closing = match.group(0)[match.end("body") - match.start() :]
        return _blank(re.match(r".*", opening, re.DOTALL)) + body + " " * len(closing)

    markdown = FENCE.sub(fenced, markdown)
    for pattern in NOT_PROSE:
        markdown = pattern.sub(_blank, markdown)
    return markdown


def typed_numbers(markdown: str) -> list[tuple[int, str, str]]:
    """(line number, number, the line) for each measured-looking typed number."""
    lines = markdown.splitlines()
    found = []
    for number, line in enumerate(prose(markdown).splitlines(), start=1):
        for match in MEASURED.finditer(line):
            found.append((number, match.group(0).strip(), lines[number - 1].strip()))
    return found


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_no_measured_number_is_typed_into_the_prose(page):
    found = typed_numbers(page.read_text(encoding="utf-8"))
    report = "\n".join(
        f"  line {n}: {num!r} in: {line[:100]}" for n, num, line in found
    )
    if found:
        pytest.fail(
            f"{page.relative_to(DOCS)} types numbers that look measured:\n{report}\n"
            "Glue a measured number from the cell that measures it "
            "({glue:text}`name`), reword the sentence without it, or, for a "
            "parameter or a quotation, wrap it in {given}`...`.",
            pytrace=False,
        )


@pytest.mark.parametrize(
    "text",
    [
        "Each call took 3.2 s on this machine.",
        "It used 85 % of the CPUs.",
        "The pool was 1.8\u00d7 as fast.",
        "The pool was 3 times as fast.",
        "On this guide's 2-core machine.",
        "The three waits took two seconds.",
        "description: the loop takes 40 ms here",
        ":::{note}\nA run took 12 ms.\n:::",
        "```{admonition} Run on\n:class: note\nIt took 2 seconds.\n```",
    ],
)
def test_the_check_finds_a_typed_measurement(text):
    front = "---\nmyst:\n  html_meta:\n    " if text.startswith("description") else ""
    markdown = front + text + ("\n---\n" if front else "\n")
    assert typed_numbers(markdown), text


@pytest.mark.parametrize(
    "text",
    [
        "Each call took {glue:text}`call_s` s.",
        "A {given}`5 s` timeout stops the cell.",
        "Call `time.sleep(1)` or ``sleep(0.5)`` seconds.",
        "```{code-cell} ipython3\ntime.sleep(2)  # 2 s\n```",
        "````{admonition} x\n```python\nwait(3)  # 3 s\n```\n````",
        "Python 3.14 changed the default, see [gh-1](https://x.org/3%20s).",
        "Python 3.13 and 2 workers, 10 items, one worker, a Ryzen 7600X.",
        "The formula $t = 2 s$ holds.",
        "---\nmyst:\n  html_meta:\n    other: 5 s\n---\n",
    ],
)
def test_the_check_leaves_code_glue_and_given_numbers_alone(text):
    assert typed_numbers(text + "\n") == []
