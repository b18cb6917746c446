"""The token and revocation endpoints, on Authlib's OAuth 2.0 core.

Authlib ships no Starlette glue: `FormRequest` adapts a parsed form post, and the grants below bind
Authlib's hooks to our models. One grant per request, one database session per request.
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, grants
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidGrantError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from ledgerd.auth.models import App, AuthorizationCode, TokenFamily
from ledgerd.auth.tokens import SCOPES, Grant, TokenInvalid, Tokens
from ledgerd.clock import Clock
from ledgerd.passwords import hash_secret
from ledgerd.tenancy.models import User

DEFAULT_SCOPE = "full_access"

# Authlib asks for clients without passing the request; the token endpoint sets the session here.
_db: ContextVar[Session] = ContextVar("ledgerd_oauth_db")


def current_db() -> Session:
    return _db.get()


class Replayed(Exception):
    """A credential was presented again after its one use: refuse it (`invalid_grant`) and end the token
    family it led to, if any. Raised inside the request's transaction, which rolls back; the endpoint then
    revokes the family in a transaction of its own."""

    reason = "replayed"
    description = "The grant was already used."

    def __init__(self, family_id: str | None) -> None:
        super().__init__(family_id)
        self.family_id = family_id


class FamilyReused(Replayed):
    """A refresh token that is no longer the family's current one was presented."""

    reason = "refresh_token_reused"
    description = ("The refresh token was already used or superseded; the authorization has been revoked and the "
                   "user must authorize the app again.")


class CodeReused(Replayed):
    """An authorization code was presented a second time (RFC 6749 §4.1.2: deny, and revoke what it issued)."""

    reason = "code_reused"
    description = ("The authorization code was already used; the tokens issued for it have been revoked and the "
                   "user must authorize the app again.")


class _Payload(OAuth2Payload):
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._data = dict(items)
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class FormRequest(OAuth2Request):
    """An Authlib request made from an already-read form post, bound to this request's session."""

    def __init__(self, uri: str, headers: Mapping[str, str], items: list[tuple[str, str]], db: Session, *,
                 base_url: str | None = None) -> None:
        super().__init__("POST", uri, headers=headers)
        self.payload = _Payload(items)
        self.db = db
        # The base URL the client reached this server at: the tokens' issuer unless a public URL is pinned.
        self.ledgerd_base_url = base_url
        self.ledgerd_family_id = ""
        # The code this request presented, once found: consumed even if the exchange then fails.
        self.ledgerd_code_hash: str | None = None
        _db.set(db)

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


class Client(ClientMixin):
    def __init__(self, app: App) -> None:
        self.app = app

    def get_client_id(self) -> str:
        return self.app.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.app.callback_urls
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope if scope in SCOPES else DEFAULT_SCOPE

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.app.callback_urls

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(hash_secret(client_secret), self.app.client_secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class CodeRecord:
    row: AuthorizationCode

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    @property
    def code_challenge(self) -> str | None:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str | None:
        return self.row.code_challenge_method


@dataclass
class RefreshRecord:
    family: TokenFamily
    token: str

    def get_scope(self) -> str:
        return self.family.scope

    def check_client(self, client: Client) -> bool:
        return self.family.app_id == client.app.id


class _Server(AuthorizationServer):
    def __init__(self, tokens: Tokens, clock: Clock) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.tokens = tokens
        self.clock = clock

    def query_client(self, client_id: str) -> Client | None:
        app = current_db().scalar(select(App).where(App.client_id == client_id))
        return Client(app) if app else None

    def authenticate_client(self, request: FormRequest, methods: list[str], endpoint: str = "token") -> Client:
        # Authlib answers every failed client authentication with 401 once HTTP Basic is allowed; RFC 6749
        # §5.2 (and Sage) keep 401 for clients that sent an Authorization header, 400 for body credentials.
        try:
            client: Client = super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as exc:
            if exc.status_code == 401 and not request.headers.get("Authorization"):
                exc.status_code = 400
            raise
        return client

    def save_token(self, token: dict[str, Any], request: FormRequest) -> None:
        """Make the new refresh token the family's only live one (compare-and-swap on the old one)."""
        family_id = request.ledgerd_family_id
        now = self.clock.now()
        values = {"current_refresh_hash": hash_secret(token["refresh_token"]), "updated_at": now,
                  "refresh_expires_at": now + timedelta(seconds=token["refresh_token_expires_in"])}
        stmt = update(TokenFamily).where(TokenFamily.id == family_id, TokenFamily.revoked_at.is_(None))
        if request.refresh_token is not None:
            stmt = stmt.where(TokenFamily.current_refresh_hash == hash_secret(request.refresh_token.token))
        if request.db.execute(stmt.values(**values)).rowcount != 1:  # type: ignore[attr-defined]
            raise FamilyReused(family_id)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: FormRequest) -> FormRequest:
        return request  # already built by the endpoint from the parsed form

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_authorization_code(self, code: str, client: Client) -> CodeRecord | None:
        db: Session = self.request.db
        now = self.server.clock.now()
        row = db.get(AuthorizationCode, hash_secret(code))
        if row is None or row.app_id != client.app.id:
            return None  # another client's attempt neither uses nor burns the code
        if row.used_at is not None:
            raise CodeReused(row.family_id)
        if row.expires_at <= now:
            return None
        # Single use: the first exchange marks the row. A concurrent second one waits for that transaction
        # (PostgreSQL row lock; SQLite writers are serial), finds the row used, and so revokes the family.
        claimed = db.execute(update(AuthorizationCode).where(AuthorizationCode.code_hash == row.code_hash,
                                                             AuthorizationCode.used_at.is_(None))
                             .values(used_at=now))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise CodeReused(db.scalar(select(AuthorizationCode.family_id)
                                       .where(AuthorizationCode.code_hash == row.code_hash)))
        self.request.ledgerd_code_hash = row.code_hash
        return CodeRecord(row)

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        return None  # marked used when it was read, and kept to recognise a replay

    def authenticate_user(self, authorization_code: CodeRecord) -> User | None:
        user: User | None = self.request.db.get(User, authorization_code.row.user_id)
        return user

    def generate_token(self, user: User | None = None, scope: str | None = None, grant_type: str | None = None,
                       expires_in: int | None = None, include_refresh_token: bool = True) -> dict[str, Any]:
        assert user is not None
        row: AuthorizationCode = self.request.authorization_code.row
        family = start_family(self.request.db, self.server.clock, app_id=row.app_id, user_id=user.id,
                              scope=row.scope, country=row.country)
        self.request.db.execute(update(AuthorizationCode).where(AuthorizationCode.code_hash == row.code_hash)
                                .values(family_id=family.id))
        self.request.ledgerd_family_id = family.id
        return _issue(self.server.tokens, family, user, self.request.client, at=self.request.ledgerd_base_url)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshRecord | None:
        # Every refusal says why (an expired token most of all: the client must send its user to sign in again).
        try:
            claims = self.server.tokens.verify_refresh(refresh_token)
        except TokenInvalid as exc:
            raise InvalidGrantError(description=f"{exc} Ask the user to authorize the app again.") from None
        family = self.request.db.get(TokenFamily, claims["fam"])
        if family is None or family.revoked_at is not None:
            raise InvalidGrantError(description="The refresh token was revoked. Ask the user to authorize the app "
                                                "again.")
        if family.current_refresh_hash != hash_secret(refresh_token):
            raise FamilyReused(family.id)
        return RefreshRecord(family, refresh_token)

    def authenticate_user(self, refresh_token: RefreshRecord) -> User | None:
        user: User | None = self.request.db.get(User, refresh_token.family.user_id)
        return user

    def generate_token(self, user: User | None = None, scope: str | None = None, grant_type: str | None = None,
                       expires_in: int | None = None, include_refresh_token: bool = True) -> dict[str, Any]:
        assert user is not None
        family: TokenFamily = self.request.refresh_token.family
        self.request.ledgerd_family_id = family.id
        return _issue(self.server.tokens, family, user, self.request.client, at=self.request.ledgerd_base_url)

    def revoke_old_credential(self, refresh_token: RefreshRecord) -> None:
        return None  # save_token already replaced the family's live refresh token


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenFamily | None:
        tokens: Tokens = self.server.tokens
        for verify in (tokens.verify_refresh, tokens.verify_access):
            try:
                claims = verify(token_string)
            except TokenInvalid:
                continue
            family: TokenFamily | None = current_db().get(TokenFamily, claims["fam"])
            return family
        return None

    def authenticate_token(self, request: FormRequest, client: Client) -> TokenFamily | None:
        # Authlib's version calls `token.check_client`, which a TokenFamily does not have; revoke_token
        # checks the client instead, so another client's token is answered like an unknown one.
        self.check_params(request, client)
        return self.query_token(request.form["token"], request.form.get("token_type_hint"))

    def revoke_token(self, token: TokenFamily, request: FormRequest) -> None:
        if token.app_id == request.client.app.id:
            revoke_family(request.db, self.server.clock, token.id, "revoked")

    def create_endpoint_response(self, request: FormRequest) -> tuple[int, Any, Any]:
        super().create_endpoint_response(request)
        return 200, {"success": "ok"}, [("Content-Type", "application/json")]


def _issue(tokens: Tokens, family: TokenFamily, user: User, client: Client, *, at: str | None = None) -> dict[str, Any]:
    return tokens.issue(Grant(family_id=family.id, user_id=user.id, user_subject=user.subject,
                              client_id=client.app.client_id, scope=family.scope, country=family.country), at=at)


def consume_code(db: Session, clock: Clock, code_hash: str) -> None:
    """Mark a code used after a failed exchange (its own transaction rolled back): codes are single use."""
    db.execute(update(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash,
                                               AuthorizationCode.used_at.is_(None))
               .values(used_at=clock.now()))


def start_family(db: Session, clock: Clock, *, app_id: str, user_id: str, scope: str, country: str) -> TokenFamily:
    now = clock.now()
    family = TokenFamily(app_id=app_id, user_id=user_id, scope=scope, country=country, created_at=now,
                         updated_at=now)
    db.add(family)
    db.flush()
    return family


def issue_without_consent(db: Session, tokens: Tokens, clock: Clock, *, app: App, user: User, scope: str,
                          country: str) -> dict[str, Any]:
    """A real token response for an app and user, skipping the browser (CLI, tests, sandbox)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    family = start_family(db, clock, app_id=app.id, user_id=user.id, scope=scope, country=country.upper())
    token = _issue(tokens, family, user, Client(app))
    family.current_refresh_hash = hash_secret(token["refresh_token"])
    family.refresh_expires_at = clock.now() + timedelta(seconds=token["refresh_token_expires_in"])
    db.flush()
    return token


def revoke_families(db: Session, clock: Clock, which: ColumnElement[bool], reason: str) -> list[str]:
    """End every live token family `which` selects, for `reason`: its refresh token is refused from now on, and so
    is every access token minted from it (api/bearer.py). Families already ended keep their first reason. The ids
    of the families ended now, in id order."""
    ended = db.execute(update(TokenFamily).where(which, TokenFamily.revoked_at.is_(None))
                       .values(revoked_at=clock.now(), revoked_reason=reason, current_refresh_hash=None)
                       .returning(TokenFamily.id))
    return sorted(ended.scalars())


def revoke_family(db: Session, clock: Clock, family_id: str, reason: str) -> None:
    revoke_families(db, clock, TokenFamily.id == family_id, reason)


def build_server(tokens: Tokens, clock: Clock) -> _Server:
    server = _Server(tokens, clock)
    server.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=False)])
    server.register_grant(RefreshTokenGrant)
    server.register_endpoint(Revocation)
    return server


__all__ = ["CodeReused", "FamilyReused", "FormRequest", "InvalidGrantError", "Replayed", "build_server",
           "revoke_families", "revoke_family"]
