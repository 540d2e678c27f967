"""The command line of ``python -m parallel_guide``.

``python -m parallel_guide bench`` runs the benchmarks of
:mod:`parallel_guide.site.bench` and prints their table; with ``--compare
FILE`` it prints them beside a saved run's instead, and with ``--compare OLD
--against NEW`` compares two saved runs without measuring; ``bench-build`` times
builds of this guide's own site (:mod:`parallel_guide.site.bench_build`).
``python -m parallel_guide --help`` lists the options.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
from collections.abc import Sequence
from pathlib import Path


def parser() -> argparse.ArgumentParser:
    """The command line's parser, with one sub-command per tool."""
    top = argparse.ArgumentParser(
        prog="python -m parallel_guide",
        description="Tools of 'Parallel Python, measured'.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    bench = commands.add_parser(
        "bench",
        help="measure the guide's examples against their limits",
        description=(
            "Measure the guide's examples on this machine and print each median "
            "as a ratio to its limit (1.00 = at the limit). With --compare FILE, "
            "print them beside a saved run's instead, such as the bench.json the "
            "guide's benchmarks page publishes."
        ),
    )
    size = bench.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        dest="set",
        action="store_const",
        const="quick",
        help="the quick set, well under a minute (the default; with --compare, "
        "the file's set is)",
    )
    size.add_argument(
        "--full",
        dest="set",
        action="store_const",
        const="full",
        help="the full set: a few minutes, larger work and more repeats",
    )
    bench.add_argument(
        "--repeat",
        type=_positive_int,
        metavar="N",
        help="timed runs per row (default: 3 quick, 7 full; with --compare, "
        "the file's)",
    )
    bench.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the results as JSON to PATH (folders are created)",
    )
    bench.add_argument(
        "--start-method",
        choices=multiprocessing.get_all_start_methods(),
        help="start worker processes this way (default: the platform's, "
        "as parallel_map does)",
    )
    bench.add_argument(
        "--no-progress", action="store_true", help="no progress bar on stderr"
    )
    bench.add_argument(
        "--compare",
        type=Path,
        metavar="FILE",
        help="print the results beside FILE's (written by --json, perhaps on "
        "another machine): both medians, their ratio with its interval, and "
        "whether the difference is significant",
    )
    bench.add_argument(
        "--against",
        type=Path,
        metavar="NEW",
        help="with --compare OLD: compare the saved run NEW with OLD instead of "
        "measuring",
    )
    bench.set_defaults(set=None, run=_bench)

    build = commands.add_parser(
        "bench-build",
        help="time cold, warm and incremental builds of this guide's site",
        description=(
            "Copy docs/ and src/ to OUT/tree and time five builds there: cold, "
            "warm, after touching a page, after changing a function one page "
            "uses, after changing the page set-up every page uses. "
            "Needs the documentation dependencies (nox -s bench-build installs "
            "them)."
        ),
    )
    build.add_argument(
        "--root",
        type=Path,
        default=Path.cwd(),
        help="the clone whose docs/ and src/ to build (default: here)",
    )
    build.add_argument(
        "--out",
        type=Path,
        default=Path("build") / "bench-build",
        help="where the copy, builds, logs and JSON go (default: build/bench-build)",
    )
    build.add_argument(
        "--quick",
        action="store_true",
        help="size the pages' measurements down, as CI does (targets are for full)",
    )
    build.add_argument(
        "--page",
        default="tutorial/introduction.md",
        help="the page to touch, relative to docs/ (default: %(default)s)",
    )
    build.add_argument(
        "--steps",
        type=_steps,
        default=None,
        metavar="STEP,...",
        help="run only these builds, in order: cold, warm, touch-page, change-src, "
        "change-set-up; name one several times to measure its spread "
        "(cold,warm,warm,warm)",
    )
    build.set_defaults(run=_bench_build)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = parser().parse_args(argv)
    return args.run(args)


def _bench(args: argparse.Namespace) -> int:
    from parallel_guide.site.bench import (
        SETS,
        BadResultFile,
        format_comparison,
        format_table,
        load,
        run_bench,
        to_json,
    )

    if args.against is not None:
        return _compare_files(args)
    if args.json is not None and args.json.is_dir():
        raise SystemExit(
            f"--json {args.json}: is a folder; give a file name such as "
            f"{args.json / 'bench.json'}"
        )
    theirs = None
    if args.compare is not None:
        try:  # before measuring: a bad file should not cost a run
            theirs = load(args.compare)
        except BadResultFile as error:
            return _error(str(error))
    if args.set is not None:
        bench_set = SETS[args.set]
    else:  # the file's own sizes, so that its rows have matches
        bench_set = SETS["quick"] if theirs is None else theirs.bench_set
    repeat = args.repeat
    if repeat is None and theirs is not None and args.set is None:
        repeat = theirs.repeat
    if args.start_method is not None:  # parallel_map's own pools follow it too
        multiprocessing.set_start_method(args.start_method, force=True)
    report = run_bench(bench_set, repeat=repeat, progress=not args.no_progress)
    if theirs is None:
        print(format_table(report))
    else:
        print(
            format_comparison(
                theirs, report, sources=(str(args.compare), "this machine, now")
            )
        )
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(to_json(report), indent=2) + "\n")
        print(f"\nWrote {args.json}")
    return 0


def _compare_files(args: argparse.Namespace) -> int:
    from parallel_guide.site.bench import BadResultFile, format_comparison, load

    if args.compare is None:
        return _error("--against NEW needs --compare OLD: the run to compare it with")
    measuring = {
        "--quick/--full": args.set,
        "--repeat": args.repeat,
        "--json": args.json,
        "--start-method": args.start_method,
    }
    given = [option for option, value in measuring.items() if value is not None]
    if given:
        return _error(
            f"--against compares two saved runs without measuring, so "
            f"{', '.join(given)} cannot apply; leave it out, or drop --against"
        )
    try:
        old, new = load(args.compare), load(args.against)
    except BadResultFile as error:
        return _error(str(error))
    print(
        format_comparison(
            old,
            new,
            labels=("old", "new"),
            sources=(str(args.compare), str(args.against)),
        )
    )
    return 0


def _error(message: str) -> int:
    """Report a usage error the way argparse does: one line, exit status 2."""
    print(f"python -m parallel_guide bench: error: {message}", file=sys.stderr)
    return 2


def _bench_build(args: argparse.Namespace) -> int:
    from parallel_guide.site.bench_build import (
        STEPS,
        format_report,
        judge,
        run_builds,
        write_json,
    )

    root = args.root.resolve()
    for part in ("docs", "src"):
        if not (root / part).is_dir():
            raise SystemExit(
                f"--root {args.root}: no {part}/ folder there; run this from a clone "
                "of the guide or pass --root PATH_TO_CLONE"
            )
    if not (root / "docs" / args.page).is_file():
        raise SystemExit(
            f"--page {args.page}: no such page in {root / 'docs'}; give a path "
            "relative to docs/, such as tutorial/introduction.md"
        )
    out = args.out.resolve()
    if out == root or root.is_relative_to(out) or out.is_relative_to(root / "docs"):
        raise SystemExit(
            f"--out {args.out}: would overwrite the sources; choose a folder such "
            "as build/bench-build"
        )
    steps = args.steps or STEPS
    results = run_builds(root, out, quick=args.quick, page=args.page, steps=steps)
    verdicts = judge(results, quick=args.quick)
    print(format_report(results, verdicts))
    json_path = out / "bench-build.json"
    write_json(json_path, results, verdicts, quick=args.quick)
    print(f"\nWrote {json_path}")
    failed = [step.name for step in results if step.exit_code]
    if failed:
        print(f"\nThese builds failed (see their logs in {out}): {', '.join(failed)}")
    return 1 if failed else 0


def _steps(text: str) -> list[str]:
    from parallel_guide.site.bench_build import STEPS

    by_name = {step.replace(" ", "-"): step for step in STEPS}  # "change-set-up"
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in chosen if name not in by_name]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown build step in {text!r}; choose from {', '.join(by_name)}"
        )
    return [by_name[name] for name in chosen]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of runs, such as 5; got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value
