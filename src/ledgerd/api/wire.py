"""Sage's wire format: decimals as strings, UTC timestamps with `Z`, ISO dates; JSON via orjson."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

from ledgerd.memo import remembered


def decimal_str(value: Decimal) -> str:
    """Shortest form with at least one fractional digit, as Sage writes it: "0.0", "45.83", "5009.5"."""
    if not value:
        return "0.0"  # also for -0 (a zero figure of a negative line): Sage never writes "-0.0"
    text = str(value)  # plain notation for every stored figure (exponent -2 or -6); C-fast
    if "E" in text:
        text = format(value, "f")
    if "." not in text:
        return text + ".0"
    text = text.rstrip("0")
    return text + "0" if text[-1] == "." else text


def timestamp_str(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_decimal(value: object) -> str:
    if not isinstance(value, Decimal):
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return decimal_str(value)


# orjson calls `default` for every Decimal. `decimal_str` depends only on the numeric value (1.50 and 1.5
# both give "1.5"), and a list page writes the same few figures thousands of times: remembered per process.
_default = remembered(_json_decimal)


# orjson writes dates as YYYY-MM-DD and (timezone-aware, UTC) datetimes as Sage does: second precision, `Z`.
_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS


def _dumps(payload: Any) -> bytes:
    return orjson.dumps(payload, default=_default, option=_OPTIONS)


# About how much JSON one orjson call of a list page writes (see `dumps`).
_PIECE_BYTES = 256 * 1024


def dumps(payload: Any) -> bytes:
    """The JSON of a response body. A list envelope (`$items` last) is written a few items at a time, about
    _PIECE_BYTES per call (sized on its first item): orjson holds the GIL for the whole of a call, and one call
    over a page of large documents (60 MB: 200 journals with nested records) stopped every other thread of the
    process for ~150 ms. Small pages still take one or two calls."""
    if isinstance(payload, dict) and len(payload) > 1 and next(reversed(payload)) == "$items":
        items = payload["$items"]
        if isinstance(items, list) and len(items) > 1:
            first = _dumps(items[0])
            step = max(1, _PIECE_BYTES // len(first))
            pieces = [first, *(_dumps(items[i:i + step])[1:-1] for i in range(1, len(items), step))]
            head = _dumps({key: value for key, value in payload.items() if key != "$items"})
            return b"".join((head[:-1], b',"$items":[', b",".join(pieces), b"]}"))
    return _dumps(payload)


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
