"""Typed readers for query parameters; a bad value is a 400 naming the parameter.

Dates and instants must fall between ledgerd's first and last day, numbers be written in plain ASCII digits
(ledgerd/limits.py, docs/limits.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ledgerd import limits
from ledgerd.http.errors import InvalidParameter

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def boolean(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidParameter(f"{name} must be true or false, got {raw!r}.", name)


def day(name: str, raw: str) -> date:
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidParameter(f"{name} must be a date (YYYY-MM-DD), got {raw!r}.", name) from None
    if (problem := limits.out_of_range(value)) is not None:
        raise InvalidParameter(f"{name} {problem}, got {raw!r}.", name)
    return value


def integer(name: str, raw: str) -> int:
    if not limits.INTEGER.fullmatch(raw):
        raise InvalidParameter(f"{name} must be an integer, got {raw!r}.", name)
    return int(raw)


def number(name: str, raw: str) -> Decimal:
    if not limits.NUMBER.fullmatch(raw):
        raise InvalidParameter(f"{name} must be a number (digits 0-9, optional sign, point and exponent), "
                               f"got {raw!r}.", name)
    return Decimal(raw)


def instant(name: str, raw: str) -> datetime:
    """A date or date-time, with or without offset (`Z`, `+01:00`); a bare date means its midnight UTC.

    Sage also documents the odd form `YYYY-MM-DDT+hh:mm` (a date with an offset): accepted too.
    """
    text = raw.strip().replace(" ", "+")
    try:
        if len(text) >= 11 and text[10] == "T" and text[11:12] in "+-" and text[11:12]:
            value = datetime.fromisoformat(f"{text[:10]}T00:00:00{text[11:]}")
        else:
            value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(f"{name} must be a date or date-time (ISO 8601), got {raw!r}.", name) from None
    try:
        return limits.utc(value)
    except ValueError as exc:
        raise InvalidParameter(f"{name} {exc} (in UTC), got {raw!r}.", name) from None
