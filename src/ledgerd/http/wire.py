"""Sage's wire format: decimals as strings, UTC timestamps with `Z`, ISO dates; JSON via orjson."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

from ledgerd.formats import decimal_str
from ledgerd.memo import remembered


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


def written(items: list[Any]) -> list[orjson.Fragment]:
    """`items` as JSON now, one fragment each, to be placed in a payload written later (`dumps` copies them as
    they are). Bytes are invisible to the garbage collector, dicts are not: a list page written a chunk at a time
    keeps its live objects to one chunk's (api/listing.Streamed)."""
    return [orjson.Fragment(_dumps(item)) for item in items]


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
