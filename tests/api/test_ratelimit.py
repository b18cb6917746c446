"""Per-app rate limits: counted in the database, answered with Sage's error array and Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, event
from starlette.testclient import TestClient

from ledgerd.app import build_runtime, create_app
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.db.engine import WRITE_OPTION
from ledgerd.runtime import Runtime
from tests.conftest import PUBLIC_URL, TEST_SCRYPT_N
from tests.support.factories import Factory


@pytest.fixture
def limited(database_url: str) -> Iterator[Runtime]:
    clock = Clock()
    clock.freeze(datetime(2026, 1, 1, 12, 0, 10, tzinfo=UTC))
    runtime = build_runtime(Settings(database_url=database_url, env="test",
                                     password_scrypt_n=TEST_SCRYPT_N, public_url=PUBLIC_URL, rate_limit=3,
                                     rate_limit_window=60, journal=False), clock)  # the journal writes on its own
    yield runtime
    runtime.engine.dispose()


def test_limit_per_app_and_window(limited: Runtime) -> None:
    factory = Factory(limited)
    user = factory.user()
    factory.business(user)
    app, _ = factory.app(user)
    other_app, _ = factory.app(user)
    headers = {"Authorization": f"Bearer {factory.token(user, app)['access_token']}"}
    other = {"Authorization": f"Bearer {factory.token(user, other_app)['access_token']}"}
    with TestClient(create_app(runtime=limited), base_url=PUBLIC_URL) as client:
        assert [client.get("/v3.1/user", headers=headers).status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get("/v3.1/user", headers=headers)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "50"
        assert refused.json() == [{"$severity": "error", "$dataCode": "TooManyRequests",
                                   "$message": "The rate limit of 3 requests per 60 s for this app is used up; "
                                               "retry after 50 s.", "$source": ""}]
        # Another app has its own allowance; the next window starts afresh.
        assert client.get("/v3.1/businesses", headers=other).status_code == 200
        limited.clock.advance(timedelta(seconds=50))
        assert client.get("/v3.1/user", headers=headers).status_code == 200


def test_off_by_default(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    headers = factory.headers(user)
    assert all(client.get("/v3.1/user", headers=headers).status_code == 200 for _ in range(20))


def test_counting_opens_no_write_transaction(limited: Runtime) -> None:
    """Each call is counted with one upsert in autocommit, not a session's BEGIN (IMMEDIATE) … COMMIT."""
    factory = Factory(limited)
    user = factory.user()
    headers = factory.headers(user)
    writes: list[bool] = []

    def began(conn: Connection) -> None:
        writes.append(bool(conn.get_execution_options().get(WRITE_OPTION)))

    event.listen(limited.engine, "begin", began)
    try:
        with TestClient(create_app(runtime=limited), base_url=PUBLIC_URL) as client:
            assert [client.get("/v3.1/user", headers=headers).status_code for _ in range(4)] == [200, 200, 200, 429]
    finally:
        event.remove(limited.engine, "begin", began)
    assert not any(writes)
