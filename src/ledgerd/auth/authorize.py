"""The authorization request (`/oauth2/auth/central`): validation, country routing, code issue.

The client id may also be an app's v3 or v2 one (auth/legacy.py): the same pages then authorise the old API, for
one business the user chooses in the chosen country (docs/legacy-oauth.md).

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

from ledgerd.auth import legacy
from ledgerd.auth.models import App, AuthorizationCode
from ledgerd.auth.server import DEFAULT_SCOPE
from ledgerd.auth.tokens import SCOPES
from ledgerd.clock import Clock
from ledgerd.passwords import hash_secret
from ledgerd.regions import COUNTRIES, Country
from ledgerd.tenancy import service as tenancy
from ledgerd.tenancy.models import Business, Membership, User

_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
# PKCE with S256 only: `plain` sends the verifier itself through the browser, so it protects nothing against
# whoever can read the authorization request (RFC 9700 §2.1.1). A challenge without a method means `plain`.
CHALLENGE_METHODS = ("S256",)
FILTERS = ("apiv3.1",)
# How long a code is remembered after it expires, so that a late replay still revokes what it issued.
CODES_KEPT_FOR = timedelta(days=1)
# The countries an old API's authorization may choose (None: all seven). v2 served the UK, Ireland and the US only
# (auth-and-legacy §7.1); v3 had a region for each of the seven (§6.2).
API_COUNTRIES: dict[str | None, tuple[str, ...]] = {None: tuple(COUNTRIES), "v3": tuple(COUNTRIES),
                                                    "v2": ("GB", "IE", "US")}
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
    # The old API a legacy credential's client id asks for ("v3", "v2"), None for v3.1.
    api: str | None = None

    def fail(self, error: str, description: str) -> RedirectError:
        return RedirectError(self.redirect_uri, error, description, self.state)


def parse(db: Session, items: list[tuple[str, str]], *, old_apis: bool = True) -> AuthRequest:
    """Validate an authorization request, raising PageError or RedirectError. `old_apis`: whether v3 and v2 client
    ids are served (LEDGERD_LEGACY_APIS)."""
    values: dict[str, list[str]] = {}
    for key, value in items:
        values.setdefault(key, []).append(value)
    one = {k: v[0] for k, v in values.items()}
    app, api = _client(db, one.get("client_id", ""), old_apis)
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
        if country is None or country.id not in API_COUNTRIES[api]:
            raise RedirectError(redirect_uri, "invalid_request",
                                f"country must be one of {', '.join(c.lower() for c in API_COUNTRIES[api])}.", state)
    return AuthRequest(app=app, redirect_uri=redirect_uri, scope=scope, state=state, country=country,
                       locale=one.get("locale"), filter=one.get("filter"), code_challenge=challenge,
                       code_challenge_method=method if challenge else None,
                       params=tuple((k, one[k]) for k in PARAMS if k in one), api=api)


def _client(db: Session, client_id: str, old_apis: bool) -> tuple[App | None, str | None]:
    """The app a client id names, with the old API it asks for: an app's v3.1 client id (None), or the client id
    of its v3 or v2 credentials."""
    if not client_id:
        return None, None
    app = db.scalar(select(App).where(App.client_id == client_id))
    if app is not None or not old_apis:
        return app, None
    found = legacy.credential(db, client_id)
    return (None, None) if found is None else (db.get(App, found.app_id), found.api)


def countries(request: AuthRequest) -> list[Country]:
    """The countries the request's API may choose (the country page shows these)."""
    return [COUNTRIES[c] for c in API_COUNTRIES[request.api]]


def businesses(db: Session, request: AuthRequest, user: User) -> list[Business]:
    """An old API's authorization is for one business (v3's `resource_owner_id`): the businesses of the chosen
    country the user may read, lead first. Refused if there is none: v3 and v2 had no token without a business."""
    assert request.country is not None
    found = [b for b, role in tenancy.accessible(db, user.id) if role.can_read and b.country_id == request.country.id]
    if not found:
        raise request.fail("invalid_request", f"The user has no business in {request.country.id}; choose the "
                                              "country of one of the user's businesses.")
    return found


def check_data_centre(db: Session, request: AuthRequest, user: User) -> None:
    """As at Sage, the chosen country must be served by the data centre that holds the user's books."""
    assert request.country is not None
    countries = set(db.scalars(select(Business.country_id).join(Membership, Membership.business_id == Business.id)
                               .where(Membership.user_id == user.id)).all())
    if countries and not any(COUNTRIES[c].data_centre == request.country.data_centre for c in countries):
        raise request.fail("invalid_request",
                           f"The selected country ({request.country.id}) does not match the region of the "
                           "user's businesses; choose the business's country.")


def issue_code(db: Session, clock: Clock, ttl: int, request: AuthRequest, user: User,
               business_id: str | None = None) -> str:
    """Store a single-use code and return the callback URL carrying it: v3.1's `code=GB/...&country=GB`; an old
    API's `code=<40 hex>&country=gb` (as v3's and v2's were, auth-and-legacy §1.3, §6.3), for `business_id` (one
    of `businesses`; the first when not given)."""
    assert request.country is not None
    _forget_old_codes(db, clock)
    if request.api is None:
        code, country, business_id = f"{request.country.id}/{secrets.token_urlsafe(32)}", request.country.id, None
    else:
        choices = [b.id for b in businesses(db, request, user)]
        business_id = business_id or choices[0]
        if business_id not in choices:
            raise request.fail("invalid_request", f"Choose one of the user's businesses in {request.country.id}.")
        code, country = legacy.new_token(), request.country.id.lower()
    db.add(AuthorizationCode(code_hash=hash_secret(code), app_id=request.app.id, user_id=user.id,
                             redirect_uri=request.redirect_uri, scope=request.scope, country=request.country.id,
                             code_challenge=request.code_challenge,
                             code_challenge_method=request.code_challenge_method,
                             expires_at=clock.now() + timedelta(seconds=ttl), api=request.api,
                             business_id=business_id))
    db.flush()
    params = [("code", code), ("country", country)]
    if request.state is not None:
        params.append(("state", request.state))
    return with_params(request.redirect_uri, params)


def _forget_old_codes(db: Session, clock: Clock) -> None:
    """Delete codes that expired over CODES_KEPT_FOR ago. Rows another transaction holds are skipped (on
    PostgreSQL; SQLite writers are serial), so concurrent consents never wait on each other here."""
    stale = (select(AuthorizationCode.code_hash).where(AuthorizationCode.expires_at < clock.now() - CODES_KEPT_FOR)
             .limit(1000).with_for_update(skip_locked=True))
    db.execute(delete(AuthorizationCode).where(AuthorizationCode.code_hash.in_(stale.scalar_subquery())))
