"""The client's OAuth side against ledgerd in process: the authorization code flow with PKCE through the real
pages, code exchange, refresh with rotation, revocation."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from ledgerd.client.api import SageClient
from ledgerd.client.errors import OAuthError
from ledgerd.client.oauth import AuthorizationRequest, Endpoints, OAuthClient, code_challenge
from ledgerd.testing import pages
from tests.conftest import PUBLIC_URL
from tests.support.factories import PASSWORD, Factory

CALLBACK = "http://localhost:8080/callback"


def _oauth(client: TestClient, factory: Factory) -> tuple[OAuthClient, str]:
    user = factory.user()
    factory.business(user, name="Flow Ltd")
    app, secret = factory.app(user, [CALLBACK])
    return OAuthClient(app.client_id, secret, CALLBACK, endpoints=Endpoints.under(PUBLIC_URL), http=client), user.email


def test_code_flow_with_pkce_through_the_pages(client: TestClient, factory: Factory) -> None:
    oauth, email = _oauth(client, factory)
    request = oauth.authorization_request(country="GB")
    query = parse_qs(urlsplit(request.url).query)
    assert request.url.startswith(f"{PUBLIC_URL}/oauth2/auth/central?filter=apiv3.1&response_type=code")
    assert query["code_challenge"] == [code_challenge(request.code_verifier)]
    assert query["code_challenge_method"] == ["S256"] and query["state"] == [request.state]

    callback = pages.allow(client, request.url, email, PASSWORD)
    assert callback.startswith(CALLBACK) and parse_qs(urlsplit(callback).query)["code"][0].startswith("GB/")
    tokens = oauth.exchange(request, callback)
    assert tokens.expires_in == 300 and tokens.refresh_token_expires_in == 2678400 and tokens.scope == "full_access"
    assert SageClient(tokens, oauth).get("/user")["email"] == email

    # The code is single use.
    with pytest.raises(OAuthError) as reused:
        oauth.exchange(request, callback)
    assert reused.value.error == "invalid_grant" and reused.value.status == 400


def test_a_code_needs_its_own_verifier(client: TestClient, factory: Factory) -> None:
    oauth, email = _oauth(client, factory)
    request = oauth.authorization_request(country="GB")
    callback = pages.allow(client, request.url, email, PASSWORD)
    with pytest.raises(OAuthError) as refused:
        oauth.exchange(replace(request, code_verifier=oauth.authorization_request().code_verifier), callback)
    assert refused.value.error == "invalid_grant"


def test_a_callback_with_another_state_is_refused_before_any_exchange(client: TestClient, factory: Factory) -> None:
    oauth, email = _oauth(client, factory)
    request = oauth.authorization_request(country="GB")
    callback = pages.allow(client, request.url, email, PASSWORD)
    forged = AuthorizationRequest(request.url, "another-state", request.code_verifier, CALLBACK)
    with pytest.raises(OAuthError) as refused:
        oauth.exchange(forged, callback)
    assert refused.value.error == "invalid_state"
    assert oauth.exchange(request, callback).access_token  # the code was not spent


def test_a_denied_request_comes_back_as_its_error(client: TestClient, factory: Factory) -> None:
    oauth, _ = _oauth(client, factory)
    request = oauth.authorization_request(scope="everything", country="GB")
    callback = client.get(request.url, follow_redirects=False).headers["Location"]
    with pytest.raises(OAuthError) as refused:
        oauth.exchange(request, callback)
    assert refused.value.error == "invalid_scope"


def test_refresh_rotates_and_the_old_refresh_token_is_dead(client: TestClient, factory: Factory) -> None:
    oauth, email = _oauth(client, factory)
    request = oauth.authorization_request(country="GB")
    first = oauth.exchange(request, pages.allow(client, request.url, email, PASSWORD))
    second = oauth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token and second.access_token != first.access_token
    with pytest.raises(OAuthError) as reused:
        oauth.refresh(first.refresh_token)
    assert reused.value.error == "invalid_grant"


def test_revoke(client: TestClient, factory: Factory) -> None:
    oauth, email = _oauth(client, factory)
    request = oauth.authorization_request(country="GB")
    tokens = oauth.exchange(request, pages.allow(client, request.url, email, PASSWORD))
    oauth.revoke(tokens.refresh_token)
    with pytest.raises(OAuthError) as refused:
        oauth.refresh(tokens.refresh_token)
    assert refused.value.error == "invalid_grant"


def test_wrong_client_secret(client: TestClient, factory: Factory) -> None:
    oauth, email = _oauth(client, factory)
    request = oauth.authorization_request(country="GB")
    callback = pages.allow(client, request.url, email, PASSWORD)
    wrong = OAuthClient(oauth.client_id, "not-the-secret", CALLBACK, endpoints=oauth.endpoints, http=client)
    with pytest.raises(OAuthError) as refused:
        wrong.exchange(request, callback)
    assert refused.value.error == "invalid_client"
