"""Request bodies, for every route: a size limit checked while the body streams in, a deadline for it to
arrive, each refusal answered in its surface's shape; and clients that go away, logged without a traceback.

One ASGI middleware (`RequestGuard`, outermost in `create_app`) wraps `receive`, so whoever reads a body
(the API pipeline, the OAuth endpoints, the pages' forms, Starlette's form parser) reads it through the same
checks and never holds more than the limit. A refusal is raised from `receive` as `PayloadTooLarge` (413)
or `RequestTimeout` (408): the API pipeline answers it like any `ApiError` (Sage's error array); when it
escapes a route, the middleware has `refusal` answer it in that route's shape (app.py: RFC 6749 JSON on
/token and /revoke, an HTML page elsewhere). Either way the connection is closed after the answer: the rest
of the body is not read. Limits: the API's is `max_body_bytes` (a route may raise it for itself:
`allow_body`), forms' (OAuth endpoints and pages) `FORM_BYTES`. See docs/decisions/http.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerd.http.errors import ApiError, PayloadTooLarge, RequestTimeout

log = logging.getLogger("ledgerd.http")
# How a surface answers a request refused before its route ran (by this guard or the edge's TextGuard): Sage's
# error array, RFC 6749's error, or a page, chosen by path (`create_app` passes it in).
Refusal = Callable[[Scope, ApiError], Response]

# Forms are a few short fields; 64 KiB is far more than the largest (a page of callback URLs) needs.
FORM_BYTES = 64 * 1024
_SCOPE_KEY = "ledgerd.body"


class _Body:
    """One request's body as the app reads it: counted, timed, refused past the limit or the deadline."""

    __slots__ = ("deadline", "declared", "done", "limit", "receive", "refused", "size", "timeout")

    def __init__(self, receive: Receive, limit: int, timeout: float, declared: int | None) -> None:
        self.receive = receive
        self.limit = limit
        self.timeout = timeout
        self.declared = declared
        self.deadline: float | None = None
        self.size = 0
        self.done = False
        self.refused: ApiError | None = None

    def _refuse(self, error: ApiError) -> ApiError:
        self.refused = error
        self.done = True
        return error

    def _too_large(self) -> ApiError:
        return self._refuse(PayloadTooLarge(f"The request body exceeds the limit of {self.limit} bytes."))

    async def read(self) -> Message:
        if self.done:  # the body is in (or refused): later calls wait for the disconnect, untimed
            return await self.receive()
        if self.deadline is None:  # the first read: the clock starts now
            if self.declared is not None and self.declared > self.limit:
                raise self._too_large()
            self.deadline = asyncio.get_running_loop().time() + self.timeout
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self.receive()
        except TimeoutError:
            raise self._refuse(RequestTimeout(
                f"The request body did not arrive within {self.timeout:g} s.")) from None
        if message["type"] != "http.request":
            self.done = True
            return message
        self.size += len(message.get("body", b""))
        if self.size > self.limit:
            raise self._too_large()
        if not message.get("more_body", False):
            self.done = True
        return message


def allow_body(scope: Scope, limit: int) -> None:
    """Raise (never lower) the body limit of this request, before its body is read (e.g. file uploads)."""
    body = scope.get(_SCOPE_KEY)
    if isinstance(body, _Body):
        body.limit = max(body.limit, limit)


def _has_body(scope: Scope) -> tuple[bool, int | None]:
    """Whether the request may have a body (RFC 9112 §6.3), and its declared length."""
    chunked, declared = False, None
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = int(value) if value.isdigit() else None
            if declared == 0:
                return False, 0
            chunked = chunked or declared is None
        elif name == b"transfer-encoding":
            chunked = True
    return chunked or declared is not None, declared


class RequestGuard:
    """The ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, *, api_limit: int, timeout: float, api_prefixes: tuple[str, ...],
                 refusal: Refusal) -> None:
        self.app = app
        self.api_limit = api_limit
        self.timeout = timeout
        self.api_prefixes = tuple(prefix.rstrip("/") + "/" for prefix in api_prefixes)
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self._serve(scope, receive, send)
        except (ClientDisconnect, ConnectionError) as exc:
            # Nobody is left to answer; not a server fault, so no traceback.
            log.info("client went away during %s %s (%s)", scope["method"], scope["path"], type(exc).__name__)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        has_body, declared = _has_body(scope)
        if not has_body:
            await self.app(scope, receive, send)
            return
        limit = self.api_limit if scope["path"].startswith(self.api_prefixes) else FORM_BYTES
        body = scope[_SCOPE_KEY] = _Body(receive, limit, self.timeout, declared)
        started = False

        async def send_noted(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if body.refused is not None:
                    # The unread rest of the body must not be taken for the next request.
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, body.read, send_noted)
        except ApiError as exc:
            if exc is not body.refused or started:
                raise
            await self.refusal(scope, exc)(scope, body.read, send_noted)
