"""Engines and the per-request unit of work."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from ledgerd.config import Settings

WRITE_OPTION = "ledgerd_write"


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured database; SQLite gets WAL, foreign keys and IMMEDIATE writes."""
    url = make_url(settings.database_url)
    if url.drivername.startswith("sqlite"):
        return _sqlite_engine(url.database)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url, pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size,
                         pool_pre_ping=True)


def _sqlite_engine(path: str | None) -> Engine:
    if not path or path == ":memory:":
        raise ValueError("ledgerd needs a SQLite file, not an in-memory database")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", poolclass=QueuePool, pool_size=8, max_overflow=24,
                           connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself, so writes can take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A write transaction takes SQLite's write lock at BEGIN: two writers then queue on
        # busy_timeout instead of failing with "database is locked" when a reader upgrades.
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, write: bool) -> Iterator[Session]:
    """One transaction: services flush, this commits on success and rolls back on any error."""
    session = factory()
    try:
        if write:
            session.connection(execution_options={WRITE_OPTION: True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
