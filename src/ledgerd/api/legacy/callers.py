"""Who calls an old API (v3, v2): the bearer token of the request, a live access token of that API
(auth/legacy.py), and the principal the v3.1 pipeline then works with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, select

from ledgerd.api.bearer import Principal, bearer_token, principal_of
from ledgerd.auth.legacy import Api
from ledgerd.auth.models import App, LegacyAccessToken, TokenFamily
from ledgerd.clock import Clock
from ledgerd.db.engine import FastQuery
from ledgerd.http.errors import Unauthorized
from ledgerd.passwords import hash_secret
from ledgerd.tenancy.models import User


@dataclass(frozen=True)
class LegacyCaller:
    """Who calls an old API: the principal the v3.1 pipeline works with, the app, and the business the token was
    given for."""

    principal: Principal
    app_id: str
    business_id: str | None
    family_id: str


_tokens, _families = LegacyAccessToken.__table__.c, TokenFamily.__table__.c
_users, _apps = User.__table__.c, App.__table__.c
_CALLER = FastQuery(
    select(_tokens.expires_at, _families.id.label("family_id"), _families.revoked_at, _families.scope,
           _families.api, _families.business_id, _families.app_id, _apps.client_id, _users.id, _users.email,
           _users.first_name, _users.last_name, _users.initials, _users.locale, _users.created_at,
           _users.updated_at)
    .join_from(LegacyAccessToken.__table__, TokenFamily.__table__, _tokens.family_id == _families.id)
    .join(User.__table__, _families.user_id == _users.id)
    .join(App.__table__, _families.app_id == _apps.id)
    .where(_tokens.token_hash == bindparam("token_hash"))
)


def authenticate(engine: Engine, clock: Clock, api: Api, authorization: str | None) -> LegacyCaller:
    """The caller of an old API from its `Authorization: Bearer` header: a live access token of that API
    (401 otherwise). The principal's client id is the app's v3.1 one: one app, one rate limit."""
    token = bearer_token(authorization)
    row = _CALLER.first(engine, token_hash=hash_secret(token))
    if row is None or row["api"] != api:
        raise Unauthorized("The access token is not valid.")
    if row["revoked_at"] is not None:
        raise Unauthorized("The access token has been revoked.")
    if row["expires_at"] <= clock.now():
        raise Unauthorized("The access token has expired.")
    return LegacyCaller(principal_of(row, row["client_id"]), row["app_id"], row["business_id"], row["family_id"])
