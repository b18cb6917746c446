"""PKCE values and the authorization URL, as RFC 7636 and Sage's documentation give them."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from ledgerd.client.oauth import Endpoints, OAuthClient, TokenSet, code_challenge, code_verifier


def test_rfc_7636_example() -> None:
    # RFC 7636, appendix B.
    verifier, challenge = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert code_challenge(verifier) == challenge


def test_verifiers_are_random_and_of_the_allowed_alphabet() -> None:
    verifiers = {code_verifier() for _ in range(20)}
    assert len(verifiers) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", v) for v in verifiers)


def test_sages_urls_by_default_and_one_base_for_ledgerd() -> None:
    sage = Endpoints()
    assert sage.authorize_url == "https://www.sageone.com/oauth2/auth/central"
    assert sage.token_url == "https://oauth.accounting.sage.com/token"
    assert sage.api_url == "https://api.accounting.sage.com/v3.1"
    local = Endpoints.under("http://127.0.0.1:8031/")
    assert (local.authorize_url, local.token_url, local.revoke_url, local.api_url) == (
        "http://127.0.0.1:8031/oauth2/auth/central", "http://127.0.0.1:8031/token", "http://127.0.0.1:8031/revoke",
        "http://127.0.0.1:8031/v3.1")


def test_the_authorization_url() -> None:
    oauth = OAuthClient("client-id/1", "secret", "https://myapp.example/callback")
    request = oauth.authorization_request(scope="readonly", country="CA", locale="fr-CA", state="s-1")
    url = urlsplit(request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://www.sageone.com/oauth2/auth/central"
    assert parse_qsl(url.query) == [
        ("filter", "apiv3.1"), ("response_type", "code"), ("client_id", "client-id/1"),
        ("redirect_uri", "https://myapp.example/callback"), ("scope", "readonly"), ("state", "s-1"),
        ("code_challenge", code_challenge(request.code_verifier)), ("code_challenge_method", "S256"),
        ("country", "CA"), ("locale", "fr-CA")]
    assert oauth.authorization_request().state != oauth.authorization_request().state


def test_token_response() -> None:
    tokens = TokenSet.from_response({
        "access_token": "a", "scope": "full_access", "token_type": "bearer", "expires_in": 300,
        "refresh_token": "r", "refresh_token_expires_in": 2678400, "requested_by_id": "u-1"}, obtained_at=10.0)
    assert (tokens.access_token, tokens.refresh_token, tokens.expires_in, tokens.refresh_token_expires_in,
            tokens.scope, tokens.requested_by_id, tokens.obtained_at) == (
        "a", "r", 300, 2678400, "full_access", "u-1", 10.0)
