"""Browser sessions in signed cookies (no server-side state, so any process can serve any page)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from starlette.requests import Request
from starlette.responses import Response

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


def session_user_id(request: Request, secret: bytes, now: int) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    payload = _unsign(secret, raw) if raw else None
    if payload is None:
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict) or int(data.get("exp", 0)) <= now:
        return None
    uid = data.get("uid")
    return uid if isinstance(uid, str) else None


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def start_session(response: Response, request: Request, secret: bytes, user_id: str, now: int) -> None:
    value = _sign(secret, json.dumps({"uid": user_id, "exp": now + SESSION_TTL}).encode())
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_TTL, httponly=True, samesite="lax",
                        secure=_secure(request), path="/")


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
