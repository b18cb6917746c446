"""Credentials and tokens of Sage's old APIs, v3 and v2 (docs/legacy-apis.md).

Both old APIs had their own app credentials (v3 its client id and secret, v2 the same and a signing secret for
`X-Signature`), opaque 40-character tokens, access tokens valid 60 minutes and refresh tokens that never expired
(auth-and-legacy §6.3, §7.1). v3 calls also carried a developer-portal subscription key. Here an app may have
v3 and v2 credentials beside its v3.1 ones; a token of the old APIs belongs to a token family like a v3.1 one
(revoked with it, counted against the same app), marked with its API and the business the user chose when
authorising: v3's `resource_owner_id`, the business v2 calls work in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import Session

from ledgerd.auth.models import App, LegacyAccessToken, LegacyCredential, SubscriptionKey, TokenFamily
from ledgerd.auth.server import start_family
from ledgerd.auth.tokens import SCOPES
from ledgerd.clock import Clock
from ledgerd.db.engine import FastQuery
from ledgerd.errors import Invalid
from ledgerd.passwords import hash_secret
from ledgerd.tenancy.models import User

Api = Literal["v2", "v3"]
APIS: tuple[Api, ...] = ("v3", "v2")
ACCESS_TTL = timedelta(minutes=60)
SLOTS = ("primary", "secondary")


def new_token() -> str:
    """A token of the old APIs: 40 hexadecimal characters, as theirs were."""
    return secrets.token_hex(20)


@dataclass(frozen=True)
class Issued:
    """Credentials of one old API, the secrets shown once."""

    api: Api
    client_id: str
    client_secret: str
    signing_secret: str | None


def create_credentials(db: Session, clock: Clock, app: App, api: Api) -> Issued:
    """Give `app` credentials for `api` (new ones, replacing any it had: the old secret stops working)."""
    if api not in APIS:
        raise Invalid(f"api must be one of {', '.join(APIS)}.", "api")
    now = clock.now()
    found = db.scalar(select(LegacyCredential).where(LegacyCredential.app_id == app.id, LegacyCredential.api == api))
    secret = new_token()
    signing = new_token() if api == "v2" else None
    if found is None:
        found = LegacyCredential(app_id=app.id, api=api, client_id=secrets.token_hex(10), created_at=now)
        db.add(found)
    found.client_secret_hash = hash_secret(secret)
    found.signing_secret = signing
    found.updated_at = now
    db.flush()
    return Issued(api, found.client_id, secret, signing)


def create_subscription_keys(db: Session, clock: Clock, app: App) -> dict[str, str]:
    """New primary and secondary subscription keys for `app` (32 hexadecimal characters, shown once)."""
    keys = {slot: secrets.token_hex(16) for slot in SLOTS}
    db.query(SubscriptionKey).filter(SubscriptionKey.app_id == app.id).delete()
    db.add_all(SubscriptionKey(key_hash=hash_secret(key), app_id=app.id, slot=slot, created_at=clock.now())
               for slot, key in keys.items())
    db.flush()
    return keys


def credential(db: Session, client_id: str) -> LegacyCredential | None:
    """The legacy credential a client id names, if any."""
    return db.scalar(select(LegacyCredential).where(LegacyCredential.client_id == client_id)) if client_id else None


_KEYS = FastQuery(select(SubscriptionKey.__table__.c.app_id)
                  .where(SubscriptionKey.__table__.c.key_hash == bindparam("key_hash")))


def subscription_app(engine: Engine, key: str | None) -> str | None:
    """The id of the app a subscription key belongs to, or None."""
    if not key:
        return None
    row = _KEYS.first(engine, key_hash=hash_secret(key.strip()))
    return None if row is None else str(row["app_id"])


def issue(db: Session, clock: Clock, family: TokenFamily) -> dict[str, Any]:
    """A token response of the family's API: a new access token and a new refresh token (the previous refresh
    token stops working). v3's carries `resource_owner_id` (the business, for `X-Site`) and `requested_by_id`."""
    access, refresh = new_token(), new_token()
    db.add(LegacyAccessToken(token_hash=hash_secret(access), family_id=family.id,
                             expires_at=clock.now() + ACCESS_TTL))
    family.current_refresh_hash = hash_secret(refresh)
    family.refresh_expires_at = None  # refresh tokens of the old APIs never expired
    family.updated_at = clock.now()
    db.flush()
    token: dict[str, Any] = {"access_token": access, "token_type": "bearer",
                             "expires_in": int(ACCESS_TTL.total_seconds()), "refresh_token": refresh,
                             "scope": family.scope}
    if family.api == "v3":
        token["resource_owner_id"] = family.business_id
        token["requested_by_id"] = family.user_id
    return token


def issue_without_consent(db: Session, clock: Clock, *, app: App, user: User, api: Api, scope: str,
                          country: str, business_id: str) -> dict[str, Any]:
    """A real token response of an old API for an app and user, skipping the browser (CLI, tests, sandbox)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    family = start_family(db, clock, app_id=app.id, user_id=user.id, scope=scope, country=country.upper())
    family.api, family.business_id = api, business_id
    return issue(db, clock, family)
