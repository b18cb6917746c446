"""Security headers: no response can be framed, and a page loads nothing but what it carries.

Pages are rendered here (`page`) with a Content-Security-Policy of their own: nothing may load (`default-src
'none'`) except the page's one inline `<style>` (and, on pages that ask for it, its inline `<script>`, which may
fetch from this site), allowed by a nonce made for that response alone. Every other
response gets `FALLBACK` from `SecurityHeaders`, which also sends `X-Frame-Options: DENY` (for browsers older
than `frame-ancestors`). `form-action` is left out on purpose: the consent form's answer is a redirect to the
client's callback on another site, and browsers apply `form-action` to that redirect too.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "Content-Security-Policy"
# JSON, files, redirects, plain-text errors: nothing to load, never framed, and a browser opening one (an
# attachment of type text/html, say) runs it in a sandbox with no scripts and no origin.
FALLBACK = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; sandbox"
_HEADERS = [(b"x-frame-options", b"DENY")]
_FALLBACK = [(CSP.lower().encode(), FALLBACK.encode()), *_HEADERS]


def page_policy(nonce: str, *, scripts: bool = False) -> str:
    """A page's policy; with `scripts`, its `<script nonce="…">` may run and fetch from this site only."""
    script = f" script-src 'nonce-{nonce}'; connect-src 'self';" if scripts else ""
    return f"default-src 'none'; style-src 'nonce-{nonce}';{script} base-uri 'none'; frame-ancestors 'none'"


def page(render: Callable[[str], str], status_code: int = 200, *, scripts: bool = False) -> HTMLResponse:
    """An HTML page: `render(nonce)` gives its HTML, whose `<style nonce="…">` (and, with `scripts`, whose
    `<script nonce="…">`) the policy allows."""
    nonce = secrets.token_urlsafe(16)
    return HTMLResponse(render(nonce), status_code=status_code, headers={CSP: page_policy(nonce, scripts=scripts)})


class SecurityHeaders:
    """ASGI middleware: `X-Frame-Options: DENY` on every response, and `FALLBACK` where no policy was set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                has_policy = any(name.lower() == b"content-security-policy" for name, _ in headers)
                message = {**message, "headers": headers + (_HEADERS if has_policy else _FALLBACK)}
            await send(message)

        await self.app(scope, receive, send_with_headers)
