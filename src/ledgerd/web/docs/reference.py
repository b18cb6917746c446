"""The API reference, regrouped from ledgerd's OpenAPI document (api/openapi.py): one page per operation, an index
per tag, each operation with its parameters, its request and response bodies as field tables, and one example.

Examples come from `examples.json`, captured from a running ledgerd by tools/capture_examples.py; an operation the
script could not call gets one generated from its schemas here, marked as such.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

EXAMPLES = "examples.json"
# Fields every record shares, described once: the declarations of api/responses.py carry types, not words.
COMMON = {
    "id": "The record's id (32 lowercase hex characters; a mnemonic for reference lists).",
    "displayed_as": "How Sage displays the record (a name, a number and a name, …).",
    "$path": "The record's path under /v3.1.",
    "created_at": "When the record was made (UTC).",
    "updated_at": "When the record last changed (UTC).",
    "deleted_at": "When the record was deleted (only in `deleted_since` listings).",
    "legacy_id": "The record's integer id of API v2 (with `show_legacy_id=true`).",
    "links": "Links to the record in Sage's web application (empty here).",
    "$items": "The page's records.",
    "$total": "How many records match, over every page.",
    "$page": "This page's number.",
    "$next": "The next page's path, or null on the last page.",
    "$back": "The previous page's path, or null on the first page.",
    "$itemsPerPage": "Records per page.",
    # Fields many resources share, with one meaning wherever they appear.
    "contact_id": "The contact's id (`/contacts`).",
    "contact": "The contact (a link to `/contacts`).",
    "bank_account_id": "The bank account's id (`/bank_accounts`).",
    "ledger_account_id": "The ledger account's id (`/ledger_accounts`).",
    "tax_rate_id": "The tax rate's id (`/tax_rates`), e.g. `GB_STANDARD`.",
    "currency_id": "The currency's code (`/currencies`), e.g. `GBP`.",
    "date": "The date (`YYYY-MM-DD`).",
    "due_date": "When payment is due (`YYYY-MM-DD`).",
    "reference": "The business's own reference.",
    "notes": "Free text notes.",
    "description": "Words describing the line or record.",
    "quantity": "How many (a decimal string, 6 places at most).",
    "unit_price": "Price of one unit (a decimal string, 6 places at most).",
    "net_amount": "Amount before tax (a decimal string).",
    "tax_amount": "Tax (a decimal string).",
    "total_amount": "Net plus tax (a decimal string).",
    "idempotency_id": "A key of your choosing: a repeat of the request within 7 days answers the first answer.",
    "email": "E-mail address.",
    "name": "The name shown for it.",
}
_LINK = {"id", "displayed_as", "$path", "legacy_id"}  # a link to another record: not expanded
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Example:
    method: str
    path: str  # with its query string
    headers: dict[str, str]
    body: Any
    status: int
    response: Any
    captured: bool  # False: generated from the schema


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str
    tag: str
    summary: str
    description: str
    parameters: list[Field]
    body: list[Field] | None
    body_wrapper: str | None
    status: str  # the success status documented first
    response: list[Field]
    listed: bool  # the response is a page of records ($items)
    errors: list[tuple[str, str]]
    example: Example

    @property
    def url(self) -> str:
        return f"/docs/reference/{slug(self.tag)}/{self.id}"


@dataclass(frozen=True)
class Tag:
    name: str
    operations: list[Operation]

    @property
    def url(self) -> str:
        return f"/docs/reference/{slug(self.name)}"


@dataclass(frozen=True)
class Reference:
    intro: str
    tags: dict[str, Tag]  # by slug
    operations: dict[str, Operation]  # by operationId

    def find(self, tag: str, operation_id: str) -> Operation | None:
        found = self.operations.get(operation_id)
        return found if found is not None and slug(found.tag) == tag else None


# --- schemas in words ------------------------------------------------------------------------------------------

def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        found: dict[str, Any] = doc["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        return found
    return schema


def _unnull(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null part of `anyOf: [X, null]`."""
    parts = [p for p in schema.get("anyOf", ()) if p.get("type") != "null"]
    return parts[0] if len(parts) == 1 else schema


def type_text(schema: dict[str, Any]) -> str:
    """A schema in a few words: `string (decimal)`, `array of Link`, `integer | null`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(type_text(part) for part in schema["anyOf"])
    kind = schema.get("type", "any")
    text = " | ".join(kind) if isinstance(kind, list) else str(kind)
    if text.startswith("array"):
        text = text.replace("array", f"array of {type_text(schema.get('items', {}))}", 1)
    if "format" in schema:
        text += f" ({schema['format']})"
    if "enum" in schema:
        text += ": " + ", ".join(str(v) for v in schema["enum"])
    if "maxLength" in schema:
        text += f", at most {schema['maxLength']} characters"
    return text


def fields(doc: dict[str, Any], schema: dict[str, Any], prefix: str = "", depth: int = 0) -> list[Field]:
    """Rows for an object's properties, nested objects (and arrays of objects) one row per inner field as
    `parent.child` / `lines[].child`, two levels deep."""
    schema = _resolve(doc, _unnull(schema))
    required = set(schema.get("required", ()))
    out: list[Field] = []
    for name, prop in schema.get("properties", {}).items():
        inner = _unnull(prop)
        described = str(prop.get("description") or inner.get("description") or COMMON.get(name, ""))
        out.append(Field(prefix + name, type_text(prop), name in required, described))
        target = _resolve(doc, inner)
        nested = prefix + name + "."
        if _is_array(target):
            target, nested = _resolve(doc, _unnull(target.get("items", {}))), prefix + name + "[]."
        if depth < 2 and not set(target.get("properties", {})) <= _LINK:
            out += fields(doc, target, nested, depth + 1)
    return out


def _is_array(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def sample(doc: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A value of a schema, for operations without a captured example."""
    schema = _resolve(doc, _unnull(schema))
    kind = schema.get("type", "object")
    kinds = [k for k in (kind if isinstance(kind, list) else [kind]) if k != "null"] or ["null"]
    if "enum" in schema:
        return schema["enum"][0]
    if kinds[0] == "object":
        if depth > 3:
            return {}
        return {name: sample(doc, prop, depth + 1) for name, prop in schema.get("properties", {}).items()}
    if kinds[0] == "array":
        return [sample(doc, schema.get("items", {}), depth + 1)] if depth <= 3 else []
    if kinds[0] == "string":
        return {"date": "2024-06-15", "date-time": "2024-06-15T12:00:00Z", "decimal": "0.0"}.get(
            str(schema.get("format")), "string")
    return {"integer": 0, "number": 0, "boolean": False, "null": None}.get(kinds[0])


# --- the reference ---------------------------------------------------------------------------------------------

@cache
def captured() -> dict[str, Any]:
    """The examples of tools/capture_examples.py, by `METHOD /path` (empty when not captured yet)."""
    source = resources.files(__package__).joinpath(EXAMPLES)
    found: dict[str, Any] = json.loads(source.read_text("utf-8")) if source.is_file() else {}
    return found


def _success(operation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            return status, response
    return "200", {}


def _example(doc: dict[str, Any], method: str, path: str, operation: dict[str, Any], body: Any,
             status: str, response_schema: dict[str, Any] | None) -> Example:
    found = captured().get(f"{method} {path}")
    if found is not None:
        request, response = found["request"], found["response"]
        return Example(method, request["path"], request.get("headers", {}), request.get("body"), response["status"],
                       response.get("body"), True)
    headers = {"Authorization": "Bearer $ACCESS_TOKEN"}
    if any(p["name"] == "X-Business" for p in operation["parameters"]):
        headers["X-Business"] = "BUSINESS_ID"
    return Example(method, path, headers, body, int(status),
                   sample(doc, response_schema) if response_schema is not None else None, False)


def _operation(doc: dict[str, Any], path: str, method: str, operation: dict[str, Any]) -> Operation:
    parameters = [Field(p["name"], f"{type_text(p['schema'])} ({p['in']})", bool(p.get("required")),
                        str(p.get("description", ""))) for p in operation["parameters"]]
    body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    wrapper = next(iter(body_schema.get("properties", {})), None) if body_schema else None
    status, success = _success(operation)
    schema = success.get("content", {}).get("application/json", {}).get("schema")
    listed = bool(schema and "$items" in schema.get("properties", {}))
    record = schema["properties"]["$items"]["items"] if listed and schema else schema
    body_example = sample(doc, body_schema) if body_schema else None
    return Operation(
        id=operation["operationId"], method=method.upper(), path=path, tag=operation["tags"][0],
        summary=operation["summary"], description=operation.get("description", ""), parameters=parameters,
        body=fields(doc, body_schema["properties"][wrapper]) if body_schema and wrapper else None,
        body_wrapper=wrapper, status=status,
        response=fields(doc, record) if record else [], listed=listed,
        errors=[(s, doc["components"]["responses"][r["$ref"].rsplit("/", 1)[-1]]["description"])
                for s, r in operation["responses"].items() if "$ref" in r],
        example=_example(doc, method.upper(), path, operation, body_example, status, schema))


def build(doc: dict[str, Any]) -> Reference:
    ops = [_operation(doc, path, method, operation)
           for path, item in doc["paths"].items() for method, operation in item.items()]
    tags: dict[str, Tag] = {}
    for op in sorted(ops, key=lambda o: (o.tag, o.path, o.method)):
        tags.setdefault(slug(op.tag), Tag(op.tag, [])).operations.append(op)
    return Reference(str(doc["info"].get("description", "")), dict(sorted(tags.items())),
                     {op.id: op for op in ops})
