"""Durations, instants and how the clock's setting is written (sandbox/clock.py): no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ledgerd.errors import Invalid
from ledgerd.sandbox.clock import duration_str, parse_duration, parse_instant


@pytest.mark.parametrize(("text", "delta"), [
    ("6m", timedelta(minutes=6)), ("32d", timedelta(days=32)), ("1h30m", timedelta(hours=1, minutes=30)),
    ("2w", timedelta(weeks=2)), ("90s", timedelta(seconds=90)), ("1d12h", timedelta(days=1, hours=12)),
    (" 6M ", timedelta(minutes=6)), ("PT6M", timedelta(minutes=6)), ("P32D", timedelta(days=32)),
    ("P1DT12H", timedelta(days=1, hours=12)), ("P2W", timedelta(weeks=2)), ("pt90s", timedelta(seconds=90)),
])
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "6", "m", "6 minutes", "-6m", "1.5h", "30m1h", "P", "PT", "P1M", "0m", "0s"])
def test_what_is_no_duration(text: str) -> None:
    with pytest.raises(Invalid):
        parse_duration(text)


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(0), "0s"), (timedelta(minutes=6), "6m"), (timedelta(days=32), "32d"),
    (timedelta(hours=1, minutes=30), "1h30m"), (-timedelta(minutes=6), "-6m"),
    (timedelta(seconds=1.5), "1.5s"),
])
def test_durations_are_written_as_they_are_read(delta: timedelta, text: str) -> None:
    assert duration_str(delta) == text
    if delta > timedelta(0) and "." not in text:  # fractions of a second are written, not read
        assert parse_duration(text) == delta


@pytest.mark.parametrize(("text", "instant"), [
    ("2024-06-15T12:00:00Z", datetime(2024, 6, 15, 12, tzinfo=UTC)),
    ("2024-06-15T14:00:00+02:00", datetime(2024, 6, 15, 12, tzinfo=UTC)),
    ("2024-06-15T12:00:00", datetime(2024, 6, 15, 12, tzinfo=UTC)),
    ("2024-06-15", datetime(2024, 6, 15, tzinfo=UTC)),
    ("2024-06-15T12:00:00.250Z", datetime(2024, 6, 15, 12, 0, 0, 250_000, tzinfo=UTC)),
])
def test_instants(text: str, instant: datetime) -> None:
    assert parse_instant(text) == instant


@pytest.mark.parametrize("text", ["", "tomorrow", "2024-13-01", "1969-12-31T23:59:59Z", "9999-06-01T00:00:00Z"])
def test_what_is_no_instant_the_clock_can_show(text: str) -> None:
    with pytest.raises(Invalid):
        parse_instant(text)
