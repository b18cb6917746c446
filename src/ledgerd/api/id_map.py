"""The legacy id → v3.1 id map of a business (`ledgerd migrate ids`, docs/migration-kit.md).

For every served resource whose records have legacy ids (api/registry: the specs the API serves, so a record
appears under each path that names it), the records in legacy id order with their v3.1 key and `displayed_as`,
as the resource's own spec computes them. Read in windows of `WINDOW` records by keyset (legacy id, id): the
rows of a window are let go (db/unit.let_go) before the next is read, so a business of any size streams in
bounded memory, and the whole map comes from one snapshot of the database (one transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.orm import Session

from ledgerd.api.resource import REGISTRY, Resource
from ledgerd.db.records import Record
from ledgerd.db.tenancy import bind_business
from ledgerd.db.unit import let_go
from ledgerd.errors import Invalid, NotFound
from ledgerd.tenancy.models import Business

WINDOW = 1000
COLUMNS = ("resource", "legacy_id", "id", "displayed_as")


@dataclass(frozen=True)
class Entry:
    resource: str
    legacy_id: int
    id: str
    displayed_as: str

    def row(self) -> tuple[str, int, str, str]:
        return (self.resource, self.legacy_id, self.id, self.displayed_as)


def resources() -> list[str]:
    """The paths of the served resources whose records carry legacy ids, in order."""
    return sorted(path for path, spec in REGISTRY.items() if issubclass(spec.model, Record))


def _chosen(paths: Iterable[str] | None) -> list[str]:
    known = resources()
    if not paths:
        return known
    wanted = list(dict.fromkeys(paths))
    unknown = [path for path in wanted if path not in known]
    if unknown:
        raise Invalid(f"No resource with legacy ids named {', '.join(unknown)}; use one of {', '.join(known)}.",
                      "resource")
    return sorted(wanted)


def entries(db: Session, business_id: str, paths: Iterable[str] | None = None) -> Iterator[Entry]:
    """The map of the business, resource by resource (`paths`: only those), each in legacy id order. Checks the
    business and the paths before the first entry."""
    chosen = _chosen(paths)
    if db.get(Business, business_id) is None:
        raise NotFound(f"No business with id {business_id!r}.", "business")
    bind_business(db, business_id)
    return _walk(db, chosen)


def _walk(db: Session, paths: list[str]) -> Iterator[Entry]:
    for path in paths:
        yield from _entries(db, REGISTRY[path])


def _entries(db: Session, spec: Resource[Any]) -> Iterator[Entry]:
    model: Any = spec.model
    order = (model.legacy_id, model.id)
    base = spec.base_query().order_by(None).order_by(*order)
    last: tuple[int, str] | None = None
    while True:
        stmt = base if last is None else base.where(
            or_(model.legacy_id > last[0], and_(model.legacy_id == last[0], model.id > last[1])))
        rows = spec.rows(db, stmt.limit(WINDOW))
        for row in rows:
            yield Entry(spec.path, row.legacy_id, getattr(row, spec.key.key), spec.displayed_as(row))
        if len(rows) < WINDOW:
            return
        last = (rows[-1].legacy_id, rows[-1].id)
        let_go(db)
