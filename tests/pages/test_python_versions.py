import sys

import pytest

from parallel_guide.pages.python_versions import (
    CHANGES,
    changes_table,
    default_start_method,
    has_fix,
    probe,
)


def test_every_change_has_a_version_and_a_link():
    for change in CHANGES:
        assert change.version.startswith("3.")
        assert change.sources
        assert all(address.startswith("https://") for _, address in change.sources)
        assert change.how in ("feature", "version", "build")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ((3, 11, 2), False),
        ((3, 11, 5), True),
        ((3, 12, 0), True),
        ((3, 13, 0), True),
        ((3, 10, 12), False),
    ],
)
def test_has_fix_for_gh_94777(version, expected):
    assert has_fix([(3, 11, 5), (3, 12, 0)], version) is expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [((3, 13, 0), False), ((3, 14, 5), False), ((3, 14, 6), True), ((3, 15, 0), True)],
)
def test_has_fix_for_gh_115634(version, expected):
    assert has_fix([(3, 14, 6), (3, 15, 0)], version) is expected


def test_probe_agrees_with_the_version_where_the_feature_is_plain():
    here = dict(zip([c.what for c in CHANGES], probe(), strict=True))
    by_name = {c.what.split("`")[1] if "`" in c.what else c.what: c for c in CHANGES}
    queue_shutdown = by_name["queue.Queue.shutdown()"]
    assert here[queue_shutdown.what] is (sys.version_info >= (3, 13))
    terminate = by_name["ProcessPoolExecutor.terminate_workers()"]
    assert here[terminate.what] is (sys.version_info >= (3, 14))
    max_tasks = by_name["ProcessPoolExecutor(max_tasks_per_child=...)"]
    assert here[max_tasks.what] is True


def test_default_start_method_is_the_platforms():
    expected = {"win32": "spawn", "darwin": "spawn"}.get(
        sys.platform, "forkserver" if sys.version_info >= (3, 14) else "fork"
    )
    assert default_start_method() == expected


def test_changes_table_has_a_row_per_change_and_says_yes_or_no():
    here = probe()
    rows = changes_table(CHANGES, here).splitlines()[2:]
    assert len(rows) == len(CHANGES)
    for row, change, has in zip(rows, CHANGES, here, strict=True):
        assert row.startswith(f"| {change.version} |")
        answer = row.rsplit("|", 2)[1].strip()
        if change.how == "build":
            assert answer.startswith("this is a ")
        else:
            assert answer.startswith("yes" if has else "no")
