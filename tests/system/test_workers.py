"""Several `ledgerd serve` processes on one PostgreSQL behave as one server.

Two servers are started at the same moment on a brand-new database, so both race to create the
first signing key and the cookie secret; afterwards they must be indistinguishable to a client:
same JWKS, same signing key, tokens and sessions from one accepted by the other, writes and
revocations on one seen at once by the other. A last test does the same for one `serve` with two
uvicorn worker processes.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.cluster import bearer, cli, start_together
from tests.support.live import LiveServer
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.server

EMAIL, PASSWORD = "cluster@example.com", "cluster-password-1"
CALLBACK = "http://localhost:8080/callback"


def kid_of(token: str) -> str:
    header = token.split(".", 1)[0]
    kid: str = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    return kid


def published_keys(server: LiveServer) -> list[dict[str, str]]:
    response = httpx.get(f"{server.url}/.well-known/jwks.json")
    assert response.status_code == 200, response.text
    keys: list[dict[str, str]] = response.json()["keys"]
    return keys


def assert_clean_log(server: LiveServer) -> None:
    """No process of the server logged a traceback (uvicorn quietly restarts a worker that crashed)."""
    text = server.log.read_text(errors="replace")
    if "Traceback" in text:
        raised = [line for line in text.splitlines() if re.match(r"[\w.]+(Error|Exception)\b", line)]
        pytest.fail(f"{server.log} has tracebacks; they raised: " + " | ".join(line[:300] for line in raised))


def fanout(calls: list[Callable[[], httpx.Response]], threads: int) -> list[httpx.Response]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda call: call(), calls))


@dataclass
class Cluster:
    a: LiveServer
    b: LiveServer
    database_url: str
    client_id: str
    client_secret: str

    def token(self) -> dict[str, Any]:
        """A new token family, issued by the CLI rather than by either server."""
        return cli(self.database_url, "tokens", "issue", "--user", EMAIL, "--app", self.client_id)

    def refresh(self, server: LiveServer, refresh_token: str) -> httpx.Response:
        return httpx.post(f"{server.url}/token", data={
            "grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": self.client_id, "client_secret": self.client_secret}, timeout=30)


@pytest.fixture(scope="module")
def postgres_url(postgres: PostgresServer | None, fresh_database: Any) -> Iterator[str]:
    url: str = fresh_database("postgresql")  # skips when no PostgreSQL (fails under CI=true)
    yield url
    assert postgres is not None
    postgres.drop_database(url)


@pytest.fixture(scope="module")
def cluster(postgres_url: str) -> Iterator[Cluster]:
    a, b = start_together(2, postgres_url)
    try:
        # Only after both servers are up: the CLI would otherwise create the signing key itself.
        cli(postgres_url, "users", "create", "--email", EMAIL, "--password", PASSWORD,
            "--first-name", "Clu", "--last-name", "Ster")
        cli(postgres_url, "businesses", "create", "--owner", EMAIL, "--name", "Cluster Ltd", "--country", "GB")
        app = cli(postgres_url, "apps", "create", "--owner", EMAIL, "--name", "Cluster App",
                  "--redirect-uri", CALLBACK)
        yield Cluster(a, b, postgres_url, app["client_id"], app["client_secret"])
    finally:
        a.stop()
        b.stop()


def test_servers_started_together_publish_the_same_single_key(cluster: Cluster) -> None:
    for server in (cluster.a, cluster.b):
        assert_clean_log(server)
    keys_a, keys_b = published_keys(cluster.a), published_keys(cluster.b)
    assert keys_a == keys_b, f"the two servers publish different key sets: {keys_a} vs {keys_b}"
    assert len(keys_a) == 1, "the first-start race left more than one signing key"


def test_servers_started_together_sign_with_the_same_key(cluster: Cluster) -> None:
    """Tokens signed by the CLI, by A and by B all carry one key id, which both servers publish."""
    token = cluster.token()
    from_a = cluster.refresh(cluster.a, token["refresh_token"])
    assert from_a.status_code == 200, from_a.text
    from_b = cluster.refresh(cluster.b, from_a.json()["refresh_token"])
    assert from_b.status_code == 200, from_b.text
    signed = {"cli": kid_of(token["access_token"]), "a": kid_of(from_a.json()["access_token"]),
              "b": kid_of(from_b.json()["access_token"])}
    assert len(set(signed.values())) == 1, signed
    for server in (cluster.a, cluster.b):
        assert signed["a"] in {key["kid"] for key in published_keys(server)}


@pytest.mark.parametrize("attempt", range(3))
def test_first_start_race_on_a_new_database(attempt: int, postgres: PostgresServer | None,
                                            fresh_database: Any) -> None:
    """More rounds of the race: whether both servers create a key depends on timing."""
    url = fresh_database("postgresql")
    assert postgres is not None
    a, b = start_together(2, url)
    try:
        keys_a, keys_b = published_keys(a), published_keys(b)
        assert_clean_log(a)
        assert_clean_log(b)
    finally:
        a.stop()
        b.stop()
        postgres.drop_database(url)
    assert keys_a == keys_b, f"the two servers publish different key sets: {keys_a} vs {keys_b}"
    assert len(keys_a) == 1, "the first-start race left more than one signing key"


def test_browser_session_from_one_server_is_valid_on_the_other(cluster: Cluster) -> None:
    """The cookie secret, also created on first start, is shared too."""
    with httpx.Client(base_url=cluster.a.url) as browser_a:
        page = browser_a.get("/login", params={"next": "/developer"})
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf, page.text
        login = browser_a.post("/login", data={"csrf": csrf.group(1), "email": EMAIL, "password": PASSWORD,
                                               "next": "/developer"})
        assert login.status_code == 303, login.text
        cookies = dict(browser_a.cookies)
    assert "ledgerd_session" in cookies
    portal = httpx.get(f"{cluster.b.url}/developer", cookies=cookies)
    assert portal.status_code == 200 and "Cluster App" in portal.text


def test_cli_token_works_on_both_servers(cluster: Cluster) -> None:
    token = cluster.token()
    for server in (cluster.a, cluster.b):
        me = httpx.get(f"{server.url}/v3.1/user", headers=bearer(token))
        assert me.status_code == 200, me.text
        assert me.json()["email"] == EMAIL


def test_write_on_one_server_is_read_on_the_other_at_once(cluster: Cluster) -> None:
    headers = bearer(cluster.token())
    for step, (writer, reader) in enumerate([(cluster.a, cluster.b), (cluster.b, cluster.a)]):
        name = f"Renamed-{step}"
        put = httpx.put(f"{writer.url}/v3.1/user", headers=headers, json={"user": {"first_name": name}})
        assert put.status_code == 200, put.text
        got = httpx.get(f"{reader.url}/v3.1/user", headers=headers)
        assert got.status_code == 200, got.text
        assert got.json()["first_name"] == name
        assert got.json()["updated_at"] == put.json()["updated_at"]


def test_refresh_on_one_server_then_reuse_on_the_other_ends_the_family(cluster: Cluster) -> None:
    first = cluster.token()
    rotated = cluster.refresh(cluster.a, first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    for server in (cluster.a, cluster.b):
        assert httpx.get(f"{server.url}/v3.1/user", headers=bearer(second)).status_code == 200

    reused = cluster.refresh(cluster.b, first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant", reused.text

    for server in (cluster.a, cluster.b):
        for token in (first, second):
            assert httpx.get(f"{server.url}/v3.1/user", headers=bearer(token)).status_code == 401
        dead = cluster.refresh(server, second["refresh_token"])
        assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant", dead.text


def test_burst_across_both_servers(cluster: Cluster) -> None:
    headers = bearer(cluster.token())
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def get(server: LiveServer) -> Callable[[], httpx.Response]:
        def call() -> httpx.Response:
            if not hasattr(local, "client"):
                local.client = httpx.Client(headers=headers, timeout=30)
                with lock:
                    clients.append(local.client)
            response: httpx.Response = local.client.get(f"{server.url}/v3.1/businesses/lead")
            return response
        return call

    try:
        responses = fanout([get(cluster.a if i % 2 else cluster.b) for i in range(200)], threads=8)
    finally:
        for client in clients:
            client.close()
    assert [r.status_code for r in responses] == [200] * 200, next(r.text for r in responses if r.status_code != 200)
    assert len({r.content for r in responses}) == 1, "the servers disagree about the lead business"
    assert len({r.headers["x-business"] for r in responses}) == 1
    assert responses[0].json()["name"] == "Cluster Ltd"


def test_revoke_on_one_server_kills_the_token_on_the_other(cluster: Cluster) -> None:
    token = cluster.token()
    assert httpx.get(f"{cluster.a.url}/v3.1/user", headers=bearer(token)).status_code == 200
    revoked = httpx.post(f"{cluster.b.url}/revoke", data={
        "token": token["access_token"], "client_id": cluster.client_id, "client_secret": cluster.client_secret})
    assert revoked.status_code == 200, revoked.text
    for server in (cluster.a, cluster.b):
        assert httpx.get(f"{server.url}/v3.1/user", headers=bearer(token)).status_code == 401
    dead = cluster.refresh(cluster.a, token["refresh_token"])
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant", dead.text


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_serve_with_two_workers(backend: str, postgres: PostgresServer | None, fresh_database: Any) -> None:
    """`ledgerd serve --workers 2`: two processes behind one port, both racing on first start."""
    url = fresh_database(backend)
    (server,) = start_together(1, url, workers=2)
    try:
        cli(url, "users", "create", "--email", EMAIL, "--password", PASSWORD, "--first-name", "Two",
            "--last-name", "Workers")
        cli(url, "businesses", "create", "--owner", EMAIL, "--name", "Workers Ltd", "--country", "GB")
        app = cli(url, "apps", "create", "--owner", EMAIL, "--name", "Workers App", "--redirect-uri", CALLBACK)
        token = cli(url, "tokens", "issue", "--user", EMAIL, "--app", app["client_id"])

        # Fresh connections land on either worker: both publish the same single key.
        key_sets = {frozenset(key["kid"] for key in published_keys(server)) for _ in range(20)}
        assert len(key_sets) == 1, f"the workers publish different key sets: {key_sets}"
        (kids,) = key_sets
        assert len(kids) == 1, f"the first-start race left more than one signing key: {kids}"
        (kid,) = kids

        # Rotate a few times over fresh connections: whichever worker signs, it signs with that key,
        # and the other accepts the result.
        for _ in range(5):
            rotated = httpx.post(f"{server.url}/token", data={
                "grant_type": "refresh_token", "refresh_token": token["refresh_token"],
                "client_id": app["client_id"], "client_secret": app["client_secret"]})
            assert rotated.status_code == 200, rotated.text
            token = rotated.json()
            assert kid_of(token["access_token"]) == kid

        paths = ["/v3.1/user", "/v3.1/businesses/lead"]

        def call(i: int) -> Callable[[], httpx.Response]:
            return lambda: httpx.get(f"{server.url}{paths[i % 2]}", headers=bearer(token), timeout=30)

        responses = fanout([call(i) for i in range(100)], threads=32)
        assert [r.status_code for r in responses] == [200] * 100, next(r.text for r in responses
                                                                         if r.status_code != 200)
        users = {r.content for r in responses[0::2]}
        leads = {r.content for r in responses[1::2]}
        assert len(users) == 1 and json.loads(users.pop())["email"] == EMAIL
        assert len(leads) == 1 and json.loads(leads.pop())["name"] == "Workers Ltd"
        assert_clean_log(server)
    finally:
        server.stop()
        if postgres is not None and backend == "postgresql":
            postgres.drop_database(url)
