"""The authorization request (`/oauth2/auth/central`): validation, country routing, code issue.

Errors that can be sent to the client's callback are redirects (`error=` and `state`); errors that
make the callback itself untrustworthy (unknown client, unregistered redirect_uri) are a page.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ledgerd.auth.models import App, AuthorizationCode
from ledgerd.auth.server import DEFAULT_SCOPE
from ledgerd.auth.tokens import SCOPES
from ledgerd.clock import Clock
from ledgerd.passwords import hash_secret
from ledgerd.regions import COUNTRIES, Country
from ledgerd.tenancy.models import Business, Membership, User

_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
# PKCE with S256 only: `plain` sends the verifier itself through the browser, so it protects nothing against
# whoever can read the authorization request (RFC 9700 §2.1.1). A challenge without a method means `plain`.
CHALLENGE_METHODS = ("S256",)
FILTERS = ("apiv3.1",)
# How long a code is remembered after it expires, so that a late replay still revokes what it issued.
CODES_KEPT_FOR = timedelta(days=1)
PARAMS = ("client_id", "response_type", "redirect_uri", "scope", "state", "country", "locale", "filter",
          "code_challenge", "code_challenge_method")


class PageError(Exception):
    """Shown to the user; the client's callback cannot be trusted with it."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title
        self.message = message


class RedirectError(Exception):
    """Sent to the client's callback as `?error=...&error_description=...&state=...`."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None) -> None:
        super().__init__(description)
        self.location = with_params(redirect_uri, [("error", error), ("error_description", description)]
                                    + ([("state", state)] if state is not None else []))


def with_params(uri: str, params: list[tuple[str, str]]) -> str:
    parts = urlsplit(uri)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@dataclass(frozen=True)
class AuthRequest:
    app: App
    redirect_uri: str
    scope: str
    state: str | None
    country: Country | None
    locale: str | None
    filter: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    params: tuple[tuple[str, str], ...]

    def fail(self, error: str, description: str) -> RedirectError:
        return RedirectError(self.redirect_uri, error, description, self.state)


def parse(db: Session, items: list[tuple[str, str]]) -> AuthRequest:
    """Validate an authorization request, raising PageError or RedirectError."""
    values: dict[str, list[str]] = {}
    for key, value in items:
        values.setdefault(key, []).append(value)
    one = {k: v[0] for k, v in values.items()}
    client_id = one.get("client_id", "")
    app = db.scalar(select(App).where(App.client_id == client_id)) if client_id else None
    if app is None:
        raise PageError("Unknown application",
                        "The client_id is missing or not registered (unauthorized_client).")
    redirect_uri = one.get("redirect_uri", "")
    if len(values.get("redirect_uri", [])) != 1 or redirect_uri not in app.callback_urls:
        raise PageError("Callback URL not registered",
                        "The redirect_uri is missing or does not exactly match one of the app's registered "
                        "callback URLs (they are case sensitive).")
    state = one.get("state")
    duplicated = [k for k in PARAMS if len(values.get(k, [])) > 1]
    if duplicated:
        raise RedirectError(redirect_uri, "invalid_request", f"Parameter {duplicated[0]} given more than once.",
                            state)
    response_type = one.get("response_type")
    if not response_type:
        raise RedirectError(redirect_uri, "invalid_request", "Missing response_type.", state)
    if response_type != "code":
        raise RedirectError(redirect_uri, "unsupported_response_type", "response_type must be 'code'.", state)
    scope = one.get("scope") or DEFAULT_SCOPE
    if scope not in SCOPES:
        raise RedirectError(redirect_uri, "invalid_scope", "scope must be 'full_access' or 'readonly'.", state)
    challenge, method = one.get("code_challenge"), one.get("code_challenge_method")
    if method and not challenge:
        raise RedirectError(redirect_uri, "invalid_request", "code_challenge_method without code_challenge.", state)
    if challenge:
        if method not in CHALLENGE_METHODS:
            raise RedirectError(redirect_uri, "invalid_request",
                                "code_challenge_method must be S256 (plain, the default, is not accepted).", state)
        if not _CHALLENGE.match(challenge):
            raise RedirectError(redirect_uri, "invalid_request",
                                "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~].", state)
    country = None
    if one.get("country"):
        country = COUNTRIES.get(one["country"].upper())
        if country is None:
            raise RedirectError(redirect_uri, "invalid_request",
                                f"country must be one of {', '.join(c.lower() for c in COUNTRIES)}.", state)
    return AuthRequest(app=app, redirect_uri=redirect_uri, scope=scope, state=state, country=country,
                       locale=one.get("locale"), filter=one.get("filter"), code_challenge=challenge,
                       code_challenge_method=method if challenge else None,
                       params=tuple((k, one[k]) for k in PARAMS if k in one))


def check_data_centre(db: Session, request: AuthRequest, user: User) -> None:
    """As at Sage, the chosen country must be served by the data centre that holds the user's books."""
    assert request.country is not None
    countries = set(db.scalars(select(Business.country_id).join(Membership, Membership.business_id == Business.id)
                               .where(Membership.user_id == user.id)).all())
    if countries and not any(COUNTRIES[c].data_centre == request.country.data_centre for c in countries):
        raise request.fail("invalid_request",
                           f"The selected country ({request.country.id}) does not match the region of the "
                           "user's businesses; choose the business's country.")


def issue_code(db: Session, clock: Clock, ttl: int, request: AuthRequest, user: User) -> str:
    """Store a single-use code and return the callback URL carrying it (`code=GB/...&country=GB`)."""
    assert request.country is not None
    _forget_old_codes(db, clock)
    code = f"{request.country.id}/{secrets.token_urlsafe(32)}"
    db.add(AuthorizationCode(code_hash=hash_secret(code), app_id=request.app.id, user_id=user.id,
                             redirect_uri=request.redirect_uri, scope=request.scope, country=request.country.id,
                             code_challenge=request.code_challenge,
                             code_challenge_method=request.code_challenge_method,
                             expires_at=clock.now() + timedelta(seconds=ttl)))
    db.flush()
    params = [("code", code), ("country", request.country.id)]
    if request.state is not None:
        params.append(("state", request.state))
    return with_params(request.redirect_uri, params)


def _forget_old_codes(db: Session, clock: Clock) -> None:
    """Delete codes that expired over CODES_KEPT_FOR ago. Rows another transaction holds are skipped (on
    PostgreSQL; SQLite writers are serial), so concurrent consents never wait on each other here."""
    stale = (select(AuthorizationCode.code_hash).where(AuthorizationCode.expires_at < clock.now() - CODES_KEPT_FOR)
             .limit(1000).with_for_update(skip_locked=True))
    db.execute(delete(AuthorizationCode).where(AuthorizationCode.code_hash.in_(stale.scalar_subquery())))
