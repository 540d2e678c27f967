"""Bad counts, and what tools.checks.check_count says of each, for parametrize.

The page modules and tools validate counts with check_count; their tests check
that each function does so eagerly, with the same cases.
"""


def bad_counts(name: str) -> list[tuple[object, type[Exception], str]]:
    """``(value, exception type, message)`` for each bad value of ``name``."""
    return [
        (0, ValueError, f"{name} must be at least 1, got 0"),
        (-1, ValueError, f"{name} must be at least 1, got -1"),
        (1.5, TypeError, f"{name} must be an int, got float"),
        (True, TypeError, f"{name} must be an int, got bool"),
    ]
