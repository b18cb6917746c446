"""The OAuth 2.0 server's edges, in process: authorization-request validation, the consent step, the token
endpoint's errors, refresh rotation, revocation and the discovery documents (reference §1-3)."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from httpx import Response
from sqlalchemy import select
from starlette.testclient import TestClient

from ledgerd.auth.models import App, AuthorizationCode
from ledgerd.auth.tokens import Grant, TokenInvalid, Tokens
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.passwords import hash_secret
from ledgerd.regions import COUNTRIES
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import User
from tests.support.factories import PASSWORD, Factory

CALLBACK = "http://localhost:8080/callback"
OTHER_CALLBACK = "https://app.example.com/auth/callback"
AUTHORIZE = "/oauth2/auth/central"
STATE = "st-4f9a"


@dataclass
class Party:
    """A user with one GB business and an app registered for it."""

    user: User
    app: App
    secret: str


@pytest.fixture
def party(factory: Factory) -> Party:
    user = factory.user()
    factory.business(user)
    app, secret = factory.app(user, [CALLBACK, OTHER_CALLBACK])
    return Party(user, app, secret)


# ---- helpers ----------------------------------------------------------------------------------------

def login(client: TestClient, user: User) -> None:
    assert client.get("/login").status_code == 200
    response = client.post("/login", data={"csrf": client.cookies["ledgerd_csrf"], "email": user.email,
                                           "password": PASSWORD, "next": "/developer"}, follow_redirects=False)
    assert response.status_code == 303, response.text


def auth_query(app: App, **overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {"client_id": app.client_id, "response_type": "code", "redirect_uri": CALLBACK,
                                     "scope": "full_access", "state": STATE, "country": "GB", **overrides}
    return {k: v for k, v in params.items() if v is not None}


def get_authorize(client: TestClient, params: Any, path: str = AUTHORIZE) -> Response:
    return client.get(path, params=params, follow_redirects=False)


def callback_params(response: Response, redirect_uri: str = CALLBACK) -> dict[str, str]:
    """The query of a redirect to the client's callback, one value per name."""
    assert response.status_code == 302, (response.status_code, response.text[:500])
    location = response.headers["location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == redirect_uri
    query = parse_qs(parts.query, keep_blank_values=True)
    assert all(len(v) == 1 for v in query.values()), query
    return {k: v[0] for k, v in query.items()}


def hidden_fields(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}


def decide(client: TestClient, consent: Response, decision: str, path: str = AUTHORIZE) -> Response:
    assert consent.status_code == 200, consent.text[:500]
    return client.post(path, data={**hidden_fields(consent.text), "decision": decision}, follow_redirects=False)


def authorize(client: TestClient, party: Party, *, login_first: bool = True, **overrides: str | None) -> str:
    """Run the browser part of the flow and return the authorization code."""
    if login_first:
        login(client, party.user)
    consent = get_authorize(client, auth_query(party.app, **overrides))
    params = callback_params(decide(client, consent, "allow"), overrides.get("redirect_uri") or CALLBACK)
    return params["code"]


def token_request(client: TestClient, data: dict[str, str | None], path: str = "/token", **kwargs: Any) -> Response:
    return client.post(path, data={k: v for k, v in data.items() if v is not None}, **kwargs)


def exchange(client: TestClient, party: Party, code: str, **overrides: str | None) -> Response:
    return token_request(client, {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                                  "client_id": party.app.client_id, "client_secret": party.secret, **overrides})


def refresh(client: TestClient, party: Party, refresh_token: str, **overrides: str | None) -> Response:
    return token_request(client, {"grant_type": "refresh_token", "refresh_token": refresh_token,
                                  "client_id": party.app.client_id, "client_secret": party.secret, **overrides})


def oauth_error(response: Response, status: int, error: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["error"] == error, body
    # error_description is optional (RFC 6749 §5.2); Authlib leaves it out of some answers.
    assert isinstance(body.get("error_description", ""), str)
    assert response.headers["cache-control"] == "no-store"


def whoami(client: TestClient, access_token: str) -> Response:
    return client.get("/v3.1/user", headers={"Authorization": f"Bearer {access_token}"})


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


# ---- the authorization request: errors shown as a page ------------------------------------------------

@pytest.mark.parametrize("client_id", [None, "", "no-such-client", "a30eb717-0000/ffff"])
def test_unknown_or_missing_client_is_a_page_not_a_redirect(client: TestClient, party: Party,
                                                            client_id: str | None) -> None:
    response = get_authorize(client, auth_query(party.app, client_id=client_id))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "Unknown application" in response.text


@pytest.mark.parametrize("redirect_uri", [
    None,
    "",
    "https://evil.example/callback",
    "http://localhost:8080/Callback",  # registered URLs are case sensitive
    "HTTP://LOCALHOST:8080/callback",
    "http://localhost:8080/callback/",
    "http://localhost:8080/callback?extra=1",
])
def test_unregistered_redirect_uri_is_a_page(client: TestClient, party: Party, redirect_uri: str | None) -> None:
    response = get_authorize(client, auth_query(party.app, redirect_uri=redirect_uri))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Callback URL not registered" in response.text


def test_duplicated_redirect_uri_is_a_page(client: TestClient, party: Party) -> None:
    params = [*auth_query(party.app).items(), ("redirect_uri", CALLBACK)]
    response = get_authorize(client, params)
    assert response.status_code == 400 and "location" not in response.headers


def test_error_page_escapes_nothing_into_the_page(client: TestClient) -> None:
    response = get_authorize(client, {"client_id": "<script>alert(1)</script>", "redirect_uri": CALLBACK})
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.text


# ---- the authorization request: errors sent to the callback -------------------------------------------

@pytest.mark.parametrize(("overrides", "error"), [
    ({"response_type": None}, "invalid_request"),
    ({"response_type": ""}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"response_type": "code token"}, "unsupported_response_type"),
    ({"scope": "admin"}, "invalid_scope"),
    ({"scope": "full_access readonly"}, "invalid_scope"),
    ({"code_challenge": "a" * 43, "code_challenge_method": "S512"}, "invalid_request"),
    ({"code_challenge_method": "S256"}, "invalid_request"),  # a method without a challenge
    ({"code_challenge": "a" * 42, "code_challenge_method": "S256"}, "invalid_request"),
    ({"code_challenge": "a" * 129, "code_challenge_method": "S256"}, "invalid_request"),
    ({"code_challenge": "a" * 42 + "!", "code_challenge_method": "S256"}, "invalid_request"),
    ({"country": "XX"}, "invalid_request"),
    ({"country": "GBR"}, "invalid_request"),
])
def test_invalid_request_redirects_to_callback_with_state(client: TestClient, party: Party,
                                                          overrides: dict[str, str | None], error: str) -> None:
    params = callback_params(get_authorize(client, auth_query(party.app, **overrides)))
    assert params["error"] == error
    assert params["state"] == STATE
    assert params["error_description"]
    assert "code" not in params


def test_error_redirect_without_state_has_no_state(client: TestClient, party: Party) -> None:
    params = callback_params(get_authorize(client, auth_query(party.app, response_type="token", state=None)))
    assert params["error"] == "unsupported_response_type"
    assert "state" not in params


@pytest.mark.parametrize("name", ["state", "scope", "response_type", "country"])
def test_duplicated_parameter_is_invalid_request(client: TestClient, party: Party, name: str) -> None:
    query = auth_query(party.app)
    params = [*query.items(), (name, query[name] + "-again")]
    result = callback_params(get_authorize(client, params))
    assert result["error"] == "invalid_request"
    assert name in result["error_description"]
    assert result["state"] == STATE  # the first value is echoed


def test_error_redirect_keeps_the_callbacks_own_query(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    app, _ = factory.app(user, ["https://client.example/cb?tenant=7"])
    response = get_authorize(client, auth_query(app, redirect_uri="https://client.example/cb?tenant=7",
                                                scope="admin"))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["tenant"] == ["7"] and query["error"] == ["invalid_scope"] and query["state"] == [STATE]


# ---- the country page ---------------------------------------------------------------------------------

def _country_links(page: str) -> dict[str, str]:
    return {code: html.unescape(href)
            for href, code in re.findall(r'<a href="([^"]+)" data-country="([A-Z]{2})"', page)}


@pytest.mark.parametrize("path", [AUTHORIZE, "/oauth2/auth"])
def test_no_country_shows_the_country_page(client: TestClient, party: Party, path: str) -> None:
    query = auth_query(party.app, country=None, filter="apiv3.1", scope="readonly", locale="en-GB")
    response = get_authorize(client, query, path)
    assert response.status_code == 200
    assert "Choose your country" in response.text
    links = _country_links(response.text)
    assert set(links) == set(COUNTRIES) and len(links) == 7
    for code, href in links.items():
        parts = urlsplit(href)
        assert parts.path == path and not parts.netloc
        kept = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert kept == {**query, "country": code}


def test_country_link_leads_on_to_login(client: TestClient, party: Party) -> None:
    page = get_authorize(client, auth_query(party.app, country=None))
    response = client.get(_country_links(page.text)["GB"], follow_redirects=False)
    assert response.status_code == 303
    assert urlsplit(response.headers["location"]).path == "/login"


def test_unknown_filter_shows_message_and_show_all_link(client: TestClient, party: Party) -> None:
    response = get_authorize(client, auth_query(party.app, country=None, filter="bogus"))
    assert response.status_code == 200
    assert "bogus" in response.text and "not known" in response.text
    assert _country_links(response.text) == {}
    show_all = re.search(r'<a href="([^"]+)">Show all countries</a>', response.text)
    assert show_all
    href = html.unescape(show_all.group(1))
    assert "filter" not in parse_qs(urlsplit(href).query)
    assert parse_qs(urlsplit(href).query)["state"] == [STATE]
    everything = client.get(href, follow_redirects=False)
    assert everything.status_code == 200 and len(_country_links(everything.text)) == 7


def test_filter_is_ignored_when_a_country_is_given(client: TestClient, party: Party) -> None:
    response = get_authorize(client, auth_query(party.app, filter="bogus"))
    assert response.status_code == 303  # straight on to login, no country page


def test_country_is_case_insensitive(client: TestClient, party: Party) -> None:
    login(client, party.user)
    response = get_authorize(client, auth_query(party.app, country="gb"))
    assert response.status_code == 200
    params = callback_params(decide(client, response, "allow"))
    assert params["country"] == "GB" and params["code"].startswith("GB/")


# ---- login and consent --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [AUTHORIZE, "/oauth2/auth"])
def test_logged_out_goes_to_login_and_back(client: TestClient, party: Party, path: str) -> None:
    query = auth_query(party.app)
    response = get_authorize(client, query, path)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    nxt = parse_qs(location.query)["next"][0]
    assert urlsplit(nxt).path == path
    assert {k: v[0] for k, v in parse_qs(urlsplit(nxt).query).items()} == query

    login_page = client.get(response.headers["location"])
    assert login_page.status_code == 200
    assert hidden_fields(login_page.text)["next"] == nxt
    back = client.post("/login", data={"csrf": client.cookies["ledgerd_csrf"], "email": party.user.email,
                                       "password": PASSWORD, "next": nxt}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == nxt
    consent = client.get(nxt, follow_redirects=False)
    assert consent.status_code == 200 and "Test App" in consent.text


def test_consent_page_names_the_app_scope_and_businesses(client: TestClient, party: Party) -> None:
    login(client, party.user)
    response = get_authorize(client, auth_query(party.app, scope="readonly"))
    assert response.status_code == 200
    assert "<h1>Allow Test App to access your data?</h1>" in response.text
    assert "read-only" in response.text
    assert "Acme Ltd" in response.text
    fields = hidden_fields(response.text)
    assert fields["csrf"] == client.cookies["ledgerd_csrf"]
    assert fields["client_id"] == party.app.client_id and fields["state"] == STATE and fields["scope"] == "readonly"


@pytest.mark.parametrize("path", [AUTHORIZE, "/oauth2/auth"])
def test_deny_redirects_access_denied(client: TestClient, party: Party, path: str) -> None:
    login(client, party.user)
    consent = get_authorize(client, auth_query(party.app), path)
    params = callback_params(decide(client, consent, "deny", path))
    assert params["error"] == "access_denied" and params["state"] == STATE
    assert "code" not in params


def test_allow_redirects_with_code_country_and_state(client: TestClient, party: Party) -> None:
    login(client, party.user)
    consent = get_authorize(client, auth_query(party.app))
    response = decide(client, consent, "allow")
    assert "code=GB%2F" in response.headers["location"]
    params = callback_params(response)
    assert set(params) == {"code", "country", "state"}
    assert params["code"].startswith("GB/") and len(params["code"]) > 20
    assert params["country"] == "GB" and params["state"] == STATE


def test_allow_without_state_has_no_state(client: TestClient, party: Party) -> None:
    login(client, party.user)
    consent = get_authorize(client, auth_query(party.app, state=None))
    params = callback_params(decide(client, consent, "allow"))
    assert set(params) == {"code", "country"}


def test_same_data_centre_country_is_allowed(client: TestClient, party: Party) -> None:
    login(client, party.user)  # the user's only business is GB; IE is served by the same data centre
    consent = get_authorize(client, auth_query(party.app, country="IE"))
    params = callback_params(decide(client, consent, "allow"))
    assert params["country"] == "IE" and params["code"].startswith("IE/")


@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
def test_decision_without_valid_csrf_is_refused(client: TestClient, party: Party, csrf: str | None) -> None:
    login(client, party.user)
    consent = get_authorize(client, auth_query(party.app))
    fields = {k: v for k, v in hidden_fields(consent.text).items() if k != "csrf"}
    if csrf is not None:
        fields["csrf"] = csrf
    response = client.post(AUTHORIZE, data={**fields, "decision": "allow"}, follow_redirects=False)
    assert response.status_code == 403
    assert "location" not in response.headers
    assert "Form expired" in response.text


def test_decision_when_logged_out_goes_to_login(client: TestClient, party: Party) -> None:
    client.get("/login")
    response = client.post(AUTHORIZE, data={**auth_query(party.app), "csrf": client.cookies["ledgerd_csrf"],
                                            "decision": "allow"}, follow_redirects=False)
    assert response.status_code == 303 and urlsplit(response.headers["location"]).path == "/login"


def test_decision_without_country_is_invalid_request(client: TestClient, party: Party) -> None:
    login(client, party.user)
    response = client.post(AUTHORIZE, data={**auth_query(party.app, country=None),
                                            "csrf": client.cookies["ledgerd_csrf"], "decision": "allow"},
                           follow_redirects=False)
    params = callback_params(response)
    assert params["error"] == "invalid_request" and params["state"] == STATE


def test_country_of_another_data_centre_is_refused(client: TestClient, party: Party) -> None:
    login(client, party.user)
    params = callback_params(get_authorize(client, auth_query(party.app, country="CA")))
    assert params["error"] == "invalid_request" and params["state"] == STATE
    assert "CA" in params["error_description"]
    # The consent form cannot be replayed with the other country either.
    consent = get_authorize(client, auth_query(party.app))
    forged = {**hidden_fields(consent.text), "country": "CA", "decision": "allow"}
    params = callback_params(client.post(AUTHORIZE, data=forged, follow_redirects=False))
    assert params["error"] == "invalid_request" and "code" not in params


def test_consent_post_revalidates_the_request(client: TestClient, party: Party) -> None:
    login(client, party.user)
    consent = get_authorize(client, auth_query(party.app))
    forged = {**hidden_fields(consent.text), "redirect_uri": "https://evil.example/cb", "decision": "allow"}
    response = client.post(AUTHORIZE, data=forged, follow_redirects=False)
    assert response.status_code == 400 and "location" not in response.headers


# ---- the token endpoint: authorization code -------------------------------------------------------------

TOKEN_FIELDS = ["access_token", "scope", "token_type", "expires_in", "refresh_token", "refresh_token_expires_in",
                "requested_by_id"]


@pytest.mark.parametrize("path", ["/token", "/oauth2/token"])
def test_code_exchange_with_credentials_in_body(client: TestClient, party: Party, path: str) -> None:
    code = authorize(client, party)
    response = token_request(client, {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                                      "client_id": party.app.client_id, "client_secret": party.secret}, path)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    assert response.headers["content-type"].startswith("application/json")
    token = response.json()
    assert list(token) == TOKEN_FIELDS
    assert token["scope"] == "full_access" and token["token_type"] == "bearer"
    assert token["expires_in"] == 300 and token["refresh_token_expires_in"] == 2678400
    header = jwt.get_unverified_header(token["access_token"])
    assert header["alg"] == "RS512" and header["kid"]
    assert whoami(client, token["access_token"]).json()["email"] == party.user.email


def test_code_exchange_with_http_basic(client: TestClient, party: Party) -> None:
    code = authorize(client, party)
    response = token_request(client, {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
                             auth=(party.app.client_id, party.secret))
    assert response.status_code == 200, response.text
    assert whoami(client, response.json()["access_token"]).status_code == 200


def test_wrong_secret_in_body_is_invalid_client_400(client: TestClient, party: Party) -> None:
    code = authorize(client, party)
    oauth_error(exchange(client, party, code, client_secret="wrong"), 400, "invalid_client")
    # A failed client authentication does not use up the code.
    assert exchange(client, party, code).status_code == 200


@pytest.mark.parametrize("overrides", [{"client_secret": None}, {"client_id": "nobody"},
                                       {"client_id": None, "client_secret": None}])
def test_missing_or_unknown_client_is_invalid_client(client: TestClient, party: Party,
                                                     overrides: dict[str, str | None]) -> None:
    response = exchange(client, party, "GB/whatever", **overrides)
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


def test_wrong_secret_via_basic_is_invalid_client_401(client: TestClient, party: Party) -> None:
    code = authorize(client, party)
    response = token_request(client, {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
                             auth=(party.app.client_id, "wrong"))
    oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


def test_code_is_single_use(client: TestClient, party: Party) -> None:
    code = authorize(client, party)
    assert exchange(client, party, code).status_code == 200
    oauth_error(exchange(client, party, code), 400, "invalid_grant")


def test_replayed_code_revokes_the_tokens_it_issued(client: TestClient, party: Party, clock: Clock) -> None:
    clock.freeze()
    code = authorize(client, party)
    tokens = exchange(client, party, code).json()
    renewed = refresh(client, party, tokens["refresh_token"]).json()  # rotation keeps the family
    assert whoami(client, renewed["access_token"]).status_code == 200
    clock.advance(timedelta(minutes=10))  # long expired, still remembered
    replay = exchange(client, party, code)
    oauth_error(replay, 400, "invalid_grant")
    assert "revoked" in replay.json()["error_description"]
    assert whoami(client, renewed["access_token"]).status_code == 401
    oauth_error(refresh(client, party, renewed["refresh_token"]), 400, "invalid_grant")


def test_replay_touches_no_other_authorization(client: TestClient, party: Party) -> None:
    login(client, party.user)
    replayed, kept = authorize(client, party, login_first=False), authorize(client, party, login_first=False)
    first, other = exchange(client, party, replayed).json(), exchange(client, party, kept).json()
    oauth_error(exchange(client, party, replayed), 400, "invalid_grant")
    assert whoami(client, first["access_token"]).status_code == 401
    assert whoami(client, other["access_token"]).status_code == 200


def test_a_failed_exchange_burns_the_code(client: TestClient, party: Party) -> None:
    verifier = secrets.token_urlsafe(48)
    code = authorize(client, party, code_challenge=s256(verifier), code_challenge_method="S256")
    oauth_error(exchange(client, party, code, code_verifier=secrets.token_urlsafe(48)), 400, "invalid_grant")
    oauth_error(exchange(client, party, code, code_verifier=verifier), 400, "invalid_grant")


def test_racing_exchanges_of_one_code_end_revoked(client: TestClient, party: Party) -> None:
    code = authorize(client, party)
    barrier = threading.Barrier(2)

    def run() -> Response:
        barrier.wait()
        return exchange(client, party, code)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: run(), range(2)))
    assert sorted(a.status_code for a in answers) == [200, 400]
    winner = next(a for a in answers if a.status_code == 200).json()
    # Whichever came second was a replay: the first one's tokens no longer work.
    assert whoami(client, winner["access_token"]).status_code == 401


def test_codes_are_forgotten_a_day_after_they_expire(client: TestClient, party: Party, factory: Factory,
                                                     clock: Clock) -> None:
    clock.freeze()
    old = authorize(client, party)
    clock.advance(timedelta(days=1, seconds=61))
    authorize(client, party)  # signed in again: a browser session lasts 12 hours
    stored = factory.tx(lambda db: set(db.scalars(select(AuthorizationCode.code_hash)
                                                  .where(AuthorizationCode.app_id == party.app.id))))
    assert hash_secret(old) not in stored and len(stored) == 1
    oauth_error(exchange(client, party, old), 400, "invalid_grant")


@pytest.mark.parametrize("code", ["GB/not-a-code", "", "GB%2Fabc"])
def test_unknown_code_is_invalid_grant(client: TestClient, party: Party, code: str) -> None:
    response = exchange(client, party, code)
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_grant", "invalid_request")
    if code:
        assert response.json()["error"] == "invalid_grant"


def test_code_expires_after_60_seconds(client: TestClient, party: Party, clock: Clock) -> None:
    clock.freeze()
    code = authorize(client, party)
    clock.advance(timedelta(seconds=61))
    oauth_error(exchange(client, party, code), 400, "invalid_grant")


def test_code_is_valid_at_59_seconds(client: TestClient, party: Party, clock: Clock) -> None:
    clock.freeze()
    code = authorize(client, party)
    clock.advance(timedelta(seconds=59))
    assert exchange(client, party, code).status_code == 200


@pytest.mark.parametrize("redirect_uri", [OTHER_CALLBACK, "http://localhost:8080/Callback", None])
def test_redirect_uri_must_match_the_authorization_request(client: TestClient, party: Party,
                                                           redirect_uri: str | None) -> None:
    code = authorize(client, party)
    response = exchange(client, party, code, redirect_uri=redirect_uri)
    oauth_error(response, 400, "invalid_grant")


def test_code_issued_for_the_other_callback_exchanges_with_it(client: TestClient, party: Party) -> None:
    login(client, party.user)
    code = authorize(client, party, login_first=False, redirect_uri=OTHER_CALLBACK)
    oauth_error(exchange(client, party, code), 400, "invalid_grant")
    code = authorize(client, party, login_first=False, redirect_uri=OTHER_CALLBACK)
    assert exchange(client, party, code, redirect_uri=OTHER_CALLBACK).status_code == 200


def test_code_of_another_client_is_invalid_grant(client: TestClient, party: Party, factory: Factory) -> None:
    code = authorize(client, party)
    app2, secret2 = factory.app(party.user, [CALLBACK])
    response = exchange(client, party, code, client_id=app2.client_id, client_secret=secret2)
    oauth_error(response, 400, "invalid_grant")
    assert exchange(client, party, code).status_code == 200  # the real client can still use it


# Each attempt gets its own code: whether a failed exchange burns the code is left open here.

def test_pkce_s256(client: TestClient, party: Party) -> None:
    verifier = secrets.token_urlsafe(48)
    login(client, party.user)
    for wrong in (secrets.token_urlsafe(48), s256(verifier)):
        code = authorize(client, party, login_first=False, code_challenge=s256(verifier),
                         code_challenge_method="S256")
        oauth_error(exchange(client, party, code, code_verifier=wrong), 400, "invalid_grant")
    code = authorize(client, party, login_first=False, code_challenge=s256(verifier), code_challenge_method="S256")
    response = exchange(client, party, code, code_verifier=verifier)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("method", ["plain", None, "s256"])  # plain is the default method; names are exact
def test_pkce_plain_is_refused(client: TestClient, party: Party, method: str | None) -> None:
    login(client, party.user)
    response = get_authorize(client, auth_query(party.app, code_challenge=secrets.token_urlsafe(48),
                                                code_challenge_method=method))
    params = callback_params(response)
    assert (params["error"], params["state"]) == ("invalid_request", STATE)
    assert "S256" in params["error_description"]


def test_pkce_verifier_without_a_challenge_is_refused(client: TestClient, party: Party) -> None:
    # RFC 9700 §4.8: a code issued without PKCE cannot be redeemed as if it had been (downgrade).
    code = authorize(client, party)
    oauth_error(exchange(client, party, code, code_verifier=secrets.token_urlsafe(48)), 400, "invalid_request")


def test_pkce_missing_verifier_is_invalid_request(client: TestClient, party: Party) -> None:
    verifier = secrets.token_urlsafe(48)
    code = authorize(client, party, code_challenge=s256(verifier), code_challenge_method="S256")
    oauth_error(exchange(client, party, code), 400, "invalid_request")


@pytest.mark.parametrize("grant_type", ["password", "client_credentials", "implicit", "urn:ietf:params:oauth:x"])
def test_other_grant_types_are_unsupported(client: TestClient, party: Party, grant_type: str) -> None:
    response = token_request(client, {"grant_type": grant_type, "username": party.user.email,
                                      "password": PASSWORD, "client_id": party.app.client_id,
                                      "client_secret": party.secret})
    oauth_error(response, 400, "unsupported_grant_type")


def test_missing_grant_type_is_an_error(client: TestClient, party: Party) -> None:
    response = token_request(client, {"client_id": party.app.client_id, "client_secret": party.secret})
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_request", "unsupported_grant_type")


@pytest.mark.parametrize("path", ["/token", "/oauth2/token"])
def test_code_exchange_and_refresh_with_a_json_body(client: TestClient, party: Party, path: str) -> None:
    """Sage's token endpoint takes JSON too, and integrations send it so (issue: a real client could not log in)."""
    code = authorize(client, party)
    response = client.post(path, json={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                                       "client_id": party.app.client_id, "client_secret": party.secret})
    assert response.status_code == 200, response.text
    token = response.json()
    assert list(token) == TOKEN_FIELDS
    assert whoami(client, token["access_token"]).status_code == 200
    again = client.post(path, json={"grant_type": "refresh_token", "refresh_token": token["refresh_token"],
                                    "client_id": party.app.client_id, "client_secret": party.secret})
    assert again.status_code == 200, again.text
    assert whoami(client, again.json()["access_token"]).status_code == 200


@pytest.mark.parametrize("body", [
    b"[1, 2]", b'"grant_type"', b"{not json", b'{"grant_type": {"nested": 1}}', b'{"grant_type": ["a"]}',
    b'{"grant_type": null}', b'{"grant_type": true}', rb'{"grant_type": "refresh_token\u0000"}',
    rb'{"grant\u0001type": "refresh_token"}'])
def test_a_json_body_that_is_not_an_object_of_strings_is_invalid_request(client: TestClient, body: bytes) -> None:
    response = client.post("/token", content=body, headers={"content-type": "application/json"})
    oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize("media", ["text/plain", "multipart/form-data; boundary=x", "application/xml"])
def test_other_bodies_are_invalid_request(client: TestClient, party: Party, media: str) -> None:
    code = authorize(client, party)
    response = client.post("/token", content=b"grant_type=authorization_code", headers={"content-type": media})
    oauth_error(response, 400, "invalid_request")
    assert "application/json" in response.json()["error_description"]
    assert exchange(client, party, code).status_code == 200


def test_oversized_body_is_refused(client: TestClient, party: Party) -> None:
    response = token_request(client, {"grant_type": "refresh_token", "refresh_token": "x" * 70_000,
                                      "client_id": party.app.client_id, "client_secret": party.secret})
    assert response.status_code == 413 and response.json()["error"] == "invalid_request"


def test_get_on_token_endpoint_is_not_allowed(client: TestClient) -> None:
    assert client.get("/token").status_code == 405


# ---- refresh -------------------------------------------------------------------------------------------

def test_refresh_rotation_and_reuse_kills_the_family(client: TestClient, party: Party) -> None:
    first = exchange(client, party, authorize(client, party)).json()
    second_response = refresh(client, party, first["refresh_token"])
    assert second_response.status_code == 200, second_response.text
    assert second_response.headers["cache-control"] == "no-store"
    second = second_response.json()
    assert list(second) == TOKEN_FIELDS
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert whoami(client, second["access_token"]).status_code == 200

    # Replaying the superseded refresh token is refused and ends the whole authorization.
    oauth_error(refresh(client, party, first["refresh_token"]), 400, "invalid_grant")
    revoked = refresh(client, party, second["refresh_token"])
    oauth_error(revoked, 400, "invalid_grant")
    assert "was revoked" in revoked.json()["error_description"]
    assert whoami(client, second["access_token"]).status_code == 401
    assert whoami(client, first["access_token"]).status_code == 401


def test_reuse_does_not_touch_other_authorizations(client: TestClient, party: Party, factory: Factory) -> None:
    a = factory.token(party.user, party.app)
    b = factory.token(party.user, party.app)
    assert refresh(client, party, a["refresh_token"]).status_code == 200
    oauth_error(refresh(client, party, a["refresh_token"]), 400, "invalid_grant")
    assert whoami(client, b["access_token"]).status_code == 200
    assert refresh(client, party, b["refresh_token"]).status_code == 200


def test_refresh_token_expires_after_its_ttl(client: TestClient, party: Party, factory: Factory,
                                             clock: Clock) -> None:
    clock.freeze()
    early = factory.token(party.user, party.app)
    late = factory.token(party.user, party.app)
    ttl = early["refresh_token_expires_in"]
    assert ttl == 31 * 24 * 3600
    clock.advance(timedelta(seconds=ttl - 60))
    assert whoami(client, early["access_token"]).status_code == 401  # access tokens last five minutes
    renewed = refresh(client, party, early["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    clock.advance(timedelta(seconds=60))
    expired = refresh(client, party, late["refresh_token"])
    oauth_error(expired, 400, "invalid_grant")
    assert expired.json()["error_description"] == (
        "The refresh token has expired. Ask the user to authorize the app again.")
    # The renewed token got a fresh 31 days.
    clock.advance(timedelta(days=30))
    assert refresh(client, party, renewed.json()["refresh_token"]).status_code == 200


def test_access_token_expires_after_five_minutes(client: TestClient, party: Party, factory: Factory,
                                                 clock: Clock) -> None:
    clock.freeze()
    token = factory.token(party.user, party.app)
    clock.advance(timedelta(seconds=299))
    assert whoami(client, token["access_token"]).status_code == 200
    clock.advance(timedelta(seconds=1))
    assert whoami(client, token["access_token"]).status_code == 401


def test_refresh_with_another_clients_credentials(client: TestClient, party: Party, factory: Factory) -> None:
    token = factory.token(party.user, party.app)
    app2, secret2 = factory.app(party.user)
    response = refresh(client, party, token["refresh_token"], client_id=app2.client_id, client_secret=secret2)
    oauth_error(response, 400, "invalid_grant")
    # Someone else's attempt does not burn the rightful client's authorization.
    assert refresh(client, party, token["refresh_token"]).status_code == 200


def test_refresh_with_wrong_secret_is_invalid_client(client: TestClient, party: Party, factory: Factory) -> None:
    token = factory.token(party.user, party.app)
    oauth_error(refresh(client, party, token["refresh_token"], client_secret="wrong"), 400, "invalid_client")
    assert refresh(client, party, token["refresh_token"]).status_code == 200


@pytest.mark.parametrize("bad", ["not-a-jwt", "a.b.c"])
def test_garbage_refresh_token_is_invalid_grant(client: TestClient, party: Party, bad: str) -> None:
    oauth_error(refresh(client, party, bad), 400, "invalid_grant")


def test_access_token_is_not_a_refresh_token(client: TestClient, party: Party, factory: Factory) -> None:
    token = factory.token(party.user, party.app)
    oauth_error(refresh(client, party, token["access_token"]), 400, "invalid_grant")
    assert refresh(client, party, token["refresh_token"]).status_code == 200


def test_refresh_keeps_the_scope(client: TestClient, party: Party) -> None:
    code = authorize(client, party, scope="readonly")
    first = exchange(client, party, code).json()
    assert first["scope"] == "readonly"
    second = refresh(client, party, first["refresh_token"]).json()
    assert second["scope"] == "readonly"
    claims = jwt.decode(second["access_token"], options={"verify_signature": False})
    assert claims["scope"] == "readonly"
    # A readonly authorization cannot be widened at refresh time.
    widened = refresh(client, party, second["refresh_token"], scope="full_access")
    oauth_error(widened, 400, "invalid_scope")
    assert refresh(client, party, second["refresh_token"]).json()["scope"] == "readonly"


# ---- revocation ----------------------------------------------------------------------------------------

def revoke(client: TestClient, party: Party, token: str | None, **overrides: str | None) -> Response:
    return token_request(client, {"token": token, "client_id": party.app.client_id, "client_secret": party.secret,
                                  **overrides}, "/revoke")


def test_revoke_refresh_token(client: TestClient, party: Party, factory: Factory) -> None:
    token = factory.token(party.user, party.app)
    response = revoke(client, party, token["refresh_token"])
    assert response.status_code == 200
    assert response.json() == {"success": "ok"}
    assert response.headers["cache-control"] == "no-store"
    oauth_error(refresh(client, party, token["refresh_token"]), 400, "invalid_grant")
    assert whoami(client, token["access_token"]).status_code == 401
    # Revoking again is harmless.
    assert revoke(client, party, token["refresh_token"]).json() == {"success": "ok"}


@pytest.mark.parametrize("path", ["/revoke", "/oauth2/revoke"])
def test_revoke_with_a_json_body(client: TestClient, party: Party, factory: Factory, path: str) -> None:
    token = factory.token(party.user, party.app)
    response = client.post(path, json={"token": token["refresh_token"], "client_id": party.app.client_id,
                                       "client_secret": party.secret})
    assert response.status_code == 200 and response.json() == {"success": "ok"}
    oauth_error(refresh(client, party, token["refresh_token"]), 400, "invalid_grant")
    assert whoami(client, token["access_token"]).status_code == 401


def test_revoke_with_http_basic(client: TestClient, party: Party, factory: Factory) -> None:
    token = factory.token(party.user, party.app)
    response = token_request(client, {"token": token["refresh_token"]}, "/revoke",
                             auth=(party.app.client_id, party.secret))
    assert response.status_code == 200 and response.json() == {"success": "ok"}
    oauth_error(refresh(client, party, token["refresh_token"]), 400, "invalid_grant")


def test_revoke_with_wrong_secret_is_invalid_client(client: TestClient, party: Party, factory: Factory) -> None:
    token = factory.token(party.user, party.app)
    response = revoke(client, party, token["refresh_token"], client_secret="wrong")
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"
    # Nothing was revoked.
    assert refresh(client, party, token["refresh_token"]).status_code == 200


@pytest.mark.parametrize("token", ["unknown", "a.b.c", ""])
def test_revoke_unknown_token_is_still_ok(client: TestClient, party: Party, token: str) -> None:
    response = revoke(client, party, token)
    assert response.status_code == 200 and response.json() == {"success": "ok"}


def test_revoke_without_token_is_invalid_request(client: TestClient, party: Party) -> None:
    oauth_error(revoke(client, party, None), 400, "invalid_request")


def test_revoke_another_clients_token_does_not_revoke_it(client: TestClient, party: Party,
                                                         factory: Factory) -> None:
    token = factory.token(party.user, party.app)
    app2, secret2 = factory.app(party.user)
    response = revoke(client, party, token["refresh_token"], client_id=app2.client_id, client_secret=secret2)
    assert response.status_code in (200, 400)
    assert refresh(client, party, token["refresh_token"]).status_code == 200
    assert whoami(client, token["access_token"]).status_code == 200


# ---- discovery -----------------------------------------------------------------------------------------

def test_authorization_server_metadata(client: TestClient) -> None:
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    meta = response.json()
    base = "http://testserver"
    assert meta["issuer"] == base
    assert meta["authorization_endpoint"] == f"{base}/oauth2/auth/central"
    assert meta["token_endpoint"] == f"{base}/token"
    assert meta["revocation_endpoint"] == f"{base}/revoke"
    assert meta["jwks_uri"] == f"{base}/.well-known/jwks.json"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["response_types_supported"] == ["code"]
    assert sorted(meta["grant_types_supported"]) == ["authorization_code", "refresh_token"]
    assert sorted(meta["scopes_supported"]) == ["full_access", "readonly"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {"client_secret_post", "client_secret_basic"}


def test_jwks_verifies_issued_tokens(client: TestClient, party: Party, factory: Factory) -> None:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "RSA" and key["alg"] == "RS512" and key["use"] == "sig"
        assert key["kid"] and key["n"] and key["e"]
        assert "d" not in key and "p" not in key  # no private parts
    by_kid = {k["kid"]: k for k in keys}
    token = factory.token(party.user, party.app)
    for name, audience in (("access_token", "http://testserver/v3.1"), ("refresh_token", "http://testserver/token")):
        header = jwt.get_unverified_header(token[name])
        assert header["alg"] == "RS512" and header["kid"] in by_kid
        claims = jwt.decode(token[name], jwt.PyJWK(by_kid[header["kid"]]).key, algorithms=["RS512"],
                            audience=audience, issuer="http://testserver")
        assert claims["azp"] == party.app.client_id and claims["country"] == "gb"


def test_metadata_authorization_endpoint_serves_the_flow(client: TestClient, party: Party) -> None:
    endpoint = client.get("/.well-known/oauth-authorization-server").json()["authorization_endpoint"]
    query = urlencode(auth_query(party.app, country=None))
    response = client.get(f"{urlsplit(endpoint).path}?{query}", follow_redirects=False)
    assert response.status_code == 200 and "data-country" in response.text


# ---- issuer and audience ---------------------------------------------------------------------------------

GRANT = Grant(family_id="f" * 32, user_id="u" * 32, user_subject="s", client_id="c", scope="full_access",
              country="GB")


def test_a_pinned_public_url_accepts_only_tokens_that_name_it(runtime: Runtime, clock: Clock) -> None:
    pinned = runtime.tokens
    assert pinned.pinned == "http://testserver"
    ours = pinned.issue(GRANT, at="http://elsewhere:9000")  # pinned: `at` is not the issuer
    assert jwt.decode(ours["access_token"], options={"verify_signature": False})["iss"] == "http://testserver"
    assert pinned.verify_access(ours["access_token"])["sub"] == GRANT.user_id
    unpinned = Tokens(Settings(env="test", port=9000), runtime.keys, clock)
    minted = unpinned.issue(GRANT, at="http://elsewhere:9000")
    with pytest.raises(TokenInvalid, match="invalid"):
        pinned.verify_access(minted["access_token"])


def test_without_a_public_url_a_token_names_where_it_was_requested_and_works_anywhere(
        runtime: Runtime, clock: Clock) -> None:
    unpinned = Tokens(Settings(env="test", port=9000), runtime.keys, clock)
    assert unpinned.pinned is None
    at_host = unpinned.issue(GRANT, at="http://ledgerd.local:9000/")
    claims = jwt.decode(at_host["access_token"], options={"verify_signature": False, "verify_aud": False})
    assert (claims["iss"], claims["aud"]) == ("http://ledgerd.local:9000", "http://ledgerd.local:9000/v3.1")
    cli = unpinned.issue(GRANT)  # no request: the server's own address
    assert jwt.decode(cli["access_token"], options={"verify_signature": False})["iss"] == "http://127.0.0.1:9000"
    assert unpinned.verify_access(at_host["access_token"])["sub"] == GRANT.user_id
    assert unpinned.verify_access(cli["access_token"])["sub"] == GRANT.user_id
    assert unpinned.verify_refresh(at_host["refresh_token"])["fam"] == GRANT.family_id
    # The audience still tells the two kinds apart.
    with pytest.raises(TokenInvalid):
        unpinned.verify_access(at_host["refresh_token"])
    with pytest.raises(TokenInvalid):
        unpinned.verify_refresh(at_host["access_token"])


def test_metadata_names_the_pinned_url(client: TestClient) -> None:
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["issuer"] == "http://testserver"
    assert metadata["token_endpoint"] == "http://testserver/token"
