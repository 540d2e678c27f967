"""The leak check itself: it must see what it is meant to catch."""

import multiprocessing
import threading


def test_a_thread_still_running_is_reported(find_leftovers):
    before = set(threading.enumerate())
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="lingering")
    thread.start()
    try:
        _, threads = find_leftovers(before, grace=0.2)
        assert [t.name for t in threads] == ["lingering"]
    finally:
        release.set()
        thread.join()
    assert find_leftovers(before, grace=0.2) == ([], [])


def test_a_child_process_still_running_is_reported(find_leftovers):
    before = set(threading.enumerate())
    release = multiprocessing.get_context("spawn").Event()
    child = multiprocessing.get_context("spawn").Process(target=release.wait)
    child.start()
    try:
        processes, _ = find_leftovers(before, grace=0.2)
        assert [p.pid for p in processes] == [child.pid]
    finally:
        release.set()
        child.join(timeout=30)
    assert find_leftovers(before, grace=0.2) == ([], [])
