"""`/token`, `/revoke`, the authorization URL and every page form under hostile input, on SQLite and PostgreSQL.

Each target gets its probes (NUL in each field on its own, and in the path where it has one) and `EXAMPLES`
generated requests: the valid fields of a real exchange (a registered app, its secret, a live refresh token,
the CSRF token of the browser's cookie), each kept, replaced by a hostile percent-encoded value (bytes that
are not UTF-8 included) or left out, sometimes with client credentials in a Basic header. /token and /revoke
also take JSON objects: their JSON targets replace fields with any hostile JSON value (nested, null, broken
strings, lone surrogates). No answer may be a
5xx; /token and /revoke answer RFC 6749 errors, everything else an HTML page or a redirect.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import strategies as st
from starlette.testclient import TestClient

from ledgerd.app import create_app
from ledgerd.runtime import Runtime
from tests.fuzz.tally import Check, Tally, oauth_error, page_error
from tests.fuzz.values import Raw, anything, encode, form, texts, url_values
from tests.support.factories import PASSWORD, Factory

PUBLIC_URL = "http://testserver"
CALLBACK = "http://localhost:8080/callback"
VERIFIER = "v" * 43
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Case:
    fields: tuple[tuple[str, Any], ...]  # name, percent-encoded value (a JSON value for a JSON target)
    path: str | None = None  # the path parameter, percent-encoded, where the target has one
    basic: tuple[str, str] | None = None  # client id and secret for an Authorization: Basic header

    def __repr__(self) -> str:
        return f"path={self.path!r} fields={self.fields!r:.500} basic={self.basic!r:.200}"


@dataclass(frozen=True)
class Target:
    method: str
    path: str  # with {id} where the case's path goes
    valid: dict[str, str]  # plain values
    client: TestClient
    check: Check
    in_query: bool = False
    key: str | None = None  # a valid path parameter
    note: str = ""
    json: bool = False  # the body is a JSON object instead of a form

    @property
    def label(self) -> str:
        note = ", ".join(part for part in (self.note, "JSON" if self.json else "") if part)
        return f"{self.method} {self.path}" + (f" ({note})" if note else "")


def _encoded(valid: dict[str, str]) -> dict[str, str]:
    return {name: quote(value, safe="") for name, value in valid.items()}


def cases(target: Target) -> st.SearchStrategy[Case]:
    good: dict[str, Any] = dict(target.valid) if target.json else _encoded(target.valid)
    hostile = anything() if target.json else url_values()
    per_field = [st.one_of(st.just((name, value)), st.just((name, value)), st.tuples(st.just(name), hostile),
                           st.none()) for name, value in good.items()]
    extra = st.lists(st.tuples(st.sampled_from([*good, "x"]), hostile), max_size=1)
    fields = st.tuples(st.tuples(*per_field), extra).map(
        lambda parts: tuple(item for item in parts[0] if item is not None) + tuple(parts[1]))
    path = st.one_of(st.just(target.key), url_values()) if target.key is not None else st.none()
    basic = st.one_of(st.none(), st.none(), st.tuples(texts(256), texts(256))) if target.check is oauth_error \
        else st.none()
    return st.builds(Case, fields, path, basic)


def probes(target: Target) -> list[Case]:
    good: dict[str, Any] = dict(target.valid) if target.json else _encoded(target.valid)
    nul = Raw(b'"a\\u0000b"') if target.json else "a%00b"
    out = [Case(tuple({**good, name: nul}.items()), target.key) for name in good]
    if target.key is not None:
        out.append(Case(tuple(good.items()), "a%00b"))
    if target.check is oauth_error:
        out += [Case(tuple(good.items()), None, ("a\x00b", "secret")), Case(tuple(good.items()), None, ("\xe9", ""))]
    return out


def send(target: Target, case: Case) -> Any:
    path = target.path.replace("{id}", case.path or "") if "{id}" in target.path else target.path
    headers = {"Content-Type": "application/json"} if target.json else dict(FORM)
    if case.basic is not None:
        pair = f"{case.basic[0]}:{case.basic[1]}".encode("utf-8", "surrogatepass")
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    if target.in_query:
        query = "&".join(f"{quote(name, safe='')}={value}" for name, value in case.fields)
        return target.client.request(target.method, f"{path}?{query}", follow_redirects=False)
    body = encode(dict(case.fields)) if target.json else form(dict(case.fields))
    return target.client.request(target.method, path, content=body, headers=headers, follow_redirects=False)


def _csrf(client: TestClient) -> str:
    assert client.get("/login").status_code == 200
    return client.cookies["ledgerd_csrf"]


def _registered(client: TestClient) -> tuple[str, str, str]:
    """An app the logged-in client registers: its page, client id and secret."""
    page = client.post("/developer/apps", data={"csrf": _csrf(client), "name": "Fuzz App", "redirect_uris": CALLBACK},
                       follow_redirects=False)
    assert page.status_code == 201, page.text
    href = re.search(r'action="/developer/apps/([^"/]+)/secret"', page.text)
    client_id = re.search(r'<code id="client-id"[^>]*>([^<]+)</code>', page.text)
    secret = re.search(r'<code id="client-secret"[^>]*>([^<]+)</code>', page.text)
    assert href and client_id and secret
    return href.group(1), client_id.group(1), secret.group(1)


def targets(runtime: Runtime, anonymous: TestClient, member: TestClient) -> list[Target]:
    factory = Factory(runtime)
    user = factory.user()
    factory.business(user)
    assert member.post("/login", data={"csrf": _csrf(member), "email": user.email, "password": PASSWORD,
                                       "next": "/developer"}, follow_redirects=False).status_code == 303
    app_id, client_id, secret = _registered(member)
    refresh: Callable[[], str] = lambda: factory.token(user)["refresh_token"]  # noqa: E731
    anon_csrf, member_csrf = _csrf(anonymous), _csrf(member)
    authorize = {"client_id": client_id, "response_type": "code", "redirect_uri": CALLBACK, "scope": "full_access",
                 "state": "st", "country": "GB", "locale": "en-GB", "filter": "apiv3.1", "code_challenge": VERIFIER,
                 "code_challenge_method": "plain"}
    code = {"grant_type": "authorization_code", "code": "c" * 32, "redirect_uri": CALLBACK, "client_id": client_id,
            "client_secret": secret, "code_verifier": VERIFIER}
    signup = {"csrf": anon_csrf, "email": "fuzz@example.com", "password": PASSWORD, "first_name": "Fuzz",
              "last_name": "Tester", "business_name": "Fuzz Ltd", "country": "GB", "next": "/developer"}
    return [
        Target("POST", "/token", code, anonymous, oauth_error, note="code"),
        Target("POST", "/token", {"grant_type": "refresh_token", "refresh_token": refresh(), "client_id": client_id,
                                  "client_secret": secret, "scope": "full_access"}, anonymous, oauth_error,
               note="refresh"),
        Target("POST", "/oauth2/token", code, anonymous, oauth_error),
        Target("POST", "/token", code, anonymous, oauth_error, note="code", json=True),
        Target("POST", "/token", {"grant_type": "refresh_token", "refresh_token": refresh(), "client_id": client_id,
                                  "client_secret": secret}, anonymous, oauth_error, note="refresh", json=True),
        Target("POST", "/oauth2/revoke", {"token": refresh(), "client_id": client_id, "client_secret": secret},
               anonymous, oauth_error, json=True),
        Target("POST", "/revoke", {"token": refresh(), "token_type_hint": "refresh_token", "client_id": client_id,
                                   "client_secret": secret}, anonymous, oauth_error),
        Target("GET", "/oauth2/auth/central", authorize, anonymous, page_error, in_query=True, note="signed out"),
        Target("GET", "/oauth2/auth/central", authorize, member, page_error, in_query=True, note="signed in"),
        Target("GET", "/oauth2/auth", authorize, member, page_error, in_query=True),
        Target("POST", "/oauth2/auth/central", {**authorize, "decision": "allow", "csrf": member_csrf}, member,
               page_error),
        Target("GET", "/", {"locale": "en"}, anonymous, page_error, in_query=True),
        Target("GET", "/login", {"next": "/developer", "locale": "en-GB"}, anonymous, page_error, in_query=True),
        Target("POST", "/login", {"csrf": anon_csrf, "email": user.email, "password": "wrong password",
                                  "next": "/developer"}, anonymous, page_error),
        Target("GET", "/signup", {"next": "/oauth2/auth/central?country=GB"}, anonymous, page_error, in_query=True),
        Target("POST", "/signup", signup, anonymous, page_error),
        Target("POST", "/logout", {"csrf": anon_csrf}, anonymous, page_error),
        Target("GET", "/developer", {"locale": "en"}, member, page_error, in_query=True),
        Target("POST", "/developer/apps", {"csrf": member_csrf, "name": "Fuzzed", "redirect_uris": CALLBACK}, member,
               page_error),
        Target("GET", "/developer/apps/{id}", {"locale": "en"}, member, page_error, in_query=True, key=app_id),
        Target("POST", "/developer/apps/{id}/callbacks", {"csrf": member_csrf, "uri": "https://example.com/cb"},
               member, page_error, key=app_id),
        Target("POST", "/developer/apps/{id}/callbacks/delete", {"csrf": member_csrf, "uri": "https://example.com/cb"},
               member, page_error, key=app_id),
        Target("POST", "/developer/apps/{id}/secret", {"csrf": member_csrf}, member, page_error, key=app_id),
        Target("POST", f"/developer/apps/{app_id}/{{id}}", {"csrf": member_csrf}, member, page_error, key="secret",
               note="any action"),
        Target("POST", "/developer/apps/{id}/delete", {"csrf": member_csrf}, member, page_error, key=app_id),
    ]


def test_no_input_reaches_a_server_error(runtime: Runtime, backend: str, request: pytest.FixtureRequest) -> None:
    runtime.clock.reset()
    tally = Tally("oauth and pages")
    app = create_app(runtime=runtime)
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as anonymous, \
            TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as member:
        for target in targets(runtime, anonymous, member):
            tally.fuzz(target.label, cases(target), lambda case, target=target: send(target, case), target.check,
                       probes=probes(target), examples=30)
    tally.record(request, backend)
    assert not tally.problems, tally.verdict()
