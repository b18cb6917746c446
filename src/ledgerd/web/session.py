"""Browser sessions: a signed cookie naming a session kept in the database, and CSRF double-submit.

Any process can serve any page: the session row is shared through the database. Signing out deletes the
row, so the cookie (or a copy of it) stops working at once, before its 12 hours are up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from ledgerd.auth.models import BrowserSession
from ledgerd.clock import Clock
from ledgerd.passwords import hash_secret
from ledgerd.tenancy.models import User

SESSION_COOKIE = "ledgerd_session"
CSRF_COOKIE = "ledgerd_csrf"
SESSION_TTL = 12 * 3600


def _sign(secret: bytes, payload: bytes) -> str:
    mac = hmac.new(secret, payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(payload).decode() + "." + base64.urlsafe_b64encode(mac).decode()


def _unsign(secret: bytes, value: str) -> bytes | None:
    try:
        body, mac = value.split(".", 1)
        payload = base64.urlsafe_b64decode(body)
        expected = hmac.new(secret, payload, hashlib.sha256).digest()
        if hmac.compare_digest(expected, base64.urlsafe_b64decode(mac)):
            return payload
    except (ValueError, TypeError):
        pass
    return None


def session_id(request: Request, secret: bytes, now: int) -> str | None:
    """The session the request's cookie names, if the cookie is ours and not expired."""
    raw = request.cookies.get(SESSION_COOKIE)
    payload = _unsign(secret, raw) if raw else None
    if payload is None:
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("exp"), int) or data["exp"] <= now:
        return None
    sid = data.get("sid")
    return sid if isinstance(sid, str) else None


def session_user(db: Session, request: Request, secret: bytes, clock: Clock) -> User | None:
    """The signed-in user: the cookie's session must still exist (not signed out, not expired)."""
    sid = session_id(request, secret, clock.timestamp())
    if sid is None:
        return None
    return db.scalar(select(User).join(BrowserSession, BrowserSession.user_id == User.id)
                     .where(BrowserSession.id_hash == hash_secret(sid), BrowserSession.expires_at > clock.now()))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def open_session(db: Session, clock: Clock, request: Request, secret: bytes, user_id: str) -> str:
    """A new session for `user_id` (a new id at every sign-in); the browser's previous one, if any, ends.
    Returns the cookie value for `start_session`."""
    now = clock.now()
    previous = session_id(request, secret, clock.timestamp())
    if previous is not None:
        db.execute(delete(BrowserSession).where(BrowserSession.id_hash == hash_secret(previous)))
    db.execute(delete(BrowserSession).where(BrowserSession.user_id == user_id, BrowserSession.expires_at <= now))
    sid = secrets.token_urlsafe(32)
    db.add(BrowserSession(id_hash=hash_secret(sid), user_id=user_id, created_at=now,
                          expires_at=now + timedelta(seconds=SESSION_TTL)))
    db.flush()
    return _sign(secret, json.dumps({"sid": sid, "exp": clock.timestamp() + SESSION_TTL}).encode())


def start_session(response: Response, request: Request, cookie: str) -> None:
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_TTL, httponly=True, samesite="lax",
                        secure=_secure(request), path="/")


def close_session(db: Session, request: Request, secret: bytes, clock: Clock) -> None:
    """Sign out: the cookie's session is deleted, wherever its copies are."""
    sid = session_id(request, secret, clock.timestamp())
    if sid is not None:
        db.execute(delete(BrowserSession).where(BrowserSession.id_hash == hash_secret(sid)))


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(request: Request) -> str:
    """The double-submit token: the cookie's value, or a new one (the caller sets it with `keep_csrf`)."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def keep_csrf(response: Response, request: Request, token: str) -> None:
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request), path="/")


def csrf_ok(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    # As bytes: compare_digest refuses str with non-ASCII characters, which a forged form may well send.
    return bool(cookie and submitted and hmac.compare_digest(cookie.encode(), submitted.encode()))
