"""Progress of a long job on standard error: a bar redrawn in place on a terminal, plain lines otherwise (a log,
a CI job), so a job's output stays readable wherever it goes. Standard output stays the job's own (an export)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
# Without a terminal: a line at most this often (seconds), and at the end.
LINE_EVERY = 2.0
# On a terminal: the bar is redrawn at most this often.
REDRAW_EVERY = 0.1


class Progress:
    """`update(done, total)` as the job goes, `finish()` at its end (or use it as a context manager)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self._shown = 0.0
        self._last: tuple[int, int, str] | None = None
        self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()

    def update(self, done: int, total: int, note: str = "") -> None:
        self._last = (done, total, note)
        now = time.monotonic()
        if now - self._shown < (REDRAW_EVERY if self.tty else LINE_EVERY) and done < total:
            return
        self._shown = now
        self._show(done, total, note)

    def _show(self, done: int, total: int, note: str) -> None:
        share = done / total if total else 1.0
        text = f"{done}/{total} ({share:.0%})" + (f" {note}" if note else "")
        if self.tty:
            filled = round(WIDTH * share)
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {text}\x1b[K")
            self._drawn = True
        else:
            self.stream.write(f"{self.label}: {text}\n")
        self.stream.flush()

    def finish(self) -> None:
        """The last state shown (if it was not), and the line ended on a terminal."""
        if self._last is not None and self._shown and self._last[0] < self._last[1]:
            self._show(*self._last)
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False
