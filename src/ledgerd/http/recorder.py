"""Every request's id, its entry in the request journal and its line in the access log.

`RequestRecorder` is the outermost middleware (`create_app` installs it when the journal or the access log is on).
It gives each request an id, kept in the scope under `REQUEST_ID`: the API pipeline answers errors and logs with
it, and every answer carries it as `X-Request-Id`. For the surfaces the journal covers (`surface` says which:
the API, ledgerd's own endpoints, OAuth), it notes the request and its answer as they pass, keeping the first
`journal_body_bytes` of each body, and hands the `Exchange` to the process's journal (sandbox/journal.py), which
writes it later, off the request's path. Who called and in which business is told by the layers that find out
(`identify`: the API pipeline, the OAuth endpoints, the authorization page).

The access log is one line per request on stdout (`AccessLog`): UTC time, method, path (never the query string,
which may carry secrets), status, milliseconds and request id.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Literal, TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerd.clock import Clock
from ledgerd.sandbox.journal import Exchange, Journal

REQUEST_ID = "ledgerd.request_id"  # the scope key of the request's id
_CALLER = "ledgerd.caller"
# Which surface a path belongs to, for the journal: the API and ledgerd's own endpoints, OAuth (whose parameters
# name codes and tokens, secrets there), or None: not journalled (pages, the journal's own reads).
Surface = Callable[[str], Literal["api", "oauth"] | None]


def identify(scope: Scope, *, client_id: str | None = None, user_id: str | None = None,
             business_id: str | None = None) -> None:
    """Note the app, the user and the business of a request, for its journal entry."""
    caller: dict[str, str] = scope.setdefault(_CALLER, {})
    if client_id:
        caller["client_id"] = client_id
    if user_id:
        caller["user_id"] = user_id
    if business_id:
        caller["business_id"] = business_id


class AccessLog:
    """Access log lines written straight to a stream, each flushed at once. Not through `logging`: its record,
    formatter and handler cost a tenth of a light API request; this costs a few microseconds."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._second = -1
        self._stamp = ""

    def line(self, method: str, path: str, status: int | None, ms: float, request_id: str) -> None:
        now = time.time()
        second = int(now)
        if second != self._second:  # the date and time to the second, formatted once a second
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        self.stream.write(f"{self._stamp}.{int(now * 1000) % 1000:03d}Z {method} {path} {status or '-'} {ms:.1f}ms "
                          f"{request_id}\n")
        self.stream.flush()


def _with_id(message: Message, request_id: str) -> Message:
    headers = message.get("headers", [])
    if any(name == b"x-request-id" for name, _ in headers):
        return message
    return {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}


class RequestRecorder:
    """The ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, *, journal: Journal | None, clock: Clock, access: AccessLog | None,
                 surface: Surface) -> None:
        self.app = app
        self.journal = journal
        self.clock = clock
        self.access = access
        self.surface = surface

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope[REQUEST_ID] = secrets.token_hex(16)
        began = time.perf_counter()
        journal = self.journal
        surface = self.surface(scope["path"]) if journal is not None else None
        exchange: Exchange | None = None
        limit = 0
        if journal is not None and surface is not None:
            exchange = Exchange(at=self.clock.now(), method=scope["method"], path=scope["path"],
                                query=scope["query_string"], request_id=request_id, oauth=surface == "oauth",
                                request_headers=scope["headers"])
            limit = journal.body_bytes
            receive = _noting_body(receive, exchange, limit)
        status: int | None = None

        async def send_noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                message = _with_id(message, request_id)
                status = message["status"]
                if exchange is not None:
                    exchange.status = status
                    exchange.response_headers = message["headers"]
            elif exchange is not None and message["type"] == "http.response.body":
                chunk: bytes = message.get("body", b"")
                _keep(exchange.response_body, exchange.response_bytes, chunk, limit)
                exchange.response_bytes += len(chunk)
            await send(message)

        try:
            await self.app(scope, receive, send_noted)
        except Exception:
            if status is None:  # Starlette's outermost handler answers 500
                status = 500
                if exchange is not None:
                    exchange.status = 500
            raise
        finally:
            elapsed = (time.perf_counter() - began) * 1000
            if exchange is not None and journal is not None:
                exchange.duration_ms = elapsed
                caller = scope.get(_CALLER)
                if caller:
                    exchange.client_id = caller.get("client_id")
                    exchange.user_id = caller.get("user_id")
                    exchange.business_id = caller.get("business_id")
                journal.record(exchange)
            if self.access is not None:
                self.access.line(scope["method"], scope["path"], status, elapsed, request_id)


def _keep(kept: list[bytes], seen: int, chunk: bytes, limit: int) -> None:
    """Keep the part of `chunk` that falls within the first `limit` bytes of its body."""
    if seen < limit and chunk:
        kept.append(chunk[:limit - seen])


def _noting_body(receive: Receive, exchange: Exchange, limit: int) -> Receive:
    async def receive_noted() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            chunk: bytes = message.get("body", b"")
            _keep(exchange.request_body, exchange.request_bytes, chunk, limit)
            exchange.request_bytes += len(chunk)
        return message

    return receive_noted
