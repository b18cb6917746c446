"""The whole authorization-code + PKCE dance with a real OAuth client library against a real server."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth2Session

from tests.support.live import LiveServer

CALLBACK = "http://localhost:8080/callback"
EMAIL, PASSWORD = "flow@example.com", "flow-password-1"


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _hidden(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, fresh_database: Any) -> Iterator[LiveServer]:
    live = LiveServer(fresh_database(request.param))
    yield live
    live.stop()


@pytest.fixture(autouse=True)
def _plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test server speaks plain HTTP on loopback; oauthlib refuses that unless told.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def _register(server: LiveServer) -> tuple[str, str, str]:
    """Sign up through the pages and register an app in the developer portal."""
    browser = requests.Session()
    page = browser.get(f"{server.url}/signup")
    email = f"{server.port}-{EMAIL}"
    response = browser.post(f"{server.url}/signup", data={
        "csrf": _csrf(page.text), "email": email, "password": PASSWORD, "first_name": "Flow",
        "last_name": "Tester", "business_name": "Flow Ltd", "country": "GB", "next": "/developer"})
    assert response.status_code == 200 and "Your apps" in response.text
    created = browser.post(f"{server.url}/developer/apps", data={
        "csrf": _csrf(response.text), "name": "Flow App", "redirect_uris": CALLBACK})
    assert created.status_code == 201
    client_id = re.search(r'<code id="client-id"[^>]*>([^<]+)</code>', created.text)
    secret = re.search(r'<code id="client-secret"[^>]*>([^<]+)</code>', created.text)
    assert client_id and secret
    return email, html.unescape(client_id.group(1)), html.unescape(secret.group(1))


def test_authorization_code_pkce_refresh_rotation(server: LiveServer) -> None:
    email, client_id, client_secret = _register(server)
    oauth = OAuth2Session(client_id, redirect_uri=CALLBACK, scope=["full_access"], pkce="S256")
    authorize_url, state = oauth.authorization_url(f"{server.url}/oauth2/auth/central", filter="apiv3.1")

    browser = requests.Session()
    country_page = browser.get(authorize_url)
    assert country_page.status_code == 200 and 'data-country="GB"' in country_page.text
    gb = re.search(r'<a href="([^"]+)" data-country="GB"', country_page.text)
    assert gb
    login_page = browser.get(server.url + gb.group(1).replace("&amp;", "&"))
    assert "/login" in login_page.url
    consent = browser.post(f"{server.url}/login", data={
        "csrf": _csrf(login_page.text), "email": email, "password": PASSWORD,
        "next": parse_qs(urlsplit(login_page.url).query)["next"][0]})
    assert consent.status_code == 200 and "Flow App" in consent.text
    decision = browser.post(server.url + urlsplit(consent.url).path,
                            data={**_hidden(consent.text), "decision": "allow"}, allow_redirects=False)
    assert decision.status_code == 302
    callback = decision.headers["Location"]
    params = parse_qs(urlsplit(callback).query)
    assert params["state"] == [state] and params["country"] == ["GB"] and params["code"][0].startswith("GB/")

    token = oauth.fetch_token(f"{server.url}/token", authorization_response=callback,
                              client_secret=client_secret, include_client_id=True)
    assert list(token)[:7] == ["access_token", "scope", "token_type", "expires_in", "refresh_token",
                               "refresh_token_expires_in", "requested_by_id"] or set(token) >= {
        "access_token", "refresh_token", "refresh_token_expires_in", "requested_by_id"}
    assert token["expires_in"] == 300 and token["refresh_token_expires_in"] == 2678400
    assert len(token["access_token"].encode()) <= 2048

    me = oauth.get(f"{server.url}/v3.1/user")
    assert me.status_code == 200 and me.json()["email"] == email

    old_refresh = token["refresh_token"]
    new = oauth.refresh_token(f"{server.url}/token", client_id=client_id, client_secret=client_secret)
    assert new["refresh_token"] != old_refresh
    assert oauth.get(f"{server.url}/v3.1/user").status_code == 200

    # Rotation: the superseded refresh token is refused, and its reuse ends the whole family.
    reused = requests.post(f"{server.url}/token", data={
        "grant_type": "refresh_token", "refresh_token": old_refresh, "client_id": client_id,
        "client_secret": client_secret})
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert oauth.get(f"{server.url}/v3.1/user").status_code == 401
    again = requests.post(f"{server.url}/token", data={
        "grant_type": "refresh_token", "refresh_token": new["refresh_token"], "client_id": client_id,
        "client_secret": client_secret})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
