"""The API request pipeline over HTTP: authentication, scope, body rules, errors and the wire format.

Every test runs against the real app on SQLite and PostgreSQL; the listing helpers, the wire format, settings
and clock are tested directly in tests/unit.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import orjson
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.app import create_app
from ledgerd.clock import Clock
from ledgerd.db.counters import Counter, next_value
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import User
from tests.conftest import PUBLIC_URL
from tests.support.factories import Factory

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ERROR_KEYS = ["$severity", "$dataCode", "$message", "$source"]
DEFAULT_LIMIT = 4 * 1024 * 1024
UNSUPPORTED_MEDIA = ("API v3.1 only accepts request bodies with a content type of JSON "
                     "(Content-Type: application/json).")
READONLY_MESSAGE = "The access token has the readonly scope; it cannot change data."


def error(data_code: str, message: str, source: str = "") -> list[dict[str, str]]:
    return [{"$severity": "error", "$dataCode": data_code, "$message": message, "$source": source}]


def assert_error(response: Any, status: int, data_code: str, message: str, source: str = "") -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == error(data_code, message, source)
    assert list(body[0]) == ERROR_KEYS


def assert_unauthorized(response: Any, message: str) -> None:
    assert_error(response, 401, "AuthorizationFailure", message)
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    assert f'error_description="{message.replace(chr(34), chr(39))}"' in challenge
    assert REQUEST_ID.match(response.headers["x-request-id"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def user(factory: Factory) -> User:
    owner = factory.user(first_name="Grace", last_name="Hopper")
    factory.business(owner, name="Hopper Ltd")
    return owner


@pytest.fixture
def headers(factory: Factory, user: User) -> dict[str, str]:
    return factory.headers(user)


# --- 1. Authentication ---------------------------------------------------------------------------

MALFORMED_HEADER = "The Authorization header must be 'Bearer <access token>'."


@pytest.mark.parametrize(("authorization", "message"), [
    (None, "The Authorization header is missing; send 'Authorization: Bearer <access token>'."),
    ("Basic x", MALFORMED_HEADER),
    ("Bearer", MALFORMED_HEADER),
    ("Bearer    ", MALFORMED_HEADER),
    ("Bearer not-a-jwt", "The access token is malformed."),
    ("Bearer a.b.c", "The access token is malformed."),
], ids=["missing", "basic-scheme", "bearer-no-token", "bearer-blank-token", "garbage", "garbage-dotted"])
def test_unusable_authorization_header_is_401(client: TestClient, authorization: str | None, message: str) -> None:
    sent = {} if authorization is None else {"Authorization": authorization}
    assert_unauthorized(client.get("/v3.1/user", headers=sent), message)


def test_token_signed_by_a_foreign_key_is_401(client: TestClient, factory: Factory, user: User) -> None:
    genuine = jwt.decode(factory.token(user)["access_token"], options={"verify_signature": False})
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(genuine, foreign, algorithm="RS512", headers={"kid": "made-up-key-id"})
    assert_unauthorized(client.get("/v3.1/user", headers=bearer(forged)),
                        "The access token was not issued by this server.")


def test_token_signed_by_a_foreign_key_under_our_kid_is_401(client: TestClient, factory: Factory,
                                                           user: User) -> None:
    token = factory.token(user)["access_token"]
    genuine = jwt.decode(token, options={"verify_signature": False})
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(genuine, foreign, algorithm="RS512", headers={"kid": jwt.get_unverified_header(token)["kid"]})
    assert_unauthorized(client.get("/v3.1/user", headers=bearer(forged)), "The access token is invalid.")


def test_tampered_signature_is_401(client: TestClient, factory: Factory, user: User) -> None:
    token = factory.token(user)["access_token"]
    head, payload, signature = token.split(".")
    flipped = "A" if signature[10] != "A" else "B"
    tampered = f"{head}.{payload}.{signature[:10]}{flipped}{signature[11:]}"
    assert client.get("/v3.1/user", headers=bearer(token)).status_code == 200
    assert_unauthorized(client.get("/v3.1/user", headers=bearer(tampered)), "The access token is invalid.")


def test_tampered_claims_are_401(client: TestClient, factory: Factory, user: User) -> None:
    token = factory.token(user, scope="readonly")["access_token"]
    head, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["scope"] = "full_access"
    forged_payload = jwt.utils.base64url_encode(orjson.dumps(claims)).decode()
    assert_unauthorized(client.get("/v3.1/user", headers=bearer(f"{head}.{forged_payload}.{signature}")),
                        "The access token is invalid.")


_BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _respelled(token: str, runtime: Runtime) -> dict[str, str]:
    """The same signed token written other ways, and ours re-signed with headers we never write."""
    head, payload, signature = token.split(".")
    # A 256-byte signature takes 342 characters; the last one carries 4 spare bits that decoders ignore.
    stray = signature[:-1] + _BASE64URL[_BASE64URL.index(signature[-1]) ^ 1]
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token)["kid"]
    key = runtime.keys.signing.private
    return {
        "padded": f"{token}==",
        "padded-header": f"{head}=.{payload}.{signature}",
        "stray-bits": f"{head}.{payload}.{stray}",
        "extra-segment": f"{token}.{signature}",
        "standard-alphabet": f"{head}.{payload}.{signature.replace('-', '+').replace('_', '/')}"
        if "-" in signature or "_" in signature else f"{head}.{payload}.{signature}+",
        "extra-header": jwt.encode(claims, key, algorithm="RS512", headers={"kid": kid, "jku": "https://x.example"}),
        "other-typ": jwt.encode(claims, key, algorithm="RS512", headers={"kid": kid, "typ": "at+jwt"}),
    }


@pytest.mark.parametrize("spelling", ["padded", "padded-header", "stray-bits", "extra-segment", "standard-alphabet",
                                      "extra-header", "other-typ"])
def test_only_the_exact_spelling_of_a_token_verifies(client: TestClient, factory: Factory, user: User,
                                                     runtime: Runtime, spelling: str) -> None:
    token = factory.token(user)["access_token"]
    assert client.get("/v3.1/user", headers=bearer(token)).status_code == 200
    variant = _respelled(token, runtime)[spelling]
    if spelling == "padded":  # PyJWT alone strips the padding and accepts the very same signature
        public = runtime.keys.public_key(jwt.get_unverified_header(token)["kid"])
        assert jwt.decode(variant, public, algorithms=["RS512"], options={"verify_aud": False})["jti"]
    assert_unauthorized(client.get("/v3.1/user", headers=bearer(variant)), "The access token is malformed.")


def test_a_second_word_after_the_token_is_refused(client: TestClient, factory: Factory, user: User) -> None:
    token = factory.token(user)["access_token"]
    assert_unauthorized(client.get("/v3.1/user", headers={"Authorization": f"Bearer {token} {token}"}),
                        MALFORMED_HEADER)


def test_expired_token_is_401(client: TestClient, factory: Factory, user: User, clock: Clock) -> None:
    clock.freeze()
    token = factory.token(user)["access_token"]
    assert client.get("/v3.1/user", headers=bearer(token)).status_code == 200
    clock.advance(timedelta(seconds=301))
    assert_unauthorized(client.get("/v3.1/user", headers=bearer(token)), "The access token has expired.")


def test_token_expires_exactly_at_its_ttl(client: TestClient, factory: Factory, user: User, clock: Clock) -> None:
    clock.freeze(datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC))
    token = factory.token(user)["access_token"]
    clock.advance(timedelta(seconds=299, microseconds=999_999))
    assert client.get("/v3.1/user", headers=bearer(token)).status_code == 200
    clock.advance(timedelta(microseconds=1))
    assert_unauthorized(client.get("/v3.1/user", headers=bearer(token)), "The access token has expired.")


def test_token_still_valid_at_299_seconds(client: TestClient, factory: Factory, user: User, clock: Clock) -> None:
    clock.freeze()
    token = factory.token(user)["access_token"]
    clock.advance(timedelta(seconds=299))
    response = client.get("/v3.1/user", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == user.id


@pytest.mark.parametrize("which", ["refresh_token", "access_token"])
def test_revoked_family_is_401(client: TestClient, factory: Factory, user: User, which: str) -> None:
    app, secret = factory.app(user)
    token = factory.token(user, app=app)
    other = factory.token(user, app=app)
    assert client.get("/v3.1/user", headers=bearer(token["access_token"])).status_code == 200

    revoked = client.post("/revoke", data={"client_id": app.client_id, "client_secret": secret, "token": token[which]})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json() == {"success": "ok"}

    assert_unauthorized(client.get("/v3.1/user", headers=bearer(token["access_token"])),
                        "The access token has been revoked.")
    # Revocation ends one family (one authorization), not every token of the app.
    assert client.get("/v3.1/user", headers=bearer(other["access_token"])).status_code == 200


def test_revoking_another_apps_token_revokes_nothing(client: TestClient, factory: Factory, user: User) -> None:
    app, _ = factory.app(user)
    stranger, stranger_secret = factory.app(user)
    token = factory.token(user, app=app)
    answer = client.post("/revoke", data={"client_id": stranger.client_id, "client_secret": stranger_secret,
                                          "token": token["refresh_token"]})
    assert answer.status_code == 200, answer.text
    assert client.get("/v3.1/user", headers=bearer(token["access_token"])).status_code == 200


def test_refresh_token_is_not_an_access_token(client: TestClient, factory: Factory, user: User) -> None:
    refresh = factory.token(user)["refresh_token"]
    assert_unauthorized(client.get("/v3.1/user", headers=bearer(refresh)), "The access token is invalid.")


def test_bearer_scheme_is_case_insensitive(client: TestClient, factory: Factory, user: User) -> None:
    token = factory.token(user)["access_token"]
    response = client.get("/v3.1/user", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200, response.text


# --- 2. Read-only scope --------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "body"), [
    ("/v3.1/user", {"user": {"first_name": "Changed"}}),
    ("/v3.1/businesses/lead", {"business": {"name": "Changed Ltd"}}),
])
def test_readonly_token_cannot_write(client: TestClient, factory: Factory, user: User, path: str,
                                     body: dict[str, Any]) -> None:
    readonly = factory.headers(user, scope="readonly")
    before = client.get(path, headers=readonly)
    assert before.status_code == 200, before.text
    response = client.put(path, headers=readonly, json=body)
    assert_error(response, 403, "MultiUserAccessDenied", READONLY_MESSAGE)
    assert REQUEST_ID.match(response.headers["x-request-id"])
    assert client.get(path, headers=readonly).json() == before.json()


@pytest.mark.parametrize("path", ["/v3.1/user", "/v3.1/businesses", "/v3.1/businesses/lead"])
def test_readonly_token_can_read(client: TestClient, factory: Factory, user: User, path: str) -> None:
    response = client.get(path, headers=factory.headers(user, scope="readonly"))
    assert response.status_code == 200, response.text


def test_full_access_token_can_write(client: TestClient, headers: dict[str, str]) -> None:
    response = client.put("/v3.1/user", headers=headers, json={"user": {"first_name": "Amazing"}})
    assert response.status_code == 200, response.text
    assert response.json()["first_name"] == "Amazing"
    assert response.json()["initials"] == "AH"


# --- 3. Content types ----------------------------------------------------------------------------

@pytest.mark.parametrize(("content_type", "content"), [
    ("text/plain", b'{"user": {"first_name": "Plain"}}'),
    ("application/x-www-form-urlencoded", b"user%5Bfirst_name%5D=Form"),
    ("multipart/form-data; boundary=xyz", b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--xyz--\r\n'),
    ("application/jsonx", b'{"user": {"first_name": "Near"}}'),
], ids=["text-plain", "form", "multipart", "not-quite-json"])
def test_non_json_body_is_415(client: TestClient, headers: dict[str, str], content_type: str,
                              content: bytes) -> None:
    response = client.put("/v3.1/user", headers={**headers, "Content-Type": content_type}, content=content)
    assert_error(response, 415, "UnsupportedMediaType", UNSUPPORTED_MEDIA)
    assert REQUEST_ID.match(response.headers["x-request-id"])
    assert client.get("/v3.1/user", headers=headers).json()["first_name"] == "Grace"


def test_form_data_helper_body_is_415(client: TestClient, headers: dict[str, str]) -> None:
    response = client.put("/v3.1/user", headers=headers, data={"first_name": "Form"})
    assert_error(response, 415, "UnsupportedMediaType", UNSUPPORTED_MEDIA)


def test_body_without_content_type_is_415(client: TestClient, headers: dict[str, str]) -> None:
    response = client.put("/v3.1/user", headers=headers, content=b'{"user": {"first_name": "Bare"}}')
    assert_error(response, 415, "UnsupportedMediaType", UNSUPPORTED_MEDIA)


@pytest.mark.parametrize("content_type", [
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON ; charset=UTF-8",
    "application/vnd.api+json",
])
def test_json_content_types_are_accepted(client: TestClient, headers: dict[str, str], content_type: str) -> None:
    response = client.put("/v3.1/user", headers={**headers, "Content-Type": content_type},
                          content=orjson.dumps({"user": {"last_name": "Jason"}}))
    assert response.status_code == 200, response.text
    assert response.json()["last_name"] == "Jason"
    assert client.get("/v3.1/user", headers=headers).json()["last_name"] == "Jason"


# --- 4. Malformed JSON ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    b'{"user": {"first_name": "x",}}',
    b'{"user": ',
    b"{'user': {}}",
    b"\xff\xfe",
], ids=["trailing-comma", "truncated", "single-quotes", "not-utf8"])
def test_malformed_json_is_400(client: TestClient, headers: dict[str, str], raw: bytes) -> None:
    with pytest.raises(orjson.JSONDecodeError) as parse_error:
        orjson.loads(raw)
    response = client.put("/v3.1/user", headers={**headers, "Content-Type": "application/json"}, content=raw)
    assert_error(response, 400, "InvalidJson", f"The request body is not valid JSON: {parse_error.value}.")
    assert REQUEST_ID.match(response.headers["x-request-id"])


def test_invalid_json_message_names_the_problem(client: TestClient, headers: dict[str, str]) -> None:
    response = client.put("/v3.1/user", headers={**headers, "Content-Type": "application/json"},
                          content=b'{"user": {"first_name": "x",}}')
    assert response.status_code == 400
    message = response.json()[0]["$message"]
    assert message.startswith("The request body is not valid JSON: ")
    assert "trailing comma" in message and "line 1 column 28" in message


# --- 5. Body size limit --------------------------------------------------------------------------

TOO_LARGE = f"The request body exceeds the limit of {DEFAULT_LIMIT} bytes."


def test_body_over_the_limit_is_413(client: TestClient, headers: dict[str, str]) -> None:
    response = client.put("/v3.1/user", headers={**headers, "Content-Type": "application/json"},
                          content=b" " * (DEFAULT_LIMIT + 1))
    assert_error(response, 413, "RequestEntityTooLarge", TOO_LARGE)
    assert REQUEST_ID.match(response.headers["x-request-id"])


def test_body_at_the_limit_is_read(client: TestClient, headers: dict[str, str]) -> None:
    body = orjson.dumps({"user": {"first_name": "Big"}})
    padded = body + b" " * (DEFAULT_LIMIT - len(body))
    response = client.put("/v3.1/user", headers={**headers, "Content-Type": "application/json"}, content=padded)
    assert response.status_code == 200, response.text
    assert response.json()["first_name"] == "Big"


def test_streamed_body_over_the_limit_is_413(client: TestClient, headers: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b" " * (1024 * 1024)

    response = client.put("/v3.1/user", headers={**headers, "Content-Type": "application/json"}, content=chunks())
    assert response.request.headers.get("content-length") is None
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error(response, 413, "RequestEntityTooLarge", TOO_LARGE)


def test_size_limit_applies_before_authentication(client: TestClient) -> None:
    response = client.put("/v3.1/user", headers={"Content-Type": "application/json"},
                          content=b" " * (DEFAULT_LIMIT + 1))
    assert_error(response, 413, "RequestEntityTooLarge", TOO_LARGE)


# --- 6. Validation -------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "message"), [
    ({}, "user is missing"),
    ({"first_name": "Unwrapped"}, "user is missing"),
    ([{"user": {}}], "user is missing"),
    ({"user": []}, "user must be an object"),
    ({"user": "Ada"}, "user must be an object"),
    ({"user": None}, "user must be an object"),
], ids=["empty", "unwrapped", "array", "user-array", "user-string", "user-null"])
def test_missing_or_wrong_wrapper_is_422(client: TestClient, headers: dict[str, str], body: Any,
                                         message: str) -> None:
    response = client.put("/v3.1/user", headers=headers, json=body)
    assert_error(response, 422, "Validation", message, "user")
    assert REQUEST_ID.match(response.headers["x-request-id"])


def test_empty_body_is_a_missing_wrapper(client: TestClient, headers: dict[str, str]) -> None:
    response = client.put("/v3.1/user", headers={**headers, "Content-Type": "application/json"}, content=b"")
    assert_error(response, 422, "Validation", "user is missing", "user")


def test_invalid_locale_is_record_invalid(client: TestClient, headers: dict[str, str]) -> None:
    response = client.put("/v3.1/user", headers=headers, json={"user": {"locale": "xx-XX"}})
    assert_error(response, 422, "RecordInvalid",
                 "Input should be 'en-GB', 'en-IE', 'en-US', 'es-US', 'en-CA', 'fr-CA', 'fr-FR', 'de-DE' or 'es-ES'",
                 "locale")


def test_every_invalid_field_is_reported(client: TestClient, headers: dict[str, str]) -> None:
    response = client.put("/v3.1/user", headers=headers,
                          json={"user": {"first_name": "x" * 101, "initials": 7, "locale": "xx"}})
    assert response.status_code == 422
    body = response.json()
    assert [(p["$dataCode"], p["$source"]) for p in body] == [
        ("RecordInvalid", "first_name"), ("RecordInvalid", "initials"), ("RecordInvalid", "locale")]
    assert all(list(p) == ERROR_KEYS and p["$severity"] == "error" for p in body)


def test_unknown_attributes_are_ignored(client: TestClient, headers: dict[str, str]) -> None:
    response = client.put("/v3.1/user", headers=headers,
                          json={"user": {"first_name": "Known", "favourite_colour": "blue", "id": "x"}})
    assert response.status_code == 200, response.text
    assert response.json()["first_name"] == "Known"
    assert "favourite_colour" not in response.json()


# --- 7. Routing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/v3.1/nope", "/v3.1/sales_invoices/123/whatever", "/v3.1/"])
@pytest.mark.parametrize("authorised", [True, False], ids=["with-token", "without-token"])
def test_unknown_api_path_is_404(client: TestClient, factory: Factory, user: User, path: str,
                                 authorised: bool) -> None:
    response = client.get(path, headers=factory.headers(user) if authorised else {})
    assert_error(response, 404, "RouteNotFound", f"The path {path} does not exist.")
    assert REQUEST_ID.match(response.headers["x-request-id"])


def test_unknown_path_outside_the_api_is_not_sage_shaped(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/v3.1/user", {"GET", "HEAD", "PUT"}),
    ("POST", "/v3.1/user", {"GET", "HEAD", "PUT"}),
    ("POST", "/v3.1/businesses", {"GET", "HEAD"}),
    ("DELETE", "/v3.1/businesses/lead", {"GET", "HEAD", "PUT"}),
])
def test_wrong_method_is_405_with_allow(client: TestClient, headers: dict[str, str], method: str, path: str,
                                        allowed: set[str]) -> None:
    response = client.request(method, path, headers=headers)
    assert response.status_code == 405, response.text
    allow = response.headers["allow"]
    assert {m.strip() for m in allow.split(",")} == allowed
    assert_error(response, 405, "MethodNotAllowed",
                 f"The HTTP method {method} is not allowed for {path}; use {allow}.")
    assert REQUEST_ID.match(response.headers["x-request-id"])


# --- 8. Request ids ------------------------------------------------------------------------------

def test_every_api_response_has_a_fresh_request_id(client: TestClient, headers: dict[str, str]) -> None:
    responses = [
        client.get("/v3.1/user", headers=headers),
        client.get("/v3.1/user", headers=headers),
        client.put("/v3.1/user", headers=headers, json={"user": {"first_name": "Id"}}),
        client.get("/v3.1/businesses", headers=headers),
        client.get("/v3.1/user"),
        client.put("/v3.1/user", headers=headers, json={}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 401, 422]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(REQUEST_ID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)


# --- 9. Atomic writes ----------------------------------------------------------------------------

def test_failed_write_changes_nothing(client: TestClient, headers: dict[str, str]) -> None:
    before = client.get("/v3.1/user", headers=headers).json()
    response = client.put("/v3.1/user", headers=headers,
                          json={"user": {"first_name": "Half", "locale": "xx-XX"}})
    assert response.status_code == 422
    assert client.get("/v3.1/user", headers=headers).json() == before


def test_failed_business_write_changes_nothing(client: TestClient, headers: dict[str, str]) -> None:
    before = client.get("/v3.1/businesses/lead", headers=headers).json()
    response = client.put("/v3.1/businesses/lead", headers=headers,
                          json={"business": {"city": "Leeds", "name": ""}})
    assert response.status_code == 422
    assert response.json()[0]["$source"] == "name"
    assert client.get("/v3.1/businesses/lead", headers=headers).json() == before


def test_successful_write_updates_the_timestamp(client: TestClient, factory: Factory, user: User,
                                               clock: Clock) -> None:
    clock.freeze(datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC))
    headers = factory.headers(user)
    response = client.put("/v3.1/user", headers=headers, json={"user": {"locale": "fr-FR"}})
    assert response.status_code == 200, response.text
    assert response.json()["updated_at"] == "2031-05-06T07:08:09Z"
    after = client.get("/v3.1/user", headers=headers).json()
    assert after["locale"] == "fr-FR" and after["updated_at"] == "2031-05-06T07:08:09Z"


# --- 10. Listing over HTTP (the listing helpers themselves are tested in tests/unit) -----------------

def test_attributes_over_http(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/v3.1/businesses/lead", headers=headers, params={"attributes": "name,city"})
    assert response.status_code == 200, response.text
    assert list(response.json()) == ["displayed_as", "id", "name", "city"]


# --- 11. Token shape -----------------------------------------------------------------------------

TOKEN_KEYS = ["access_token", "scope", "token_type", "expires_in", "refresh_token", "refresh_token_expires_in",
              "requested_by_id"]


def test_access_token_header_and_jwks(client: TestClient, factory: Factory, user: User) -> None:
    token = factory.token(user)["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS512"
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200
    keys = {k["kid"]: k for k in jwks.json()["keys"]}
    assert header["kid"] in keys
    jwk = keys[header["kid"]]
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS512" and jwk["use"] == "sig"
    assert "d" not in jwk and "p" not in jwk

    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS512"], audience="http://testserver/v3.1",
                        issuer="http://testserver", options={"verify_exp": False})
    assert claims["sub"] == user.id
    assert claims["scope"] == "full_access"
    assert claims["exp"] - claims["iat"] == 300
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(factory.token(user)["refresh_token"], jwt.PyJWK(jwk).key, algorithms=["RS512"],
                   audience="http://testserver/v3.1", options={"verify_exp": False})


@pytest.mark.parametrize("scope", ["full_access", "readonly"])
def test_token_response_shape(client: TestClient, factory: Factory, user: User, scope: str) -> None:
    response = factory.token(user, scope=scope)
    assert list(response) == TOKEN_KEYS
    assert response["scope"] == scope
    assert response["token_type"] == "bearer"
    assert response["expires_in"] == 300
    assert response["refresh_token_expires_in"] == 31 * 24 * 3600
    assert len(response["access_token"].encode()) <= 2048
    assert len(response["refresh_token"].encode()) <= 2048
    assert UUID.match(response["requested_by_id"])
    me = client.get("/v3.1/user", headers=bearer(response["access_token"])).json()
    assert response["requested_by_id"] != me["id"]
    assert response["requested_by_id"] == factory.token(user, scope=scope)["requested_by_id"]


# --------------------------------------------------------------------------------------------------------------
# Where handlers run: never on the event loop. SQLite writes on one writer thread per process, in turn; everything
# else on the runtime's request threads.


def test_sqlite_writes_run_in_turn_on_one_writer_thread(runtime: Runtime, factory: Factory, backend: str) -> None:
    running: list[int] = []
    seen: list[tuple[str, str, int]] = []
    guard = threading.Lock()

    def handler(call: Call) -> Result:
        with guard:
            running.append(1)
            at_once = len(running)
        time.sleep(0.02)
        with guard:
            running.pop()
            seen.append((call.request.method, threading.current_thread().name, at_once))
        return Result({"ok": True})

    app = create_app(runtime=runtime)
    app.router.routes.insert(0, api_route("/v3.1/_test/where", handler, methods=["GET", "POST"]))
    headers = factory.headers(factory.user())

    def post() -> None:
        with TestClient(app, base_url=PUBLIC_URL) as own:
            assert own.post("/v3.1/_test/where", json={}, headers=headers).status_code == 200

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with TestClient(app, base_url=PUBLIC_URL) as own:
        assert own.get("/v3.1/_test/where", headers=headers).status_code == 200
    writes = [(name, at_once) for method, name, at_once in seen if method == "POST"]
    [(_, read_thread, _)] = [entry for entry in seen if entry[0] == "GET"]
    assert len(writes) == 4
    if backend == "sqlite":
        assert {name for name, _ in writes} == {"ledgerd-writer_0"}
        assert max(at_once for _, at_once in writes) == 1
    else:
        assert all(name.startswith("ledgerd-request") for name, _ in writes)
    assert read_thread.startswith("ledgerd-request")


# --------------------------------------------------------------------------------------------------------------
# Deadlocks: the unit of work runs again (db/locks.py keeps them rare; this is the safety net).


def test_a_deadlock_victim_is_run_again(runtime: Runtime, factory: Factory, backend: str,
                                        caplog: pytest.LogCaptureFixture) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite runs one write at a time: two writes cannot deadlock")
    names = {side: f"test:deadlock:{secrets.token_hex(4)}:{side}" for side in "ab"}
    factory.tx(lambda db: [next_value(db, name) for name in names.values()])
    barrier = threading.Barrier(2)
    runs: list[str] = []

    def handler(call: Call) -> Result:
        first, second = call.body["order"]
        runs.append(first)
        call.db.execute(select(Counter.value).where(Counter.name == names[first]).with_for_update())
        if runs.count(first) == 1:  # both hold their first row before either asks for its second
            barrier.wait(timeout=10)
        call.db.execute(select(Counter.value).where(Counter.name == names[second]).with_for_update())
        return Result({"ok": True})

    app = create_app(runtime=runtime)
    app.router.routes.insert(0, api_route("/v3.1/_test/deadlock", handler, methods=["POST"]))
    headers = factory.headers(factory.user())
    statuses: list[int] = []

    def post(order: list[str]) -> None:
        with TestClient(app, base_url=PUBLIC_URL) as own:
            statuses.append(own.post("/v3.1/_test/deadlock", json={"order": order}, headers=headers).status_code)

    caplog.set_level(logging.INFO, logger="ledgerd.api")
    threads = [threading.Thread(target=post, args=(order,)) for order in (["a", "b"], ["b", "a"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # PostgreSQL ends one of the two; run again, it goes through once the other has committed.
    assert statuses == [200, 200]
    assert len(runs) == 3
    assert [r.getMessage() for r in caplog.records if "retrying the request" in r.getMessage()] != []


def test_a_deadlock_that_keeps_coming_back_answers_503(runtime: Runtime, factory: Factory) -> None:
    runs: list[int] = []

    def handler(call: Call) -> Result:
        runs.append(1)
        call.db.execute(select(Counter.value).limit(1))
        raise OperationalError("SELECT …", {}, psycopg.errors.DeadlockDetected("deadlock detected"))

    app = create_app(runtime=runtime)
    app.router.routes.insert(0, api_route("/v3.1/_test/stuck", handler, methods=["POST"]))
    with TestClient(app, base_url=PUBLIC_URL) as own:
        response = own.post("/v3.1/_test/stuck", json={}, headers=factory.headers(factory.user()))
    assert_error(response, 503, "ServiceUnavailable", "Other requests were changing the same records at the same "
                 "time; nothing was changed. Please retry.")
    assert response.headers["retry-after"] == "1"
    assert len(runs) == 3


# --- Messages a client can act on ----------------------------------------------------------------------------

def test_body_errors_say_what_the_field_must_be_without_naming_classes(client: TestClient, factory: Factory,
                                                                       user: User) -> None:
    response = client.post("/v3.1/contacts", headers=factory.headers(user), json={"contact": {
        "name": 5, "contact_type_ids": "CUSTOMER", "main_address": "1 High Street", "credit_days": "soon"}})
    assert response.status_code == 422
    told = {problem["$source"]: problem["$message"] for problem in response.json()}
    assert told == {"name": "must be a string", "contact_type_ids": "must be a list",
                    "main_address": "must be an object",
                    "credit_days": "must be a whole number written with the digits 0-9 and an optional sign"}
    assert not any("Input should" in text or "instance of" in text for text in told.values())


# --- Query parameters: only the declared ones reach a handler --------------------------------------------------

def test_a_handler_sees_only_the_parameters_its_route_declares(client: TestClient, headers: dict[str, str]) -> None:
    listed = client.get("/v3.1/contacts", params={"items_per_page": 1, "not_a_parameter": "x"}, headers=headers)
    assert listed.status_code == 200
    assert listed.json()["$back"] is None
    # The envelope's links keep the declared parameters the request gave, and never an undeclared one.
    page = client.get("/v3.1/contacts", params={"page": 2, "items_per_page": 1, "search": "", "bogus": "1"},
                      headers=headers).json()
    assert page["$back"] is not None and "bogus" not in page["$back"] and "search=" in page["$back"]


def test_a_declared_parameter_that_changes_nothing_is_still_checked(client: TestClient,
                                                                    headers: dict[str, str]) -> None:
    """`context_date` is declared on contacts (Sage's swagger has it; a tax treatment here does not change with
    the date): a value that is no date is a 400 naming it, a blank one counts as absent."""
    bad = client.get("/v3.1/contacts", params={"context_date": "tomorrow"}, headers=headers)
    assert bad.status_code == 400
    assert bad.json() == [{"$severity": "error", "$dataCode": "InvalidParameter",
                           "$message": "context_date must be a date (YYYY-MM-DD), got 'tomorrow'.",
                           "$source": "context_date"}]
    assert client.get("/v3.1/contacts", params={"context_date": " "}, headers=headers).status_code == 200
    assert client.get("/v3.1/contacts", params={"context_date": "2026-12-01"}, headers=headers).status_code == 200
