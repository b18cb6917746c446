"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, update

from ledgerd.app import build_runtime
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.db.migrate import alembic_config, upgrade
from ledgerd.models import metadata
from ledgerd.runtime import Runtime
from ledgerd.settings.models import BusinessSettings
from tests.conftest import TEST_SCRYPT_N
from tests.support.factories import Factory


def at_head(engine: Engine, database_url: str) -> bool:
    """The database stands at the newest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def test_upgrade_head_matches_models(runtime: Runtime, database_url: str) -> None:
    assert at_head(runtime.engine, database_url)
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


def test_lookup_ids_longer_than_the_swagger_allows_are_renamed(fresh_database: Any, backend: str) -> None:
    """0005: settings that chose `MICRO_ENTREPRISE` or `EQUIVALENCE_SURCHARGE` name the new ids afterwards,
    and a downgrade gives the old ones back."""
    url = fresh_database(backend)
    runtime = build_runtime(Settings(database_url=url, env="test", password_scrypt_n=TEST_SCRYPT_N), Clock())
    try:
        factory = Factory(runtime)
        french = factory.business(factory.user(), country="FR")
        spanish = factory.business(factory.user(), country="ES")
        with runtime.engine.begin() as conn:
            conn.execute(update(BusinessSettings).where(BusinessSettings.business_id == french.id)
                         .values(business={"legal_form_type_id": "MICRO_ENTREPRISE", "siret": "1"}))
            conn.execute(update(BusinessSettings).where(BusinessSettings.business_id == spanish.id)
                         .values(financial={"tax_scheme_id": "EQUIVALENCE_SURCHARGE"}))
        command.downgrade(alembic_config(url), "0004")
        upgrade(url)

        def stored() -> dict[str, dict[str, Any]]:
            with runtime.engine.connect() as conn:
                rows = conn.execute(select(BusinessSettings.business_id, BusinessSettings.business,
                                           BusinessSettings.financial)).all()
            return {row.business_id: {**row.business, **row.financial} for row in rows}

        after = stored()
        assert (after[french.id]["legal_form_type_id"], after[french.id]["siret"]) == ("MICROENTREPRISE", "1")
        assert after[spanish.id]["tax_scheme_id"] == "EQUIV_SURCHARGE"
        command.downgrade(alembic_config(url), "0004")
        assert stored()[spanish.id]["tax_scheme_id"] == "EQUIVALENCE_SURCHARGE"
        upgrade(url)
    finally:
        runtime.engine.dispose()
