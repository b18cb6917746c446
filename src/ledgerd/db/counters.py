"""Gap-free counters (legacy ids, document numbers), safe across processes and hosts.

The increment is one UPDATE ... RETURNING inside the caller's transaction: concurrent callers queue on
the row lock, and a rolled-back transaction gives its number back.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledgerd.db.base import Base


class Counter(Base):
    __tablename__ = "counters"

    # "<scope>:<name>", e.g. "global:business_legacy_id" or "<business id>:sales_invoice_number".
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


def next_value(db: Session, name: str, start: int = 1) -> int:
    """The next value of counter `name` (the first is `start`)."""
    stmt = update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    value = db.execute(stmt, execution_options={"synchronize_session": False}).scalar()
    if value is not None:
        return value
    try:
        with db.begin_nested():
            db.execute(insert(Counter).values(name=name, value=start))
        return start
    except IntegrityError:
        # Another transaction created the counter first; take the next value after theirs.
        value = db.execute(stmt, execution_options={"synchronize_session": False}).scalar()
        assert value is not None
        return value


def peek(db: Session, name: str) -> int:
    return db.scalar(select(Counter.value).where(Counter.name == name)) or 0
