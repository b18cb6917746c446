"""A small validator of responses against Sage's swagger definitions, with Sage's real wire rules.

Why not `jsonschema`: the swagger describes Sage's *model*, not its wire (decimals are declared `number`
but sent as strings, lists are declared arrays but sent in an envelope, unset values are `null`), and
JSON Schema has no notion of key order, which is the check that matters most here. The rules that
differ from the swagger are not decided here: they are read from `differences.py`, the one list of them.

`check(value, schema)` returns every problem found (an empty list when the value conforms), each as
`"<where>: <what>"` with `where` a path like `$.invoice_lines[0].tax_rate`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.conformance import differences

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
Schema = Mapping[str, Any]


def ref_name(schema: Schema) -> str | None:
    ref = schema.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


@dataclass
class Validator:
    definitions: Mapping[str, Schema]
    problems: list[str] = field(default_factory=list)

    def check(self, value: Any, schema: Schema, where: str = "$") -> list[str]:
        self.problems = []
        self._value(value, schema, where, None)
        return self.problems

    def _fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def _value(self, value: Any, schema: Schema, where: str, owner: str | None) -> None:
        name = ref_name(schema)
        if name is not None:
            if name not in self.definitions:
                self._fail(where, f"the swagger names an unknown definition {name}")
                return
            schema, owner = self.definitions[name], name
        if value is None:
            return  # differences.NULLS: any property may be null on the wire
        kind = schema.get("type", "object" if "properties" in schema else None)
        if kind == "object":
            self._object(value, schema, where, owner)
        elif kind == "array":
            self._array(value, schema, where, owner)
        elif kind is not None:
            self._scalar(value, kind, schema.get("format"), where, owner)

    def _array(self, value: Any, schema: Schema, where: str, owner: str | None) -> None:
        if not isinstance(value, list):
            self._fail(where, f"expected an array, got {type(value).__name__}")
            return
        items = schema.get("items")
        if items is None:
            return  # the swagger says nothing about the items (e.g. AnalysisType.active_areas)
        for index, item in enumerate(value):
            self._value(item, items, f"{where}[{index}]", owner)

    def _scalar(self, value: Any, kind: str, fmt: str | None, where: str, owner: str | None) -> None:
        if kind == "number":
            ok = isinstance(value, str) and differences.DECIMAL.match(value) is not None
            expected = "a decimal string (differences.DECIMALS)"
        elif kind == "integer":
            ok, expected = isinstance(value, int) and not isinstance(value, bool), "an integer"
        elif kind == "boolean":
            ok, expected = isinstance(value, bool), "a boolean"
        elif kind == "string":
            ok, expected = self._string(value, fmt), f"a string ({fmt or 'text'})"
        else:
            ok, expected = False, f"a value of the unknown swagger type {kind}"
        if not ok:
            self._fail(where, f"expected {expected}, got {value!r}")

    @staticmethod
    def _string(value: Any, fmt: str | None) -> bool:
        if not isinstance(value, str):
            return False
        if fmt == "date":
            return DATE.match(value) is not None
        if fmt == "date-time":
            return DATE_TIME.match(value) is not None
        return True

    def _undeclared(self, keys: list[str], order: Mapping[str, int], where: str, owner: str | None) -> None:
        """Keys the definition does not declare: each must be documented, and placed where Sage puts it
        (after the declared keys, or first for a forgotten base key)."""
        declared = [index for index, key in enumerate(keys) if key in order]
        for index, key in enumerate(keys):
            if key in order:
                continue
            allowed = differences.extra(owner, key)
            if allowed is None:
                self._fail(f"{where}.{key}", f"not a property of {owner or 'the definition'} "
                                             "(document it in differences.EXTRA_KEYS, or drop it)")
            elif allowed.after is not None:
                if index == 0 or keys[index - 1] != allowed.after:
                    self._fail(f"{where}.{key}", f"must come right after {allowed.after}, as in Sage's answers")
            elif allowed.first and any(i < index for i in declared):
                self._fail(f"{where}.{key}", f"must come before the keys {owner} declares")
            elif not allowed.first and any(i > index for i in declared):
                self._fail(f"{where}.{key}", f"must come after the keys {owner} declares, as Sage's extras do")

    def _object(self, value: Any, schema: Schema, where: str, owner: str | None) -> None:
        if not isinstance(value, dict):
            self._fail(where, f"expected an object, got {type(value).__name__}")
            return
        properties: Mapping[str, Schema] = schema.get("properties", {})
        if not properties:
            return
        order = {name: index for index, name in enumerate(properties)}
        known = [key for key in value if key in order]
        for before, after in itertools.pairwise(known):
            if order[after] < order[before]:
                self._fail(f"{where}.{after}", f"comes after `{before}`, but {owner or 'the definition'} declares "
                                               "it before (keys follow the definition's property order)")
        self._undeclared(list(value), order, where, owner)
        for key in known:
            self._value(value[key], differences.property_schema(owner, key, properties[key]), f"{where}.{key}", owner)


def response_problems(definitions: Mapping[str, Schema], schema: Schema, body: Any, *, core: bool = False) -> list[str]:
    """Every way a success body differs from its swagger schema (lists: the envelope, then each item)."""
    validator = Validator(definitions)
    if schema.get("type") != "array":
        return validator.check(body, schema)
    envelope = differences.CORE_ENVELOPE if core else differences.ENVELOPE
    if not isinstance(body, dict) or tuple(body) != envelope:
        return [f"$: expected the list envelope {list(envelope)}, got {list(body) if isinstance(body, dict) else body}"]
    problems = []
    for index, item in enumerate(body["$items"]):
        problems += validator.check(item, schema["items"], f"$.$items[{index}]")
    return problems


def missing_properties(definitions: Mapping[str, Schema], schema: Schema, body: Any) -> list[str]:
    """Declared properties a full record leaves out, but for Sage's conditional ones (differences.CONDITIONAL)."""
    name = ref_name(schema)
    if name is None or not isinstance(body, dict):
        return []
    declared = definitions[name].get("properties", {})
    return [f"$.{key}: {name} declares it, but the record leaves it out (or document it in differences.CONDITIONAL)"
            for key in declared if key not in body and key not in differences.CONDITIONAL]
