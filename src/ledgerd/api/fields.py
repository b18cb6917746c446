"""The vocabulary responses are declared in: what kind of value each key of a record holds, in wire order.

A declaration is an ordered set of fields (`obj`, or `record` for a record of a resource: `id`,
`displayed_as` and `$path` first). Declaration order is wire order: presenters pick their keys in it
(document kinds, api/resources/document_fields.py) and tests/contract/test_responses.py checks that every
answer's keys come in it. The OpenAPI document's response schemas are generated from declarations
(`schema`), so a presenter and its documentation cannot drift.

Wire conventions: decimals are strings (`"45.83"`), dates `YYYY-MM-DD`, timestamps UTC
`YYYY-MM-DDTHH:MM:SSZ`. Sage may answer null for any field but a record's base keys, so every other field
is documented as nullable. A record requires only its base keys (`attributes` trims the rest); a nested
object requires every key it declares but those marked `maybe` (shown only when asked for).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]
DECIMAL_PATTERN = r"^-?[0-9]+\.[0-9]+$"
BASE_KEYS = ("id", "displayed_as", "$path")


class Kind:
    """What one value is."""

    def schema(self) -> Schema:
        raise NotImplementedError


@dataclass(frozen=True)
class Scalar(Kind):
    name: str
    json: tuple[tuple[str, Any], ...]

    def schema(self) -> Schema:
        return dict(self.json)

    def __repr__(self) -> str:
        return self.name


TEXT = Scalar("TEXT", (("type", "string"),))
DECIMAL = Scalar("DECIMAL", (("type", "string"), ("format", "decimal"), ("pattern", DECIMAL_PATTERN)))
DATE = Scalar("DATE", (("type", "string"), ("format", "date")))
# A date Sage answers as "" until there is one (a document's `last_paid`).
DATE_OR_EMPTY = Scalar("DATE_OR_EMPTY", (("type", "string"), ("anyOf", [{"format": "date"}, {"const": ""}])))
DATETIME = Scalar("DATETIME", (("type", "string"), ("format", "date-time")))
BOOLEAN = Scalar("BOOLEAN", (("type", "boolean"),))
INTEGER = Scalar("INTEGER", (("type", "integer"),))
# Always null in ledgerd's answers: a key of Sage's definition that ledgerd does not model.
NULL = Scalar("NULL", (("type", "null"),))
# A figure that only some documents carry (Spanish IRPF withholding), null on the others.
DECIMAL_OR_NULL = Scalar("DECIMAL_OR_NULL", (("anyOf", [{"type": "null"}, {
    "type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}]),))
# Anything (the items of lists ledgerd always answers empty).
ANY = Scalar("ANY", ())


@dataclass(frozen=True)
class Many(Kind):
    """A list of values of one kind."""

    item: Kind

    def schema(self) -> Schema:
        return {"type": "array", "items": self.item.schema()}


@dataclass(frozen=True)
class Maybe(Kind):
    """A key present only when the request asks for it (`show_payments_allocations`...)."""

    kind: Kind

    def schema(self) -> Schema:
        return self.kind.schema()


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind

    @property
    def optional(self) -> bool:
        return isinstance(self.kind, Maybe)


@dataclass(frozen=True)
class Fields(Kind):
    """An object: its fields in wire order. `record`: a record of a resource (base keys first, only they
    required)."""

    fields: tuple[Field, ...]
    record: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __getitem__(self, name: str) -> Kind:
        return next(f.kind for f in self.fields if f.name == name)

    def then(self, *parts: Fields, **fields: Kind) -> Fields:
        """These fields followed by `parts` and then `fields`."""
        return Fields((*self.fields, *_join(parts, fields)), self.record)

    def before(self, key: str, *parts: Fields, **fields: Kind) -> Fields:
        """These fields with `parts` and `fields` put just before `key`."""
        at = self.keys.index(key)
        return Fields((*self.fields[:at], *_join(parts, fields), *self.fields[at:]), self.record)

    def without(self, *keys: str) -> Fields:
        return Fields(tuple(f for f in self.fields if f.name not in keys), self.record)

    def schema(self) -> Schema:
        required = [f.name for f in self.fields if not f.optional and (not self.record or f.name in BASE_KEYS)]
        out: Schema = {"type": "object", "properties": {
            f.name: f.kind.schema() if self.record and f.name in BASE_KEYS else nullable(f.kind.schema())
            for f in self.fields}}
        if required:
            out["required"] = required
        return out


def _join(parts: tuple[Fields, ...], fields: dict[str, Kind]) -> tuple[Field, ...]:
    return (*(f for part in parts for f in part.fields), *(Field(name, kind) for name, kind in fields.items()))


def obj(*parts: Fields, **fields: Kind) -> Fields:
    """A nested object (or a body that is no record): `parts` and then `fields`, in order. Keys that are no
    Python names go in a part: `obj(keyed({"$path": TEXT}), ...)`."""
    return Fields(_join(parts, fields))


def keyed(fields: dict[str, Kind]) -> Fields:
    return Fields(tuple(Field(name, kind) for name, kind in fields.items()))


def record(*parts: Fields, **fields: Kind) -> Fields:
    """A record of a resource: `id`, `displayed_as`, `$path`, then `parts` and `fields`, in order."""
    return Fields((*BASE.fields, *_join(parts, fields)), record=True)


def many(item: Kind) -> Many:
    return Many(item)


def maybe(kind: Kind) -> Maybe:
    return Maybe(kind)


def nullable(schema: Schema) -> Schema:
    kind = schema.get("type")
    if kind is None or kind == "null":
        return schema
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


BASE = Fields((Field("id", TEXT), Field("displayed_as", TEXT), Field("$path", TEXT)))
# A link to another record (`{"id", "displayed_as", "$path"}`; `nested_attributes` may expand it into the
# record). Links to documents also carry `links`.
LINK = Fields(BASE.fields, record=True)


@dataclass(frozen=True)
class Page(Kind):
    """Sage's list envelope around records of one declaration (api/listing.py)."""

    item: Fields

    def schema(self) -> Schema:
        return envelope(self.item.schema())


def envelope(item: Schema) -> Schema:
    """The schema of a list page of records of schema `item`; with `deleted_since`, the items are tombstones."""
    tombstone = {"type": "object", "required": [*BASE_KEYS, "deleted_at"], "properties": {
        **{k: {"type": "string"} for k in BASE_KEYS}, "deleted_at": DATETIME.schema()}}
    link = {"type": ["string", "null"], "description": "Path of the next/previous page, without /v3.1"}
    return {"type": "object", "required": ["$total", "$page", "$next", "$back", "$itemsPerPage", "$items"],
            "properties": {"$total": {"type": "integer", "minimum": 0}, "$page": {"type": "integer", "minimum": 1},
                           "$next": link, "$back": link, "$itemsPerPage": {"type": "integer", "minimum": 1},
                           "$items": {"type": "array", "items": {"anyOf": [item, tombstone]}}}}
