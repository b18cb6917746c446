"""How decimals and timestamps are written as text (ledgerd/formats.py), as Sage writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ledgerd.formats import decimal_str, timestamp_str


@pytest.mark.parametrize(("value", "text"), [
    ("0", "0.0"), ("0.00", "0.0"), ("-0", "0.0"), ("-0.00", "0.0"), ("0E-6", "0.0"),
    ("45.83", "45.83"), ("5009.50", "5009.5"), ("5009.5", "5009.5"), ("100", "100.0"), ("100.00", "100.0"),
    ("120.000000", "120.0"), ("-1.50", "-1.5"), ("-7", "-7.0"), ("0.000001", "0.000001"), ("0.10", "0.1"),
    ("9999999999.99", "9999999999.99"), ("-9999999999.99", "-9999999999.99"), ("1000", "1000.0"),
    ("1E+3", "1000.0"), ("1E-7", "0.0000001"), ("1.5E+3", "1500.0"), ("2.50E-5", "0.000025"),
    ("123456789.123456", "123456789.123456"),
])
def test_decimal_str_is_the_shortest_form_with_a_fractional_digit(value: str, text: str) -> None:
    assert decimal_str(Decimal(value)) == text


def test_decimal_str_depends_only_on_the_value() -> None:
    assert {decimal_str(Decimal(v)) for v in ("1.5", "1.50", "1.500000", "15E-1", "0.15E1")} == {"1.5"}


@pytest.mark.parametrize(("moment", "text"), [
    (datetime(2024, 1, 31, 10, 0, 0, tzinfo=UTC), "2024-01-31T10:00:00Z"),
    (datetime(2024, 1, 31, 10, 0, 0, 999_999, tzinfo=UTC), "2024-01-31T10:00:00Z"),
    (datetime(2024, 1, 31, 1, 30, tzinfo=timezone(timedelta(hours=2))), "2024-01-30T23:30:00Z"),
    (datetime(1900, 1, 1, tzinfo=UTC), "1900-01-01T00:00:00Z"),
])
def test_timestamp_str_is_utc_to_the_second_with_z(moment: datetime, text: str) -> None:
    assert timestamp_str(moment) == text


@pytest.mark.parametrize(("value", "expected"), [
    ("0", "0.0"),
    ("0.00", "0.0"),
    ("45.830", "45.83"),
    ("5009.50", "5009.5"),
    ("100", "100.0"),
    ("1E+2", "100.0"),
    ("-430035.84", "-430035.84"),
    ("0.001", "0.001"),
    ("12345678901234.56", "12345678901234.56"),
])
def test_decimal_str(value: str, expected: str) -> None:
    assert decimal_str(Decimal(value)) == expected


def test_timestamp_str_is_utc_with_z() -> None:
    assert timestamp_str(datetime(2024, 3, 1, 9, 5, 7, 123456, tzinfo=UTC)) == "2024-03-01T09:05:07Z"
    plus_two = timezone(timedelta(hours=2))
    assert timestamp_str(datetime(2024, 3, 1, 1, 0, 0, tzinfo=plus_two)) == "2024-02-29T23:00:00Z"
    minus_five = timezone(timedelta(hours=-5, minutes=-30))
    assert timestamp_str(datetime(2024, 12, 31, 20, 0, 0, tzinfo=minus_five)) == "2025-01-01T01:30:00Z"
