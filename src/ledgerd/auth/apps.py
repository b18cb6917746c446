"""Registered client applications: credentials and callback URLs."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ledgerd.auth.models import MAX_REDIRECT_URIS, App, AuthorizationCode, RedirectUri, TokenFamily
from ledgerd.auth.server import revoke_families
from ledgerd.clock import Clock
from ledgerd.errors import Invalid, NotFound
from ledgerd.passwords import hash_secret
from ledgerd.tenancy.models import User

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def check_redirect_uri(uri: str) -> str:
    """Callback URLs are absolute, have no fragment, and use https (http only for loopback hosts)."""
    uri = uri.strip()
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise Invalid(f"{uri!r} is not a valid URL.", "redirect_uri") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Invalid(f"{uri!r} must be an absolute http(s) URL.", "redirect_uri")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise Invalid(f"{uri!r} must use https (http is allowed for localhost only).", "redirect_uri")
    if parts.fragment:
        raise Invalid(f"{uri!r} must not contain a fragment.", "redirect_uri")
    if len(uri) > 2000:
        raise Invalid("Callback URLs are limited to 2000 characters.", "redirect_uri")
    return uri


def new_client_id() -> str:
    """Shaped like Sage's v3.1 client ids: two UUIDs joined by a slash."""
    return f"{uuid.uuid4()}/{uuid.uuid4()}"


def create_app(db: Session, clock: Clock, *, owner: User, name: str, redirect_uris: list[str]) -> tuple[App, str]:
    """Register an app; returns it with its client secret, which is never shown again."""
    name = name.strip()
    if not name:
        raise Invalid("The app name is required.", "name")
    uris = list(dict.fromkeys(check_redirect_uri(u) for u in redirect_uris if u.strip()))
    if not uris:
        raise Invalid("Register at least one callback URL.", "redirect_uri")
    if len(uris) > MAX_REDIRECT_URIS:
        raise Invalid(f"An app can have at most {MAX_REDIRECT_URIS} callback URLs.", "redirect_uri")
    secret = secrets.token_urlsafe(24)
    now = clock.now()
    app = App(client_id=new_client_id(), client_secret_hash=hash_secret(secret), name=name[:100],
              owner_id=owner.id, created_at=now, updated_at=now)
    app.redirect_uris = [RedirectUri(uri=u, position=i) for i, u in enumerate(uris)]
    db.add(app)
    db.flush()
    return app, secret


def add_callback(db: Session, clock: Clock, app: App, uri: str) -> None:
    uri = check_redirect_uri(uri)
    if uri in app.callback_urls:
        raise Invalid("That callback URL is already registered.", "redirect_uri")
    if len(app.redirect_uris) >= MAX_REDIRECT_URIS:
        raise Invalid(f"An app can have at most {MAX_REDIRECT_URIS} callback URLs.", "redirect_uri")
    position = max((r.position for r in app.redirect_uris), default=-1) + 1
    app.redirect_uris.append(RedirectUri(uri=uri, position=position))
    app.updated_at = clock.now()
    db.flush()


def remove_callback(db: Session, clock: Clock, app: App, uri: str) -> None:
    kept = [r for r in app.redirect_uris if r.uri != uri]
    if len(kept) == len(app.redirect_uris):
        raise NotFound("That callback URL is not registered.")
    if not kept:
        raise Invalid("An app needs at least one callback URL.", "redirect_uri")
    app.redirect_uris = kept
    app.updated_at = clock.now()
    db.flush()


def rotate_secret(db: Session, clock: Clock, app: App, secret: str | None = None) -> str:
    """Give `app` a new client secret (`secret`, or a random one) and return it."""
    secret = secret or secrets.token_urlsafe(24)
    app.client_secret_hash = hash_secret(secret)
    app.updated_at = clock.now()
    db.flush()
    return secret


def delete_app(db: Session, clock: Clock, app: App) -> list[str]:
    """Remove an app: its token families are revoked (every user's; their tokens stop working at once), then
    removed with its codes and callbacks. The ids of the families it revoked."""
    revoked = revoke_families(db, clock, TokenFamily.app_id == app.id, "app_deleted")
    db.execute(delete(AuthorizationCode).where(AuthorizationCode.app_id == app.id))
    db.execute(delete(TokenFamily).where(TokenFamily.app_id == app.id))
    db.delete(app)
    db.flush()
    return revoked
