"""Auth models. Secrets, codes and refresh tokens are stored only as SHA-256 hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerd.db.base import Base, IdMixin, TimestampMixin

MAX_REDIRECT_URIS = 100


class App(IdMixin, TimestampMixin, Base):
    """A registered client application."""

    __tablename__ = "apps"

    client_id: Mapped[str] = mapped_column(String(80), unique=True)
    client_secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    redirect_uris: Mapped[list[RedirectUri]] = relationship(
        order_by="RedirectUri.position", lazy="selectin", cascade="all, delete-orphan")

    @property
    def callback_urls(self) -> list[str]:
        return [r.uri for r in self.redirect_uris]


class RedirectUri(IdMixin, Base):
    __tablename__ = "app_redirect_uris"
    __table_args__ = (UniqueConstraint("app_id", "uri"),)

    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    uri: Mapped[str] = mapped_column(String(2000))
    position: Mapped[int] = mapped_column(default=0)


class AuthorizationCode(Base):
    """A single-use code. Its first exchange marks it used and records the token family it started; the row
    is kept past its expiry (auth/authorize.CODES_KEPT_FOR) so that a second exchange is recognised as a
    replay and ends that family (RFC 6749 §4.1.2)."""

    __tablename__ = "authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()
    # No foreign key: the family may be gone (its app deleted) while the code is remembered.
    family_id: Mapped[str | None] = mapped_column(String(32))
    # The old API the code was asked for ("v2", "v3": a legacy credential's client id asked; auth/legacy.py), or None.
    api: Mapped[str | None] = mapped_column(String(2))
    # An old API's code: the business the user chose on the consent page (the family's business; v3's
    # `resource_owner_id`). None for v3.1 codes, which reach every business of the user.
    business_id: Mapped[str | None] = mapped_column(String(32))


class TokenFamily(IdMixin, TimestampMixin, Base):
    """All tokens descended from one authorization. Reusing a superseded refresh token ends the family,
    and with it every access token minted from it."""

    __tablename__ = "token_families"

    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2))
    # Hash of the only refresh token of this family that may still be used.
    current_refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    refresh_expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    # Families of the old APIs (auth/legacy.py): "v2" or "v3", with opaque 40-character tokens and the business
    # the user chose when authorising (v3's `resource_owner_id`, the business v2 calls work in). None: v3.1.
    api: Mapped[str | None] = mapped_column(String(2))
    business_id: Mapped[str | None] = mapped_column(String(32))


class SigningKey(Base):
    """RSA keys that sign access and refresh tokens; generated on first start, published in the JWKS."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    retired_at: Mapped[datetime | None] = mapped_column()


class ServerSecret(Base):
    """Named server-wide secrets generated on first start (e.g. the cookie signing key)."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column()


class Throttle(Base):
    """Attempts of one kind by one subject (an account, a client address), counted in a window that opens
    with the first attempt (auth/throttle.py). Subjects are stored as hashes."""

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    resets_at: Mapped[datetime] = mapped_column(index=True)


class BrowserSession(Base):
    """A signed-in browser (web/session.py). Its cookie names it; signing out deletes it, so a copy of the
    cookie stops working at once in every process."""

    __tablename__ = "browser_sessions"

    # SHA-256 of the session id the (signed) cookie carries: the table alone cannot make a cookie.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()


class LegacyCredential(IdMixin, TimestampMixin, Base):
    """An app's own credentials for one old API (auth/legacy.py): v3 and v2 had client ids and secrets of their
    own, and v2 a signing secret for `X-Signature` (kept as it is: verifying an HMAC needs the key)."""

    __tablename__ = "app_legacy_credentials"
    __table_args__ = (UniqueConstraint("app_id", "api"),)

    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    api: Mapped[str] = mapped_column(String(2))
    client_id: Mapped[str] = mapped_column(String(40), unique=True)
    client_secret_hash: Mapped[str] = mapped_column(String(64))
    signing_secret: Mapped[str | None] = mapped_column(String(64))


class SubscriptionKey(Base):
    """A developer-portal subscription key of v3 (`Ocp-Apim-Subscription-Key`): primary and secondary per app,
    stored as hashes."""

    __tablename__ = "app_subscription_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column()


class LegacyAccessToken(Base):
    """An access token of v3 or v2: opaque, 40 hexadecimal characters, valid 60 minutes, alive while its family
    is. Stored as a hash."""

    __tablename__ = "legacy_access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("token_families.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LegacyRefreshToken(Base):
    """A refresh token of v3 or v2 that a refresh replaced (auth/legacy_grants.py). The family keeps only its current
    one; these name the family a superseded one belonged to, so that presenting it again ends that family as a
    reused v3.1 refresh token does. Stored as a hash, removed with the family."""

    __tablename__ = "legacy_refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("token_families.id", ondelete="CASCADE"), index=True)
    superseded_at: Mapped[datetime] = mapped_column()
