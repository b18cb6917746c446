"""Every response refuses to be framed; pages carry a Content-Security-Policy that loads nothing from
elsewhere and allows only their own inline style, by a nonce made for that response."""

from __future__ import annotations

import re

import pytest
from httpx import Response
from starlette.testclient import TestClient

from ledgerd.http.headers import FALLBACK
from tests.support.factories import Factory
from tests.web.test_pages import logged_in


def _nonce(response: Response) -> str:
    policy = response.headers["content-security-policy"]
    match = re.fullmatch(r"default-src 'none'; style-src 'nonce-([A-Za-z0-9_-]{22})';"
                         r"( script-src 'nonce-\1'; connect-src 'self';)? base-uri 'none'; frame-ancestors 'none'",
                         policy)
    assert match, policy
    return match.group(1)


def _is_page(response: Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY"
    nonce = _nonce(response)
    # Every <style> carries the nonce; no inline style attribute or script is there to be allowed.
    assert set(re.findall(r"<style[^>]*>", response.text)) == {f'<style nonce="{nonce}">'}
    # A script only where the policy allows one (the documentation's search), with the nonce.
    scripts = set(re.findall(r"<script[^>]*>", response.text))
    assert scripts <= {f'<script nonce="{nonce}">'}
    assert bool(scripts) == ("script-src" in response.headers["content-security-policy"])
    assert " style=" not in response.text
    assert "http://" not in response.text.split("</style>")[0]  # nothing loaded from elsewhere


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/oauth2/auth/central?client_id=nobody",
                                  "/docs", "/docs/reference/contacts/getContacts", "/docs/search?q=x"])
def test_pages_send_their_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 400), response.text[:300]
    _is_page(response)
    assert _nonce(client.get(path)) != _nonce(response)  # a new nonce for every response


def test_signed_in_pages_and_error_pages_too(client: TestClient, factory: Factory) -> None:
    logged_in(client, factory)
    for response in (client.get("/developer"), client.get("/developer/apps/" + "0" * 32)):
        _is_page(response)
    refused = client.post("/login", data={"email": "x@example.com", "password": "x"}, follow_redirects=False)
    assert refused.status_code == 403
    _is_page(refused)
    unknown = client.get("/no/such/page")  # an unknown path outside the API is answered with a page
    assert unknown.status_code == 404
    _is_page(unknown)


@pytest.mark.parametrize(("method", "path"), [("GET", "/v3.1/user"), ("GET", "/v3.1/openapi.json"),
                                              ("POST", "/token"), ("GET", "/.well-known/jwks.json"),
                                              ("GET", "/developer")])
def test_every_other_response_is_locked_down(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, follow_redirects=False)
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["content-security-policy"] == FALLBACK
    assert len(response.headers.get_list("content-security-policy")) == 1
