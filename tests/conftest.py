"""Every test that touches the database runs on SQLite and on PostgreSQL.

PostgreSQL comes from LEDGERD_TEST_POSTGRES_URL or a throwaway cluster (tests/support/postgres.py).
Under CI=true a missing PostgreSQL fails the run; elsewhere those tests are skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from ledgerd.app import build_runtime, create_app, tune_gc
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.db.migrate import upgrade
from ledgerd.runtime import Runtime
from tests.conformance.report import pytest_terminal_summary  # noqa: F401 - registers the conformance report
from tests.support.factories import Factory
from tests.support.live import LiveServer
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


class Migrated:
    """New migrated databases of a backend. On PostgreSQL each is a copy (CREATE DATABASE ... TEMPLATE) of one
    database the migrations ran on once in this process: copying takes a fraction of a second, the migrations
    take seconds. What a test gets is the same either way, a database at the head revision no one has used."""

    def __init__(self, postgres: PostgresServer | None, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.postgres = postgres
        self.tmp_path_factory = tmp_path_factory
        self.template: str | None = None

    def __call__(self, backend: str) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{self.tmp_path_factory.mktemp(backend) / 'ledgerd.sqlite'}"
            upgrade(url)
            return url
        if self.postgres is None:
            pytest.skip("no PostgreSQL available (set LEDGERD_TEST_POSTGRES_URL or install initdb/pg_ctl)")
        if self.template is None:
            template = self.postgres.create_database("ledgerd_template")
            upgrade(template)
            self.template = template
        return self.postgres.create_database(template=self.template)

    def close(self) -> None:
        if self.postgres is not None and self.template is not None:
            self.postgres.drop_database(self.template)


@pytest.fixture(scope="session")
def fresh_database(postgres: PostgresServer | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Migrated]:
    """Make a new, migrated database of a backend (for tests that start real servers, and the session's own)."""
    made = Migrated(postgres, tmp_path_factory)
    yield made
    made.close()


@pytest.fixture(scope="module")
def server(fresh_database: Migrated) -> Iterator[LiveServer]:
    """A `ledgerd serve` process over a fresh SQLite database, for one module (its pages, its generated requests);
    modules that need another server define their own."""
    live = LiveServer(fresh_database("sqlite"))
    yield live
    live.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, fresh_database: Migrated) -> str:
    """A migrated database per backend, shared by the session; tests make their own tenants in it."""
    return fresh_database(request.param)


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


@pytest.fixture
def frozen(clock: Clock) -> Iterator[Clock]:
    """The clock stopped at noon UTC on 15 June 2024: the day most tests over HTTP stand on."""
    clock.freeze(datetime(2024, 6, 15, 12, tzinfo=UTC))
    yield clock


def pytest_collection_finish(session: pytest.Session) -> None:
    """Garbage collection as a server process has it (app.tune_gc): what collection built (the package, the tests)
    is never walked again, and the youngest generation is collected every 20,000 allocations instead of 700.
    A test spends much of its time in requests, which allocate as a server's do: the CPU time of the files sampled
    (contacts, journals, artefacts/test_sales) fell by 13 to 19 per cent."""
    tune_gc()
