"""Progress on standard error: a bar redrawn in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

import pytest

from ledgerd import progress
from ledgerd.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_without_a_terminal_at_most_every_two_seconds_and_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: now[0])
    out = io.StringIO()
    with Progress("import", out) as shown:
        shown.update(10, 100)
        now[0] += 0.5
        shown.update(20, 100)  # too soon after the last line
        now[0] += 2
        shown.update(60, 100)
        shown.update(70, 100)
    assert out.getvalue().splitlines() == ["import: 10/100 (10%)", "import: 60/100 (60%)", "import: 70/100 (70%)"]


def test_the_end_is_always_shown() -> None:
    out = io.StringIO()
    shown = Progress("db upgrade", out)
    shown.update(1, 8, "0001")
    shown.update(8, 8, "0008")
    shown.finish()
    assert out.getvalue().splitlines() == ["db upgrade: 1/8 (12%) 0001", "db upgrade: 8/8 (100%) 0008"]


def test_a_bar_on_a_terminal_redrawn_in_place_then_the_line_ended() -> None:
    out = Terminal()
    with Progress("import", out) as shown:
        shown.update(5, 10)
        shown.update(10, 10)
    text = out.getvalue()
    assert text.startswith("\rimport [###############...............] 5/10 (50%)")
    assert "\rimport [##############################] 10/10 (100%)" in text and text.endswith("\n")
    assert "\n" not in text[:-1]
