"""The troubleshooting page lists messages that current Python really prints."""

import multiprocessing
import re
import sys
from pathlib import Path

import pytest

from parallel_guide.pages.troubleshooting import FAILURES, Failure, reproduce

PAGE = Path(__file__).resolve().parents[2] / "docs" / "how-to" / "troubleshooting.md"


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_each_message_is_what_this_python_prints(name):
    failure = FAILURES[name]
    if sys.version_info < failure.since:
        pytest.skip(f"{name} is printed from Python {failure.since} on")
    if failure.start_method == "spawn" and "spawn" not in (
        multiprocessing.get_all_start_methods()
    ):
        pytest.skip("needs the spawn start method")
    run = reproduce(name, timeout=60)
    assert not run.timed_out, f"{name} hung instead of failing"
    assert failure.found_in(run.stderr + run.stdout), (
        f"{failure.message!r} not found in:\n{run.stderr}"
    )


def test_before_312_fork_with_threads_is_silent():
    if sys.version_info >= (3, 12):
        pytest.skip("the warning exists from 3.12")
    with pytest.raises(RuntimeError, match=r"from Python 3\.12 on only"):
        reproduce("fork_with_threads")


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_each_message_heads_a_section_of_the_page(name):
    headings = [
        line for line in PAGE.read_text().splitlines() if line.startswith("## ")
    ]
    assert any(FAILURES[name].message in heading for heading in headings)


def test_every_section_links_to_a_running_example_or_runs_one():
    sections = PAGE.read_text().split("\n## ")[1:]
    for section in sections:
        if section.startswith(("Checked on this build", "In practice")):
            continue
        runs_here = "{code-cell}" in section
        links = re.search(r"\]\([\w./-]+\.md#[\w-]+\)", section)
        assert runs_here or links, f"no demonstration for: {section.splitlines()[0]}"


def test_dots_match_what_varies_and_spaces_match_line_breaks():
    failure = Failure("This process (pid=...) is multi-threaded, use of fork()", "")
    assert failure.found_in(
        "x: This process (pid=42) is\n   multi-threaded, use of fork()"
    )
    assert not failure.found_in("This process (pid=42) is single-threaded")


def test_special_characters_in_messages_are_literal():
    failure = Failure("asyncio.run() cannot", "")
    assert failure.found_in("asyncio.run() cannot")
    assert not failure.found_in("asyncioXrun() cannot")


def test_reproduce_names_the_choices_for_an_unknown_failure():
    with pytest.raises(KeyError, match="choose from"):
        reproduce("segfault")
