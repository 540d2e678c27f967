"""Code blocks, as the copy button copies them.

Reads each block with a copy button from the built HTML and computes what the
button puts on the clipboard (a port of sphinx-copybutton's own function,
configured from the built copybutton.js), so the static checks see exactly
what a reader pastes.
"""

from __future__ import annotations

import ast
import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from site_checks.built_site import parse

PYTHON_LANGUAGES = {
    "python",
    "python3",
    "py",
    "ipython",
    "ipython3",
    "pycon",
    "default",
}
MAIN_GUARD = re.compile(r"""^if\s+__name__\s*==\s*["']__main__["']\s*:""", re.M)
SCRIPT_CLASS = "script"  # :class: script marks a complete program without a guard
DOCTESTED_CLASS = "doctested"  # set by docs/_ext/block_origins.py, as is from-<file>
# What a reader never wants to paste: interpreter and shell prompts.
PROMPT = re.compile(r"^(>>> |\.\.\. |\$ |In \[\d*\]: |\s+\.\.\.: )")


@dataclass(frozen=True)
class CopyConfig:
    """sphinx-copybutton's settings, as written into the built copybutton.js."""

    selector: str
    exclude: str
    prompt: str
    is_regexp: bool
    only_prompt_lines: bool
    remove_prompts: bool
    copy_empty_lines: bool
    line_continuation: str
    here_doc: str


_JS_STRING = r"'(?:[^'\\]|\\.)*'"


@functools.cache
def copy_config(root: Path) -> CopyConfig:
    """Read the copy button's settings from the built site's copybutton.js."""
    script = (root / "_static" / "copybutton.js").read_text(encoding="utf-8")
    selector = re.search(rf"COPYBUTTON_SELECTOR = ({_JS_STRING})", script)
    exclude = re.search(rf"let exclude = ({_JS_STRING})", script)
    call = re.search(r"return formatCopyText\(text, (.*)\)\s*$", script, re.M)
    if not (selector and exclude and call):
        raise ValueError("copybutton.js has changed: update code_blocks.copy_config")
    tokens = re.findall(rf"{_JS_STRING}|true|false", call.group(1))
    values = [ast.literal_eval(t) if t[0] == "'" else t == "true" for t in tokens]
    return CopyConfig(
        ast.literal_eval(selector.group(1)), ast.literal_eval(exclude.group(1)), *values
    )


def format_copy_text(text: str, config: CopyConfig) -> str:
    """A line-by-line port of sphinx-copybutton's formatCopyText (0.5.2).

    The browser test checks it against the real button on every block.
    """
    prompt = config.prompt if config.is_regexp else re.escape(config.prompt)
    regexp = re.compile(f"^({prompt})(.*)")
    output_lines: list[str] = []
    line_got_prompt: list[bool] = []
    got_line_cont = got_here_doc = False
    for line in text.split("\n"):
        match = regexp.match(line)
        if match or got_line_cont or got_here_doc:
            prompt_found = match is not None
            line_got_prompt.append(prompt_found)
            if config.remove_prompts and prompt_found:
                output_lines.append(match.group(2))
            else:
                output_lines.append(line)
            got_line_cont = bool(config.line_continuation) and line.endswith(
                config.line_continuation
            )
            if config.here_doc and config.here_doc in line:
                got_here_doc = not got_here_doc
        elif not config.only_prompt_lines:  # noqa: SIM114 - as the JavaScript reads
            output_lines.append(line)
        elif config.copy_empty_lines and line.strip() == "":
            output_lines.append(line)
    if any(line_got_prompt):
        text = "\n".join(output_lines)
    return text.removesuffix("\n")


@dataclass(frozen=True)
class Block:
    """One code block with a copy button, and what the button copies."""

    page: str
    number: int  # the copy button's target is #codecell<number>
    language: str
    classes: tuple[str, ...]
    shown: str  # the block's text as displayed
    copied: str  # what the copy button puts on the clipboard
    in_cell: bool  # the input of an executed notebook cell

    @property
    def name(self) -> str:
        return f"{self.page}#codecell{self.number}"

    @property
    def first_line(self) -> str:
        return next((line for line in self.copied.splitlines() if line.strip()), "")

    @property
    def is_python(self) -> bool:
        return self.language in PYTHON_LANGUAGES

    @property
    def is_program(self) -> bool:
        """A complete program: a __main__ guard, or marked with :class: script."""
        return self.is_python and (
            SCRIPT_CLASS in self.classes or bool(MAIN_GUARD.search(self.copied))
        )

    @property
    def is_doctested(self) -> bool:
        return DOCTESTED_CLASS in self.classes

    @property
    def included_from(self) -> str | None:
        """The file a literalinclude showed, if it was one."""
        return next(
            (c.removeprefix("from-") for c in self.classes if c.startswith("from-")),
            None,
        )


def blocks(root: Path, page: str) -> list[Block]:
    """The page's code blocks that get a copy button, in the page's order."""
    config = copy_config(root)
    found = []
    for number, pre in enumerate(parse(root, page).select(config.selector)):
        clone = copy.copy(pre)  # filterText works on a clone, so do we
        if config.exclude:
            for node in clone.select(config.exclude):
                node.decompose()
        shown = clone.get_text()
        wrapper = next(
            (
                parent
                for parent in pre.parents
                if any(c.startswith("highlight-") for c in parent.get("class") or ())
            ),
            None,
        )
        classes = tuple(wrapper.get("class") or ()) if wrapper else ()
        language = next(
            (
                c.removeprefix("highlight-")
                for c in classes
                if c.startswith("highlight-")
            ),
            "",
        )
        in_cell = pre.find_parent("div", class_="cell_input") is not None
        found.append(
            Block(
                page,
                number,
                language,
                classes,
                shown,
                format_copy_text(shown, config),
                in_cell,
            )
        )
    return found


def copy_problems(block: Block, clipboard: str) -> list[str]:
    """What is wrong with what a click on the block's copy button copied."""
    problems = []
    if clipboard != block.copied:
        problems.append(
            f"{block.name}: the clipboard holds {clipboard[:120]!r}, "
            f"expected {block.copied[:120]!r}"
        )
    for line in clipboard.splitlines():
        if PROMPT.match(line):
            problems.append(f"{block.name}: copies the prompt in {line!r}")
            break
    shown_lines = block.shown.splitlines()
    if any(PROMPT.match(line) for line in shown_lines):  # prompts: rest is output
        outputs = {
            line
            for line in shown_lines
            if line.strip() and not PROMPT.match(line) and line != "..."
        }
        copied_outputs = [line for line in clipboard.splitlines() if line in outputs]
        if copied_outputs:
            problems.append(f"{block.name}: copies the output {copied_outputs[0]!r}")
    return problems
