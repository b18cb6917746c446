"""Alembic, driven from code: `ledgerd db upgrade` and the test suite use the same entry points."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ledgerd.config import Settings
from ledgerd.db.engine import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# Told (applied so far, to apply in all, the revision just applied) after each migration.
StepProgress = Callable[[int, int, str], None]


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def pending(database_url: str, revision: str = "head") -> list[str]:
    """The revisions `upgrade` would apply, oldest first."""
    config = alembic_config(database_url)
    engine = make_engine(Settings(database_url=database_url, env="development"))
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(config)
    steps = script.iterate_revisions(revision, current[0] if current else "base")
    return [step.revision for step in reversed(list(steps))]


def upgrade(database_url: str, revision: str = "head", progress: StepProgress | None = None) -> None:
    config = alembic_config(database_url)
    if progress is not None:
        total = len(pending(database_url, revision))
        applied = 0

        def applied_one(*, step: Any, **_: Any) -> None:
            nonlocal applied
            applied += 1
            progress(applied, total, f"{step.up_revision_id}")

        config.attributes["on_version_apply"] = applied_one
    command.upgrade(config, revision)
