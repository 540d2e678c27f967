"""Plain-text tables for the terminal, as ``python -m parallel_guide`` prints them."""

from __future__ import annotations

from collections.abc import Collection, Sequence

__all__ = ["text_table"]


def text_table(
    header: Sequence[str],
    body: Sequence[Sequence[str]],
    *,
    right: Collection[int] = (),
) -> str:
    """Columns padded to their widest cell, a rule under the header.

    Columns whose index is in ``right`` are right-aligned (numbers).

    >>> print(
    ...     text_table(("row", "seconds"), [("cold", "12.5"), ("warm", "3")], right={1})
    ... )
    row   seconds
    ----  -------
    cold     12.5
    warm        3
    """
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = tuple("-" * width for width in widths)
    return "\n".join(line(row) for row in [header, rule, *body])
