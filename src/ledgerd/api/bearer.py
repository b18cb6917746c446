"""Who is calling: the bearer token of an API request, checked against its token family."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select

from ledgerd.auth.models import TokenFamily
from ledgerd.auth.tokens import TokenInvalid, Tokens
from ledgerd.db.engine import FastQuery
from ledgerd.http.errors import Unauthorized
from ledgerd.tenancy.models import User

_families = TokenFamily.__table__.c
_users = User.__table__.c
@dataclass(frozen=True)
class Principal:
    user_id: str
    email: str
    first_name: str
    last_name: str
    initials: str
    locale: str
    created_at: datetime
    updated_at: datetime
    scope: str
    client_id: str

    @property
    def read_only(self) -> bool:
        return self.scope != "full_access"


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("The Authorization header is missing; send 'Authorization: Bearer <access token>'.")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    # One token, nothing around it; its own syntax is checked strictly when it is verified (auth/tokens.py).
    if scheme.lower() != "bearer" or not token or len(token.split()) != 1:
        raise Unauthorized("The Authorization header must be 'Bearer <access token>'.")
    return token


def verify(tokens: Tokens, authorization: str | None) -> dict[str, Any]:
    """The claims of a valid access token in the Authorization header (no database needed)."""
    try:
        return tokens.verify_access(bearer_token(authorization))
    except TokenInvalid as exc:
        raise Unauthorized(str(exc)) from None


# Every API request asks this; one round trip answers "is the family alive?" and "who is the user?".
_PRINCIPAL = FastQuery(
    select(_families.revoked_at, _families.scope, _users.id, _users.email, _users.first_name, _users.last_name,
           _users.initials, _users.locale, _users.created_at, _users.updated_at)
    .join_from(TokenFamily.__table__, User.__table__, _families.user_id == _users.id)
    .where(_families.id == bindparam("family_id"))
)


def load_principal(engine: Engine, claims: dict[str, Any]) -> Principal:
    """The caller, if the token's family is still alive."""
    row = _PRINCIPAL.first(engine, family_id=claims["fam"])
    if row is None or row["revoked_at"] is not None:
        raise Unauthorized("The access token has been revoked.")
    return principal_of(row, str(claims.get("azp", "")))


def principal_of(row: Mapping[str, Any], client_id: str) -> Principal:
    """The principal of a row holding the user's columns and the family's `scope` (this module's query, and the
    old APIs' in api/legacy/callers.py)."""
    return Principal(user_id=row["id"], email=row["email"], first_name=row["first_name"],
                     last_name=row["last_name"], initials=row["initials"], locale=row["locale"],
                     created_at=row["created_at"], updated_at=row["updated_at"], scope=row["scope"],
                     client_id=client_id)
