"""Typed readers for query parameters; a bad value is a 400 naming the parameter."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ledgerd.api.errors import InvalidParameter

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
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidParameter(f"{name} must be a date (YYYY-MM-DD), got {raw!r}.", name) from None


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
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
