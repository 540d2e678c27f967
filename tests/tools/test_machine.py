import multiprocessing
import sys

from parallel_guide.tools.machine import Machine, describe_machine


def test_describe_machine_reports_consistent_counts():
    machine = describe_machine()
    assert 1 <= machine.usable_cpus <= machine.logical_cpus
    assert machine.start_method in multiprocessing.get_all_start_methods()


def test_describe_machine_names_the_python_running_it():
    # Every measured page shows this, so a reader knows which Python built it.
    python = describe_machine().python
    assert python.lower().startswith(sys.implementation.name)  # "cpython"
    assert ".".join(map(str, sys.version_info[:3])) in python


def test_describe_machine_does_not_fix_the_start_method_as_a_side_effect():
    before = multiprocessing.get_start_method(allow_none=True)
    describe_machine()
    assert multiprocessing.get_start_method(allow_none=True) == before


def test_summary_names_cpus_python_and_start_method():
    one = Machine(1, 8, "CPython 3.14.0", True, "Darwin arm64", "spawn")
    assert one.summary() == (
        "1 usable CPU (of 8 logical), CPython 3.14.0 (free-threaded) on Darwin arm64, "
        "processes started with spawn"
    )
