"""Response shapes for the OpenAPI document, inferred from what the server really answered.

Presenters build plain dicts, so no type declaration says what goes on the wire. Instead the shapes are
*recorded*: tests/contract/test_openapi_shapes.py answers every GET route (and PUT of singletons) against
books holding records of every resource, feeds each body to `Seen.add`, and commits the inferred JSON
Schemas to shapes.json (`LEDGERD_UPDATE_OPENAPI_SHAPES=1`), as the query-count baselines are; the same test
fails when the committed file no longer matches what the code returns.

Inference keeps the wire conventions: decimals (`"45.83"`), dates and UTC timestamps are strings with a
`format` (decimals also a `pattern`); objects list their keys in the order seen; record-like objects
(`id` and `$path`) require only their base keys, because `attributes` and `nested_attributes` may trim or
expand them. Every field but the base keys may be null: samples cannot prove a value is never null (a
draft has no `transaction`), so nullability is not inferred.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

FILE = Path(__file__).with_name("shapes.json")
DECIMAL = r"^-?[0-9]+\.[0-9]+$"
_STRING_KINDS = (("decimal", re.compile(DECIMAL)), ("date", re.compile(r"^\d{4}-\d{2}-\d{2}$")),
                 ("date-time", re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")))
BASE_KEYS = ("id", "displayed_as", "$path")
Schema = dict[str, Any]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return next((name for name, pattern in _STRING_KINDS if pattern.match(value)), "string")
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass
class Seen:
    """Everything observed at one place of a response body."""

    kinds: set[str] = field(default_factory=set)
    fields: dict[str, Seen] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    objects: int = 0
    items: Seen | None = None

    def add(self, value: Any) -> None:
        kind = _kind(value)
        self.kinds.add(kind)
        if kind == "object":
            self.objects += 1
            for key, inner in value.items():
                self.fields.setdefault(key, Seen()).add(inner)
                self.present[key] = self.present.get(key, 0) + 1
        elif kind == "array":
            self.items = self.items or Seen()
            for inner in value:
                self.items.add(inner)

    def schema(self, nullable: bool = False) -> Schema:
        """The JSON Schema (2020-12, as OpenAPI 3.1 uses) of what was seen (and null, if `nullable`)."""
        concrete = sorted(self.kinds - {"null"})
        parts = [self._one(kind) for kind in _merge_kinds(concrete)]
        if not parts:
            return {}  # only ever null: nothing is known about the value
        if (nullable or "null" in self.kinds) and len(parts) == 1:
            # Type-specific keywords (format, pattern, properties, items) do not apply to null.
            return {**parts[0], "type": [parts[0]["type"], "null"]}
        if nullable or "null" in self.kinds:
            parts.append({"type": "null"})
        if len(parts) == 1:
            return parts[0]
        if all(set(p) == {"type"} for p in parts):
            return {"type": [p["type"] for p in parts]}
        return {"anyOf": parts}

    def _one(self, kind: str) -> Schema:
        if kind == "object":
            return self._object()
        if kind == "array":
            return {"type": "array", "items": self.items.schema() if self.items else {}}
        if kind == "decimal":
            return {"type": "string", "format": "decimal", "pattern": DECIMAL}
        if kind in ("date", "date-time"):
            return {"type": "string", "format": kind}
        return {"type": kind}

    def _object(self) -> Schema:
        always = [key for key, count in self.present.items() if count == self.objects]
        record = "id" in always and "$path" in always
        required = [key for key in always if key in BASE_KEYS] if record else always
        out: Schema = {"type": "object", "properties": {key: seen.schema(nullable=key not in BASE_KEYS)
                                                        for key, seen in self.fields.items()}}
        if required:
            out["required"] = required
        return out


def _merge_kinds(kinds: list[str]) -> list[str]:
    """Several string kinds are just strings; integers among numbers are numbers."""
    strings = [k for k in kinds if k in ("string", "decimal", "date", "date-time")]
    out = [k for k in kinds if k not in strings]
    if len(strings) == 1:
        out.append(strings[0])
    elif strings:
        out.append("string")
    if "number" in out and "integer" in out:
        out.remove("integer")
    return out


def item(body: Any) -> tuple[bool, list[Any]]:
    """(is a list envelope, the records a body holds): the `$items` of an envelope, else the body."""
    if isinstance(body, dict) and "$items" in body and "$total" in body:
        return True, list(body["$items"])
    return False, [body]


@cache
def recorded() -> dict[str, Schema]:
    """The committed shapes by operation (`"GET /contacts/{key}"`): the schema of one record."""
    if not FILE.exists():
        return {}
    loaded: dict[str, Schema] = json.loads(FILE.read_text())
    return loaded


def dump(shapes: dict[str, Schema]) -> str:
    return json.dumps(dict(sorted(shapes.items())), indent=1, ensure_ascii=False) + "\n"
