import asyncio
import http.client
import itertools
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from parallel_guide.pages.asyncio_for_io import (
    count_primes_in_executor,
    count_primes_in_loop,
    default_thread_workers,
    fetch_blocking,
    limit_plot,
    loop_lag,
    measure_async,
    rounds_needed,
    run_guide_tasks,
)
from parallel_guide.pages.asyncio_requests import (
    HTTPStatusError,
    fetch,
    fetch_all,
    serve,
)
from parallel_guide.pages.task_timelines import GUIDE_SECONDS
from parallel_guide.tools.workloads import count_primes

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def server():
    with serve() as running:
        yield running


def test_fetch_returns_the_body_after_the_delay(server):
    start = time.perf_counter()
    body = asyncio.run(fetch(server.url("/a/b", delay=0.2)))
    assert body == "/a/b?delay=0.2\n"
    assert time.perf_counter() - start >= 0.2
    assert server.served == 1


def test_fetch_raises_on_an_error_status(server):
    with pytest.raises(HTTPStatusError, match="answered 503") as caught:
        asyncio.run(fetch(server.url("/down", status=503)))
    assert caught.value.status == 503


@pytest.mark.parametrize("url", ["https://example.org/", "ftp://x/", "not a url"])
def test_fetch_refuses_what_it_cannot_speak_before_connecting(url):
    with pytest.raises(ValueError, match="http://host"):
        asyncio.run(fetch(url))


def test_fetch_all_keeps_the_order_of_the_urls(server):
    # Later URLs answer sooner, so completion order is the reverse.
    urls = [server.url(f"/{i}", delay=0.05 * (5 - i)) for i in range(5)]
    bodies = asyncio.run(fetch_all(urls))
    assert bodies == [f"/{i}?delay={0.05 * (5 - i)}\n" for i in range(5)]


@pytest.mark.parametrize("limit", [1, 3, 8])
def test_semaphore_bounds_the_requests_in_flight_at_the_server(server, limit):
    count = 12
    urls = [server.url(f"/{i}", delay=0.1) for i in range(count)]
    asyncio.run(fetch_all(urls, limit=limit))
    # The server counted them: never more than the limit, and the limit reached.
    assert server.max_in_flight == limit
    assert server.served == count


def test_without_a_limit_every_request_is_in_flight_at_once(server):
    urls = [server.url(f"/{i}", delay=0.5) for i in range(30)]
    start = time.perf_counter()
    asyncio.run(fetch_all(urls))
    assert server.max_in_flight == 30
    assert time.perf_counter() - start < 30 * 0.5 / 2  # far from one at a time


@pytest.mark.parametrize("limit", [0, -1])
def test_fetch_all_refuses_a_limit_below_one(limit):
    with pytest.raises(ValueError, match="at least 1, or None"):
        asyncio.run(fetch_all(["http://127.0.0.1:1/"], limit=limit))


def test_a_failure_cancels_the_other_requests_and_except_star_catches_it(server):
    urls = [server.url(f"/slow/{i}", delay=20) for i in range(3)]
    urls.append(server.url("/broken", status=500, delay=0.1))
    caught = []

    async def main():
        try:
            await fetch_all(urls)
        except* HTTPStatusError as group:
            caught.extend(group.exceptions)

    start = time.perf_counter()
    asyncio.run(main())
    assert time.perf_counter() - start < 10  # the slow requests were cancelled
    assert [error.status for error in caught] == [500]
    # The server saw the three slow clients hang up.
    deadline = time.monotonic() + 5
    while server.abandoned < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.abandoned == 3


def test_failures_that_happen_together_are_grouped_and_split_by_type():
    # Each bad address fails in its task's first step, before any task could
    # cancel the others, so the group holds all of them.
    urls = ["ftp://a/", "gopher://b/", "https://c/"]
    with pytest.raises(ExceptionGroup) as caught:
        asyncio.run(fetch_all(urls))
    matched, rest = caught.value.split(ValueError)
    assert rest is None
    assert len(matched.exceptions) == 3


def test_timeout_fires_and_the_server_sees_the_client_hang_up(server):
    async def main():
        async with asyncio.timeout(0.3):
            await fetch(server.url("/stuck", delay=30))

    start = time.perf_counter()
    with pytest.raises(TimeoutError):
        asyncio.run(main())
    assert 0.3 <= time.perf_counter() - start < 10
    deadline = time.monotonic() + 5
    while server.abandoned < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.abandoned == 1
    assert server.in_flight == 0


def test_stopping_the_server_ends_waiting_requests_and_leaves_no_thread():
    names_before = {t.name for t in threading.enumerate()}
    # The server stops first (the with statement exits right to left).
    with ThreadPoolExecutor(1) as client, serve() as server:
        # A blocking client whose request would take a minute.
        pending = client.submit(fetch_blocking, server.url("/long", delay=60), 60)
        deadline = time.monotonic() + 5
        while server.in_flight < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        start = time.perf_counter()
    assert time.perf_counter() - start < 10
    # The server closed the connection without an answer.
    with pytest.raises(http.client.RemoteDisconnected):
        pending.result()
    assert {t.name for t in threading.enumerate()} <= names_before


def test_guide_tasks_overlap_in_a_task_group_and_not_one_after_another(server):
    scale = 0.2
    together = asyncio.run(run_guide_tasks(server, together=True, scale=scale))
    apart = asyncio.run(run_guide_tasks(server, together=False, scale=scale))
    names = ["download_data", "process_data", "generate_report"]
    results = ["Data from database", "Processed raw_data", "Report: analytics"]
    for runs in (together, apart):
        assert [run.name for run in runs] == names
        assert [run.result for run in runs] == results
        for run in runs:
            assert run.finished - run.started >= scale * GUIDE_SECONDS[run.name]
    # Together: all started before any finished (the loop starts the three
    # tasks in one pass, before any of their waits can end), so the end is
    # the longest task's.
    assert max(run.started for run in together) < min(run.finished for run in together)
    # Apart: each starts when the previous one has finished.
    for earlier, later in itertools.pairwise(apart):
        assert later.started >= earlier.finished


def test_cpu_work_on_the_loop_stalls_it_and_in_a_process_pool_does_not():
    limit = 60_000

    async def main():
        with ProcessPoolExecutor(max_workers=1) as pool:
            await count_primes_in_executor(pool, 10)  # start the worker first
            on_loop = await loop_lag(lambda: count_primes_in_loop(limit))
            in_pool = await loop_lag(lambda: count_primes_in_executor(pool, limit))
        return on_loop, in_pool

    start = time.perf_counter()
    (on_loop_result, on_loop_lag), (in_pool_result, in_pool_lag) = asyncio.run(main())
    assert on_loop_result == in_pool_result == count_primes(limit)
    # On the loop, the ticker waits for the whole computation.
    assert on_loop_lag > in_pool_lag
    assert on_loop_lag < time.perf_counter() - start


def test_loop_lag_of_pure_waiting_is_small():
    result, waiting = asyncio.run(loop_lag(lambda: asyncio.sleep(0.2, "done")))
    assert result == "done"

    async def block():
        time.sleep(1.0)  # the point: it keeps the loop from running

    # Blocking the loop for a second makes the ticker late by that second; a
    # wait that yields leaves it nearly on time (a busy machine may still
    # wake it late, but not by the whole second).
    _, blocked = asyncio.run(loop_lag(block))
    assert blocked >= 1.0 - 0.005
    assert 0 <= waiting < blocked


def test_measure_async_times_each_run_and_refuses_bad_counts():
    timing = asyncio.run(measure_async(lambda: asyncio.sleep(0.05), repeat=3))
    assert len(timing.seconds) == 3
    assert timing.min >= 0.05
    with pytest.raises(ValueError, match="at least 1"):
        asyncio.run(measure_async(lambda: asyncio.sleep(0), repeat=0))


def test_to_thread_runs_at_most_the_default_executor_size_at_once(server):
    count = default_thread_workers() + 4
    urls = [server.url(f"/{i}", delay=0.2) for i in range(count)]

    async def main():
        async with asyncio.TaskGroup() as group:
            for url in urls:
                group.create_task(asyncio.to_thread(fetch_blocking, url))

    asyncio.run(main())
    assert server.max_in_flight == default_thread_workers()


def test_rounds_needed():
    assert [rounds_needed(10, k) for k in (1, 3, 10, 11)] == [10, 4, 1, 1]
    assert rounds_needed(0, None) == 0
    with pytest.raises(ValueError, match="at least 1"):
        rounds_needed(10, 0)


def test_limit_plot_draws_a_bar_per_limit():
    fig = limit_plot({1: 2.0, 5: 0.4, None: 0.1}, count=20, delay=0.1, serial=2.0)
    ax = fig.axes[0]
    assert [round(p.get_height(), 2) for p in ax.patches] == [2.0, 0.4, 0.1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "5", "no limit"]
