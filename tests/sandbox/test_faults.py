"""Fault rules (sandbox/faults.py) through the admin API (api/admin/faults.py), in process: which calls they take,
when they fire, what the call gets on the API and at /token, and that the admin API is never taken. A dropped
connection over a real server, and two servers sharing the counts: tests/system/test_sandbox.py; the CLI:
tests/test_cli.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.http.sandbox import ConnectionDropped
from ledgerd.runtime import Runtime
from tests.support.factories import Factory
from tests.support.sandbox import ADMIN, admin_headers, back_to_normal


@pytest.fixture
def admin(factory: Factory, runtime: Runtime) -> Iterator[dict[str, str]]:
    """An administrator's headers; no rule is left behind."""
    yield admin_headers(factory)
    back_to_normal(runtime)


def add(client: TestClient, admin: dict[str, str], **rule: Any) -> dict[str, Any]:
    response = client.post(f"{ADMIN}/faults", json={"fault": rule}, headers=admin)
    assert response.status_code == 201, response.text
    added: dict[str, Any] = response.json()
    return added


def listed(client: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = client.get(f"{ADMIN}/faults", headers=admin).json()["faults"]
    return rules


def error(status: int, code: str, message: str) -> list[dict[str, str]]:
    return [{"$severity": "error", "$dataCode": code, "$message": message, "$source": ""}]


def bearer(token: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


UNREACHABLE = "One of our servers required to serve this request could not be reached. Please retry later."


def test_the_next_three_calls_get_503(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    headers = factory.headers(factory.user())
    rule = add(client, admin, status=503, times=3)
    assert (rule["path"], rule["method"], rule["code"], rule["fired"]) == ("*", None, "ServiceUnavailable", 0)
    for _ in range(3):
        refused = client.get("/v3.1/user", headers=headers)
        assert refused.status_code == 503
        assert refused.json() == error(503, "ServiceUnavailable", UNREACHABLE)
        assert refused.headers["x-request-id"] and "retry-after" not in refused.headers
    assert client.get("/v3.1/user", headers=headers).status_code == 200
    [after] = listed(client, admin)
    assert (after["matched"], after["fired"], after["spent"]) == (3, 3, True)


def test_every_nth_call_of_a_path_and_method(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    user = factory.user()
    headers = factory.headers(user, business=factory.business(user).id)
    add(client, admin, status=500, every=2, method="get", path="/v3.1/contacts*")
    statuses = [client.get("/v3.1/contacts", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 500, 200, 500]
    # other paths and methods are not taken, nor counted
    assert client.get("/v3.1/user", headers=headers).status_code == 200
    created = client.post("/v3.1/contacts", json={"contact": {"name": "Kept", "contact_type_ids": ["CUSTOMER"]}},
                          headers=headers)
    assert created.status_code == 201
    assert client.get(f"/v3.1/contacts/{created.json()['id']}", headers=headers).status_code == 200
    assert client.get("/v3.1/contacts", headers=headers).json() == error(500, "UnexpectedError",
                                                                         "An unexpected error occurred.")
    assert [(rule["matched"], rule["fired"]) for rule in listed(client, admin)] == [(6, 3)]


def test_rate_limit_preset_answers_429_with_retry_after(client: TestClient, factory: Factory,
                                                        admin: dict[str, str]) -> None:
    headers = factory.headers(factory.user())
    rule = add(client, admin, preset="rate_limit", retry_after=30)
    assert (rule["status"], rule["path"], rule["retry_after"]) == (429, "/v3.1/*", 30)
    refused = client.get("/v3.1/user", headers=headers)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
    assert refused.json()[0]["$dataCode"] == "TooManyRequests"


def test_an_expired_trial_in_one_business(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    """`trial_expired` for one business: its calls get Sage's 401 (by X-Business or as the lead business), the
    same user's other business works."""
    user = factory.user()
    lead, other = factory.business(user, "Lead Ltd"), factory.business(user, "Other Ltd")
    headers = factory.headers(user)
    add(client, admin, preset="trial_expired", business_id=lead.id)
    refused = client.get("/v3.1/contacts", headers=headers)  # the lead business
    assert refused.status_code == 401
    assert refused.json() == error(401, "AuthorizationFailure", "No active subscription. (MSE)")
    assert refused.headers["www-authenticate"].startswith("Bearer ")
    assert client.get("/v3.1/contacts", headers={**headers, "X-Business": lead.id}).status_code == 401
    assert client.get("/v3.1/contacts", headers={**headers, "X-Business": other.id}).status_code == 200


def test_a_rule_for_one_app(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    user = factory.user()
    (mine, _), (theirs, _) = factory.app(user), factory.app(user)
    add(client, admin, preset="token_revoked", client_id=mine.client_id)
    refused = client.get("/v3.1/user", headers=bearer(factory.token(user, mine)))
    assert refused.status_code == 401
    assert refused.json() == error(401, "AuthorizationFailure", "The access token has been revoked.")
    served = client.get("/v3.1/user", headers=bearer(factory.token(user, theirs)))
    assert served.status_code == 200
    # no token at all: no app, so the rule does not take the call; authentication refuses it as ever
    assert client.get("/v3.1/user").json()[0]["$message"].startswith("The Authorization header is missing")


def test_the_token_endpoint_in_rfc_6749_shape(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    user = factory.user()
    app, secret = factory.app(user)
    token = factory.token(user, app)
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app.client_id,
               "client_secret": secret}
    add(client, admin, preset="maintenance", times=1)
    down = client.post("/token", data=refresh)
    assert down.status_code == 503 and down.headers["retry-after"] == "300"
    assert down.json() == {"error": "temporarily_unavailable", "error_description": UNREACHABLE}
    add(client, admin, preset="token_revoked", path="/token", client_id=app.client_id, times=1)
    revoked = client.post("/token", data=refresh, auth=(app.client_id, secret))  # Basic credentials name the app
    assert revoked.status_code == 400 and revoked.json()["error"] == "invalid_grant"
    # neither rule changed anything: the refresh token still works
    assert client.post("/token", data=refresh).status_code == 200


def test_latency_then_the_call_proceeds(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    headers = factory.headers(factory.user())
    add(client, admin, latency_ms=300, times=1)
    started = time.monotonic()
    assert client.get("/v3.1/user", headers=headers).status_code == 200
    assert time.monotonic() - started >= 0.3
    add(client, admin, latency_ms=100, status=504, times=1)
    slow = client.get("/v3.1/user", headers=headers)
    assert slow.status_code == 504 and slow.json()[0]["$dataCode"] == "GatewayTimeout"


def test_a_dropped_connection_in_process(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    """An in-process client has no connection to close: it sees the exception (a real server closes the
    connection: tests/system/test_sandbox.py)."""
    headers = factory.headers(factory.user())
    add(client, admin, drop=True, times=1)
    with pytest.raises(ConnectionDropped):
        client.get("/v3.1/user", headers=headers)
    assert client.get("/v3.1/user", headers=headers).status_code == 200


def test_the_admin_api_is_never_taken(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    headers = factory.headers(factory.user())
    add(client, admin, status=503)  # every call of every path
    assert client.get("/v3.1/user", headers=headers).status_code == 503
    assert client.get(f"{ADMIN}/clock", headers=admin).status_code == 200
    assert len(listed(client, admin)) == 1
    cleared = client.delete(f"{ADMIN}/faults", headers=admin)
    assert cleared.status_code == 200 and cleared.json() == {"cleared": 1}
    assert client.get("/v3.1/user", headers=headers).status_code == 200


def test_rules_are_tried_in_order_and_removed_one_by_one(client: TestClient, factory: Factory,
                                                         admin: dict[str, str]) -> None:
    headers = factory.headers(factory.user())
    first = add(client, admin, status=502, path="/v3.1/user")
    second = add(client, admin, status=504)
    assert second["id"] > first["id"]
    assert client.get("/v3.1/user", headers=headers).status_code == 502
    assert client.get("/v3.1/businesses", headers=headers).status_code == 504
    assert client.delete(f"{ADMIN}/faults/{first['id']}", headers=admin).status_code == 204
    assert client.get("/v3.1/user", headers=headers).status_code == 504
    missing = client.delete(f"{ADMIN}/faults/{first['id']}", headers=admin)
    assert missing.status_code == 404 and missing.json()[0]["$dataCode"] == "RecordNotFound"
    assert client.delete(f"{ADMIN}/faults/x1", headers=admin).status_code == 404
    assert [rule["id"] for rule in listed(client, admin)] == [second["id"]]


def test_probability_one_and_a_limit(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    headers = factory.headers(factory.user())
    add(client, admin, status=500, probability=1, times=2)
    assert [client.get("/v3.1/user", headers=headers).status_code for _ in range(3)] == [500, 500, 200]


@pytest.mark.parametrize(("rule", "source"), [
    ({"status": 418}, "status"),
    ({"preset": "rate_limit", "status": 503}, "status"),
    ({"preset": "sunny_day"}, "preset"),
    ({"status": 503, "drop": True}, "drop"),
    ({"path": "/v3.1/*"}, ""),
    ({"status": 500, "probability": 0.5, "every": 2}, "every"),
    ({"status": 500, "probability": 1.5}, "probability"),
    ({"status": 500, "every": 0}, "every"),
    ({"status": 500, "method": "FETCH"}, "method"),
    ({"status": 500, "path": "v3.1/contacts"}, "path"),
    ({"status": 500, "retry_after": 5}, "retry_after"),
    ({"drop": True, "message": "gone"}, "message"),
    ({"latency_ms": 600_001}, "latency_ms"),
    ({"status": 500, "times": 3, "next": 3}, "next"),
])
def test_a_bad_rule_is_422_and_nothing_is_added(client: TestClient, admin: dict[str, str], rule: dict[str, Any],
                                                source: str) -> None:
    refused = client.post(f"{ADMIN}/faults", json={"fault": rule}, headers=admin)
    assert refused.status_code == 422, refused.text
    assert refused.json()[0]["$source"] == source
    assert listed(client, admin) == []


def test_only_administrators_manage_rules(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    headers = factory.headers(factory.user())
    assert client.get(f"{ADMIN}/faults", headers=headers).status_code == 403
    assert client.post(f"{ADMIN}/faults", json={"fault": {"status": 503}}, headers=headers).status_code == 403
    assert client.delete(f"{ADMIN}/faults", headers=headers).status_code == 403
