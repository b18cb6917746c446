"""`Record`: the base of every business-owned resource (tenant, id, legacy id, timestamps).

A flush stamps what clients never send: `created_at`/`updated_at` from the request's clock and a
`legacy_id` from a per-business counter (the integer id v1/v2 clients knew; unique and increasing, with gaps
where a request rolled back on PostgreSQL: db/counters.reserve_ids), so no service repeats it.

A migration keeps the v2 ids it brings (`import_legacy_id`, docs/migration-kit.md): a record created in the unit
of work takes the legacy id it had, which must lie above every legacy id of its table the business's counter
has given out, and the counter moves up to it. That one rule keeps legacy ids unique per business and table
without a unique index: an id above the counter was never handed to anyone, and on PostgreSQL the counter row
stays locked until the import commits, so requests reserving ids meanwhile continue above it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, select, union_all
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from ledgerd.clock import Clock
from ledgerd.db.base import IdMixin
from ledgerd.db.counters import claim, reserve_ids
from ledgerd.db.tenancy import TenantScoped
from ledgerd.errors import Invalid

CLOCK_KEY = "ledgerd.clock"
# The column is a 32-bit integer on both databases.
LEGACY_ID_MAX = 2**31 - 1


class Record(TenantScoped, IdMixin):
    legacy_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


def bind_clock(session: Session, clock: Clock) -> None:
    session.info[CLOCK_KEY] = clock


def _stamp(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    clock = session.info.get(CLOCK_KEY)
    if clock is None:
        return
    now = clock.now()
    pending: dict[str, list[Record]] = defaultdict(list)
    for obj in session.new:
        if isinstance(obj, Record):
            if obj.created_at is None:
                obj.created_at = now
            if obj.updated_at is None:
                obj.updated_at = now
            if obj.legacy_id is None:
                assert obj.business_id is not None, f"{type(obj).__name__} has no business"
                pending[f"{obj.business_id}:legacy:{obj.__tablename__}"].append(obj)
    # One counter round trip per flush, however many rows and tables the flush inserts.
    if pending:
        lasts = reserve_ids(session, {name: len(objs) for name, objs in pending.items()})
        for name, objs in pending.items():
            for offset, obj in enumerate(objs, start=lasts[name] - len(objs) + 1):
                obj.legacy_id = offset
    for obj in session.dirty:
        if isinstance(obj, Record) and session.is_modified(obj, include_collections=False):
            obj.updated_at = now


# Installed on ledgerd's session class when the runtime is built (db/session.py), after tenancy's check.
LISTENERS = (("before_flush", _stamp),)


def legacy_counter(business_id: str, table: str) -> str:
    """The name of the counter giving legacy ids to a business's rows of `table`."""
    return f"{business_id}:legacy:{table}"


def import_legacy_id(db: Session, record: Record, value: int) -> None:
    """Give `record`, created in this unit of work, the legacy id it had before (a v2 id kept by a migration);
    422 (`Invalid`, `$source` `legacy_id`) when another record of its table in the business has it, or when it
    is not above the ids the business's counter has given out for that table (it might be one a request in
    flight holds)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= LEGACY_ID_MAX:
        raise Invalid(f"A legacy id is a whole number from 1 to {LEGACY_ID_MAX}.", "legacy_id")
    db.flush()  # the record is written with the id the counter gave it, replaced below
    table: Any = getattr(type(record), "__table__")  # noqa: B009 - the mixin does not declare it
    before = claim(db, legacy_counter(record.business_id, table.name), value)
    if value <= before:
        taken = db.execute(select(table.c.id).where(table.c.business_id == record.business_id,
                                                    table.c.legacy_id == value, table.c.id != record.id)
                           .limit(1)).first()
        if taken is not None:
            raise Invalid(f"Legacy id {value} is already taken by another record of this kind in this business.",
                          "legacy_id")
        raise Invalid(f"Legacy id {value} is below the legacy ids this business has already given records of this "
                      "kind: import records with their legacy ids in increasing order, before records of the kind "
                      "are created without one.", "legacy_id")
    record.legacy_id = value
    db.flush()


def _record_tables() -> list[Any]:
    """The table of every mapped `Record` subclass (each once)."""
    tables: dict[str, Any] = {}
    pending = list(Record.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        table = getattr(cls, "__table__", None)
        if table is not None:
            tables.setdefault(table.name, table)
    return [tables[name] for name in sorted(tables)]


def find_legacy_ids(db: Session, business_id: str, ids: Collection[str]) -> dict[str, int]:
    """Legacy ids of records of any type, by id, within one business: one UNION ALL over every record
    table (ids are random 128-bit values, so one id names one record wherever it lives)."""
    tables = _record_tables()
    if not ids or not tables:
        return {}
    wanted = sorted(ids)
    parts = [select(t.c.id, t.c.legacy_id).where(t.c.business_id == business_id, t.c.id.in_(wanted))
             for t in tables]
    return {row[0]: row[1] for row in db.execute(union_all(*parts))}


def key_of_legacy_id(db: Session, statement: Select[Any], model: type[Record], business_id: str,
                     legacy_id: int) -> Any | None:
    """The key `statement` (a select of one column of `model`'s records) gives for the record of `business_id`
    with `legacy_id`, or None: how the old APIs' integer ids find a record."""
    found = statement.where(model.business_id == business_id, model.legacy_id == legacy_id).limit(1)
    return db.scalar(found)
