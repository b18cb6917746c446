"""`show_legacy_id=true`: every identified object of a response gets its integer `legacy_id`, first.

Sage's migration guide: "this query parameter exists on all API v3.1 endpoints where IDs apply" and
the item then reads `{"legacy_id": 53117661, "id": …, "displayed_as": …, "$path": …}`. Sage's v3
swagger gives `legacy_id` to every definition including `Base`, the link object, so links nested in an
item carry theirs too. Applied once, to the finished payload of any endpoint, so no resource codes it:

* an object with `id` and `$path` is the record `$path` names; a single object without `$path` (e.g.
  `GET /businesses/{key}`) is the record its route names;
* records of served resources and businesses carry a stored legacy id (stamped at insert, or the v2 id an
  import kept: db/records.import_legacy_id; never changed after); a record outside the resource registry is found
  among all record tables by its id;
* static-list entries (`/countries/GB`, `/tax_types/…`) have mnemonic ids and no table: their legacy
  id is derived from the path (a stable 31-bit number), the same in every business and every release;
* objects that are no record (line items, settings singletons, `/user`, tombstones of deleted records)
  get none.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.api import params
from ledgerd.api.registry import REGISTRY
from ledgerd.db.records import find_legacy_ids
from ledgerd.tenancy.models import Business

PARAM = "show_legacy_id"
DECLARATION = params.Param(PARAM, "boolean", "Add `legacy_id` (the record's integer id of API v2) to every record.")
KEY = "legacy_id"
_GUID = re.compile(r"^[0-9a-f]{32}$")
Ref = tuple[str, str]  # (path segment, key), e.g. ("contacts", "9c5b…")


def wanted(query: Mapping[str, str]) -> bool:
    raw = query.get(PARAM)
    return raw is not None and raw.strip() != "" and params.boolean(PARAM, raw)


def static_legacy_id(segment: str, key: str) -> int:
    """The legacy id of a static-list entry: a pure function of its path, never 0."""
    digest = hashlib.sha256(f"/{segment}/{key}".encode()).digest()
    return (int.from_bytes(digest[:4], "big") & 0x7FFFFFFF) or 1


def _ref(node: Mapping[str, Any], segment: str | None) -> Ref | None:
    path = node.get("$path")
    if isinstance(path, str):
        parts = path.split("/")
        return (parts[1], parts[2]) if len(parts) == 3 and parts[0] == "" and parts[2] else None
    key = node.get("id")
    return (segment, key) if segment and isinstance(key, str) and key else None


def _collect(value: Any, segment: str | None, refs: set[Ref]) -> None:
    if isinstance(value, list):
        for inner in value:
            _collect(inner, None, refs)
    elif isinstance(value, dict):
        ref = _ref(value, segment) if "id" in value else None
        if ref:
            refs.add(ref)
        for inner in value.values():
            _collect(inner, None, refs)


def _rebuild(value: Any, segment: str | None, found: Mapping[Ref, int]) -> Any:
    """A copy with legacy ids put first (a copy: presenters may share link objects between responses)."""
    if isinstance(value, list):
        return [_rebuild(inner, None, found) for inner in value]
    if isinstance(value, dict):
        copy = {k: _rebuild(v, None, found) for k, v in value.items()}
        ref = _ref(value, segment) if "id" in value else None
        legacy = found.get(ref) if ref else None
        return {KEY: legacy, **{k: v for k, v in copy.items() if k != KEY}} if legacy is not None else copy
    return value


def _stored(db: Session, segment: str, keys: set[str]) -> dict[str, int]:
    """Legacy ids of a served resource's records (or of businesses), by key."""
    if segment == "businesses":
        return {k: v for k, v in db.execute(select(Business.id, Business.legacy_id).where(Business.id.in_(keys)))}
    resource = REGISTRY.get(segment)
    if resource is None or not hasattr(resource.model, KEY):
        return {}
    column = getattr(resource.model, KEY)
    return {k: v for k, v in db.execute(select(resource.key, column).where(resource.key.in_(keys)))}


def resolve(db: Session, refs: set[Ref], business_id: str | None) -> dict[Ref, int]:
    by_segment: dict[str, set[str]] = defaultdict(set)
    for segment, key in refs:
        by_segment[segment].add(key)
    found: dict[Ref, int] = {}
    for segment, keys in by_segment.items():
        found.update(((segment, k), v) for k, v in _stored(db, segment, keys).items())
    missing = {ref for ref in refs if ref not in found}
    guids = {key for _, key in missing if _GUID.match(key)}
    if guids and business_id is not None:
        elsewhere = find_legacy_ids(db, business_id, guids)
        found.update((ref, elsewhere[ref[1]]) for ref in missing if ref[1] in elsewhere)
    for segment, key in missing:
        if not _GUID.match(key) and segment not in REGISTRY and segment != "businesses":
            found[(segment, key)] = static_legacy_id(segment, key)
    return found


def annotate(db: Session, payload: Any, *, route_path: str, business_id: str | None) -> Any:
    """`payload` with legacy ids (see the module docstring); `route_path` names the route's records."""
    segment = route_path.strip("/").split("/", 1)[0] or None
    refs: set[Ref] = set()
    _collect(payload, segment, refs)
    if not refs:
        return payload
    return _rebuild(payload, segment, resolve(db, refs, business_id))
