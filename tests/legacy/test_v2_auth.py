"""API v2's authentication: a v2 token, `X-Signature` over the call with the app's signing secret and a nonce
never seen before (auth-and-legacy §7.1, §7.2)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import httpx
from starlette.requests import Request

from ledgerd.api.legacy.v2 import _base_url
from ledgerd.auth import nonces
from ledgerd.clock import Clock
from tests.legacy.v2_client import FORM, V2
from tests.support.factories import Factory

DENIED = {"$diagnoses": [{"$severity": "error", "$dataCode": "AuthorizationFailure", "$message": "Access Denied",
                          "$source": ""}]}
CUSTOMER = [("contact[name]", "My Customer"), ("contact[contact_type_id]", "1")]


def denied(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/json;vnd.sage=sdata"
    assert response.json() == DENIED


def test_a_signed_call_passes(v2: V2) -> None:
    created = v2.ok(v2.call("POST", "/accounts/v2/contacts", CUSTOMER, query=[("config_setting", "foo")]), 201)
    assert created["name"] == "My Customer"
    assert v2.ok(v2.get("/accounts/v2/contacts", search="My Customer"))["$totalResults"] == 1


def test_a_tampered_body_or_query_fails_and_changes_nothing(v2: V2) -> None:
    signed = v2.headers("POST", "/accounts/v2/contacts", CUSTOMER)
    body = urlencode([("contact[name]", "Mallory"), ("contact[contact_type_id]", "1")])
    denied(v2.client.post("/accounts/v2/contacts", content=body, headers={**signed, "Content-Type": FORM}))
    signed = v2.headers("GET", "/accounts/v2/contacts", [("search", "a")])
    denied(v2.client.get("/accounts/v2/contacts?search=b", headers=signed))
    signed = v2.headers("GET", "/accounts/v2/contacts", [])
    denied(v2.client.get("/accounts/v2/bank_accounts", headers=signed))
    assert v2.ok(v2.get("/accounts/v2/contacts"))["$totalResults"] == 0


def test_a_replayed_nonce_fails_for_the_app_until_the_window_passes(v2: V2, clock: Clock) -> None:
    v2.ok(v2.call("GET", "/accounts/v2/contacts", nonce="abc123"))
    denied(v2.call("GET", "/accounts/v2/contacts", nonce="abc123"))
    denied(v2.call("GET", "/accounts/v2/bank_accounts", nonce="abc123"))  # any call, same app
    other = V2.open(v2.books)  # another app: its own nonces
    other.ok(other.call("GET", "/accounts/v2/contacts", nonce="abc123"))
    clock.advance(nonces.WINDOW - timedelta(seconds=1))
    v2.renew()
    denied(v2.call("GET", "/accounts/v2/contacts", nonce="abc123"))
    clock.advance(timedelta(seconds=1))
    assert v2.ok(v2.call("GET", "/accounts/v2/contacts", nonce="abc123"))["$totalResults"] == 0


def test_missing_or_wrong_credentials_fail(v2: V2, factory: Factory) -> None:
    path = "/accounts/v2/contacts"
    signed = v2.headers("GET", path, [])
    for missing in ("Authorization", "X-Signature", "X-Nonce"):
        denied(v2.client.get(path, headers={k: v for k, v in signed.items() if k != missing}))
    denied(v2.client.get(path, headers={**v2.headers("GET", path, []), "X-Signature": "AAAA"}))
    wrong_secret = V2(v2.books, v2.app, v2.token, "not-the-secret")
    denied(wrong_secret.get(path))
    v3 = factory.legacy_token(v2.books.owner, v2.books.business, api="v3")["access_token"]
    denied(v2.client.get(path, headers=v2.headers("GET", path, [], token=v3)))
    denied(v2.client.get(path, headers={**v2.books.headers}))  # a v3.1 token is no v2 token


def test_an_expired_token_fails(v2: V2, clock: Clock) -> None:
    clock.advance(timedelta(minutes=61))
    denied(v2.get("/accounts/v2/contacts"))


def test_json_bodies_are_refused(v2: V2) -> None:
    path = "/accounts/v2/contacts"
    response = v2.client.post(path, content=b'{"contact": {"name": "x"}}',
                              headers={**v2.headers("POST", path, []), "Content-Type": "application/json"})
    assert response.status_code == 415
    assert response.json()["$diagnoses"][0]["$dataCode"] == "UnsupportedMediaType"


def _request(host: str, scheme: str = "http", path: str = "/accounts/v2/contacts") -> Request:
    return Request({"type": "http", "method": "GET", "scheme": scheme, "path": path, "raw_path": path.encode(),
                    "query_string": b"a=1", "headers": [(b"host", host.encode())]})


def test_the_signed_url_is_the_one_the_client_used_or_the_public_url() -> None:
    assert _base_url(_request("LocalHost:8000"), None) == "http://localhost:8000/accounts/v2/contacts"
    assert _base_url(_request("api.example.com:443", "https"), None) == "https://api.example.com/accounts/v2/contacts"
    assert _base_url(_request("[::1]:8000"), None) == "http://[::1]:8000/accounts/v2/contacts"
    assert _base_url(_request("10.0.0.5:8000"), "https://books.example.com") == \
        "https://books.example.com/accounts/v2/contacts"


def test_a_call_refused_before_its_route_is_answered_in_v2s_shape(v2: V2) -> None:
    path = "/accounts/v2/contacts"
    response = v2.client.get(path + "?search=a%00b", headers=v2.headers("GET", path, [("search", "a\x00b")]))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json;vnd.sage=sdata"
    assert response.json()["$diagnoses"][0]["$dataCode"] == "InvalidCharacters"
