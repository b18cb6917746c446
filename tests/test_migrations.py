"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ledgerd.db.migrate import is_current
from ledgerd.models import metadata
from ledgerd.runtime import Runtime


def test_upgrade_head_matches_models(runtime: Runtime, database_url: str) -> None:
    assert is_current(runtime.engine, database_url)
    with runtime.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata()) == []


def test_sqlite_pragmas(runtime: Runtime, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite pragmas")
    with runtime.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        # Reads go through a memory map on every connection (the per-thread readers have their own test).
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 268435456
