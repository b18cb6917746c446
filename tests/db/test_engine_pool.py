"""PostgreSQL's connection pool: connections idle for a while are checked before use, others are not."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ledgerd.config import Settings
from ledgerd.db import engine as engines


@pytest.fixture
def engine(fresh_database: Callable[[str], str]) -> Iterator[Engine]:
    made = engines.make_engine(Settings(database_url=fresh_database("postgresql"), env="test", db_pool_size=1))
    yield made
    made.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(engine: Engine, pid: int) -> None:
    """End a pooled connection's server process from outside, as a server restart or a proxy would."""
    conninfo = make_url(str(engine.url.render_as_string(hide_password=False))).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_connection_used_a_moment_ago_is_handed_out_without_a_check(engine: Engine) -> None:
    pid = _backend_pid(engine)
    _terminate(engine, pid)
    # Not checked (a check would have replaced it): the one request that meets it fails ...
    with pytest.raises(OperationalError), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert _backend_pid(engine) != pid  # ... and the pool has replaced it for the next


def test_a_connection_idle_too_long_is_checked_and_replaced_when_gone(engine: Engine,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _backend_pid(engine)
    monkeypatch.setattr(engines, "PING_AFTER_IDLE", 0.0)
    _terminate(engine, pid)
    seen = _statements(engine)
    with engine.connect() as conn:  # the check finds it gone; the pool connects anew and the request succeeds
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    assert seen == ["SELECT pg_backend_pid()"]  # the check runs on the driver, outside any transaction


def test_an_idle_connection_that_is_alive_is_kept(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _backend_pid(engine)
    monkeypatch.setattr(engines, "PING_AFTER_IDLE", 0.0)
    assert _backend_pid(engine) == pid
