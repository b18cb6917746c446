"""Hostile values: extreme dates and offsets, numbers Python parses but a ledger must refuse, text with control
characters or broken Unicode, very long strings; and how to put them on the wire without any client library
cleaning them up first (JSON bodies, query strings, paths and forms are written byte for byte here)."""

from __future__ import annotations

import functools
import json
import math
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st


class Raw(bytes):
    """A JSON fragment written as is: tokens no encoder would write (`NaN`, `1e999`, invalid UTF-8)."""


# --- dates and instants -------------------------------------------------------------------------------------

EDGE_DAYS = (
    "0001-01-01", "1899-12-31", "1900-01-01", "9999-12-31", "9999-12-30", "2024-02-29", "2023-02-29",
    "2024-13-01", "2024-00-10", "10000-01-01", "-0001-01-01", "0000-01-01", "", " ", "2024-1-1", "20240101",
    "2024-01-01T00:00:00", "\uff12\uff10\uff12\uff14-01-01", "\u0661\u0669\u0660\u0660-\u0660\u0661-\u0660\u0661",
    "2024-01-01\x00",
)
EDGE_INSTANTS = (
    "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.999999-23:59",
    "0001-01-01T00:00:00+23:59", "9999-12-31T+14:00", "0001-01-01T-01:00", "9999-12-31", "0001-01-01",
    "9999-12-31T23:59:59Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00 01:00",
)


@functools.cache
def days() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(EDGE_DAYS), st.dates().map(date.isoformat),
                     st.dates(min_value=date(1900, 1, 1)).map(date.isoformat))


def _offset(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


@functools.cache
def instants() -> st.SearchStrategy[str]:
    built = st.builds(lambda day, clock, offset: datetime.combine(day, clock, tzinfo=offset).isoformat(),
                      st.dates(), st.times(), st.integers(-1439, 1439).map(_offset))
    return st.one_of(st.sampled_from(EDGE_INSTANTS), built,
                     st.datetimes(timezones=st.just(UTC)).map(lambda value: value.isoformat()))


# --- numbers ------------------------------------------------------------------------------------------------

NUMBER_TEXTS = (
    "1e17", "1e-30", "-0", "0", "NaN", "nan", "Infinity", "-Infinity", "inf", "1_000", "\u0661\u0662\u0663",
    "\uff11\uff12", "0x10", "1e3", "1E+2", "1e999999999", "1e-999999999", "9" * 40, "9999999999999.99",
    "10000000000000", "999999999999.999999", "-9223372036854775808", "9223372036854775808", "0.000001",
    "0.0000001", " 1", "1 ", "+1", ".5", "5.", "1,000", "1 000", "", "\u22121", "1\x00", "0.1e1", "-1e-2",
)
JSON_NUMBERS: tuple[Any, ...] = (
    1e17, 1e-30, -0.0, 1e308, 2**63, 2**63 - 1, -(2**63) - 1, 10**30, 0.1, 1.5e-7, 9999999999999.99,
    Raw(b"NaN"), Raw(b"Infinity"), Raw(b"-Infinity"), Raw(b"1e999"), Raw(b"-0"), Raw(b"1E400"), Raw(b"-1e-400"),
)


@functools.cache
def numbers() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(NUMBER_TEXTS), st.sampled_from(JSON_NUMBERS),
                     st.decimals(allow_nan=False, allow_infinity=False).map(str),
                     st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False))


# --- text ---------------------------------------------------------------------------------------------------

CONTROL_TEXTS = (
    "\x00", "a\x00b", "\x00\x00\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x1f", "\x7f", "\u0085",
    "\u2028", "\ufeff", "\ud800", "\udfff", "a\ud83d", "\ufffe", "\U0010ffff", "tab\tnew\nline\r", "%00",
    "\\u0000", "null", "'; --", "<script>", "../../etc/passwd", "\u202e",
)


def _long(unit: str, size: int) -> str:
    return (unit * size)[:size]


@functools.cache
def texts(longest: int = 70_000) -> st.SearchStrategy[str]:
    """Text with control characters, lone surrogates, format characters, or far too long (up to `longest`)."""
    alphabet = st.characters(codec=None, categories=["L", "N", "P", "S", "Z", "Cc", "Cs", "Cf"])
    return st.one_of(
        st.sampled_from(CONTROL_TEXTS),
        st.text(alphabet, max_size=12),
        st.builds(_long, st.sampled_from(["x", "\u00e9", "\U0001f600", "a\x00"]),
                  st.sampled_from([n for n in (11, 26, 51, 101, 256, 1001, 2001, 5001, 70_000) if n <= longest])),
    )


BROKEN_JSON_STRINGS = (Raw(b'"\xff\xfe"'), Raw(b'"\xc0\x80"'), Raw(b'"\xed\xa0\x80"'), Raw(b'"a\x01b"'),
                       Raw(b'"\\ud800"'), Raw(b'"\\udc00\\ud800"'), Raw(b'"\\u0000"'), Raw(b'"a\x00b"'))


@functools.cache
def anything() -> st.SearchStrategy[Any]:
    """Any hostile JSON value, whatever the field expects."""
    scalars = st.one_of(days(), instants(), numbers(), texts(), st.sampled_from(BROKEN_JSON_STRINGS),
                        st.sampled_from([None, True, False, 0, 1, -1, "", [], {}]))
    return st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(texts(), scalars, max_size=2))


# --- the wire -----------------------------------------------------------------------------------------------

def encode(value: Any) -> bytes:
    """JSON bytes, with `Raw` fragments as they are; strings are written with `\\u` escapes, so NUL, other
    controls and lone surrogates reach the server as a JSON parser reads them (not as UTF-8 errors)."""
    if isinstance(value, Raw):
        return bytes(value)
    if isinstance(value, dict):
        return b"{" + b",".join(encode(str(k)) + b":" + encode(v) for k, v in value.items()) + b"}"
    if isinstance(value, list | tuple):
        return b"[" + b",".join(encode(v) for v in value) + b"]"
    if isinstance(value, float) and not math.isfinite(value):
        return b"NaN" if math.isnan(value) else (b"Infinity" if value > 0 else b"-Infinity")
    return json.dumps(value).encode()


def url_text(value: Any) -> str:
    """A value for a URL, percent-encoded from its UTF-8 bytes (a lone surrogate gives the invalid bytes it
    would encode to; `Raw` bytes are sent as they are)."""
    raw = bytes(value) if isinstance(value, Raw) else str(value).encode("utf-8", "surrogatepass")
    return quote(raw, safe="")


URL_BYTES = ("%00", "%FF", "%C0%80", "%ED%A0%80", "%0A", "%1B", "%7F", "%E2%80%AE", "%F4%90%80%80", "%", "%zz")


@functools.cache
def url_values() -> st.SearchStrategy[str]:
    """Percent-encoded query, path or form values, including bytes that are not UTF-8 at all."""
    made = st.one_of(days(), instants(), numbers().filter(lambda v: not isinstance(v, Raw)), texts(1001))
    return st.one_of(made.map(url_text), st.sampled_from(URL_BYTES),
                     st.tuples(st.sampled_from(["a", "2024-01-01", "1"]), st.sampled_from(URL_BYTES)).map("".join))


def form(fields: dict[str, str]) -> bytes:
    """An application/x-www-form-urlencoded body of already percent-encoded values."""
    return "&".join(f"{quote(k, safe='')}={v}" for k, v in fields.items()).encode()
