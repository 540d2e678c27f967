import multiprocessing
import os
import time

import pytest

from parallel_guide.pages import mandelbrot
from parallel_guide.pages.mandelbrot import as_text, escape_counts, render, timed_row


def test_points_inside_never_escape_and_points_far_outside_escape_at_once():
    view = (-0.1, 0.1, 0.0, 0.0)  # around 0, which is in the set
    assert escape_counts(0, 2, 1, 40, view=view) == [40, 40]
    far = (5.0, 6.0, 5.0, 5.0)
    assert escape_counts(0, 3, 1, 40, view=far) == [1, 1, 1]


def test_the_set_is_symmetric_about_the_real_axis():
    view = (-2.0, 0.5, -1.0, 1.0)
    height = 10
    rows = [escape_counts(r, 25, height, 50, view=view) for r in range(height)]
    assert rows == rows[::-1]


def test_timed_row_reports_the_row_its_worker_and_times():
    before = time.time()
    row, counts, pid, started, finished = timed_row((3, 8, 6, 20))
    assert (row, counts, pid) == (3, escape_counts(3, 8, 6, 20), os.getpid())
    assert before <= started <= finished <= time.time()


@pytest.mark.parametrize("chunksize", [1, 3, 100])
def test_render_in_a_pool_gives_the_rows_of_the_loop_in_order(
    monkeypatch, start_method, chunksize
):
    monkeypatch.setattr(
        mandelbrot, "Pool", multiprocessing.get_context(start_method).Pool
    )
    expected = [escape_counts(row, 20, 12, 30) for row in range(12)]
    assert render(20, 12, 30, processes=2, chunksize=chunksize) == expected


def test_as_text_darkens_with_the_count_and_fills_the_set():
    assert as_text([[0, 10, 19, 20]], 20, shades=" .@") == " .@@"
    assert as_text([[20], [0]], 20, shades=" .@") == "@\n "
