import asyncio
import queue
import sys
import threading

import pytest

from parallel_guide.pages.producer_consumer import (
    STOP,
    consume,
    consume_async,
    consume_until_shut_down,
    measure_backlog,
    put_payload,
    square,
)
from parallel_guide.pages.queue_pipeline import run


def _start_threads(target, tasks, results, count):
    threads = [
        threading.Thread(target=target, args=(tasks, results)) for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    return threads


@pytest.mark.timeout(60)
def test_one_sentinel_per_consumer_stops_every_thread():
    tasks, results = queue.Queue(), queue.Queue()
    threads = _start_threads(consume, tasks, results, 3)
    for number in range(10):
        tasks.put(number)
    for _ in threads:
        tasks.put(STOP)
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(results.get_nowait() for _ in range(10)) == [n * n for n in range(10)]
    assert results.empty()


def test_consume_gives_up_when_no_item_comes(monkeypatch):
    monkeypatch.setattr("parallel_guide.pages.producer_consumer.TIMEOUT", 0.05)
    with pytest.raises(queue.Empty):
        consume(queue.Queue(), queue.Queue())


@pytest.mark.skipif(
    sys.version_info < (3, 13), reason="Queue.shutdown() is new in 3.13"
)
@pytest.mark.timeout(60)
def test_shutdown_stops_every_consumer_after_the_queue_is_drained():
    tasks, results = queue.Queue(), queue.Queue()
    threads = _start_threads(consume_until_shut_down, tasks, results, 3)
    for number in range(10):
        tasks.put(number)
    tasks.shutdown()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(results.get_nowait() for _ in range(10)) == [n * n for n in range(10)]
    with pytest.raises(queue.ShutDown):
        tasks.put(10)


@pytest.mark.timeout(60)
def test_the_same_consumer_runs_in_processes(mp_context):
    tasks, results = mp_context.Queue(), mp_context.Queue()
    workers = [
        mp_context.Process(target=consume, args=(tasks, results)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for number in range(6):
        tasks.put(number)
    for _ in workers:
        tasks.put(STOP)
    squares = sorted(results.get(timeout=30) for _ in range(6))
    for worker in workers:
        worker.join(timeout=30)
    assert squares == [square(n) for n in range(6)]
    assert [worker.exitcode for worker in workers] == [0, 0]


@pytest.mark.timeout(60)
def test_async_consumers_stop_at_their_sentinels():
    async def main():
        tasks, results = asyncio.Queue(), []
        async with asyncio.TaskGroup() as group:
            for _ in range(3):
                group.create_task(consume_async(tasks, results))
            for number in range(5):
                await tasks.put(number)
            for _ in range(3):
                await tasks.put(STOP)
        return sorted(results)

    assert asyncio.run(main()) == [0, 1, 4, 9, 16]


@pytest.mark.timeout(60)
def test_a_bounded_queue_holds_the_producer_back():
    bounded = measure_backlog(maxsize=3, items=12, seconds=0.005)
    assert 1 <= bounded.most_waiting <= 3
    assert bounded.producer_done <= bounded.consumer_done


@pytest.mark.timeout(60)
def test_an_unbounded_queue_lets_items_pile_up():
    # Twelve puts take microseconds; the consumer needs 0.05 s an item, so it
    # would have to fall behind by a whole half-second for no more than three
    # items ever to wait, which is what the bounded queue above guarantees.
    unbounded = measure_backlog(maxsize=0, items=12, seconds=0.05)
    assert unbounded.most_waiting > 3


@pytest.mark.timeout(60)
def test_a_large_item_keeps_its_process_alive_until_it_is_read(mp_context):
    items = mp_context.Queue()
    worker = mp_context.Process(target=put_payload, args=(items, 1_000_000))
    worker.start()
    try:
        worker.join(timeout=1)
        assert worker.is_alive()  # finished its function, cannot end: item unread
        assert len(items.get(timeout=30)) == 1_000_000
        worker.join(timeout=30)
        assert worker.exitcode == 0
    finally:
        if worker.is_alive():
            worker.kill()
            worker.join()


@pytest.mark.timeout(90)
def test_the_program_squares_everything_and_its_consumers_end_cleanly():
    done, exit_codes = run(range(15), workers=3)
    assert done == {n: n * n for n in range(15)}
    assert exit_codes == [0, 0, 0]
