"""The request journal (sandbox/journal.py) through all three ways: what the middleware (http/recorder.py) records,
read over the admin API (api/admin/journal.py) and with `ledgerd journal`; the access log; two real servers on one
PostgreSQL writing to one journal."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from ledgerd import cli
from ledgerd.app import build_runtime, create_app
from ledgerd.auth.models import App
from ledgerd.config import Settings
from ledgerd.db.engine import unit_of_work
from ledgerd.runtime import Runtime
from ledgerd.sandbox.journal import Journal, JournalEntry
from ledgerd.tenancy.models import Business, User
from tests.conftest import PUBLIC_URL, TEST_SCRYPT_N, client_address
from tests.support.cluster import COMMON_URL, bearer, start_together
from tests.support.factories import PASSWORD, Factory
from tests.support.postgres import PostgresServer

JOURNAL = "/ledgerd/v1/admin/journal"
CALLBACK = "http://localhost:8080/callback"


@dataclass
class Caller:
    """A ledgerd administrator with a business and an app, and the headers of a token of that app."""

    user: User
    business: Business
    app: App
    secret: str
    token: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token['access_token']}", "X-Business": self.business.id}


def make_caller(factory: Factory, admin: bool = True) -> Caller:
    user = factory.user()
    if admin:
        factory.administrator(user)
    business = factory.business(user)
    app, secret = factory.app(user, [CALLBACK])
    return Caller(user, business, app, secret, factory.token(user, app))


def journalled(runtime: Runtime, *, size: int = 10_000, body_bytes: int = 16 * 1024,
               access_log: bool = False) -> Runtime:
    """The session's runtime with a request journal of its own (the shared one has none: tests/conftest.py)."""
    return replace(runtime, journal=Journal(runtime.sessions, size=size, body_bytes=body_bytes),
                   settings=runtime.settings.model_copy(update={"access_log": access_log}))


@pytest.fixture
def journalling(runtime: Runtime, clock: Any) -> Runtime:
    return journalled(runtime)


@pytest.fixture
def recording(journalling: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=journalling), base_url=PUBLIC_URL, client=client_address()) as client:
        yield client


@pytest.fixture
def caller(factory: Factory) -> Caller:
    return make_caller(factory)


def entry_of(client: TestClient, caller: Caller, response: httpx.Response) -> dict[str, Any]:
    """The journal's entry of a response, with its bodies, found by the response's X-Request-Id."""
    found = client.get(f"{JOURNAL}/{response.headers['x-request-id']}", headers=caller.headers)
    assert found.status_code == 200, found.text
    entry: dict[str, Any] = found.json()
    return entry


def listed(client: TestClient, caller: Caller, **params: str) -> list[dict[str, Any]]:
    response = client.get(JOURNAL, params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["$items"]
    return items


# ---- what is recorded -----------------------------------------------------------------------------------------

def test_an_api_request_is_recorded_with_its_caller_business_and_bodies(recording: TestClient, caller: Caller) -> None:
    made = recording.post("/v3.1/contacts", params={"show_legacy_id": "true"}, headers=caller.headers,
                          json={"contact": {"name": "Journal Ltd", "contact_type_ids": ["CUSTOMER"]}})
    assert made.status_code == 201, made.text
    entry = entry_of(recording, caller, made)
    assert {key: entry[key] for key in ("method", "path", "query", "status", "request_id", "client_id", "user_id",
                                        "business_id")} == {
        "method": "POST", "path": "/v3.1/contacts", "query": "show_legacy_id=true", "status": 201,
        "request_id": made.headers["x-request-id"], "client_id": caller.app.client_id, "user_id": caller.user.id,
        "business_id": caller.business.id}
    assert entry["duration_ms"] > 0 and entry["server"] and entry["at"].endswith("Z")
    assert json.loads(entry["request"]["body"]) == {"contact": {"name": "Journal Ltd",
                                                                "contact_type_ids": ["CUSTOMER"]}}
    assert json.loads(entry["response"]["body"])["id"] == made.json()["id"]
    assert entry["request_bytes"] == len(made.request.content) and entry["response_bytes"] == len(made.content)
    assert not entry["request"]["truncated"] and not entry["response"]["truncated"]
    assert ["x-business", caller.business.id] in entry["response"]["headers"]
    # The list shows the same entry, without headers and bodies.
    [item] = listed(recording, caller, request_id=made.headers["x-request-id"])
    assert item == {key: value for key, value in entry.items() if key not in ("request", "response")}


def test_errors_and_unauthenticated_calls_are_recorded_with_the_id_they_answered_with(
        recording: TestClient, caller: Caller) -> None:
    missing = recording.get(f"/v3.1/contacts/{secrets.token_hex(16)}", headers=caller.headers)
    assert missing.status_code == 404
    assert entry_of(recording, caller, missing)["status"] == 404
    anonymous = recording.get("/v3.1/contacts")
    assert anonymous.status_code == 401
    entry = entry_of(recording, caller, anonymous)
    assert (entry["status"], entry["client_id"], entry["user_id"]) == (401, None, None)
    assert json.loads(entry["response"]["body"])[0]["$dataCode"]
    # Refused before any route ran (the body guard): recorded too.
    too_big = recording.post("/v3.1/contacts", headers={**caller.headers, "Content-Type": "application/json"},
                             content=b"[" + b"1," * (3 * 1024 * 1024) + b"1]")
    assert too_big.status_code == 413
    assert entry_of(recording, caller, too_big)["status"] == 413


def test_the_oauth_flow_is_recorded_with_its_app_and_user_and_without_its_secrets(
        recording: TestClient, caller: Caller) -> None:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert recording.get("/login").status_code == 200
    signed_in = recording.post("/login", data={"csrf": recording.cookies["ledgerd_csrf"], "email": caller.user.email,
                                               "password": PASSWORD, "next": "/developer"}, follow_redirects=False)
    assert signed_in.status_code == 303
    query = {"client_id": caller.app.client_id, "response_type": "code", "redirect_uri": CALLBACK,
             "scope": "full_access", "state": "s1", "country": "GB", "code_challenge": challenge,
             "code_challenge_method": "S256"}
    consent = recording.get("/oauth2/auth/central", params=query)
    assert consent.status_code == 200
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', consent.text))
    decided = recording.post("/oauth2/auth/central", data={**hidden, "decision": "allow"}, follow_redirects=False)
    code = parse_qs(urlsplit(decided.headers["location"]).query)["code"][0]
    token = recording.post("/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                                           "client_id": caller.app.client_id, "client_secret": caller.secret,
                                           "code_verifier": verifier})
    assert token.status_code == 200, token.text
    refreshed = recording.post("/token", auth=(caller.app.client_id, caller.secret),
                               json={"grant_type": "refresh_token", "refresh_token": token.json()["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    revoked = recording.post("/revoke", data={"token": refreshed.json()["refresh_token"],
                                              "client_id": caller.app.client_id, "client_secret": caller.secret})
    assert revoked.status_code == 200

    entries = [entry_of(recording, caller, response) for response in (consent, decided, token, refreshed, revoked)]
    for entry in entries:
        assert (entry["client_id"], entry["user_id"]) == (caller.app.client_id, caller.user.id), entry["path"]
    location = dict(entries[1]["response"]["headers"])["location"]
    assert entries[1]["status"] == 302 and location.startswith(f"{CALLBACK}?code=[redacted]&")
    assert "code=[redacted]" in entries[2]["request"]["body"]
    assert "code_verifier=[redacted]" in entries[2]["request"]["body"]
    assert json.loads(entries[2]["response"]["body"])["access_token"] == "[redacted]"
    assert ["authorization", "Basic [redacted]"] in entries[3]["request"]["headers"]
    assert json.loads(entries[3]["request"]["body"]) == {"grant_type": "refresh_token", "refresh_token": "[redacted]"}
    assert "token=[redacted]" in entries[4]["request"]["body"]
    everything = json.dumps(entries)
    secrets_sent = [caller.secret, code.split("/")[1], verifier, token.json()["access_token"],
                    token.json()["refresh_token"], refreshed.json()["access_token"], refreshed.json()["refresh_token"],
                    recording.cookies["ledgerd_csrf"], hidden["csrf"]]
    assert [secret for secret in secrets_sent if secret in everything] == []
    # Pages are not journalled.
    assert listed(recording, caller, request_id=signed_in.headers["x-request-id"]) == []


def test_bearer_tokens_and_passwords_are_redacted(recording: TestClient, caller: Caller) -> None:
    sent = recording.post("/v3.1/contacts", headers=caller.headers, json={"contact": {
        "name": "Secretive", "contact_type_ids": ["CUSTOMER"], "notes": "keep", "password": "hunter2",
        "main_address": {"address_line_1": "1 Road", "client_secret": 12345}}})
    entry = entry_of(recording, caller, sent)
    body = json.loads(entry["request"]["body"])["contact"]
    assert (body["password"], body["main_address"]["client_secret"], body["notes"]) == \
        ("[redacted]", "[redacted]", "keep")
    assert ["authorization", "Bearer [redacted]"] in entry["request"]["headers"]
    assert caller.token["access_token"] not in json.dumps(entry)
    # An API field named like an OAuth parameter is data, not a secret.
    coded = recording.get("/v3.1/contacts", params={"code": "ABC", "search": "x"}, headers=caller.headers)
    assert entry_of(recording, caller, coded)["query"] == "code=ABC&search=x"


def test_bodies_are_cut_at_the_configured_size(runtime: Runtime, factory: Factory) -> None:
    caller = make_caller(factory)
    with TestClient(create_app(runtime=journalled(runtime, body_bytes=64)), base_url=PUBLIC_URL) as client:
        notes = "n" * 500
        sent = client.post("/v3.1/contacts", headers=caller.headers, json={"contact": {
            "name": "Long", "contact_type_ids": ["CUSTOMER"], "notes": notes}})
        assert sent.status_code == 201, sent.text
        entry = entry_of(client, caller, sent)
    request, response = entry["request"], entry["response"]
    assert request["truncated"] and response["truncated"]
    assert request["body"] == sent.request.content[:64].decode()
    assert len(response["body"]) == 64 and entry["response_bytes"] == len(sent.content)
    assert entry["request_bytes"] == len(sent.request.content)


def test_a_cut_body_keeps_no_secret_it_cut_through(runtime: Runtime, factory: Factory) -> None:
    caller = make_caller(factory)
    refresh_token = caller.token["refresh_token"]
    with TestClient(create_app(runtime=journalled(runtime, body_bytes=70)), base_url=PUBLIC_URL) as client:
        body = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": caller.app.client_id}
        sent = client.post("/token", content=json.dumps(body, separators=(",", ":")),
                           headers={"Content-Type": "application/json"})
        entry = entry_of(client, caller, sent)
    assert entry["request"]["truncated"]
    assert refresh_token[:20] not in json.dumps(entry)
    assert entry["request"]["body"].endswith('"refresh_token":"[redacted]"')


def test_the_journal_keeps_the_newest_entries_only(runtime: Runtime, factory: Factory) -> None:
    caller = make_caller(factory)
    with TestClient(create_app(runtime=journalled(runtime, size=3)), base_url=PUBLIC_URL) as client:
        answers = [client.get("/v3.1/user", headers=caller.headers) for _ in range(5)]
        kept = listed(client, caller, items_per_page="200")
    assert [item["request_id"] for item in kept] == [a.headers["x-request-id"] for a in answers[:1:-1]]
    with unit_of_work(runtime.sessions, write=False) as db:
        assert db.scalar(select(func.count()).select_from(JournalEntry)) == 3


def test_filters_by_app_business_status_and_request(recording: TestClient, caller: Caller, factory: Factory) -> None:
    other = make_caller(factory, admin=False)
    ok = recording.get("/v3.1/contacts", headers=caller.headers)
    gone = recording.get(f"/v3.1/contacts/{secrets.token_hex(16)}", headers=caller.headers)
    theirs = recording.get("/v3.1/user", headers=other.headers)
    refused = recording.get(f"/v3.1/ledger_accounts/{secrets.token_hex(16)}", headers=other.headers)

    def ids(**params: str) -> list[str]:
        return [item["request_id"] for item in listed(recording, caller, **params)]

    mine = [gone.headers["x-request-id"], ok.headers["x-request-id"]]
    assert ids(app=caller.app.client_id) == mine
    assert ids(business=other.business.id) == [refused.headers["x-request-id"]]
    assert ids(app=other.app.client_id, status="2xx") == [theirs.headers["x-request-id"]]
    assert ids(app=caller.app.client_id, status="404") == [gone.headers["x-request-id"]]
    assert ids(app=caller.app.client_id, status="4xx") == [gone.headers["x-request-id"]]
    assert ids(request_id=ok.headers["x-request-id"]) == [ok.headers["x-request-id"]]
    page = recording.get(JOURNAL, params={"app": caller.app.client_id, "items_per_page": "1"}, headers=caller.headers)
    assert page.json()["$total"] == 2 and page.json()["$next"].startswith("/admin/journal?page=2&items_per_page=1&")


def test_the_admin_api_refuses_others_and_bad_filters(recording: TestClient, caller: Caller, factory: Factory) -> None:
    other = make_caller(factory, admin=False)
    forbidden = recording.get(JOURNAL, headers=other.headers)
    assert forbidden.status_code == 403 and forbidden.json()[0]["$severity"] == "error"
    assert recording.get(JOURNAL).status_code == 401
    bad = recording.get(JOURNAL, params={"status": "4x"}, headers=caller.headers)
    assert bad.status_code == 400 and bad.json()[0]["$source"] == "status"
    for key in ("999999999", "9" * 40, secrets.token_hex(16), "nope"):
        assert recording.get(f"{JOURNAL}/{key}", headers=caller.headers).status_code == 404, key
    # Reading the journal is not itself journalled.
    read = recording.get(JOURNAL, headers=caller.headers)
    assert listed(recording, caller, request_id=read.headers["x-request-id"]) == []


def test_requests_are_written_in_the_background_and_at_shutdown(runtime: Runtime, factory: Factory) -> None:
    caller = make_caller(factory)

    def stored(request_id: str) -> int:
        with unit_of_work(runtime.sessions, write=False) as db:
            return db.scalar(select(func.count()).select_from(JournalEntry)
                             .where(JournalEntry.request_id == request_id)) or 0

    with TestClient(create_app(runtime=journalled(runtime)), base_url=PUBLIC_URL) as client:
        first = client.get("/v3.1/user", headers=caller.headers).headers["x-request-id"]
        deadline = time.monotonic() + 10
        while not stored(first) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stored(first) == 1, "the background writer did not write the entry"
        last = client.get("/v3.1/user", headers=caller.headers).headers["x-request-id"]
    assert stored(last) == 1  # written when the app shut down


def test_off_records_nothing_but_requests_keep_their_id(client: TestClient, factory: Factory) -> None:
    caller = make_caller(factory)
    answer = client.get("/v3.1/user", headers=caller.headers)
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
    assert client.get(f"{JOURNAL}/{answer.headers['x-request-id']}", headers=caller.headers).status_code == 404


def test_the_access_log_has_a_line_per_request(runtime: Runtime, factory: Factory,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    caller = make_caller(factory)
    app = create_app(runtime=journalled(runtime, access_log=True))
    with TestClient(app, base_url=PUBLIC_URL, client=client_address()) as client:
        api = client.get("/v3.1/user", params={"secret": "s"}, headers=caller.headers)
        page = client.get("/login")
    lines = capsys.readouterr().out.splitlines()
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(rf"{stamp} GET /v3\.1/user 200 \d+\.\dms {api.headers['x-request-id']}", lines[0]), lines
    assert re.fullmatch(rf"{stamp} GET /login 200 \d+\.\dms {page.headers['x-request-id']}", lines[1]), lines


# ---- the CLI --------------------------------------------------------------------------------------------------

def run_cli(database_url: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["journal", "--database-url", database_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_lists_filters_and_shows_entries(journalling: Runtime, recording: TestClient, caller: Caller,
                                                 database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    ok = recording.get("/v3.1/contacts", headers=caller.headers)
    gone = recording.get(f"/v3.1/contacts/{secrets.token_hex(16)}", headers=caller.headers)
    assert journalling.journal is not None
    journalling.journal.flush()
    code, out, _ = run_cli(database_url, capsys, "--app", caller.app.client_id, "--json")
    assert code == 0
    assert [entry["request_id"] for entry in json.loads(out)] == [ok.headers["x-request-id"],
                                                                  gone.headers["x-request-id"]]
    code, out, _ = run_cli(database_url, capsys, "--app", caller.app.client_id, "--status", "4xx")
    assert code == 0 and out.count("\n") == 1 and " 404 " in out and gone.headers["x-request-id"] in out
    code, out, _ = run_cli(database_url, capsys, "--business", caller.business.id, "--limit", "1")
    assert code == 0 and out.count("\n") == 1 and gone.headers["x-request-id"] in out
    code, out, _ = run_cli(database_url, capsys, ok.headers["x-request-id"])
    assert code == 0 and "> authorization: Bearer [redacted]" in out and '"$items"' in out
    code, out, _ = run_cli(database_url, capsys, gone.headers["x-request-id"], "--json")
    assert code == 0 and json.loads(out)["response"]["body"] == gone.text
    code, _, err = run_cli(database_url, capsys, "12345678901")
    assert code == 2 and "no journal entry" in err
    with pytest.raises(SystemExit):
        run_cli(database_url, capsys, "--status", "teapot")
    assert "4xx" in capsys.readouterr().err


def test_the_cli_follows_new_requests(recording: TestClient, caller: Caller, database_url: str) -> None:
    command = [sys.executable, "-m", "ledgerd", "journal", "--database-url", database_url, "--follow", "--json",
               "--app", caller.app.client_id]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as follower:
        watchdog = threading.Timer(60, follower.kill)  # a line that never comes fails the test, not the run
        watchdog.start()
        try:
            assert follower.stdout is not None
            first = recording.get("/v3.1/user", headers=caller.headers)
            assert json.loads(follower.stdout.readline())["request_id"] == first.headers["x-request-id"]
            # The follower is running: these come to it as new requests.
            answers = [recording.get("/v3.1/user", headers=caller.headers) for _ in range(2)]
            lines = [json.loads(follower.stdout.readline()) for _ in answers]
            assert [line["request_id"] for line in lines] == [a.headers["x-request-id"] for a in answers]
        finally:
            watchdog.cancel()
            follower.terminate()


# ---- two servers, one journal ---------------------------------------------------------------------------------

@pytest.mark.server
def test_two_servers_on_one_postgresql_write_one_journal(postgres: PostgresServer | None, fresh_database: Any) -> None:
    url = fresh_database("postgresql")  # skipped without PostgreSQL (fails under CI=true)
    assert postgres is not None
    a, b = start_together(2, url)
    setup = build_runtime(Settings(database_url=url, env="test", public_url=COMMON_URL,
                                   password_scrypt_n=TEST_SCRYPT_N, journal=False))
    try:
        caller = make_caller(Factory(setup))
        headers = bearer(caller.token)
        sent = {server.url: [httpx.get(f"{server.url}/v3.1/user", headers=headers).headers["x-request-id"]
                             for _ in range(3)] for server in (a, b)}
        every = {request_id for ids in sent.values() for request_id in ids}
        deadline = time.monotonic() + 20
        while True:  # B's entries reach the table within its flush interval; A's are written by A's read
            listing = httpx.get(f"{a.url}{JOURNAL}", params={"app": caller.app.client_id}, headers=headers)
            assert listing.status_code == 200, listing.text
            items = listing.json()["$items"]
            if {item["request_id"] for item in items} >= every or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert {item["request_id"] for item in items} == every
        servers = {item["request_id"]: item["server"] for item in items}
        assert len({servers[i] for i in sent[a.url]}) == 1 and len({servers[i] for i in sent[b.url]}) == 1
        assert servers[sent[a.url][0]] != servers[sent[b.url][0]]
        # The last requests of a server that stops are written as it shuts down.
        last = httpx.get(f"{b.url}/v3.1/user", headers=headers).headers["x-request-id"]
        b.stop()
        after_stop = httpx.get(f"{a.url}{JOURNAL}/{last}", headers=headers)
        assert after_stop.status_code == 200, after_stop.text
        assert after_stop.json()["server"] == servers[sent[b.url][0]]
        # `ledgerd serve` logs every request on stdout.
        log = a.log.read_text()
        assert all(re.search(rf"GET /v3\.1/user 200 \S+ms {request_id}", log) for request_id in sent[a.url]), log
    finally:
        a.stop()
        b.stop()
        setup.engine.dispose()
        postgres.drop_database(url)
