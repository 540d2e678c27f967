import re
import time
from multiprocessing import get_context
from pathlib import Path

import pytest

from parallel_guide import Timing
from parallel_guide.pages.key_differences import (
    decision_guide_links,
    faster_of,
    first_and_last,
    load_average,
    uneven_limits,
)
from parallel_guide.tools.workloads import count_primes, wait

DOCS = Path(__file__).resolve().parents[2] / "docs"
DECISION_GUIDE = DOCS / "_includes" / "decision_guide.md"
# The pages that include the guide, one folder below docs/ each.
GUIDE_PAGES = [
    DOCS / "tutorial" / "key_differences.md",
    DOCS / "reference" / "cheat_sheet.md",
]


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
    assert len(links) >= 9, "the guide links each tool's page, and measuring"
    for link in links:
        # Absolute names resolve the same from every page that includes it.
        assert link.startswith("/"), f"{link} is relative to the including page"
        target = DOCS / f"{link.removeprefix('/')}.md"
        assert target.is_file(), f"{link} has no page {target}"


@pytest.mark.parametrize("page", GUIDE_PAGES, ids=lambda page: page.stem)
def test_the_pages_include_the_decision_guide(page):
    include = "```{include} ../_includes/decision_guide.md\n```"
    assert include in page.read_text(encoding="utf-8")
    assert (page.parent / "../_includes/decision_guide.md").resolve() == DECISION_GUIDE


def read_guide() -> dict[int, tuple[str, list[str]]]:
    """The guide's questions by number: the question, and its answers' text."""
    questions: dict[int, tuple[str, list[str]]] = {}
    current: list[str] = []  # the question's text, then each answer's
    for line in DECISION_GUIDE.read_text(encoding="utf-8").splitlines():
        if line.startswith("%") or not line.strip():
            continue
        if match := re.match(r"(\d+)\. (.*)", line):
            current = [match[2]]
            questions[int(match[1])] = (current, [])
        elif match := re.match(r" {3}- (.*)", line):
            questions[max(questions)][1].append(match[1])
        elif questions and line.startswith("     "):
            answers = questions[max(questions)][1]
            answers[-1] += " " + line.strip()
        elif questions and line.startswith("   "):
            current[0] += " " + line.strip()
    return {n: (" ".join(text), answers) for n, (text, answers) in questions.items()}


def test_the_decision_guide_asks_numbered_yes_or_no_questions():
    questions = read_guide()
    assert list(questions) == list(range(1, len(questions) + 1))
    assert len(questions) >= 5
    for number, (question, answers) in questions.items():
        assert question.startswith("**"), question
        assert question.endswith("?**"), question
        replies = [answer.split(":")[0].split(",")[0] for answer in answers]
        assert replies == ["Yes", "No"], f"question {number}: {answers}"


def test_every_answer_names_a_tool_or_a_later_question():
    questions = read_guide()
    reached = {1}
    for number, (_, answers) in questions.items():
        for answer in answers:
            links = re.findall(r"\{doc\}`", answer)
            following = [int(n) for n in re.findall(r"go on to question (\d+)", answer)]
            assert bool(links) != bool(following), f"question {number}: {answer}"
            # Forward only: no answer leads back into a loop.
            assert all(number < n <= len(questions) for n in following), answer
            reached.update(following)
    assert reached == set(questions), "every question is reached from question 1"


@pytest.mark.parametrize(
    ("tool", "page"),
    [
        ("Dask", "/how-to/dask_distributed"),
        ("asyncio", "/how-to/asyncio_for_io"),
        ("threads", "/tutorial/task_parallel"),
        ("NumPy", "/tutorial/data_parallel"),
        ("threads", "/how-to/threads_for_data"),
        ("free-threaded Python", "/explanation/free_threading"),
        ("subinterpreters", "/explanation/subinterpreters"),
        ("processes", "/how-to/choose_chunksize"),
    ],
)
def test_the_decision_guide_answers_with_every_tool(tool, page):
    answers = [answer for _, replies in read_guide().values() for answer in replies]
    assert any(tool in answer and f"<{page}>" in answer for answer in answers)


THREADS = Timing((1.00, 1.04, 0.97, 1.02, 0.99))


def scaled(timing, factor):
    return Timing(tuple(run * factor for run in timing.seconds))


@pytest.mark.parametrize(
    ("factor", "words"),
    [
        (0.5, "processes were faster"),
        (2.0, "threads were faster"),
        (1.0, "neither was measurably faster on this build"),
    ],
)
def test_faster_of_words_all_three_verdicts(factor, words):
    assert faster_of(THREADS, scaled(THREADS, factor)) == words


def test_faster_of_names_no_winner_when_the_runs_overlap():
    # Processes' median is 5 % lower, but their runs interleave with the threads'.
    processes = Timing((0.93, 1.03, 0.955, 1.05, 0.94))
    assert processes.median < 0.96 * THREADS.median
    words = faster_of(THREADS, processes)
    assert words == "neither was measurably faster on this build"


def test_faster_of_needs_timings():
    with pytest.raises(TypeError, match="two Timing objects"):
        faster_of(1.0, 1.9)


def test_load_average_is_a_number_or_unknown():
    load = load_average()
    assert load is None or load >= 0
