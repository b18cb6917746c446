"""Query parameters: each route's declaration of the ones it honours, and typed readers for their values.

A route declares its parameters (`Param`); the pipeline hands its handler only the declared ones, so what a
route honours and what ledgerd's OpenAPI document says it honours are one list (api/openapi.py).

Readers: a bad value is a 400 naming the parameter. Dates and instants must fall between ledgerd's first and
last day, numbers be written in plain ASCII digits (ledgerd/limits.py, docs/limits.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.datastructures import QueryParams

from ledgerd import limits
from ledgerd.http.errors import InvalidParameter

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}

# The JSON schema of each kind of value, as the readers below accept it.
SCHEMAS: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "boolean": {"type": "string", "enum": ["true", "false", "1", "0", "yes", "no"]},
    "date": {"type": "string", "format": "date"},
    "instant": {"type": "string", "description": "A date or a date-time (ISO 8601)",
                "examples": ["2024-01-31", "2024-01-31T12:00:00Z"]},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
}


@dataclass(frozen=True)
class Param:
    """A query parameter a route honours: its name, the kind of value it takes (a key of SCHEMAS), what it
    does, and optionally a narrower schema (bounds, a pattern, an enumeration)."""

    name: str
    kind: str
    description: str
    schema: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.kind not in SCHEMAS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")

    def json_schema(self) -> dict[str, Any]:
        return self.schema if self.schema is not None else SCHEMAS[self.kind]


def declared(query: QueryParams, declarations: Sequence[Param], names: frozenset[str]) -> QueryParams:
    """The request's parameters a route honours (`names`), each value of a typed one checked (400 naming it);
    the others the route ignores, as Sage does, and never sees. A blank value counts as absent."""
    for declaration in declarations:
        read = READERS.get(declaration.kind)
        if read is not None:
            for raw in query.getlist(declaration.name):
                if raw.strip():
                    read(declaration.name, raw)
    return QueryParams([(k, v) for k, v in query.multi_items() if k in names])


def names(declarations: Iterable[Param]) -> frozenset[str]:
    return frozenset(p.name for p in declarations)


def unique(declarations: Sequence[Param]) -> tuple[Param, ...]:
    """The declarations with later duplicates of a name left out (the first one describes it)."""
    out: dict[str, Param] = {}
    for declaration in declarations:
        out.setdefault(declaration.name, declaration)
    return tuple(out.values())


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


READERS: dict[str, Callable[[str, str], object]] = {"boolean": boolean, "date": day, "instant": instant,
                                                     "integer": integer, "number": number}
