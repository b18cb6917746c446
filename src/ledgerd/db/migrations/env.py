"""Alembic environment: batch mode on SQLite, the same engine settings as the server."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from ledgerd.config import Settings
from ledgerd.db.base import Scaled, UTCDateTime
from ledgerd.db.engine import make_engine
from ledgerd.models import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None
engine = make_engine(Settings(database_url=url, env="development"))
target = metadata()



def render_item(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Migrations spell our column types as their storage types, so they never import app code."""
    if kind == "type" and isinstance(obj, Scaled):
        return "sa.BigInteger()"
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


with engine.connect() as connection:
    # `db upgrade` shows its progress (db/migrate.py) through Alembic's callback after each migration.
    progress = config.attributes.get("on_version_apply")
    context.configure(connection=connection, target_metadata=target, render_item=render_item,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                      **({"on_version_apply": progress} if progress else {}))
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
