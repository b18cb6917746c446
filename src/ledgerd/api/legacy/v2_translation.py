"""API v2's wire ↔ v3.1's, driven by the tables of v2_resources.py (pure functions; docs/legacy-v2.md).

Requests: a v2 body (parsed from its form) becomes the v3.1 body, names moved where the table says; integer ids
are collected (`Ref`) for the adapter to find their v3.1 keys. Answers: each v3.1 record (asked for with
`show_legacy_id=true`) becomes a v2 resource: integer `id` (the legacy id) first, `$key` the same last, link
objects likewise, fields renamed back. Error sources go the same way back, written as v2's form names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ledgerd.api.legacy.v2_resources import LINKS, Field, Table
from ledgerd.errors import Invalid

KEY = "$key"
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass
class Ref:
    """An integer id in a translated request: `holder[key]` names a record of `segment` by its legacy id."""

    holder: dict[str, Any]
    key: str
    segment: str
    legacy_id: int
    path: str  # the v3.1 path of the value, for an error's source


# --- paths ------------------------------------------------------------------------------------------------------

def _put(target: dict[str, Any], path: str, value: Any) -> None:
    """Set `value` at a dotted path, making the hashes and lists (`lines.0.x`) on the way."""
    parts = path.split(".")
    node: Any = target
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        if following is None:
            if isinstance(node, list):
                _grow(node, int(part))[int(part)] = value
            else:
                node[part] = value
            return
        empty: Any = [] if following.isdigit() else {}
        if isinstance(node, list):
            slot = _grow(node, int(part))
            if slot[int(part)] is None:
                slot[int(part)] = empty
            node = slot[int(part)]
        else:
            node = node.setdefault(part, empty)


def _grow(items: list[Any], index: int) -> list[Any]:
    items.extend([None] * (index + 1 - len(items)))
    return items


def _get(source: Any, path: str) -> tuple[bool, Any]:
    node = source
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


# --- requests ---------------------------------------------------------------------------------------------------

def _integer(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        return int(value.strip())
    return None


def _code(field: Field, value: Any) -> Any:
    assert field.codes is not None
    number = _integer(value)
    if number is None or number not in field.codes:
        known = ", ".join(f"{k} ({v})" for k, v in field.codes.items())
        raise Invalid(f"{field.request_key} must be one of {known}.", field.request_key)
    return field.codes[number]


def to_v31(table: Table, body: dict[str, Any]) -> dict[str, Any]:
    """The v3.1 body of a v2 one (inside the wrappers): declared fields moved, the rest kept by name
    (`x_attributes` → `x`, Rails' name for a nested hash)."""
    declared = {f.request_key: f for f in table.fields}
    declared.update({f.v2: f for f in table.fields if f.lines})
    out: dict[str, Any] = {}
    for key, value in body.items():
        spec = declared.get(key)
        if spec is None:
            out[key.removesuffix("_attributes")] = value
            continue
        if spec.lines is not None:
            if not isinstance(value, list) or not all(isinstance(line, dict) for line in value):
                raise Invalid(f"{spec.request_key} must be a list of lines.", spec.request_key)
            value = [to_v31(spec.lines, line) for line in value]
        elif spec.codes is not None:
            value = _code(spec, value)
        for path in spec.into_paths:
            _put(out, path, value)
    return out


def refs(body: Any, path: str = "") -> list[Ref]:
    """Every integer id of a translated body whose field names a record (`LINKS`)."""
    found: list[Ref] = []
    if isinstance(body, dict):
        for key, value in body.items():
            here = f"{path}.{key}" if path else key
            number = _integer(value)
            segment = LINKS.get(key.removesuffix("_id")) if key.endswith("_id") else None
            if segment and number is not None:
                found.append(Ref(body, key, segment, number, here))
            else:
                found += refs(value, here)
    elif isinstance(body, list):
        for index, value in enumerate(body):
            found += refs(value, f"{path}.{index}")
    return found


# --- answers ----------------------------------------------------------------------------------------------------

def link(value: Any) -> Any:
    """A v3.1 value in v2's form: records (objects with a `legacy_id`) get it as `id` and `$key`, `$path` goes;
    everything inside likewise."""
    if isinstance(value, list):
        return [link(inner) for inner in value]
    if not isinstance(value, dict):
        return value
    legacy = value.get("legacy_id")
    inner = {k: link(v) for k, v in value.items() if k not in ("legacy_id", "$path")}
    if legacy is None:
        return inner
    return {"id": legacy, **{k: v for k, v in inner.items() if k != "id"}, KEY: legacy}


def _coded(field: Field, value: Any) -> Any:
    assert field.codes is not None
    mnemonic = value.get("id") if isinstance(value, dict) else None
    number = next((k for k, v in field.codes.items() if v == mnemonic), None)
    if number is None:
        return link(value)
    return {"id": number, "name": mnemonic, "displayed_as": value.get("displayed_as"), KEY: number}


def resource(table: Table, item: dict[str, Any]) -> dict[str, Any]:
    """A v3.1 record as a v2 resource, in the record's own order with renamed fields where they stood."""
    by_top: dict[str, list[Field]] = {}
    for spec in table.fields:
        by_top.setdefault(spec.out.split(".", 1)[0], []).append(spec)
    renamed = {spec.out.split(".", 1)[0] for spec in table.fields if spec.out != spec.v2}  # v2 had only its name
    legacy = item.get("legacy_id")
    identity = legacy if legacy is not None else item.get("id")
    out: dict[str, Any] = {} if identity is None else {"id": identity}
    for key, value in item.items():
        if key in ("legacy_id", "id", "$path"):
            continue
        for spec in by_top.get(key, ()):
            found, inner = _get(item, spec.out)
            if not found:
                continue
            if spec.lines is not None and isinstance(inner, list):
                out[spec.v2] = [resource(spec.lines, line) if isinstance(line, dict) else line for line in inner]
            else:
                out[spec.v2] = _coded(spec, inner) if spec.codes is not None else link(inner)
        if key not in renamed and key not in out:
            out[key] = link(value)
    if legacy is not None:  # `$key` mirrors an integer id; a line or the user has only v3.1's
        out[KEY] = legacy
    return out


# --- error sources ----------------------------------------------------------------------------------------------

def source_parts(source: str) -> list[str]:
    """A v3.1 error's `$source` in parts: `invoice_lines[0].ledger_account_id` → ["invoice_lines", "0",
    "ledger_account_id"] (v3's error sources are made from them too: v3.py)."""
    return [part for part in _INDEX.sub(r".\1", source).split(".") if part]


def _v2_parts(table: Table, parts: list[str]) -> list[str]:
    joined = ".".join(parts)
    for spec in table.fields:
        if joined in spec.into_paths:
            return [spec.request_key]
        if spec.lines is not None and len(parts) > 1 and parts[0] == spec.out:
            return [spec.request_key, parts[1], *_v2_parts(spec.lines, parts[2:])]
    for spec in table.fields:  # a place inside a declared field (the first payment line's …)
        for path in spec.into_paths:
            prefix = path.rsplit(".", 1)[0] + "."
            if "." in path and joined.startswith(prefix):
                return [joined[len(prefix):]]
    return parts


def source(table: Table, v31_wrapper: str, v2_wrapper: str, given: str) -> str:
    """A v3.1 error's `$source` as the v2 form name inside the wrapper: `line_items_attributes[0][quantity]`."""
    if not given:
        return given
    if given == v31_wrapper:
        return v2_wrapper
    parts = _v2_parts(table, source_parts(given))
    return parts[0] + "".join(f"[{part}]" for part in parts[1:])
