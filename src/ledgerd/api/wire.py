"""Sage's wire format: decimals as strings, UTC timestamps with `Z`, ISO dates; JSON via orjson."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response


def decimal_str(value: Decimal) -> str:
    """Shortest form with at least one fractional digit, as Sage writes it: "0.0", "45.83", "5009.5"."""
    text = format(value.normalize(), "f")
    if "." not in text:
        return text + ".0"
    return text


def timestamp_str(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_str(value)
    if isinstance(value, datetime):
        return timestamp_str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(payload: Any) -> bytes:
    return orjson.dumps(payload, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
