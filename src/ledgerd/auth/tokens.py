"""Access and refresh tokens: RS512 JWTs with a `kid`, checked against the injectable clock."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from ledgerd.auth.keys import ALGORITHM, KeyRing
from ledgerd.clock import Clock
from ledgerd.config import Settings

SCOPES = ("full_access", "readonly")
# Sage's own access tokens carry their internal scopes in a `scopes` claim; we mirror the shape.
_SAGE_SCOPES = {"full_access": "accounts:rw accounting:rw core:rw", "readonly": "accounts:r accounting:r core:r"}
VERIFIED_CACHE_SIZE = 10_000
# Expiry is checked against the injectable clock, issuer and audience by `_decode` itself.
_DECODE_OPTIONS: Any = {"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False,
                   "verify_iss": False, "require": ["exp", "iat", "iss", "aud", "sub", "fam", "jti"]}
API_AUDIENCE = "/v3.1"
TOKEN_AUDIENCE = "/token"
# The header of every token this server signs: exactly these three names (PyJWT adds `typ`).
_HEADER_NAMES = frozenset({"alg", "kid", "typ"})
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class TokenInvalid(Exception):
    """Not a token we issued, or no longer valid; the message is safe to show the client."""


def _segment(text: str) -> bytes | None:
    """The bytes of one JWS segment written exactly as RFC 7515 requires: base64url without padding, and no
    stray bits in the last character (which decoders ignore, so `…Q` and `…R` could carry one signature)."""
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == text else None


def strict_header(token: str) -> dict[str, str] | None:
    """The header of a token shaped exactly like ours (three canonical segments; a JSON header naming only
    `alg`, `kid` and `typ: JWT`), else None. Checked before any signature: lenient decoders accept padding,
    extra segments and stray bits, so one signed token would otherwise have many spellings."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    segments = [_segment(part) for part in parts]
    if segments[0] is None or segments[1] is None or segments[2] is None:
        return None
    try:
        header = json.loads(segments[0])
    except (UnicodeDecodeError, ValueError):
        return None
    if (not isinstance(header, dict) or set(header) != _HEADER_NAMES or header["typ"] != "JWT"
            or not all(isinstance(value, str) for value in header.values())):
        return None
    return header


@dataclass(frozen=True)
class Grant:
    """What a token family stands for."""

    family_id: str
    user_id: str
    user_subject: str
    client_id: str
    scope: str
    country: str


class Tokens:
    def __init__(self, settings: Settings, keys: KeyRing, clock: Clock) -> None:
        self.settings = settings
        self.keys = keys
        self.clock = clock
        # With a pinned public URL, every token names it and only tokens naming it are accepted. Without one, a
        # token names the base URL it was requested at (`issue(at=)`) and this server accepts any token it signed
        # whose audience is that issuer's: the signature is what binds a token to this server, and the URL a
        # client reaches it by (a port, a host name, a tunnel) may differ from the one that minted it.
        self.pinned = settings.public_url
        # Access tokens whose signature and claims were verified once. A client sends the same token
        # for its whole five minutes, and the signature check is most of a request's cost; expiry is
        # still checked against the clock on every use, and revocation is the token family's (checked
        # in the database per request). Immutable facts only: nothing here needs sharing between
        # processes.
        self._verified: dict[str, dict[str, Any]] = {}

    def _sign(self, claims: dict[str, Any]) -> str:
        key = self.keys.signing
        return jwt.encode(claims, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})

    def issue(self, grant: Grant, *, at: str | None = None) -> dict[str, Any]:
        """A token response with exactly Sage's fields, in the order of Sage's documentation. `at`: the base URL
        the token was requested at (the issuer unless a public URL is pinned)."""
        now = self.clock.timestamp()
        issuer = self.pinned or (at.rstrip("/") if at else self.settings.base_url)
        common = {"iat": now, "iss": issuer, "sub": grant.user_id, "azp": grant.client_id,
                  "fam": grant.family_id, "country": grant.country.lower()}
        access = self._sign({"jti": str(uuid.uuid4()), **common, "exp": now + self.settings.access_token_ttl,
                             "aud": issuer + API_AUDIENCE, "scope": grant.scope,
                             "scopes": _SAGE_SCOPES[grant.scope]})
        refresh = self._sign({"jti": str(uuid.uuid4()), **common, "exp": now + self.settings.refresh_token_ttl,
                              "aud": issuer + TOKEN_AUDIENCE})
        return {
            "access_token": access,
            "scope": grant.scope,
            "token_type": "bearer",
            "expires_in": self.settings.access_token_ttl,
            "refresh_token": refresh,
            "refresh_token_expires_in": self.settings.refresh_token_ttl,
            "requested_by_id": grant.user_subject,
        }

    def _decode(self, token: str, audience: str, kind: str) -> dict[str, Any]:
        header = strict_header(token)
        if header is None:
            raise TokenInvalid(f"The {kind} token is malformed.")
        public = self.keys.public_key(header["kid"]) if header["alg"] == ALGORITHM else None
        if public is None:
            raise TokenInvalid(f"The {kind} token was not issued by this server.")
        try:
            claims: dict[str, Any] = jwt.decode(token, public, algorithms=[ALGORITHM], options=_DECODE_OPTIONS)
        except jwt.PyJWTError:
            raise TokenInvalid(f"The {kind} token is invalid.") from None
        issuer = claims["iss"]
        if (not isinstance(issuer, str) or (self.pinned is not None and issuer != self.pinned)
                or claims["aud"] != issuer + audience):
            raise TokenInvalid(f"The {kind} token is invalid.")
        if not isinstance(claims["exp"], int) or claims["exp"] <= self.clock.timestamp():
            raise TokenInvalid(f"The {kind} token has expired.")
        return claims

    def verify_access(self, token: str) -> dict[str, Any]:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._decode(token, API_AUDIENCE, "access")
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        elif claims["exp"] <= self.clock.timestamp():
            del self._verified[token]
            raise TokenInvalid("The access token has expired.")
        return claims

    def verify_refresh(self, token: str) -> dict[str, Any]:
        return self._decode(token, TOKEN_AUDIENCE, "refresh")
