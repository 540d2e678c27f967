import shutil
import subprocess
import time
from multiprocessing import get_context
from pathlib import Path

import pytest

from parallel_guide.key_differences import (
    decision_guide_links,
    faster_of,
    first_and_last,
    load_average,
    uneven_limits,
)
from parallel_guide.workloads import count_primes, wait

DOCS = Path(__file__).resolve().parents[1] / "docs"
DECISION_GUIDE = DOCS / "_includes" / "decision_guide.dot"


def test_a_list_arrives_all_at_once():
    def slow_list():
        time.sleep(0.2)
        return [1, 2, 3]

    first, last = first_and_last(slow_list)
    # Nothing arrives before the whole list is built.
    assert 0.2 <= first <= last


def test_an_iterator_delivers_its_first_result_before_its_last():
    def trickle():
        for seconds in (0.05, 0.3):
            time.sleep(seconds)
            yield seconds

    first, last = first_and_last(trickle)
    assert 0.05 <= first < last
    assert last >= 0.35


def test_no_results_is_an_error():
    with pytest.raises(ValueError, match="no results"):
        first_and_last(list)


@pytest.mark.timeout(60)
def test_imap_unordered_hands_over_small_items_before_map_does():
    # The large item takes far longer than the small ones together.
    items = [0.6] + [0.01] * 5
    with get_context("spawn").Pool(2) as pool:
        pool.map(wait, [0, 0])  # workers started before timing
        map_first, map_last = first_and_last(lambda: pool.map(wait, items, chunksize=1))
        unordered_first, _ = first_and_last(
            lambda: pool.imap_unordered(wait, items, chunksize=1)
        )
    # map's first result waits for the large item; imap_unordered's does not.
    assert 0.6 <= map_first <= map_last
    assert unordered_first < map_first


def test_uneven_limits_puts_the_large_item_first():
    items = uneven_limits(5, 10, 1000)
    assert items == [1000, 10, 10, 10, 10]
    assert count_primes(items[0]) > count_primes(items[1])
    with pytest.raises(ValueError, match="at least 1"):
        uneven_limits(0, 10, 1000)


def test_every_link_in_the_decision_guide_leads_to_a_page():
    links = decision_guide_links(DECISION_GUIDE)
    assert links, "the decision guide links to the pages that measure each tool"
    # URLs are written relative to a page one folder deep, docs/<folder>/x.md.
    for link in links:
        target = (DOCS / "tutorial" / link).resolve().with_suffix(".md")
        assert target.is_file(), f"{link} has no page {target}"


def test_the_decision_guide_covers_every_tool():
    lines = DECISION_GUIDE.read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("//"))
    for tool in (
        "NumPy",
        "Processes",
        "Threads",
        "asyncio",
        "free-threaded",
        "Subinterpreters",
        "Dask",
        "bottleneck?",
    ):
        assert tool in text, tool


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz's dot")
def test_the_decision_guide_renders_as_svg_with_a_title_and_white_background():
    svg = subprocess.run(
        ["dot", "-Tsvg", str(DECISION_GUIDE)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert "<title>Decision guide: from your bottleneck" in svg
    assert 'fill="white"' in svg


@pytest.mark.parametrize(
    ("threads", "processes", "words"),
    [
        (1.0, 1.9, "processes were faster"),
        (3.0, 1.2, "threads were faster"),
        (1.0, 1.1, "neither was clearly faster"),
        (1.1, 1.0, "neither was clearly faster"),
    ],
)
def test_faster_of_names_the_winner_only_beyond_the_margin(threads, processes, words):
    assert faster_of(threads, processes) == words


def test_faster_of_refuses_speedups_that_are_not_positive():
    with pytest.raises(ValueError, match="positive"):
        faster_of(0.0, 1.0)


def test_load_average_is_a_number_or_unknown():
    load = load_average()
    assert load is None or load >= 0
