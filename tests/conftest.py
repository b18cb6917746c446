"""Every test that touches the database runs on SQLite and on PostgreSQL.

PostgreSQL comes from LEDGERD_TEST_POSTGRES_URL or a throwaway cluster (tests/support/postgres.py).
Under CI=true a missing PostgreSQL fails the run; elsewhere those tests are skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ledgerd.app import build_runtime, create_app
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.db.migrate import upgrade
from ledgerd.runtime import Runtime
from tests.conformance.report import pytest_terminal_summary  # noqa: F401 - registers the conformance report
from tests.support.factories import Factory
from tests.support.postgres import PostgresServer, PostgresUnavailable, provide_server

# The fuzz suite's summary line (a plugin: this module's own pytest_terminal_summary is the conformance report's).
pytest_plugins = ("tests.fuzz.report",)
BACKENDS = ("sqlite", "postgresql")
PUBLIC_URL = "http://testserver"
# Password hashes in tests cost a fraction of a millisecond; the default (OWASP's) is tested on its own.
TEST_SCRYPT_N = 2**8


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    try:
        server = provide_server()
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}", pytrace=False)
        yield None
        return
    yield server
    server.stop()


def _database(backend: str, postgres: PostgresServer | None, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'ledgerd.sqlite'}"
    if postgres is None:
        pytest.skip("no PostgreSQL available (set LEDGERD_TEST_POSTGRES_URL or install initdb/pg_ctl)")
    return postgres.create_database()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, postgres: PostgresServer | None,
                 tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database per backend, shared by the session; tests make their own tenants in it."""
    url = _database(request.param, postgres, tmp_path_factory.mktemp(request.param))
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def runtime(database_url: str) -> Iterator[Runtime]:
    # No request journal: its background writes would land in other tests' query counts. Its own tests turn it
    # on (tests/sandbox/test_journal.py).
    settings = Settings(database_url=database_url, env="test", public_url=PUBLIC_URL, password_scrypt_n=TEST_SCRYPT_N,
                        journal=False)
    rt = build_runtime(settings, Clock())
    yield rt
    rt.engine.dispose()


@pytest.fixture
def clock(runtime: Runtime) -> Iterator[Clock]:
    runtime.clock.reset()
    yield runtime.clock
    runtime.clock.reset()


@pytest.fixture
def factory(runtime: Runtime, clock: Clock) -> Factory:
    return Factory(runtime)


def client_address() -> tuple[str, int]:
    """A client address of its own: the per-address sign-in and sign-up limits (auth/throttle.py) then count
    one test's attempts, not the whole session's."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}", 50000


@pytest.fixture
def client(runtime: Runtime, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), base_url=PUBLIC_URL, client=client_address()) as test_client:
        yield test_client


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture(scope="session")
def fresh_database(postgres: PostgresServer | None, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Make a new, migrated database of a backend (for tests that start real servers)."""
    def make(backend: str) -> str:
        url = _database(backend, postgres, tmp_path_factory.mktemp(f"live-{backend}"))
        upgrade(url)
        return url

    return make


@pytest.fixture
def frozen(clock: Clock) -> Iterator[Clock]:
    """The clock stopped at noon UTC on 15 June 2024: the day most tests over HTTP stand on."""
    clock.freeze(datetime(2024, 6, 15, 12, tzinfo=UTC))
    yield clock
