"""Query parameter readers (api/params.py): typed values, or a 400 naming the parameter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from ledgerd.api import params
from ledgerd.http.errors import InvalidParameter, status_of


def refused(read: Callable[[str, str], Any], raw: str, name: str = "from_date") -> str:
    with pytest.raises(InvalidParameter) as caught:
        read(name, raw)
    error = caught.value
    assert (status_of(error), error.problems[0].source, error.problems[0].code) == (400, name, "InvalidParameter")
    return error.message


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("TRUE", True), (" yes ", True), ("1", True),
                                            ("false", False), ("False", False), ("no", False), ("0", False)])
def test_boolean(raw: str, value: bool) -> None:
    assert params.boolean("show", raw) is value


@pytest.mark.parametrize("raw", ["", "2", "y", "on", "off", "nope", "t"])
def test_anything_else_is_not_a_boolean(raw: str) -> None:
    assert refused(params.boolean, raw, "show") == f"show must be true or false, got {raw!r}."


def test_day() -> None:
    assert params.day("from_date", "2024-02-29") == date(2024, 2, 29)
    assert params.day("from_date", " 1900-01-01 ") == date(1900, 1, 1)
    assert params.day("from_date", "9999-12-31") == date(9999, 12, 31)


@pytest.mark.parametrize("raw", ["2023-02-29", "2024-13-01", "yesterday", "", "2024/01/01"])
def test_a_day_that_is_not_a_date(raw: str) -> None:
    assert refused(params.day, raw) == f"from_date must be a date (YYYY-MM-DD), got {raw!r}."


def test_a_day_out_of_range() -> None:
    assert refused(params.day, "1899-12-31") == ("from_date must be between 1900-01-01 and 9999-12-31, "
                                                 "got '1899-12-31'.")


@pytest.mark.parametrize(("raw", "value"), [("0", 0), ("-5", -5), ("+5", 5), ("0042", 42)])
def test_integer(raw: str, value: int) -> None:
    assert params.integer("page", raw) == value


@pytest.mark.parametrize("raw", ["1.0", "1e2", " 1", "1 ", "\u0661", "1_000", "", "ten"])
def test_anything_else_is_not_an_integer(raw: str) -> None:
    assert refused(params.integer, raw, "page") == f"page must be an integer, got {raw!r}."


@pytest.mark.parametrize(("raw", "value"), [("1.5", "1.5"), ("-2", "-2"), ("1e3", "1000"), ("+0.25", "0.25")])
def test_number(raw: str, value: str) -> None:
    assert params.number("amount", raw) == Decimal(value)


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "1,5", " 1", ".5", "\uff11"])
def test_anything_else_is_not_a_number(raw: str) -> None:
    assert refused(params.number, raw, "amount").startswith("amount must be a number (digits 0-9")


@pytest.mark.parametrize(("raw", "value"), [
    ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
    ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10, tzinfo=UTC)),
    ("2024-03-01T10:00:00+01:00", datetime(2024, 3, 1, 9, tzinfo=UTC)),
    ("2024-03-01T10:00:00 01:00", datetime(2024, 3, 1, 9, tzinfo=UTC)),  # "+" decoded as a space
    ("2024-03-01T10:00:00", datetime(2024, 3, 1, 10, tzinfo=UTC)),
    ("2024-03-01T+02:00", datetime(2024, 2, 29, 22, tzinfo=UTC)),  # Sage's date with an offset
    ("2024-03-01T-05:00", datetime(2024, 3, 1, 5, tzinfo=UTC)),
    ("2024-03-01T10:00:00.123456Z", datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)),
])
def test_instant(raw: str, value: datetime) -> None:
    result = params.instant("updated_or_created_since", raw)
    assert result == value
    assert result.tzinfo is UTC


@pytest.mark.parametrize("raw", ["", "soon", "2024-03-01T25:00:00Z", "2024-03-01T", "2024-03-01Tx"])
def test_anything_else_is_not_an_instant(raw: str) -> None:
    assert refused(params.instant, raw, "since") == f"since must be a date or date-time (ISO 8601), got {raw!r}."


@pytest.mark.parametrize("raw", ["1899-12-31T23:59:59Z", "9999-12-31T23:00:00-14:00", "1900-01-01T+14:00"])
def test_an_instant_out_of_range_in_utc(raw: str) -> None:
    assert refused(params.instant, raw, "since") == (
        f"since must be between 1900-01-01 and 9999-12-31 (in UTC), got {raw!r}.")
