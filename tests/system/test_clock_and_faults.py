"""Two `ledgerd serve` processes on one PostgreSQL agree on the sandbox: the clock moved through one is the clock of
the other from its next request on, and fault rules added through one are honoured, and counted, by both (a "next
3 calls → 503" rule answers three calls in all, whichever server takes them). A dropped connection is a real one:
the client sees the server disconnect without an answer, and neither server logs an error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.cluster import bearer, cli, start_together
from tests.support.live import LiveServer
from tests.support.postgres import PostgresServer
from tests.system.test_workers import assert_clean_log

pytestmark = pytest.mark.server

ADMIN_EMAIL, EMAIL, PASSWORD = "root@example.com", "dev@example.com", "sandbox-password-1"
CALLBACK = "http://localhost:8080/callback"
ADMIN = "/ledgerd/v1/admin"
NOON = "2024-06-15T12:00:00Z"


@dataclass
class Pair:
    a: LiveServer
    b: LiveServer
    database_url: str
    client_id: str
    admin_headers: dict[str, str] | None = None

    def token(self, email: str) -> dict[str, Any]:
        """A token issued by the CLI, a third process, by the clock as the database sets it."""
        return cli(self.database_url, "tokens", "issue", "--user", email, "--app", self.client_id)

    def admin(self, server: LiveServer, method: str, path: str, body: Any = None) -> httpx.Response:
        """The admin API, with a token issued by the wall clock at the start of the test: valid for its five minutes
        and in any sandbox time before them."""
        if self.admin_headers is None:
            self.admin_headers = bearer(self.token(ADMIN_EMAIL))
        return httpx.request(method, f"{server.url}{ADMIN}{path}", json=body, headers=self.admin_headers, timeout=30)


@pytest.fixture(scope="module")
def pair(postgres: PostgresServer | None, fresh_database: Any) -> Iterator[Pair]:
    url: str = fresh_database("postgresql")  # skips when no PostgreSQL (fails under CI=true)
    a, b = start_together(2, url)
    try:
        cli(url, "users", "create", "--email", ADMIN_EMAIL, "--password", PASSWORD, "--admin")
        cli(url, "users", "create", "--email", EMAIL, "--password", PASSWORD)
        cli(url, "businesses", "create", "--owner", EMAIL, "--name", "Sandbox Ltd", "--country", "GB")
        app = cli(url, "apps", "create", "--owner", EMAIL, "--name", "Sandbox App", "--redirect-uri", CALLBACK)
        yield Pair(a, b, url, app["client_id"])
    finally:
        a.stop()
        b.stop()
    assert postgres is not None
    postgres.drop_database(url)


@pytest.fixture
def pair_now(pair: Pair) -> Pair:
    pair.admin_headers = None
    return pair


def test_both_servers_follow_the_clock_moved_through_one(pair_now: Pair) -> None:
    pair = pair_now
    frozen = pair.admin(pair.a, "POST", "/clock", {"clock": {"action": "freeze", "at": NOON}})
    assert frozen.status_code == 200, frozen.text
    try:
        shown = pair.admin(pair.b, "GET", "/clock").json()
        assert (shown["now"], shown["frozen"]) == (NOON, True)
        headers = bearer(pair.token(EMAIL))  # issued at noon: valid for five minutes of the sandbox's time
        created = httpx.post(f"{pair.b.url}/v3.1/contacts", headers=headers, timeout=30,
                             json={"contact": {"name": "Noon Ltd", "contact_type_ids": ["CUSTOMER"]}})
        assert created.status_code == 201, created.text
        assert created.json()["created_at"] == NOON
        moved = pair.admin(pair.a, "POST", "/clock", {"clock": {"action": "advance", "by": "6m"}})
        assert moved.json()["now"] == "2024-06-15T12:06:00Z"
        for server in (pair.b, pair.a):
            expired = httpx.get(f"{server.url}/v3.1/user", headers=headers, timeout=30)
            assert expired.status_code == 401
            assert expired.json()[0]["$message"] == "The access token has expired."
    finally:
        resumed = pair.admin(pair.b, "POST", "/clock", {"clock": {"action": "resume"}})
        assert resumed.status_code == 200 and resumed.json()["frozen"] is False
    assert pair.admin(pair.a, "GET", "/clock").json()["offset"] == "0s"


def test_a_rule_added_through_one_server_is_counted_across_both(pair_now: Pair) -> None:
    pair = pair_now
    added = pair.admin(pair.a, "POST", "/faults", {"fault": {"status": 503, "times": 3}})
    assert added.status_code == 201, added.text
    headers = bearer(pair.token(EMAIL))
    try:
        answers = [httpx.get(f"{server.url}/v3.1/user", headers=headers, timeout=30)
                   for server in (pair.b, pair.a, pair.b, pair.a, pair.b)]
        assert [answer.status_code for answer in answers] == [503, 503, 503, 200, 200]
        assert answers[0].json()[0]["$dataCode"] == "ServiceUnavailable"
        [rule] = pair.admin(pair.b, "GET", "/faults").json()["faults"]
        assert (rule["fired"], rule["spent"]) == (3, True)
    finally:
        assert pair.admin(pair.b, "DELETE", "/faults").json() == {"cleared": 1}


def test_a_dropped_connection_goes_unanswered(pair_now: Pair) -> None:
    pair = pair_now
    added = pair.admin(pair.b, "POST", "/faults", {"fault": {"drop": True, "times": 1, "path": "/v3.1/user"}})
    assert added.status_code == 201, added.text
    headers = bearer(pair.token(EMAIL))
    try:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
            httpx.get(f"{pair.a.url}/v3.1/user", headers=headers, timeout=30)
        assert httpx.get(f"{pair.a.url}/v3.1/user", headers=headers, timeout=30).status_code == 200
    finally:
        pair.admin(pair.a, "DELETE", "/faults")
    for server in (pair.a, pair.b):
        assert_clean_log(server)
        assert "ASGI callable" not in server.log.read_text(errors="replace")
