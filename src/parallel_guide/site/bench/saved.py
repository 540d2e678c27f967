"""Reading a saved run back: :func:`load` and :func:`from_json`.

``python -m parallel_guide bench --json FILE`` saves
:func:`~parallel_guide.site.bench.report.to_json`; ``--compare FILE`` reads it
back with :func:`load`.  A file may come from another machine, another version
of the guide or a hand edit, so every field is checked before anything is
measured.  A file that cannot be used raises :class:`BadResultFile`, whose
message names the file and the field:

>>> from_json({"version": 2, "set": "quick"}, source="bench.json")
Traceback (most recent call last):
...
parallel_guide.site.bench.saved.BadResultFile: bench.json: sizes: missing
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import fields
from pathlib import Path
from typing import Any, get_args

from parallel_guide.site.bench.report import JSON_VERSION
from parallel_guide.site.bench.results import BenchReport, Row, Target
from parallel_guide.site.bench.sets import BenchSet
from parallel_guide.tools.compare import Comparison, Verdict
from parallel_guide.tools.machine import Machine

__all__ = ["UNITS", "BadResultFile", "from_json", "load"]

UNITS = ("s", "s/item", "MiB")
"""The units a row may have."""

_WRITE_ONE = "write one with: python -m parallel_guide bench --json FILE"


class BadResultFile(ValueError):
    """A result file that cannot be used; the message names the file and field."""


def load(path: str | os.PathLike[str]) -> BenchReport:
    """Read a file written by ``python -m parallel_guide bench --json``.

    >>> load("no-such-bench.json")
    Traceback (most recent call last):
    ...
    parallel_guide.site.bench.saved.BadResultFile: no-such-bench.json: no such file; \
write one with: python -m parallel_guide bench --json FILE
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadResultFile(f"{path}: no such file; {_WRITE_ONE}") from None
    except IsADirectoryError:
        raise BadResultFile(
            f"{path}: is a folder; give the JSON file inside it, such as "
            f"{path / 'bench.json'}"
        ) from None
    except UnicodeDecodeError:
        raise BadResultFile(f"{path}: not a text file, so not JSON") from None
    except OSError as error:
        raise BadResultFile(f"{path}: cannot be read: {error.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadResultFile(
            f"{path}: not JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}); {_WRITE_ONE}"
        ) from None
    return from_json(data, source=str(path))


def from_json(data: Any, *, source: str = "the results") -> BenchReport:
    """The report that ``data`` (from :func:`json.loads`) describes.

    ``source`` names the data in error messages, usually the file's path.
    ``ratio`` and ``met`` in the data are ignored: the report recomputes them.

    >>> from dataclasses import asdict
    >>> from parallel_guide.site.bench.report import to_json
    >>> from parallel_guide.site.bench.sets import TINY
    >>> from parallel_guide.tools.machine import describe_machine
    >>> machine = asdict(describe_machine())
    >>> report = BenchReport(TINY, 1, (Row("s", "r", 1.0, 1.0, runs=(1.0,)),),
    ...                      (), (), machine, "2026-12-06T20:00:00+00:00", 1.5)
    >>> from_json(to_json(report)) == report
    True
    >>> data = to_json(report)
    >>> data["rows"][0]["runs"] = "abc"
    >>> from_json(data, source="bench.json")
    Traceback (most recent call last):
    ...
    parallel_guide.site.bench.saved.BadResultFile: bench.json: rows[0].runs: \
expected a list of numbers, got "abc"
    """
    check = _Check(source)
    top = check.dict(data, "")
    if "version" not in top:
        raise BadResultFile(
            f"{source}: version: missing, so this is not a file written by "
            "python -m parallel_guide bench --json"
        )
    version = top["version"]
    if version != JSON_VERSION:
        raise BadResultFile(
            f"{source}: version: the file has layout {_show(version)}, this version "
            f"of the guide reads layout {JSON_VERSION}; run the benchmarks again "
            "with this version (python -m parallel_guide bench --json FILE)"
        )
    bench_set = _bench_set(check, top)
    set_name = check.string(check.field(top, "set", ""), "set")
    if set_name != bench_set.name:
        raise BadResultFile(
            f"{source}: set: {_show(set_name)}, but sizes.name is "
            f"{_show(bench_set.name)}; they must agree"
        )
    return BenchReport(
        bench_set=bench_set,
        repeat=check.count(check.field(top, "repeat", ""), "repeat"),
        rows=_rows(check, top),
        targets=tuple(
            _target(check, item, f"targets[{i}]")
            for i, item in enumerate(
                check.list(check.field(top, "targets", ""), "targets")
            )
        ),
        notes=tuple(
            check.string(note, f"notes[{i}]")
            for i, note in enumerate(check.list(check.field(top, "notes", ""), "notes"))
        ),
        machine=_machine(check, top),
        started=check.string(check.field(top, "started", ""), "started"),
        seconds=check.number(check.field(top, "seconds", ""), "seconds"),
    )


def _bench_set(check: _Check, top: dict[str, Any]) -> BenchSet:
    sizes = check.dict(check.field(top, "sizes", ""), "sizes")
    values = {
        f.name: check.typed(
            check.field(sizes, f.name, "sizes"), f"sizes.{f.name}", f.type
        )
        for f in fields(BenchSet)
    }
    return BenchSet(**values)


def _machine(check: _Check, top: dict[str, Any]) -> dict[str, Any]:
    machine = check.dict(check.field(top, "machine", ""), "machine")
    return {
        f.name: check.typed(
            check.field(machine, f.name, "machine"), f"machine.{f.name}", f.type
        )
        for f in fields(Machine)
    }


def _rows(check: _Check, top: dict[str, Any]) -> tuple[Row, ...]:
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(check.list(check.field(top, "rows", ""), "rows")):
        where = f"rows[{i}]"
        row = check.dict(item, where)
        unit = check.string(check.field(row, "unit", where), f"{where}.unit")
        if unit not in UNITS:
            raise BadResultFile(
                f"{check.source}: {where}.unit: expected one of "
                f"{', '.join(map(_show, UNITS))}, got {_show(unit)}"
            )
        new = Row(
            section=check.string(
                check.field(row, "section", where), f"{where}.section"
            ),
            name=check.string(check.field(row, "name", where), f"{where}.name"),
            value=check.number(check.field(row, "value", where), f"{where}.value"),
            limit=check.number(check.field(row, "limit", where), f"{where}.limit"),
            unit=unit,
            note=check.string(check.field(row, "note", where), f"{where}.note"),
            runs=check.numbers(check.field(row, "runs", where), f"{where}.runs"),
        )
        if (new.section, new.name) in seen:
            raise BadResultFile(
                f"{check.source}: {where}: a second row {_show(new.name)} in section "
                f"{_show(new.section)}; each row must appear once"
            )
        seen.add((new.section, new.name))
        rows.append(new)
    return tuple(rows)


def _target(check: _Check, item: Any, where: str) -> Target:
    target = check.dict(item, where)
    return Target(
        name=check.string(check.field(target, "name", where), f"{where}.name"),
        measured=check.number(
            check.field(target, "measured", where), f"{where}.measured"
        ),
        bound=check.number(check.field(target, "bound", where), f"{where}.bound"),
        at_least=check.boolean(
            check.field(target, "at_least", where), f"{where}.at_least"
        ),
        note=check.string(check.field(target, "note", where), f"{where}.note"),
        runs=check.numbers(check.field(target, "runs", where), f"{where}.runs"),
        comparison=_comparison(
            check, check.field(target, "comparison", where), f"{where}.comparison"
        ),
        compared=check.string(
            check.field(target, "compared", where), f"{where}.compared"
        ),
    )


def _comparison(check: _Check, value: Any, where: str) -> Comparison | None:
    if value is None:
        return None
    found = check.dict(value, where)
    verdict = check.field(found, "verdict", where)
    verdicts = get_args(Verdict)
    if verdict not in verdicts:
        raise BadResultFile(
            f"{check.source}: {where}.verdict: expected one of "
            f"{', '.join(map(_show, verdicts))}, got {_show(verdict)}"
        )
    interval = check.field(found, "interval", where)
    if (
        not isinstance(interval, list)
        or len(interval) != 2
        or not _is_number(interval[0])
        or not (interval[1] is None or _is_number(interval[1]))
    ):
        raise BadResultFile(
            f"{check.source}: {where}.interval: expected a pair of numbers (the "
            f"second may be null), got {_show(interval)}"
        )
    low, high = interval
    return Comparison(
        ratio=check.number(check.field(found, "ratio", where), f"{where}.ratio"),
        interval=(float(low), math.inf if high is None else float(high)),
        verdict=verdict,
    )


class _Check:
    """Checks one field at a time; a failure names the source and the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, expected: str, value: Any) -> BadResultFile:
        place = f"{where}: " if where else ""
        return BadResultFile(
            f"{self.source}: {place}expected {expected}, got {_show(value)}"
        )

    def field(self, container: dict[str, Any], key: str, where: str) -> Any:
        if key not in container:
            path = f"{where}.{key}" if where else key
            raise BadResultFile(f"{self.source}: {path}: missing")
        return container[key]

    def dict(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            expected = "an object" if where else "a JSON object at the top"
            raise self.fail(where, expected, value)
        return value

    def list(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "a list", value)
        return value

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, "a string", value)
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "true or false", value)
        return value

    def number(self, value: Any, where: str) -> float:
        if not _is_number(value):
            raise self.fail(where, "a number", value)
        return float(value)

    def count(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(where, "a whole number of at least 1", value)
        return value

    def numbers(self, value: Any, where: str) -> tuple[float, ...]:
        if not isinstance(value, list):
            raise self.fail(where, "a list of numbers", value)
        for i, item in enumerate(value):
            if not _is_number(item) or not math.isfinite(item) or item < 0:
                raise self.fail(f"{where}[{i}]", "a number of at least 0", item)
        return tuple(float(item) for item in value)

    def typed(self, value: Any, where: str, kind: Any) -> Any:
        """Check a dataclass field's value by its annotation."""
        if kind in ("int", int):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise self.fail(where, "a whole number", value)
            return value
        if kind in ("float", float):
            return self.number(value, where)
        if kind in ("bool", bool):
            return self.boolean(value, where)
        return self.string(value, where)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _show(value: Any) -> str:
    """A value as it looks in the file, cut short.

    >>> _show("abc"), _show(None), _show([1, 2]), _show("x" * 50)
    ('"abc"', 'null', '[1, 2]', '"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...')
    """
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."
