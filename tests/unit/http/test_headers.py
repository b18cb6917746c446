"""Security headers (http/headers.py): every response refuses framing; a page may load only its own style."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from ledgerd.http.headers import CSP, FALLBACK, SecurityHeaders, page, page_policy


def test_a_page_allows_its_own_nonce_and_nothing_else() -> None:
    response = page(lambda nonce: f'<style nonce="{nonce}">p{{}}</style>', status_code=404)
    policy = response.headers[CSP.lower()]
    nonce = re.fullmatch(r"default-src 'none'; style-src 'nonce-([A-Za-z0-9_-]+)'; base-uri 'none'; "
                         r"frame-ancestors 'none'", policy)
    assert nonce is not None
    assert f'nonce="{nonce.group(1)}"'.encode() in response.body
    assert response.status_code == 404
    assert len(nonce.group(1)) >= 16


def test_each_page_gets_a_new_nonce() -> None:
    policies = {page(lambda nonce: nonce).headers[CSP.lower()] for _ in range(5)}
    assert len(policies) == 5
    assert page_policy("abc") == "default-src 'none'; style-src 'nonce-abc'; base-uri 'none'; frame-ancestors 'none'"


def _headers_sent(scope: Scope, headers: list[tuple[bytes, bytes]]) -> list[Message]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"x"})

    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(SecurityHeaders(app)(scope, receive, send))
    return sent


HTTP: dict[str, Any] = {"type": "http", "method": "GET", "path": "/", "headers": []}


def test_a_response_without_a_policy_gets_the_fallback_and_deny() -> None:
    start, rest = _headers_sent(HTTP, [(b"content-type", b"application/json")])
    assert start["headers"] == [(b"content-type", b"application/json"),
                                (b"content-security-policy", FALLBACK.encode()), (b"x-frame-options", b"DENY")]
    assert rest == {"type": "http.response.body", "body": b"x"}
    assert "sandbox" in FALLBACK and "frame-ancestors 'none'" in FALLBACK


def test_a_response_with_its_own_policy_keeps_it_and_gets_deny() -> None:
    own = (b"Content-Security-Policy", page_policy("n").encode())
    start, _ = _headers_sent(HTTP, [own])
    assert start["headers"] == [own, (b"x-frame-options", b"DENY")]


def test_other_scopes_pass_through_untouched() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])
        await send({"type": "lifespan.startup.complete"})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    asyncio.run(SecurityHeaders(app)({"type": "lifespan"}, receive, send))
    assert (seen, sent) == (["lifespan"], [{"type": "lifespan.startup.complete"}])
