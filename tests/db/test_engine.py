"""Storage reads: FastQuery returning what the ORM would (the column types themselves: tests/unit/db/test_base.py).

FastQuery is the hand-tuned read path of every request (token family, lead business); these tests pin
that it converts exactly the columns a normal SQLAlchemy query converts, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.app import build_runtime
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.db import engine as engine_module
from ledgerd.db import snapshots
from ledgerd.db.engine import FastQuery, unit_of_work
from ledgerd.db.tenancy import bind_business
from ledgerd.runtime import Runtime
from ledgerd.tenancy import service
from ledgerd.tenancy.models import Business, Membership, Role, Subscription
from tests.conftest import TEST_SCRYPT_N
from tests.support.factories import Factory


def test_fast_query_returns_what_the_orm_returns(runtime: Runtime, factory: Factory) -> None:
    owner = factory.user()
    business = factory.business(owner, name="Fast Query Ltd")
    businesses, memberships, subscriptions = (Business.__table__.c, Membership.__table__.c,
                                              Subscription.__table__.c)
    statement = (select(businesses.id, businesses.name, businesses.is_demo, businesses.created_at, memberships.role,
                        subscriptions.active.label("subscription_active"))
                 .join_from(Business.__table__, Membership.__table__, memberships.business_id == businesses.id)
                 .outerjoin(Subscription.__table__, subscriptions.business_id == businesses.id)
                 .where(memberships.user_id == owner.id))
    fast = FastQuery(statement).all(runtime.engine)
    with runtime.engine.connect() as conn:
        expected = [dict(row._mapping) for row in conn.execute(statement)]
    assert fast == expected
    assert fast and fast[0]["id"] == business.id
    assert fast[0]["role"] is Role.OWNER
    assert isinstance(fast[0]["is_demo"], bool)
    assert fast[0]["created_at"].tzinfo is not None and fast[0]["created_at"].utcoffset() == timedelta(0)
    assert FastQuery(statement.where(businesses.id == "0" * 32)).first(runtime.engine) is None


def test_remembered_reads_follow_every_commit(runtime: Runtime, factory: Factory, backend: str) -> None:
    owner = factory.user()
    business = factory.business(owner, name="Before Ltd")
    assert service.read_business(runtime.engine, owner.id, "lead").name == "Before Ltd"
    assert service.read_business(runtime.engine, owner.id, "lead").name == "Before Ltd"

    def rename(db: Session) -> None:
        db.get_one(Business, business.id).name = "After Ltd"

    factory.tx(rename)  # another connection commits
    assert service.read_business(runtime.engine, owner.id, "lead").name == "After Ltd"
    if backend == "sqlite":
        # A commit from outside the process (another worker, the sqlite3 shell) is seen too.
        outside = sqlite3.connect(str(runtime.engine.url.database))
        with outside:
            outside.execute("UPDATE businesses SET name = 'Outside Ltd' WHERE id = ?", (business.id,))
        outside.close()
        assert service.read_business(runtime.engine, owner.id, "lead").name == "Outside Ltd"


def test_sqlite_reader_answers_an_unchanged_database_from_memory(fresh_database: Callable[[str], str]) -> None:
    runtime = build_runtime(Settings(database_url=fresh_database("sqlite"), env="test", password_scrypt_n=TEST_SCRYPT_N,
                                     public_url="http://testserver"), Clock())
    try:
        factory = Factory(runtime)
        owner = factory.user()
        factory.business(owner, name="Memory Ltd")
        reader = engine_module._sqlite_reader(runtime.engine)
        assert reader.conn.execute("PRAGMA query_only").fetchone()[0] == 1
        assert reader.conn.execute("PRAGMA mmap_size").fetchone()[0] == 268435456  # as every engine connection
        statements: list[str] = []
        reader.conn.set_trace_callback(statements.append)
        first = service.read_business(runtime.engine, owner.id, "lead")
        again = service.read_business(runtime.engine, owner.id, "lead")
        reader.conn.set_trace_callback(None)
        assert first == again
        selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1, statements  # the second read only asked whether the database changed
        assert sum("data_version" in sql for sql in statements) == 2
        factory.business(owner, name="Second Ltd")  # any commit makes the next read run the query again
        statements.clear()
        reader.conn.set_trace_callback(statements.append)
        service.read_business(runtime.engine, owner.id, "lead")
        reader.conn.set_trace_callback(None)
        assert sum(sql.lstrip().upper().startswith("SELECT") for sql in statements) == 1
    finally:
        runtime.engine.dispose()


def test_snapshots_are_scoped_to_the_sessions_business(runtime: Runtime, factory: Factory) -> None:
    owner = factory.user()
    mine = factory.business(owner, name="Mine Ltd")
    theirs = factory.business(factory.user(), name="Theirs Ltd")
    everyone = select(Subscription).where(Subscription.business_id.in_([mine.id, theirs.id]))
    with unit_of_work(runtime.sessions, write=False) as db:
        both = snapshots.load(db, everyone, Subscription, snapshots.Snapshot)
        assert {row.business_id for row in both} == {mine.id, theirs.id}
        bind_business(db, mine.id)
        scoped = snapshots.load(db, everyone, Subscription, snapshots.Snapshot)
        assert scoped and {row.business_id for row in scoped} == {mine.id}
        orm = db.scalars(everyone).all()
        assert [(row.code, row.active, row.created_at) for row in scoped] == \
            [(row.code, row.active, row.created_at) for row in orm]
        # A statement with no criteria of its own (nothing in it but the model) is scoped all the same.
        bare = snapshots.load(db, select(Subscription), Subscription, snapshots.Snapshot)
        assert {row.business_id for row in bare} == {mine.id}


def test_snapshots_see_the_units_pending_changes(runtime: Runtime, factory: Factory) -> None:
    business = factory.business(factory.user(), name="Pending Ltd")
    with unit_of_work(runtime.sessions, write=True) as db:
        bind_business(db, business.id)
        subscription = db.scalars(select(Subscription)).first()
        assert subscription is not None
        subscription.status = "trial"
        [row] = [s for s in snapshots.load(db, select(Subscription), Subscription, snapshots.Snapshot)
                 if s.code == subscription.code]
        assert row.status == "trial"
        db.rollback()
