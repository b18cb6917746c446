"""The limits a client can rely on, each written here once: amounts, quantities, lines per document, dates, how
numbers are written, and which characters text may hold.

Request bodies use the annotated types below, query parameters (api/params.py) the date range, the ledger
(ledger/posting.py, and the CHECK of migration 0003) the balance ceiling, and the edge of the server (http/edge.py,
api/validation.check_text) the text rule. docs/limits.md gives each number its reason and its arithmetic;
tests/test_limits.py holds the arithmetic to account.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

# --- dates ------------------------------------------------------------------------------------------------

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9999, 12, 31)
DAYS = (LAST_DAY - FIRST_DAY).days + 1  # 2,958,464 days a ledger can hold balances on
RANGE = f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"


def out_of_range(day: date) -> str | None:
    """Why a date cannot be accepted, if it cannot."""
    return None if FIRST_DAY <= day <= LAST_DAY else RANGE


def _day(value: date) -> date:
    if (problem := out_of_range(value)) is not None:
        raise ValueError(problem)
    return value


def days_after(day: date, days: int) -> date | None:
    """The date `days` after `day`, or None when it falls outside the range (a derived date, e.g. a due date)."""
    ordinal = day.toordinal() + days
    return date.fromordinal(ordinal) if FIRST_DAY.toordinal() <= ordinal <= LAST_DAY.toordinal() else None


def _dated(value: datetime) -> datetime:
    _day(value.date())
    return value


def utc(value: datetime) -> datetime:
    """An instant in UTC (a naive one is taken as UTC), within the date range; ValueError otherwise.

    `9999-12-31T23:59:59-14:00` is a valid ISO 8601 instant whose UTC time falls in year 10000, which Python
    cannot represent: it is refused here rather than overflowing wherever it is used.
    """
    try:
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError(RANGE) from None
    _day(moment.date())
    return moment


# --- amounts and quantities ---------------------------------------------------------------------------------

# Every amount a client sends or ledgerd derives from what it sends (a price, a line's net, tax and total, a
# document's totals, a payment, a journal line, an opening balance, a credit limit), in the document's
# currency and in base currency: |amount| < 10^10, i.e. at most 9,999,999,999.99.
AMOUNT_LIMIT = 10**10
# Σ debits, and Σ credits, of one ledger account on one day: < 3 x 10^10. Kept in cents in a 64-bit integer
# column; the largest ceiling whose sum over every day of the date range still fits in 64 bits (SQLite's
# SUM fails on overflow, PostgreSQL's BIGINT does too) is (2^63 - 1) / 100 / DAYS = 31,176,218,594.69;
# 3 x 10^10 is the round number below it, and leaves room for three largest documents a day.
BALANCE_LIMIT = 3 * AMOUNT_LIMIT
# Quantities: |quantity| < 10^9, to 6 decimal places.
QUANTITY_LIMIT = 10**9
# Exchange rates: above 0, at most 10^6, to 6 decimal places.
RATE_LIMIT = 10**6
# Lines (and allocations) one document may carry. Sage documents no number; a thousand is far beyond what
# a small business's invoice or journal holds, and keeps one request's work bounded.
MAX_LINES = 1000

# How a number may be written in a JSON string: ASCII digits, an optional sign, decimal point and exponent.
# Python's Decimal and int would also take "1_000", Arabic-Indic or full-width digits and surrounding spaces;
# Sage's API (Rails, BigDecimal) takes exponents, so ledgerd does too: "1.5e3" is 1500.
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
INTEGER = re.compile(r"[+-]?[0-9]+")


def _plain_number(value: Any) -> Any:
    if isinstance(value, str) and not NUMBER.fullmatch(value):
        raise ValueError("must be a number written with the digits 0-9, an optional sign, decimal point and "
                         "exponent (e.g. 1234.5, -0.25 or 1.5e3)")
    return value


def _plain_integer(value: Any) -> Any:
    if isinstance(value, str) and not INTEGER.fullmatch(value):
        raise ValueError("must be a whole number written with the digits 0-9 and an optional sign")
    return value


def _no_negative_zero(value: Decimal) -> Decimal:
    return value + 0  # -0 is 0, and is written "0.0"


def within(value: Decimal, limit: int = AMOUNT_LIMIT) -> bool:
    """Whether a derived amount stays inside the limit (|value| < limit)."""
    return abs(value) < limit


# Any decimal a client writes; fields add their own range.
Number = Annotated[Decimal, BeforeValidator(_plain_number), AfterValidator(_no_negative_zero)]
Integer = Annotated[int, BeforeValidator(_plain_integer)]
# Money, to the cent.
Amount = Annotated[Number, Field(gt=-AMOUNT_LIMIT, lt=AMOUNT_LIMIT, decimal_places=2)]
PositiveAmount = Annotated[Amount, Field(gt=0)]
NonNegativeAmount = Annotated[Amount, Field(ge=0)]
# Prices and costs per unit, to 1e-6.
Price = Annotated[Number, Field(gt=-AMOUNT_LIMIT, lt=AMOUNT_LIMIT, decimal_places=6)]
Quantity = Annotated[Number, Field(gt=-QUANTITY_LIMIT, lt=QUANTITY_LIMIT, decimal_places=6)]
Percentage = Annotated[Number, Field(ge=0, le=100, decimal_places=6)]
ExchangeRate = Annotated[Number, Field(gt=0, le=RATE_LIMIT, decimal_places=6)]
Day = Annotated[date, AfterValidator(_day)]
# A moment, converted to UTC (what a timestamp column stores).
Instant = Annotated[datetime, AfterValidator(utc)]
# A date-time kept as sent (its own offset), for fields that only use its date.
DateTime = Annotated[datetime, AfterValidator(_dated)]


# --- text ---------------------------------------------------------------------------------------------------

# A record's id: 32 hex characters (Sage's ids and ledgerd's); a longer one names nothing.
Id = Annotated[str, Field(max_length=32)]
# C0 control characters: NUL (which PostgreSQL cannot store in text) and the other 31 codes below space. Tab,
# line feed and carriage return are allowed where text may span lines (bodies, form fields), not in a path.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_OR_BREAK = re.compile("[\x00-\x1f]")


def control_character(text: str, *, line_breaks: bool = True) -> str | None:
    """The first control character text may not hold, if any."""
    found = (_CONTROL if line_breaks else _CONTROL_OR_BREAK).search(text)
    return found.group() if found else None


def refusal(where: str, character: str, *, line_breaks: bool = True) -> str:
    allowed = " other than tab, line feed and carriage return" if line_breaks else ""
    return f"{where} contains the control character U+{ord(character):04X}; it may hold no control characters{allowed}."


def control_in_json(value: Any, path: tuple[str | int, ...] = ()) -> tuple[tuple[str | int, ...], str] | None:
    """The path of the first string (object keys included) holding a control character, and the character."""
    for where, text in _strings(value, path):
        if (found := control_character(text)) is not None:
            return where, found
    return None


def _strings(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key), key
            yield from _strings(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, (*path, index))
