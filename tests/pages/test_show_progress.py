import io
from concurrent.futures import ProcessPoolExecutor, as_completed

import pytest
from tqdm import tqdm

from parallel_guide.pages.show_progress import bar_count, pause, progress_line


@pytest.fixture(autouse=True)
def no_tqdm_monitor_thread(monkeypatch):
    """tqdm's monitor thread outlives the bar; the leak check would fail on it."""
    monkeypatch.setattr(tqdm, "monitor_interval", 0)


def test_pause_returns_its_seconds():
    assert pause(0) == 0


def test_progress_line_counts_and_rounds_the_share():
    assert progress_line(0, 8) == "0/8 done (0%)"
    assert progress_line(1, 3) == "1/3 done (33%)"
    assert progress_line(8, 8) == "8/8 done (100%)"


@pytest.mark.timeout(60)
def test_as_completed_counts_every_task_once(mp_context):
    with ProcessPoolExecutor(max_workers=2, mp_context=mp_context) as pool:
        futures = [pool.submit(pause, s) for s in (0.2, 0, 0, 0)]
        seen = [f.result() for f in as_completed(futures, timeout=30)]
    assert sorted(seen) == [0, 0, 0, 0.2]


@pytest.mark.timeout(60)
def test_imap_yields_in_order_whatever_finishes_first(mp_context):
    durations = [0.2, 0, 0, 0]
    with mp_context.Pool(2) as pool:
        assert list(pool.imap(pause, durations)) == durations


@pytest.mark.timeout(60)
def test_a_tqdm_bar_over_imap_reaches_its_total(mp_context):
    drawn = io.StringIO()
    with mp_context.Pool(2) as pool:
        bar = tqdm(pool.imap(pause, [0] * 20, chunksize=5), total=20, file=drawn)
        results = list(bar)
    assert results == [0] * 20
    assert bar.n == bar.total == 20


@pytest.mark.timeout(90)
def test_process_map_bar_counts_items_with_chunksize_one():
    assert bar_count(items=12, chunksize=1, max_workers=2) == (12, 12)


@pytest.mark.timeout(90)
def test_process_map_bar_with_chunks_counts_items_or_chunks():
    # tqdm 4.70 counts one per chunk (tqdm/tqdm#1791); before, and once fixed,
    # one per item.  The page glues whichever this tqdm does.
    counted, total = bar_count(items=30, chunksize=10, max_workers=2)
    assert total == 30
    assert counted in (3, 30)
