"""The command line of ``python -m parallel_guide``.

``python -m parallel_guide bench`` runs the benchmarks of
:mod:`parallel_guide.bench` and prints their table; ``bench-build`` times
builds of this guide's own site (:mod:`parallel_guide.bench_build`).
``python -m parallel_guide --help`` lists the options.
"""

from __future__ import annotations

import argparse
import json
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
            "as a ratio to its limit (1.00 = at the limit)."
        ),
    )
    size = bench.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        dest="set",
        action="store_const",
        const="quick",
        help="the quick set, well under a minute (the default)",
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
        help="timed runs per row (default: 3 quick, 7 full)",
    )
    bench.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the results as JSON to PATH (folders are created)",
    )
    bench.add_argument(
        "--no-progress", action="store_true", help="no progress bar on stderr"
    )
    bench.set_defaults(set="quick", run=_bench)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = parser().parse_args(argv)
    return args.run(args)


def _bench(args: argparse.Namespace) -> int:
    from parallel_guide.bench import SETS, format_table, run_bench

    if args.json is not None and args.json.is_dir():
        raise SystemExit(
            f"--json {args.json}: is a folder; give a file name such as "
            f"{args.json / 'bench.json'}"
        )
    report = run_bench(
        SETS[args.set], repeat=args.repeat, progress=not args.no_progress
    )
    print(format_table(report))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.to_json(), indent=2) + "\n")
        print(f"\nWrote {args.json}")
    return 0


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
