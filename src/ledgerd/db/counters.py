"""Gap-free counters (legacy ids, document numbers, rate limits), safe across processes and hosts.

One upsert (`INSERT … ON CONFLICT DO UPDATE … RETURNING`) inside the caller's transaction: concurrent
callers queue on the row lock, and a rolled-back transaction gives its number back.

A counter row stays locked until its transaction ends, and one unit of work takes several, over several
flushes, in an order that depends on what it writes (a receipt: payments, then transactions and entries, then
its payment on account's artefacts; an invoice: its number, then artefacts, entries and transactions at
once). Two such units of work could each hold a counter the other waits for. So on PostgreSQL a unit of
work bound to a business first takes that business's writer lock (`pg_advisory_xact_lock`, held to the end
of the transaction): from its first counter to its commit it is the business's only writer of counters,
and the order in which it takes them no longer matters. Concurrent postings of a business therefore
follow one another from their first insert on (see db/locks.py for the whole lock order).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Engine, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledgerd.db.base import Base
from ledgerd.db.engine import autocommit_write, upsert_insert
from ledgerd.db.locks import writer_lock


class Counter(Base):
    __tablename__ = "counters"

    # "<scope>:<name>", e.g. "global:business_legacy_id" or "<business id>:legacy:contacts".
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


# The counters a transaction has written itself, by name ("*": all of them, rewritten in bulk): their rows stay
# locked to its end, so `reserve_ids` must not wait for them from another connection.
_WRITTEN = "ledgerd.counters_written"


def _written(db: Session) -> set[str]:
    found: set[str] | None = db.info.get(_WRITTEN)
    if found is None:
        found = db.info[_WRITTEN] = set()
    return found


def rewritten(db: Session) -> None:
    """The transaction writes counter rows itself, in bulk (a business's state restored or removed,
    sandbox/state.py): from now on it takes its legacy ids in the transaction too."""
    writer_lock(db)
    _written(db).add("*")


def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)


# Installed on ledgerd's session class when the runtime is built (db/session.py).
LISTENERS = (("after_transaction_end", _forget),)


def next_value(db: Session, name: str, start: int = 1, count: int = 1) -> int:
    """The next value of counter `name` (the first is `start`); with `count`, reserves that many values
    and returns the last of them. Taking a value needs no pending row written, so it flushes none: a new
    document that takes its number is inserted with it, not updated after."""
    stmt = upsert_insert(db.get_bind().dialect.name)(Counter).values(name=name, value=start + count - 1)
    stmt = stmt.on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value + count})
    with db.no_autoflush:
        writer_lock(db)
        value = db.execute(stmt.returning(Counter.value)).scalar_one()
    _written(db).add(name)
    return int(value)


@functools.cache
def _reserve(dialect: str) -> Any:
    """The upsert adding `value` to counter `name`, built once per dialect. Executed with a list of
    parameter sets it is still one statement (SQLAlchemy's insertmanyvalues), and its compiled form is
    cached, which a `values([...])` statement with literal rows never is."""
    table = Counter.__table__
    stmt = upsert_insert(dialect)(table)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.name],
                                      set_={"value": table.c.value + stmt.excluded.value})
    return stmt.returning(table.c.name, table.c.value)


def _reserved(execute: Any, dialect: str, counts: dict[str, int]) -> dict[str, int]:
    """Run `_reserve` for `counts` with `execute` (a session's or a connection's): the last value of each. One
    counter goes as one parameter set, several as a list (rows taken in name order, so concurrent callers lock
    them in the same order)."""
    params = [{"name": name, "value": counts[name]} for name in sorted(counts)]
    rows = execute(_reserve(dialect), params[0] if len(params) == 1 else params)
    return {name: int(value) for name, value in rows}


def next_values(db: Session, counts: dict[str, int]) -> dict[str, int]:
    """Reserve `counts[name]` values of each counter (each starting at 1) in one statement; the last value
    reserved of each. Rows are taken in name order, so concurrent callers lock them in the same order."""
    writer_lock(db)
    found = _reserved(db.execute, db.get_bind().dialect.name, counts)
    _written(db).update(counts)
    return found


def reserve_ids(db: Session, counts: dict[str, int]) -> dict[str, int]:
    """Reserve legacy ids (`counts[name]` values of each counter); the last value reserved of each.

    Legacy ids must be unique and increasing, not gap-free. On PostgreSQL they are therefore reserved in a
    statement that commits on its own (`reserve`, on a connection of its own): no counter row and no writer
    lock is held to the end of the request, and writes of one business that take no document number (receipts,
    payments, contacts…) no longer follow one another; a request that rolls back leaves its ids unused. On SQLite
    the request's transaction already holds the one write lock, and another connection could not write while
    it does: they are taken in it (`next_values`), as they are by a transaction that already holds one of these
    counters' rows (it would wait for itself)."""
    written = _written(db)
    if db.get_bind().dialect.name != "postgresql" or "*" in written or not written.isdisjoint(counts):
        return next_values(db, counts)
    return reserve(db.get_bind().engine, counts)


def reserve(engine: Engine, counts: dict[str, int]) -> dict[str, int]:
    """`next_values` in a statement that commits on its own, outside any unit of work."""
    with autocommit_write(engine) as conn:
        return _reserved(conn.execute, engine.dialect.name, counts)


def bump(engine: Engine, name: str) -> int:
    """Add one to counter `name` (the first value is 1) in one statement that commits on its own, outside any
    unit of work; the new value. For counts that need not roll back with a request (rate limits)."""
    return reserve(engine, {name: 1})[name]


def set_at_least(db: Session, name: str, value: int) -> None:
    """Make sure the next value is above `value` (after an explicit number was used)."""
    writer_lock(db)
    dialect = db.get_bind().dialect.name
    stmt = upsert_insert(dialect)(Counter).values(name=name, value=value)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Counter.name],
        set_={"value": _greatest(dialect, Counter.value, stmt.excluded.value)})
    db.execute(stmt)
    _written(db).add(name)


def claim(db: Session, name: str, value: int) -> int:
    """Lock counter `name` for the rest of the transaction and move it up to `value` if it is below; its value
    before (0 for a counter never used). Taken after the business's writer lock, as every counter is, and held
    in the transaction: legacy ids reserved meanwhile by other requests (`reserve`) wait for it to end, then
    continue above `value` (db/records.import_legacy_id)."""
    writer_lock(db)
    dialect = db.get_bind().dialect.name
    lock = upsert_insert(dialect)(Counter).values(name=name, value=0)
    lock = lock.on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value})
    with db.no_autoflush:
        before = int(db.execute(lock.returning(Counter.value)).scalar_one())
        if before < value:
            db.execute(update(Counter).where(Counter.name == name).values(value=value))
    _written(db).add(name)
    return before


def _greatest(dialect: str, a: object, b: object) -> object:
    return func.greatest(a, b) if dialect == "postgresql" else func.max(a, b)


def peek(db: Session, name: str) -> int:
    return db.scalar(select(Counter.value).where(Counter.name == name)) or 0
