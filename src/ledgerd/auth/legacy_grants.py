"""The token and revocation grants of the old APIs, v3 and v2 (docs/legacy-oauth.md).

Their clients sent `client_id` and `client_secret` in a form body to a token endpoint of their own (v3 one per region,
v2 one), asked for `authorization_code` and `refresh_token` grants and got opaque 40-character tokens back
(auth-and-legacy §6.3, §7.1). The tokens themselves are made by auth/legacy.issue; this module decides who may have
them. Codes are single use and live as long as v3.1's; a refresh replaces the family's refresh token, and presenting
a replaced one again ends the family, as with v3.1 (auth/server.py). Refusals are RFC 6749 errors (`Refused`);
replays raise auth/server.py's `CodeReused` and `FamilyReused`, which the endpoint answers and acts on as it does
for v3.1.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledgerd.auth import legacy
from ledgerd.auth.models import AuthorizationCode, LegacyAccessToken, LegacyCredential, LegacyRefreshToken, TokenFamily
from ledgerd.auth.server import CodeReused, FamilyReused, revoke_family, start_family
from ledgerd.clock import Clock
from ledgerd.errors import NotFound
from ledgerd.passwords import hash_secret
from ledgerd.tenancy import service as tenancy

# v3's token endpoints by region, each serving the countries Sage's did (auth-and-legacy §6.3): app.sageone.com for
# GB and IE, oauth.na.sageone.com for CA and US, oauth.eu.sageone.com for DE, ES and FR.
REGIONS: dict[str, tuple[str, ...]] = {"uki": ("GB", "IE"), "na": ("CA", "US"), "eu": ("DE", "ES", "FR")}
GRANT_TYPES = ("authorization_code", "refresh_token")
AGAIN = "Ask the user to authorize the app again."


def region_of(country: str) -> str:
    """The v3 token endpoint's region that serves a country."""
    return next(region for region, countries in REGIONS.items() if country in countries)


class Refused(Exception):
    """An RFC 6749 error answer. `code_hash`: the code this request claimed, to be marked used even though the
    request's transaction rolls back (codes are single use, failed exchanges too)."""

    def __init__(self, error: str, description: str, *, status: int = 400, code_hash: str | None = None) -> None:
        super().__init__(description)
        self.error, self.description, self.status, self.code_hash = error, description, status, code_hash


@dataclass(frozen=True)
class ClientAuth:
    """The client credentials a request presented: in its body, or HTTP Basic (`basic`: refusals are then 401)."""

    client_id: str
    client_secret: str | None
    basic: bool = False


@dataclass(frozen=True)
class Granted:
    """A token response, with who it was for (the request journal names them)."""

    token: dict[str, Any]
    client: LegacyCredential
    user_id: str


def is_legacy_client(db: Session, client_id: str | None) -> bool:
    """Does the client id name an old API's credentials (rather than an app's v3.1 client id)?"""
    return client_id is not None and legacy.credential(db, client_id) is not None


def authenticate(db: Session, client: ClientAuth, api: legacy.Api | None) -> LegacyCredential:
    """The credentials `client` proves it holds; `api`: the only API the endpoint serves (None: either)."""
    found = legacy.credential(db, client.client_id)
    if found is None or (api is not None and found.api != api):
        what = f"a {api} client id" if api else "registered"
        raise Refused("invalid_client", f"The client_id is not {what}.", status=401 if client.basic else 400)
    if not client.client_secret or not hmac.compare_digest(hash_secret(client.client_secret),
                                                           found.client_secret_hash):
        raise Refused("invalid_client", "The client_secret is wrong.", status=401 if client.basic else 400)
    return found


def _params(items: list[tuple[str, str]]) -> dict[str, str]:
    seen: dict[str, str] = {}
    for name, value in items:
        if name in seen:
            raise Refused("invalid_request", f"Parameter {name} given more than once.")
        seen[name] = value
    return seen


def token(db: Session, clock: Clock, items: list[tuple[str, str]], client: ClientAuth, *,
          api: legacy.Api | None = None, region: str | None = None) -> Granted:
    """Answer a token request of an old API's client. `api` and `region`: what the endpoint serves (v3's regional
    endpoints take v3 codes and refresh tokens of their countries' businesses only; the shared `/token` any)."""
    params = _params(items)
    found = authenticate(db, client, api)
    grant_type = params.get("grant_type")
    if not grant_type:
        raise Refused("invalid_request", "Missing grant_type.")
    if grant_type not in GRANT_TYPES:
        raise Refused("unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")
    if grant_type == "authorization_code":
        return _exchange(db, clock, found, params, region)
    return _refresh(db, clock, found, params, region)


def _wrong_region(country: str, region: str | None) -> str | None:
    """Why a grant for a business in `country` is refused at the endpoint of `region`, if it is."""
    if region is None or country in REGIONS[region]:
        return None
    return (f"The grant is for a business in {country}, whose token endpoint is v3's {region_of(country)} one, not "
            f"the {region} one (the callback's country names it).")


def _exchange(db: Session, clock: Clock, client: LegacyCredential, params: dict[str, str],
              region: str | None) -> Granted:
    code = params.get("code")
    if not code:
        raise Refused("invalid_request", "Missing code.")
    now = clock.now()
    row = db.get(AuthorizationCode, hash_secret(code))
    if row is None or row.app_id != client.app_id or row.api != client.api:
        raise Refused("invalid_grant", "The authorization code is not valid.")  # nor burnt: not this client's
    if row.used_at is not None:
        raise CodeReused(row.family_id)
    if row.expires_at <= now:
        raise Refused("invalid_grant", "The authorization code has expired (codes are valid 60 seconds). " + AGAIN)
    # Before the code is claimed: at Sage the other region's server had never seen it, so the client could still
    # take it to the right one.
    wrong = _wrong_region(row.country, region)
    if wrong:
        raise Refused("invalid_grant", wrong)
    claimed = db.execute(update(AuthorizationCode).where(AuthorizationCode.code_hash == row.code_hash,
                                                         AuthorizationCode.used_at.is_(None)).values(used_at=now))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # a concurrent exchange took it first
        raise CodeReused(db.scalar(select(AuthorizationCode.family_id)
                                   .where(AuthorizationCode.code_hash == row.code_hash)))
    burnt = row.code_hash
    if params.get("redirect_uri") != row.redirect_uri:
        raise Refused("invalid_grant", "The redirect_uri does not match the one of the authorization request.",
                      code_hash=burnt)
    if row.code_challenge is not None:
        verifier = params.get("code_verifier")
        if not verifier or not hmac.compare_digest(create_s256_code_challenge(verifier), row.code_challenge):
            raise Refused("invalid_grant", "The code_verifier does not match the code_challenge.", code_hash=burnt)
    assert row.business_id is not None  # every old API's code names its business (auth/authorize.issue_code)
    try:
        tenancy.business_for_key(db, row.user_id, row.business_id)
    except NotFound:
        raise Refused("invalid_grant", "The user no longer belongs to the business. " + AGAIN,
                      code_hash=burnt) from None
    family = start_family(db, clock, app_id=row.app_id, user_id=row.user_id, scope=row.scope, country=row.country)
    family.api, family.business_id = row.api, row.business_id
    db.execute(update(AuthorizationCode).where(AuthorizationCode.code_hash == row.code_hash)
               .values(family_id=family.id))
    return Granted(legacy.issue(db, clock, family), client, row.user_id)


def _refresh(db: Session, clock: Clock, client: LegacyCredential, params: dict[str, str],
             region: str | None) -> Granted:
    presented = params.get("refresh_token")
    if not presented:
        raise Refused("invalid_request", "Missing refresh_token.")
    digest = hash_secret(presented)
    family = db.scalar(select(TokenFamily).where(TokenFamily.current_refresh_hash == digest))
    if family is None:
        replaced = db.get(LegacyRefreshToken, digest)
        if replaced is not None and db.scalar(select(TokenFamily.app_id)
                                              .where(TokenFamily.id == replaced.family_id)) == client.app_id:
            raise FamilyReused(replaced.family_id)
        raise Refused("invalid_grant", "The refresh token is not valid or was revoked. " + AGAIN)
    if family.app_id != client.app_id or family.api != client.api:
        raise Refused("invalid_grant", "The refresh token is not valid or was revoked. " + AGAIN)
    wrong = _wrong_region(family.country, region)
    if wrong:
        raise Refused("invalid_grant", wrong)
    # Compare-and-swap on the presented token: of two refreshes racing with it, the second finds it gone and is a
    # reuse (PostgreSQL makes it wait for the first; SQLite's writers are serial).
    swapped = db.execute(update(TokenFamily).where(TokenFamily.id == family.id, TokenFamily.revoked_at.is_(None),
                                                   TokenFamily.current_refresh_hash == digest)
                         .values(current_refresh_hash=None))
    if swapped.rowcount != 1:  # type: ignore[attr-defined]
        raise FamilyReused(family.id)
    db.add(LegacyRefreshToken(token_hash=digest, family_id=family.id, superseded_at=clock.now()))
    db.refresh(family)
    return Granted(legacy.issue(db, clock, family), client, family.user_id)


def revoke(db: Session, clock: Clock, client: LegacyCredential, presented: str) -> str | None:
    """Revoke the family of a refresh or access token of `client`'s app (RFC 7009: another's, or an unknown token,
    changes nothing and is not an error). The user whose authorization ended, if one did."""
    digest = hash_secret(presented)
    family_id = (db.scalar(select(TokenFamily.id).where(TokenFamily.current_refresh_hash == digest))
                 or db.scalar(select(LegacyAccessToken.family_id).where(LegacyAccessToken.token_hash == digest)))
    family = db.get(TokenFamily, family_id) if family_id else None
    if family is None or family.app_id != client.app_id or family.api != client.api:
        return None
    revoke_family(db, clock, family.id, "revoked")
    return family.user_id
