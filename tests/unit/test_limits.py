"""The limits of ledgerd/limits.py on their own: how numbers may be written, the bounds of amounts, quantities,
percentages and rates, the date range, and the control characters text may not hold. tests/test_limits.py
checks the same rules through the API."""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from ledgerd import limits
from ledgerd.db.migrate import MIGRATIONS
from ledgerd.ledger.models import CEILING_CENTS
from ledgerd.limits import (
    FIRST_DAY,
    LAST_DAY,
    RANGE,
    Amount,
    DateTime,
    Day,
    ExchangeRate,
    Id,
    Instant,
    Integer,
    NonNegativeAmount,
    Number,
    Percentage,
    PositiveAmount,
    Price,
    Quantity,
)

D = Decimal


def valid(kind: Any, value: object) -> Any:
    return TypeAdapter(kind).validate_python(value)


def refused(kind: Any, value: object) -> str:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(kind).validate_python(value)
    return str(caught.value)


# --- how numbers are written ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("1234.5", "1234.5"), ("-0.25", "-0.25"), ("+7", "7"), ("1.5e3", "1500"), ("1E-2", "0.01"), ("2e+2", "200"),
    ("007", "7"), ("0", "0"),
])
def test_a_number_is_ascii_digits_sign_point_and_exponent(text: str, value: str) -> None:
    assert valid(Number, text) == D(value)


@pytest.mark.parametrize("text", [
    "1_000", "\u0661\u0662", "\uff11\uff12", " 1", "1 ", ".5", "5.", "1e", "e5", "NaN", "Infinity", "-inf", "0x10",
    "", "1,5", "--1", "+-1", "1.2.3",
])
def test_anything_else_is_not_a_number(text: str) -> None:
    assert "must be a number written with the digits 0-9" in refused(Number, text)


def test_json_numbers_are_numbers_too() -> None:
    assert valid(Number, 12) == 12
    assert valid(Number, D("0.1")) == D("0.1")


@pytest.mark.parametrize("text", ["-0", "-0.00", "-0e5"])
def test_negative_zero_is_zero(text: str) -> None:
    value = valid(Number, text)
    assert value == 0
    assert not value.is_signed()


@pytest.mark.parametrize(("text", "value"), [("12", 12), ("-3", -3), ("+4", 4), ("0012", 12)])
def test_an_integer_is_ascii_digits_and_a_sign(text: str, value: int) -> None:
    assert valid(Integer, text) == value


@pytest.mark.parametrize("text", ["1.0", "1e3", "\u0661", "1_0", " 1", "", "0x1"])
def test_anything_else_is_not_an_integer(text: str) -> None:
    assert "must be a whole number written with the digits 0-9" in refused(Integer, text)


# --- amounts, prices, quantities, percentages and rates -------------------------------------------------------------

@pytest.mark.parametrize(("kind", "accepted", "rejected"), [
    (Amount, ["9999999999.99", "-9999999999.99", "0", "1.10", "1.5e3"], ["10000000000", "-10000000000", "1e10",
                                                                          "1.001"]),
    (PositiveAmount, ["0.01", "9999999999.99"], ["0", "-0", "-0.01"]),
    (NonNegativeAmount, ["0", "-0", "0.01"], ["-0.01"]),
    (Price, ["0.000001", "-9999999999.999999", "12.345678"], ["0.0000001", "10000000000"]),
    (Quantity, ["999999999.999999", "-999999999.999999", "0.000001"], ["1000000000", "-1e9", "1.0000001"]),
    (Percentage, ["0", "100", "5.5", "14.975", "0.000001"], ["100.000001", "-0.000001", "101", "1.0000001"]),
    (ExchangeRate, ["0.000001", "1000000", "1.234567"], ["0", "-1", "1000000.000001", "0.0000001"]),
])
def test_bounds_and_decimal_places(kind: Any, accepted: list[str], rejected: list[str]) -> None:
    for text in accepted:
        assert valid(kind, text) == D(text), text
    for text in rejected:
        refused(kind, text)


def test_the_amount_limit_is_exclusive() -> None:
    assert limits.within(D("9999999999.99"))
    assert not limits.within(D(limits.AMOUNT_LIMIT))
    assert not limits.within(D(-limits.AMOUNT_LIMIT))
    assert limits.within(D("-9999999999.99"))
    assert limits.within(D(limits.QUANTITY_LIMIT - 1), limits.QUANTITY_LIMIT)
    assert not limits.within(D(limits.QUANTITY_LIMIT), limits.QUANTITY_LIMIT)


def test_no_balance_sum_of_the_date_range_overflows_64_bits_in_cents() -> None:
    assert limits.DAYS == 2_958_464
    assert limits.BALANCE_LIMIT * 100 * limits.DAYS < 2**63
    assert limits.BALANCE_LIMIT >= 3 * limits.AMOUNT_LIMIT


def test_an_id_is_at_most_32_characters() -> None:
    assert valid(Id, "a" * 32) == "a" * 32
    refused(Id, "a" * 33)


# --- dates and instants ---------------------------------------------------------------------------------------------

def test_the_date_range_ends_are_days() -> None:
    assert valid(Day, "1900-01-01") == FIRST_DAY
    assert valid(Day, "9999-12-31") == LAST_DAY
    assert RANGE in refused(Day, "1899-12-31")
    assert limits.out_of_range(FIRST_DAY) is None
    assert limits.out_of_range(date(1899, 12, 31)) == RANGE
    assert RANGE == "must be between 1900-01-01 and 9999-12-31"


@pytest.mark.parametrize(("day", "days", "expected"), [
    (date(2024, 2, 28), 1, date(2024, 2, 29)),
    (date(2023, 2, 28), 1, date(2023, 3, 1)),
    (date(2024, 1, 31), 30, date(2024, 3, 1)),
    (LAST_DAY, 0, LAST_DAY),
    (LAST_DAY, 1, None),
    (FIRST_DAY, -1, None),
    (FIRST_DAY, 0, FIRST_DAY),
    (date(9999, 12, 1), 30, LAST_DAY),
    (date(2024, 1, 1), 10**9, None),  # far past date.max: None, not OverflowError
    (date(2024, 1, 1), -10**9, None),
])
def test_days_after(day: date, days: int, expected: date | None) -> None:
    assert limits.days_after(day, days) == expected


def test_an_instant_is_converted_to_utc() -> None:
    paris = timezone(timedelta(hours=2))
    assert limits.utc(datetime(2024, 6, 1, 12, 0, tzinfo=paris)) == datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
    naive = limits.utc(datetime(2024, 6, 1, 12, 0))
    assert (naive.tzinfo, naive.hour) == (UTC, 12)
    assert valid(Instant, "2024-06-01T12:00:00-05:00") == datetime(2024, 6, 1, 17, 0, tzinfo=UTC)


def test_an_instant_is_judged_by_its_utc_date() -> None:
    # Its local date is before the first day, its UTC date is the first day.
    assert limits.utc(datetime(1899, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2)))).date() == FIRST_DAY
    with pytest.raises(ValueError, match=RANGE):
        limits.utc(datetime(1900, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))))


def test_an_instant_past_year_9999_in_utc_is_refused_not_overflowed() -> None:
    with pytest.raises(ValueError, match=RANGE):
        limits.utc(datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))))
    assert RANGE in refused(Instant, "9999-12-31T23:59:59-14:00")


def test_a_date_time_keeps_its_offset_and_is_judged_by_its_own_date() -> None:
    kept = valid(DateTime, "2024-06-01T23:30:00+14:00")
    assert kept.utcoffset() == timedelta(hours=14)
    assert kept.date() == date(2024, 6, 1)
    assert valid(DateTime, "9999-12-31T23:59:59-14:00").date() == LAST_DAY
    assert RANGE in refused(DateTime, "1899-12-31T23:00:00-02:00")


# --- text -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("character", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f"])
def test_c0_control_characters_are_found(character: str) -> None:
    assert limits.control_character(f"ab{character}c") == character
    assert limits.control_character(f"ab{character}c", line_breaks=False) == character


@pytest.mark.parametrize("character", ["\t", "\n", "\r"])
def test_line_breaks_are_allowed_only_where_text_spans_lines(character: str) -> None:
    assert limits.control_character(f"a{character}b") is None
    assert limits.control_character(f"a{character}b", line_breaks=False) == character


@pytest.mark.parametrize("text", ["plain", "", "caf\u00e9 \u20ac \U0001f600", "\x7f", "\u0085", "\u2028", " "])
def test_other_characters_are_text(text: str) -> None:
    assert limits.control_character(text, line_breaks=False) is None


def test_the_first_control_character_is_named() -> None:
    assert limits.control_character("a\x02b\x01") == "\x02"


def test_the_refusal_names_the_code_point_and_what_is_allowed() -> None:
    assert limits.refusal("name", "\x00") == ("name contains the control character U+0000; it may hold no control "
                                               "characters other than tab, line feed and carriage return.")
    assert limits.refusal("path", "\n", line_breaks=False) == (
        "path contains the control character U+000A; it may hold no control characters.")


def test_control_in_json_gives_the_path_of_the_first_string() -> None:
    body = {"sales_invoice": {"notes": "fine\n", "invoice_lines": [{"description": "ok"},
                                                                   {"description": "bad\x00", "x": "\x01"}]}}
    assert limits.control_in_json(body) == (("sales_invoice", "invoice_lines", 1, "description"), "\x00")


def test_control_in_json_looks_at_keys_and_ignores_other_values() -> None:
    assert limits.control_in_json({"a": {"k\x1fey": 1}}) == (("a", "k\x1fey"), "\x1f")
    assert limits.control_in_json({"n": 1, "b": True, "z": None, "f": 1.5, "l": [1, [2, "ok"]]}) is None
    assert limits.control_in_json(["\x05"]) == ((0,), "\x05")
    assert limits.control_in_json("\x06") == ((), "\x06")


def test_no_balance_sum_can_overflow_64_bits() -> None:
    cents_per_day = limits.BALANCE_LIMIT * 100  # the CHECK's bound: every day's sum stays below it
    assert limits.DAYS == 2_958_464
    assert cents_per_day * limits.DAYS < 2**63  # Σ over every day of the range, one account, one side
    assert limits.AMOUNT_LIMIT < limits.BALANCE_LIMIT  # the largest document posts on an empty day
    assert cents_per_day == CEILING_CENTS


def test_the_migration_checks_the_ceiling_the_model_declares() -> None:
    path = next((MIGRATIONS / "versions").glob("0003_*.py"))
    spec = importlib.util.spec_from_file_location("ceiling_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.CEILING_CENTS == CEILING_CENTS
