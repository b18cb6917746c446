"""OAuth 2.0 as Sage does it: the authorization code flow with PKCE (S256), refresh with rotation, revocation.

`Endpoints()` are Sage's own URLs; `Endpoints.under(base)` are the same paths under one base URL, as ledgerd
serves them. Client credentials go in the form body, as Sage's documentation asks.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from ledgerd.client.errors import OAuthError, oauth_error_for

SAGE_AUTHORIZE_URL = "https://www.sageone.com/oauth2/auth/central"
SAGE_TOKEN_URL = "https://oauth.accounting.sage.com/token"
SAGE_REVOKE_URL = "https://oauth.accounting.sage.com/revoke"
SAGE_API_URL = "https://api.accounting.sage.com/v3.1"


@dataclass(frozen=True)
class Endpoints:
    """Where the authorization page, the token and revocation endpoints and the API are."""

    authorize_url: str = SAGE_AUTHORIZE_URL
    token_url: str = SAGE_TOKEN_URL
    revoke_url: str = SAGE_REVOKE_URL
    api_url: str = SAGE_API_URL

    @classmethod
    def under(cls, base_url: str) -> Endpoints:
        """Sage's paths under one base URL (`http://127.0.0.1:8031` for a local ledgerd)."""
        base = base_url.rstrip("/")
        return cls(f"{base}/oauth2/auth/central", f"{base}/token", f"{base}/revoke", f"{base}/v3.1")


@dataclass(frozen=True)
class TokenSet:
    """A token response; `obtained_at` is this machine's time when it arrived (seconds since the epoch)."""

    access_token: str
    refresh_token: str
    expires_in: int
    refresh_token_expires_in: int | None
    scope: str
    requested_by_id: str | None
    obtained_at: float
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_response(cls, body: dict[str, Any], obtained_at: float | None = None) -> TokenSet:
        expires = body.get("refresh_token_expires_in")
        return cls(access_token=str(body["access_token"]), refresh_token=str(body.get("refresh_token", "")),
                   expires_in=int(body.get("expires_in", 0)),
                   refresh_token_expires_in=int(expires) if expires is not None else None,
                   scope=str(body.get("scope", "")), requested_by_id=body.get("requested_by_id"),
                   obtained_at=time.time() if obtained_at is None else obtained_at, raw=body)


@dataclass(frozen=True)
class AuthorizationRequest:
    """One authorization attempt: the URL to send the user to, and what the callback is checked against."""

    url: str
    state: str
    code_verifier: str
    redirect_uri: str


def code_verifier() -> str:
    """A PKCE code verifier: 64 characters of the unreserved alphabet (RFC 7636 asks for 43 to 128)."""
    return secrets.token_urlsafe(48)


def code_challenge(verifier: str) -> str:
    """The S256 challenge of a verifier: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthClient:
    """An app's side of Sage's OAuth 2.0: build the authorization URL, exchange the code, refresh, revoke."""

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str, *,
                 endpoints: Endpoints | None = None, http: httpx.Client | None = None,
                 timeout: float = 30.0) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.endpoints = endpoints or Endpoints()
        self.http = http or httpx.Client(timeout=timeout)

    def authorization_request(self, *, scope: str = "full_access", country: str | None = None,
                              locale: str | None = None, state: str | None = None) -> AuthorizationRequest:
        """A new authorization URL with a random `state` and an S256 PKCE challenge. `country` skips the
        country page; without it Sage's `filter=apiv3.1` shows only the countries of API v3.1."""
        verifier = code_verifier()
        state = state or secrets.token_urlsafe(24)
        params = [("filter", "apiv3.1"), ("response_type", "code"), ("client_id", self.client_id),
                  ("redirect_uri", self.redirect_uri), ("scope", scope), ("state", state),
                  ("code_challenge", code_challenge(verifier)), ("code_challenge_method", "S256")]
        if country:
            params.append(("country", country))
        if locale:
            params.append(("locale", locale))
        return AuthorizationRequest(f"{self.endpoints.authorize_url}?{urlencode(params)}", state, verifier,
                                    self.redirect_uri)

    def exchange(self, request: AuthorizationRequest, callback_url: str) -> TokenSet:
        """The tokens for the callback URL the user came back to: its `state` must be the request's (else the
        callback is refused before any code is sent), an `error` on it is raised as `OAuthError`."""
        query = parse_qs(urlsplit(callback_url).query)

        def one(name: str) -> str | None:
            values = query.get(name)
            return values[0] if values else None

        if one("state") != request.state:
            raise OAuthError("invalid_state", "The callback's state is not the one this request sent.")
        error = one("error")
        if error:
            raise OAuthError(error, one("error_description") or one("reason") or "")
        code = one("code")
        if not code:
            raise OAuthError("invalid_request", "The callback carries no code.")
        return self.exchange_code(code, request.code_verifier, request.redirect_uri)

    def exchange_code(self, code: str, verifier: str | None = None, redirect_uri: str | None = None) -> TokenSet:
        """Exchange an authorization code (single use, valid 60 seconds at Sage) for a token pair."""
        form = {"client_id": self.client_id, "client_secret": self.client_secret, "code": code,
                "grant_type": "authorization_code", "redirect_uri": redirect_uri or self.redirect_uri}
        if verifier:
            form["code_verifier"] = verifier
        return self._token(form)

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new token pair for a refresh token. Sage rotates them: the old refresh token is dead from now on
        (using it again ends the whole family), so keep the new one."""
        return self._token({"client_id": self.client_id, "client_secret": self.client_secret,
                            "grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token (and its family); access tokens already issued live out their five minutes."""
        response = self.http.post(self.endpoints.revoke_url, headers={"Accept": "application/json"}, data={
            "client_id": self.client_id, "client_secret": self.client_secret, "token": refresh_token})
        if response.status_code != 200:
            raise oauth_error_for(response)

    def _token(self, form: dict[str, str]) -> TokenSet:
        response = self.http.post(self.endpoints.token_url, data=form, headers={"Accept": "application/json"})
        if response.status_code != 200:
            raise oauth_error_for(response)
        return TokenSet.from_response(response.json())
