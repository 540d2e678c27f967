"""Time builds of this guide's own site, against the budget contributors need.

``nox -s bench-build`` (``python -m parallel_guide bench-build``) copies
``docs/`` and ``src/`` to a scratch folder, so the working tree is never
touched, and times five builds there with the project's strict Sphinx options:

* **cold**: an empty build folder and execution cache, so every page runs;
* **warm**: the same again, nothing changed;
* **touch page**: one page's text changed (a newline appended), its code not;
* **change src**: one function changed in a module that one page uses
  (``pages/mandelbrot.py``).  The execution cache keys each page on the files
  it imported when it ran (``docs/_ext/execution_deps.py``), so that page
  alone should run again;
* **change set-up**: one function changed in ``site/page.py``, which every
  measured page imports: every page that imports it should run again.

After each change, the pages that should run again are those whose execution
records list the changed file (:func:`importers`); :func:`judge` checks that
exactly those ran.

For each build it reports the seconds, how many pages were executed, the
share of the build spent executing them and the slowest page, read from the
``Executed notebook in ... seconds`` lines MyST-NB logs, and why each page
ran, from the ``<page>: executed: <why>`` lines of ``execution_deps``.  It needs the
standard library only, but the build runs in the current interpreter, which
needs the documentation dependencies.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parallel_guide.site.sphinx_options import sphinx_options
from parallel_guide.site.text_table import text_table

__all__ = [
    "STEPS",
    "TARGETS",
    "BuildStep",
    "PageRun",
    "Verdict",
    "change_function",
    "copy_tree",
    "format_report",
    "importers",
    "judge",
    "parse_log",
    "parse_reasons",
    "run_builds",
    "touch_page",
    "write_json",
]

STEPS = ("cold", "warm", "touch page", "change src", "change set-up")
"""The builds :func:`run_builds` times, in the order it runs them."""

TARGETS = {
    "warm_seconds": 5.0,
    "cold_seconds": 600.0,
    "page_seconds": 60.0,
    "change_src_seconds": 60.0,
}
"""Warm rebuild under 5 s, cold full build under 10 minutes (so that a hosted
build, installs included, fits a 15-minute limit), no page's execution over
60 s, a rebuild after one function of one page's module changed under 60 s (in
the published configuration, not a quick build).  A step run several times
(``--steps cold,warm,warm,warm``) is judged on its median, with its range."""

DEFAULT_PAGE = "tutorial/introduction.md"
DEFAULT_FUNCTION = ("pages/mandelbrot.py", "def render(")
"""A function in a module that one page (``tutorial/mandelbrot.md``) uses."""
SET_UP_FUNCTION = ("site/page.py", "def sized(")
"""A function in the module every measured page imports (its set-up)."""

_EXECUTED = re.compile(
    r"^(?P<path>.+?): Executed notebook in (?P<seconds>\d+(?:\.\d*)?) seconds"
)
_CACHED = re.compile(r"^(?P<path>.+?): Using cached notebook")
_WHY = re.compile(r"^(?P<docname>[\w/.-]+): executed: (?P<why>.+)$")


@dataclass(frozen=True)
class PageRun:
    """One page executed during a build, and for how long."""

    page: str
    """Path relative to ``docs/``, such as ``tutorial/introduction.md``."""
    seconds: float


@dataclass(frozen=True)
class BuildStep:
    """One timed build.

    >>> step = BuildStep("cold", 100.0, (PageRun("a.md", 30.0), PageRun("b.md", 50.0)))
    >>> step.executing_seconds, step.share_executing, step.slowest.page
    (80.0, 0.8, 'b.md')
    """

    name: str
    seconds: float
    """Wall-clock seconds of the whole ``sphinx-build`` run."""
    executed: tuple[PageRun, ...] = ()
    cached: tuple[str, ...] = ()
    """Pages read again but served from the execution cache."""
    exit_code: int = 0
    """``sphinx-build``'s exit status: not 0 when it failed, for example on a
    warning (the build is strict), after doing all its work."""
    why: tuple[tuple[str, str], ...] = ()
    """``(docname, reason)`` for each page executed, as the build said."""
    expected: tuple[str, ...] | None = None
    """The pages whose execution records list the file this step changed,
    which must execute again, and be the only ones to; None if it changed none."""

    @property
    def executing_seconds(self) -> float:
        """Seconds spent executing pages, as MyST-NB measured them."""
        return sum(run.seconds for run in self.executed)

    @property
    def share_executing(self) -> float:
        """The share of the build's wall time spent executing pages."""
        return self.executing_seconds / self.seconds if self.seconds > 0 else 0.0

    @property
    def slowest(self) -> PageRun | None:
        """The page that took longest to execute, if any was executed."""
        return max(self.executed, key=lambda run: run.seconds, default=None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, derived figures included."""
        slowest = self.slowest
        return {
            "name": self.name,
            "seconds": self.seconds,
            "executing_seconds": self.executing_seconds,
            "share_executing": self.share_executing,
            "executed": [{"page": r.page, "seconds": r.seconds} for r in self.executed],
            "cached": list(self.cached),
            "slowest": None if slowest is None else slowest.page,
            "exit_code": self.exit_code,
            "why": dict(self.why),
            "expected": None if self.expected is None else list(self.expected),
        }


def parse_log(text: str, docs: Path | str) -> tuple[list[PageRun], list[str]]:
    """Pages executed (with seconds) and pages taken from the cache, from a log.

    ``docs`` is the source folder the build read; pages are named relative to it.

    >>> log = '''
    ... /x/docs/a/b.md: Executed notebook in 12.50 seconds [mystnb]
    ... /x/docs/c.md: Using cached notebook: ID=3 [mystnb]
    ... '''
    >>> parse_log(log, "/x/docs")
    ([PageRun(page='a/b.md', seconds=12.5)], ['c.md'])
    """
    docs = Path(docs)
    executed, cached = [], []
    for line in text.splitlines():
        if match := _EXECUTED.match(line):
            page = _relative(match["path"], docs)
            executed.append(PageRun(page, float(match["seconds"])))
        elif match := _CACHED.match(line):
            cached.append(_relative(match["path"], docs))
    return executed, cached


def parse_reasons(text: str) -> list[tuple[str, str]]:
    r"""``(docname, why)`` for each page the log says was executed, and why.

    >>> parse_reasons("a/b: executed: src/x.py changed\nc: cached\n")
    [('a/b', 'src/x.py changed')]
    """
    return [
        (match["docname"], match["why"])
        for line in text.splitlines()
        if (match := _WHY.match(line))
    ]


def _relative(path: str, docs: Path) -> str:
    try:
        return Path(path).relative_to(docs).as_posix()
    except ValueError:
        return path


@dataclass(frozen=True)
class Verdict:
    """A target and whether the builds met it."""

    name: str
    measured: float
    bound: float
    met: bool
    note: str = ""
    relation: str = "<"
    """How ``measured`` must compare with ``bound``: ``<`` or ``=``."""


def judge(steps: Sequence[BuildStep], *, quick: bool = False) -> list[Verdict]:
    """The targets of :data:`TARGETS`, judged on the builds measured.

    A step measured more than once is judged on its median.  The slowest page
    is judged on the cold build (every page executed), and each change must
    execute again exactly the pages that used the changed file.

    >>> steps = [
    ...     BuildStep("cold", 200.0, (PageRun("a.md", 70.0),)),
    ...     BuildStep("warm", 3.0),
    ...     BuildStep("warm", 4.0),
    ...     BuildStep("warm", 6.0),
    ... ]
    >>> [(v.name, v.measured, v.met) for v in judge(steps)]
    [('cold full build, seconds', 200.0, True), ('warm rebuild, seconds', 4.0, True),
     ('slowest page execution, seconds', 70.0, False)]
    >>> judge(steps)[1].note
    'median of 3 builds, 3.0 to 6.0 s'
    """
    note = (
        "a quick build: the targets are for the published (full) one" if quick else ""
    )
    failed = list(dict.fromkeys(step.name for step in steps if step.exit_code))
    if failed:
        why = f"the {', '.join(failed)} build(s) failed"
        note = f"{note}; {why}" if note else why
    verdicts = []
    if colds := _named(steps, "cold"):
        verdicts.append(_timed("cold full build, seconds", colds, "cold_seconds", note))
    if warms := _named(steps, "warm"):
        verdicts.append(_timed("warm rebuild, seconds", warms, "warm_seconds", note))
    if changed := _named(steps, "change src"):
        pages = {run.page for step in changed for run in step.executed}
        ran = f"executed: {', '.join(sorted(pages)) or 'no page'}"
        verdicts.append(
            _timed(
                "one module changed, rebuild seconds",
                changed,
                "change_src_seconds",
                f"{ran}; {note}" if note else ran,
            )
        )
    if colds and (slowest := colds[0].slowest):
        verdicts.append(
            _verdict(
                "slowest page execution, seconds",
                slowest.seconds,
                "page_seconds",
                f"{slowest.page}; {note}" if note else slowest.page,
            )
        )
    for name, label in (("change src", "one module"), ("change set-up", "set-up")):
        if verdict := _executed_again(_named(steps, name), label, note):
            verdicts.append(verdict)
    return verdicts


def _executed_again(
    steps: Sequence[BuildStep], label: str, note: str
) -> Verdict | None:
    """Whether each change executed again exactly the pages that used the file.

    >>> runs = (PageRun("a.md", 1.0), PageRun("b.md", 1.0))
    >>> step = BuildStep("change set-up", 9.0, runs, expected=("a.md", "c.md"))
    >>> verdict = _executed_again([step], "set-up", "")
    >>> verdict.met, verdict.measured, verdict.bound
    (False, 1, 2)
    >>> verdict.note
    'not executed again: c.md; executed but did not use it: b.md'
    """
    checked = [step for step in steps if step.expected is not None]
    if not checked:
        return None
    said = []
    for step in checked:
        again = {run.page for run in step.executed}
        expected = set(step.expected)
        if missing := sorted(expected - again):
            said.append(f"not executed again: {', '.join(missing)}")
        if extra := sorted(again - expected):
            said.append(f"executed but did not use it: {', '.join(extra)}")
    last = checked[-1]
    again = {run.page for run in last.executed} & set(last.expected)
    words = "; ".join(dict.fromkeys(said)) or (
        f"exactly the {len(last.expected)} page(s) that used the file"
    )
    return Verdict(
        f"{label} changed, pages executed again",
        len(again),
        len(last.expected),
        not said,
        f"{words}; {note}" if note else words,
        relation="=",
    )


def importers(out: Path, tree: Path, changed: Path) -> tuple[str, ...]:
    """The pages whose execution records in ``out`` list the file ``changed``.

    Records are ``execution_deps``' (``docs/_ext/execution_deps.py``): one
    JSON file per page, naming the files it used relative to ``tree``.  A
    damaged record is left out (its page runs anyway).
    """
    relative = changed.resolve().relative_to(tree.resolve()).as_posix()
    found = []
    for folder in out.glob(".jupyter_cache/*/execution_deps"):
        for record in sorted(folder.rglob("*.json")):
            try:
                files = json.loads(record.read_text(encoding="utf-8"))["state"]["files"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if relative in files:
                found.append(record.relative_to(folder).with_suffix(".md").as_posix())
    return tuple(found)


def _named(steps: Sequence[BuildStep], name: str) -> list[BuildStep]:
    return [step for step in steps if step.name == name]


def _timed(name: str, steps: Sequence[BuildStep], key: str, note: str) -> Verdict:
    """A time target judged on the median of the builds, their range noted."""
    seconds = sorted(step.seconds for step in steps)
    if len(seconds) > 1:
        spread = (
            f"median of {len(seconds)} builds, {seconds[0]:.1f} to {seconds[-1]:.1f} s"
        )
        note = f"{spread}; {note}" if note else spread
    return _verdict(name, statistics.median(seconds), key, note)


def _verdict(name: str, measured: float, key: str, note: str) -> Verdict:
    bound = TARGETS[key]
    return Verdict(name, measured, bound, measured < bound, note)


def format_report(steps: Sequence[BuildStep], verdicts: Sequence[Verdict]) -> str:
    """The builds and the targets as two text tables.

    >>> steps = [BuildStep("warm", 2.5, cached=("a.md",))]
    >>> print(format_report(steps, [Verdict("warm rebuild, seconds", 2.5, 5.0, True)]))
    build  seconds  pages executed  executing  share  slowest page  cached  result
    -----  -------  --------------  ---------  -----  ------------  ------  ------
    warm       2.5               0        0.0     0%  -                  1  ok
    <BLANKLINE>
    target                 measured  bound  verdict
    ---------------------  --------  -----  -------
    warm rebuild, seconds       2.5  < 5.0  met
    """
    header = (
        "build",
        "seconds",
        "pages executed",
        "executing",
        "share",
        "slowest page",
        "cached",
        "result",
    )
    body = []
    for step in steps:
        slowest = step.slowest
        body.append(
            (
                step.name,
                f"{step.seconds:.1f}",
                str(len(step.executed)),
                f"{step.executing_seconds:.1f}",
                f"{step.share_executing:.0%}",
                "-" if slowest is None else f"{slowest.page} ({slowest.seconds:.1f} s)",
                str(len(step.cached)),
                f"failed (exit {step.exit_code})" if step.exit_code else "ok",
            )
        )
    tables = [text_table(header, body, right={1, 2, 3, 4, 6})]
    if verdicts:
        rows = [
            (
                v.name,
                f"{v.measured:.1f}" if v.relation == "<" else f"{v.measured:g}",
                f"< {v.bound:.1f}" if v.relation == "<" else f"= {v.bound:g}",
                ("met" if v.met else "missed") + (f" ({v.note})" if v.note else ""),
            )
            for v in verdicts
        ]
        tables.append(
            text_table(("target", "measured", "bound", "verdict"), rows, right={1})
        )
    return "\n\n".join(tables)


def copy_tree(root: Path, tree: Path) -> Path:
    """Copy ``root/docs``, ``root/src`` and the top-level ``*.md`` into ``tree``.

    ``tree`` is emptied first; build outputs and caches are not copied (the
    pages include README and CONTRIBUTING from the top level).  Returns ``tree``.
    """
    for part in ("docs", "src"):
        if not (root / part).is_dir():
            raise FileNotFoundError(
                f"{root / part} is missing: run this from a clone of the guide, "
                "or pass --root"
            )
    shutil.rmtree(tree, ignore_errors=True)
    ignore = shutil.ignore_patterns(
        "__pycache__", "_build", "jupyter_execute", ".jupyter_cache", "*.ipynb"
    )
    for part in ("docs", "src"):
        shutil.copytree(root / part, tree / part, ignore=ignore)
    for markdown in root.glob("*.md"):
        shutil.copy2(markdown, tree / markdown.name)
    return tree


def touch_page(tree: Path, page: str = DEFAULT_PAGE) -> Path:
    """Append a newline to ``tree/docs/page``: its text changes, its code does not."""
    path = tree / "docs" / page
    if not path.is_file():
        raise FileNotFoundError(f"no page {page!r} in {tree / 'docs'}")
    with path.open("a") as file:
        file.write("\n")
    return path


def change_function(
    tree: Path,
    module: str = DEFAULT_FUNCTION[0],
    signature: str = DEFAULT_FUNCTION[1],
) -> Path:
    """Change the body of one function in ``tree/src/parallel_guide/module``.

    Adds a comment as the first line after the docstring of the function
    defined by ``signature`` (by default
    :func:`~parallel_guide.pages.mandelbrot.render`): what it does is
    unchanged, but its file's content, which the execution cache keys the
    pages that imported it on, is not.
    """
    path = tree / "src" / "parallel_guide" / module
    text = path.read_text()
    at = text.find(signature)
    if at < 0:
        raise ValueError(f"{path} has no {signature!r} to change")
    body = text.index('"""\n', text.index('"""', at) + 3) + len('"""\n')
    comment = "    # changed by bench-build\n"
    path.write_text(text[:body] + comment + text[body:])
    return path


def run_builds(
    root: Path,
    out: Path,
    *,
    quick: bool = False,
    page: str = DEFAULT_PAGE,
    steps: Sequence[str] = STEPS,
    echo: bool = True,
) -> list[BuildStep]:
    """Copy the sources to ``out/tree`` and time ``steps`` of :data:`STEPS` there.

    A step may be listed more than once, to measure its spread: ``change src``
    changes the function again each time, ``touch page`` the page.  Each
    build's log is kept as ``out/<step>.log`` (``<step>-2.log`` for the second
    of a step, and so on).  A build that fails (a
    warning is enough: the build is strict) is timed all the same, with its
    exit code, and the next step runs.
    """
    unknown = [step for step in steps if step not in STEPS]
    if unknown:
        raise ValueError(f"unknown steps {unknown}; choose from {list(STEPS)}")
    tree = copy_tree(root, out / "tree")
    for part in ("html", "doctrees", ".jupyter_cache", "jupyter_execute"):
        shutil.rmtree(out / part, ignore_errors=True)
    for log in out.glob("*.log"):  # an earlier run's
        log.unlink()
    env = {
        **os.environ,
        "DOCS_BUILD_DIR": str(out),  # conf.py puts the execution cache there
        "PYTHONPATH": os.pathsep.join(
            [str(tree / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    env.pop("PARALLEL_GUIDE_QUICK", None)
    # Without cached bytecode every build compiles each module it imports again
    # (5 s of a 10 s warm build, measured): time builds as a contributor's
    # shell runs them, which does not set this.
    if env.pop("PYTHONDONTWRITEBYTECODE", None) and echo:
        print(
            "bench-build: PYTHONDONTWRITEBYTECODE is set here; the builds run "
            "without it, as in a contributor's shell",
            file=sys.stderr,
        )
    if quick:
        env["PARALLEL_GUIDE_QUICK"] = "1"
    _check_imports_copy(env, tree)
    results = []
    for step in steps:
        changed = None
        if step == "touch page":
            touch_page(tree, page)
        elif step == "change src":
            changed = change_function(tree)
        elif step == "change set-up":
            changed = change_function(tree, *SET_UP_FUNCTION)
        expected = None if changed is None else importers(out, tree, changed)
        results.append(_build(step, tree, out, env, echo=echo, expected=expected))
    return results


def _check_imports_copy(env: dict[str, str], tree: Path) -> None:
    """Fail early unless the build will import parallel_guide from the copy."""
    found = subprocess.run(
        [sys.executable, "-c", "import parallel_guide; print(parallel_guide.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to((tree / "src").resolve()):
        raise RuntimeError(
            f"parallel_guide is imported from {found}, not from the copy in {tree}: "
            "the builds would not see changes made to the copy"
        )


def _build(
    step: str,
    tree: Path,
    out: Path,
    env: dict[str, str],
    *,
    echo: bool,
    expected: tuple[str, ...] | None = None,
) -> BuildStep:
    command = [
        sys.executable,
        "-m",
        "sphinx",
        *sphinx_options(),
        "-b",
        "html",
        "-d",
        str(out / "doctrees"),
        str(tree / "docs"),
        str(out / "html"),
    ]
    log_path = out / f"{step.replace(' ', '-')}.log"
    for again in itertools.count(2):  # a step run again keeps its own log
        if not log_path.exists():
            break
        log_path = out / f"{step.replace(' ', '-')}-{again}.log"
    if echo:
        print(f"bench-build: {step} build, log in {log_path}", file=sys.stderr)
    start = time.perf_counter()
    with log_path.open("w") as log:
        completed = subprocess.run(
            command,
            cwd=tree,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - start
    text = log_path.read_text()
    executed, cached = parse_log(text, tree / "docs")
    code = completed.returncode
    why = tuple(parse_reasons(text))
    result = BuildStep(
        step, seconds, tuple(executed), tuple(cached), code, why, expected
    )
    if echo:  # as it goes: a long run stopped part-way still tells something
        slowest = result.slowest
        print(
            f"bench-build: {step} build took {seconds:.1f} s, {len(executed)} pages "
            f"executed in {result.executing_seconds:.1f} s"
            + (f", slowest {slowest.page} ({slowest.seconds:.1f} s)" if slowest else "")
            + (f"; FAILED (exit {code})" if code else ""),
            file=sys.stderr,
        )
        if 0 < len(why) <= 5:
            for docname, reason in why:
                print(f"  {docname}: executed: {reason}", file=sys.stderr)
        if code:
            problems = [line for line in text.splitlines() if "WARNING" in line]
            for line in problems[-10:]:
                print(f"  {line}", file=sys.stderr)
    return result


def write_json(
    path: Path, steps: Sequence[BuildStep], verdicts: Sequence[Verdict], *, quick: bool
) -> None:
    """Write the builds and verdicts to ``path`` as JSON."""
    from parallel_guide.tools.machine import describe_machine

    data = {
        "version": 1,
        "quick": quick,
        "machine": describe_machine().__dict__,
        "steps": [step.to_json() for step in steps],
        "targets": [v.__dict__ for v in verdicts],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
