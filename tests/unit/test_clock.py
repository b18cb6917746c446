"""The injectable clock (ledgerd/clock.py): real time, shifted, or frozen, always timezone-aware UTC."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

from ledgerd.clock import Clock

AT = datetime(2024, 2, 29, 12, 30, 15, 250_000, tzinfo=UTC)


def test_real_time_is_aware_utc() -> None:
    clock = Clock()
    before = datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)
    assert abs(clock.timestamp() - time.time()) <= 1


def test_frozen_time_stands_still() -> None:
    clock = Clock()
    clock.freeze(AT)
    assert clock.now() == clock.now() == AT
    assert clock.timestamp() == int(AT.timestamp())
    assert clock.today() == AT.date()


def test_freezing_converts_to_utc_and_takes_a_naive_instant_as_utc() -> None:
    clock = Clock()
    clock.freeze(datetime(2024, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    clock.freeze(datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.today() == date(2023, 12, 31)  # today in UTC, not in the zone it was frozen in
    clock.freeze(datetime(2024, 1, 1, 2, 0))
    assert clock.now() == datetime(2024, 1, 1, 2, 0, tzinfo=UTC)


def test_freezing_without_an_instant_freezes_now() -> None:
    clock = Clock()
    before = datetime.now(UTC)
    clock.freeze()
    frozen = clock.now()
    assert before <= frozen <= datetime.now(UTC)
    time.sleep(0.01)
    assert clock.now() == frozen


def test_advance_moves_frozen_time() -> None:
    clock = Clock()
    clock.freeze(AT)
    clock.advance(timedelta(minutes=5, seconds=1))
    assert clock.now() == AT + timedelta(minutes=5, seconds=1)
    clock.advance(timedelta(days=-1))
    assert clock.now() == AT + timedelta(minutes=5, seconds=1) - timedelta(days=1)


def test_advance_and_shift_move_real_time() -> None:
    clock = Clock()
    clock.advance(timedelta(hours=1))
    assert abs(clock.timestamp() - (time.time() + 3600)) <= 1
    clock.advance(timedelta(hours=1))
    assert abs(clock.timestamp() - (time.time() + 7200)) <= 1
    clock.shift(timedelta(days=-2))
    assert abs((clock.now() - datetime.now(UTC)) - timedelta(days=-2)) < timedelta(seconds=1)


def test_shift_unfreezes() -> None:
    clock = Clock()
    clock.freeze(AT)
    clock.shift(timedelta(0))
    assert clock.now() > AT
    assert abs(clock.timestamp() - time.time()) <= 1


def test_reset_returns_to_the_wall_clock() -> None:
    clock = Clock()
    clock.freeze(AT)
    clock.advance(timedelta(days=3))
    clock.reset()
    assert abs(clock.timestamp() - time.time()) <= 1
    clock.shift(timedelta(days=30))
    clock.reset()
    assert abs(clock.timestamp() - time.time()) <= 1


def test_clock_is_aware_utc_and_real_by_default() -> None:
    clock = Clock()
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert abs(clock.timestamp() - now.timestamp()) < 5


def test_clock_freeze_and_advance() -> None:
    clock = Clock()
    at = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    clock.freeze(at)
    assert clock.now() == at and clock.now() == at
    clock.advance(timedelta(seconds=90))
    assert clock.now() == at + timedelta(seconds=90)
    assert clock.timestamp() == int(at.timestamp()) + 90
    clock.advance(timedelta(seconds=-30))
    assert clock.now() == at + timedelta(seconds=60)


def test_clock_freeze_naive_means_utc() -> None:
    clock = Clock()
    clock.freeze(datetime(2030, 6, 1, 12, 0))
    assert clock.now() == datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    assert clock.now().tzinfo is not None


def test_clock_shift_advance_and_reset() -> None:
    clock = Clock()
    clock.freeze(datetime(2030, 1, 1, tzinfo=UTC))
    clock.shift(timedelta(days=10))
    shifted = clock.now() - datetime.now(UTC)
    assert timedelta(days=10) - timedelta(seconds=5) < shifted <= timedelta(days=10)
    clock.advance(timedelta(days=1))
    assert timedelta(days=11) - timedelta(seconds=5) < clock.now() - datetime.now(UTC) <= timedelta(days=11)
    clock.reset()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_set_takes_a_whole_setting() -> None:
    """What every process does with the sandbox's shared setting (sandbox/shared.py): frozen, or running at an
    offset, replacing whatever the clock was set to."""
    clock = Clock()
    clock.shift(timedelta(days=3))
    clock.set(AT)
    assert (clock.now(), clock.frozen_at, clock.offset) == (AT, AT, timedelta(0))
    clock.set(None, timedelta(minutes=6))
    assert clock.frozen_at is None and clock.offset == timedelta(minutes=6)
    before = datetime.now(UTC)
    assert before + timedelta(minutes=6) <= clock.now() <= datetime.now(UTC) + timedelta(minutes=6)
    clock.set(None)
    assert clock.offset == timedelta(0) and abs(clock.timestamp() - time.time()) <= 1
