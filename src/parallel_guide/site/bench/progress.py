"""A progress bar over the sections of a run, on standard error by default.

:func:`~parallel_guide.site.bench.measure.run_bench` shows one when asked to
(``python -m parallel_guide bench`` does, unless given ``--no-progress``).
"""

from __future__ import annotations

import sys
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """A progress bar over the sections: tqdm's if installed, else one line."""

    def __init__(self, total: int, *, enabled: bool, stream: TextIO | None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.done = -1
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(
                    total=total, file=self.stream, unit="section", desc="bench"
                )

    def step(self, title: str) -> None:
        """Mark the previous section finished and name the next one."""
        self.done += 1
        if not self.enabled:
            return
        if self.bar is not None:
            if self.done:
                self.bar.update(1)
            self.bar.set_postfix_str(title)
            return
        width = 20
        filled = width * self.done // self.total
        end = "\r" if getattr(self.stream, "isatty", lambda: False)() else "\n"
        self.stream.write(
            f"bench [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done}/{self.total} {title}{end}"
        )
        self.stream.flush()

    def close(self) -> None:
        """Leave the terminal on a fresh line."""
        if self.bar is not None:
            self.bar.close()
        elif self.enabled and getattr(self.stream, "isatty", lambda: False)():
            self.stream.write("\n")
