"""tests/FAULTS.md, the fault catalogue the tests number their scenarios by.

Every number a test cites has an entry, and every test an entry names exists.
"""

import re
from pathlib import Path

import pytest

TESTS = next(p for p in Path(__file__).resolve().parents if p.name == "tests")
CATALOGUE = TESTS / "FAULTS.md"
SHORT_NAMES = {
    "pm": "test_parallel_map.py",
    "rt": "test_run_tasks.py",
    "wrong": "test_what_can_go_wrong.py",
}


def entries() -> dict[int, str]:
    text = CATALOGUE.read_text()
    parts = re.split(r"^## (\d+)\. ", text, flags=re.MULTILINE)
    return {
        int(number): body for number, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def test_the_entries_are_numbered_1_to_30_in_order():
    assert list(entries()) == list(range(1, 31))


def test_every_entry_says_what_to_expect_and_which_tests_show_it():
    for number, body in entries().items():
        for part in ("**Expected.**", "**Ours.**", "**Upstream.**"):
            assert part in body, f"entry {number} has no {part}"


def cited_numbers(path: Path) -> set[int]:
    headers = re.findall(r"^# -- (#\d+(?:, #\d+)*) ", path.read_text(), re.MULTILINE)
    return {int(n) for header in headers for n in re.findall(r"\d+", header)}


@pytest.mark.parametrize("name", sorted(SHORT_NAMES.values()))
def test_every_number_a_test_file_cites_has_an_entry(name):
    [path] = TESTS.rglob(name)
    cited = cited_numbers(path)
    assert cited, f"{name} cites no catalogue number"
    assert cited <= set(entries())


def named_tests() -> list[tuple[str, str]]:
    names = []
    for body in entries().values():
        ours = body.split("**Ours.**")[1].split("**Upstream.**")[0]
        for file, test in re.findall(r"(\w+(?:\.py)?)::`(test_\w+)`", ours):
            names.append((SHORT_NAMES.get(file, file), test))
        names += re.findall(r"`(test_\w+\.py)::(test_\w+)`", ours)
    return names


def test_every_test_an_entry_names_exists():
    names = named_tests()
    assert len(names) > 100
    missing = []
    for file, test in names:
        [path] = TESTS.rglob(file)
        if not re.search(rf"^def {test}\(", path.read_text(), re.MULTILINE):
            missing.append(f"{file}::{test}")
    assert missing == []
