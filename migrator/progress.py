"""A progress bar on stderr for long runs on a terminal; nothing at all anywhere else."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

# A run that ends sooner never shows a bar: it would only flicker.
SHOW_AFTER_SECONDS = 1.0
REDRAW_EVERY_SECONDS = 0.1
BAR_WIDTH = 30


class ProgressBar:
    def __init__(
        self,
        stream: TextIO,
        show_after: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.enabled = _is_terminal(stream)
        self.show_after = SHOW_AFTER_SECONDS if show_after is None else show_after
        self.clock = clock
        self.started = clock()
        self.total = 0
        self.done = 0
        self.drawn = False
        self._last_draw = float("-inf")

    def set_total(self, total: int) -> None:
        self.total = total

    def advance(self, _result: object = None) -> None:
        self.done += 1
        if not self.enabled or not self.total:
            return
        now = self.clock()
        if now - self.started < self.show_after:
            return
        if now - self._last_draw < REDRAW_EVERY_SECONDS and self.done != self.total:
            return
        self._last_draw = now
        done = min(self.done, self.total)  # dependency and configuration files come on top
        filled = BAR_WIDTH * done // self.total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r[{bar}] {done}/{self.total} files")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Erase the bar so the report starts on a clean line."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
