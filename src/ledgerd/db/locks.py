"""Row locks for concurrent writers: every change to an existing record locks its row before reading it.

On PostgreSQL, two requests changing one record (two PUTs, a DELETE and a payment, a void and a receipt)
would otherwise both read the same state and both write: two sets of lines, a reversal posted twice, a
payment on a void invoice. A request therefore locks each existing row it will change and re-reads it
(`populate_existing`) before looking at it; the later request waits, then sees what the earlier one left (a
row deleted meanwhile is simply not found). SQLite has one writer at a time: the clauses compile to nothing
there, and the code is the same on both databases.

The lock is `FOR NO KEY UPDATE`, the one PostgreSQL's own UPDATE takes: it keeps out other writers of the row
but not inserts that merely refer to it (a foreign key check takes `FOR KEY SHARE`).

Lock order. Every request takes its locks in this order, so no two requests wait for each other in a circle
(docs/decisions/cross-cutting.md, "Concurrent writers"):

1. the business's settings row, when a request changes settings (settings/service.row);
2. the record the request names: the member of a PUT, DELETE or action route (api/resource.Resource.find);
3. the other rows it changes, parent before child: the documents (artefacts) a payment or an allocation
   settles and its payment on account, a quote, a corrected invoice; the rows of one table in one statement,
   in id order (`lock`);
4. the business's writer lock, which a unit of work takes before its first counter (db/counters), then
   counter rows in name order and the document counts kept by triggers;
5. daily balances, in account order (ledger/posting).

Nothing is locked after step 4, and no existing row is updated there unless it was locked before.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, SessionTransaction

from ledgerd.db.base import Base
from ledgerd.db.tenancy import current_business

M = TypeVar("M", bound=Base)
S = TypeVar("S", bound=Select[Any])


def for_change(statement: S, model: type[Base]) -> S:
    """`statement` locking the rows of `model` it returns and re-reading them into the session."""
    return statement.with_for_update(key_share=True, of=model).execution_options(populate_existing=True)


def lock(db: Session, model: type[M], ids: Collection[str | None]) -> dict[str, M]:
    """Lock the rows of `model` among `ids` (one statement, in id order) and re-read them; found rows by id.
    The session's tenancy scope applies as to any query: another business's ids are not found."""
    wanted = sorted({key for key in ids if key})
    if not wanted:
        return {}
    key: Any = getattr(model, "id")  # noqa: B009 - Base does not declare the key
    rows = db.scalars(for_change(select(model).where(key.in_(wanted)).order_by(key), model))
    return {row.id: row for row in rows}  # type: ignore[attr-defined]


_WRITER = "ledgerd.writer_lock"


def writer_lock(db: Session) -> None:
    """Take the writer lock of the session's business for the rest of its transaction (PostgreSQL; once per
    transaction; SQLite has one writer anyway, and a session bound to no business takes none)."""
    business_id = current_business(db)
    if business_id is None or db.info.get(_WRITER) == business_id or db.get_bind().dialect.name != "postgresql":
        return
    db.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(business_id, 0))))
    db.info[_WRITER] = business_id


def _released(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the lock lasts as long as the database transaction, savepoints aside
        session.info.pop(_WRITER, None)


# Installed on ledgerd's session class when the runtime is built (db/session.py).
LISTENERS = (("after_transaction_end", _released),)
