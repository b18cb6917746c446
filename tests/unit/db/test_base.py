"""Column types (db/base.py): exact decimals read back from integer cents and micro-units, and UTC timestamps
read back from SQLite's text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite

from ledgerd.db.base import Fine, Money, UTCDateTime


def _sqlite_processor() -> Callable[[Any], datetime | None]:
    process: Callable[[Any], datetime | None] = UTCDateTime().result_processor(sqlite.dialect(), None)
    return process


@pytest.mark.parametrize(("stored", "expected"), [
    ("2026-11-23 16:18:16.123456", datetime(2026, 11, 23, 16, 18, 16, 123456, tzinfo=UTC)),
    ("2026-11-23 16:18:16", datetime(2026, 11, 23, 16, 18, 16, tzinfo=UTC)),
    # Text that carries an offset (written by hand or another tool) is converted, not mislabelled.
    ("2026-11-23 18:18:16+02:00", datetime(2026, 11, 23, 16, 18, 16, tzinfo=UTC)),
    (datetime(2026, 1, 2, 3, 4, 5), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    (datetime(2026, 1, 2, 4, 4, 5, tzinfo=timezone(timedelta(hours=1))), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    (None, None),
])
def test_sqlite_timestamps_come_back_in_utc(stored: object, expected: datetime | None) -> None:
    value = _sqlite_processor()(stored)
    assert value == expected
    if value is not None:
        assert value.utcoffset() == timedelta(0)


def test_unparseable_sqlite_timestamp_is_an_error_not_a_wrong_value() -> None:
    with pytest.raises(ValueError):
        _sqlite_processor()("23/11/2026")


def test_exact_decimals_read_back_exactly_and_shared() -> None:
    process = Money.result_processor(sqlite.dialect(), None)
    fine = Fine.result_processor(sqlite.dialect(), None)
    assert process(None) is None
    assert [process(v) for v in (0, 1, -1, 4583, 500950, 10**15 + 7)] == \
        [Decimal("0.00"), Decimal("0.01"), Decimal("-0.01"), Decimal("45.83"), Decimal("5009.50"),
         Decimal("10000000000000.07")]
    assert process(4583) is process(4583)  # converted once, shared (decimals are immutable)
    assert fine(1_500_000) == Decimal("1.5") and str(fine(1)) == "0.000001"
