"""The request body guard (http/guard.py) driven as ASGI with no server: the limit counts what streams in, a
declared length past it is refused before anything is read, the deadline runs from the first read, a refusal
closes the connection, and a route may raise (never lower) its own limit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send

from ledgerd.http.errors import ApiError, PayloadTooLarge, RequestTimeout, status_of
from ledgerd.http.guard import FORM_BYTES, RequestGuard, allow_body

API_LIMIT = 1000
Reader = Callable[[Scope, Receive], Awaitable[bytes]]


async def read_all(scope: Scope, receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body


def refusal(scope: Scope, error: ApiError) -> Response:
    return PlainTextResponse(f"{status_of(error)} {error.message}", status_code=status_of(error))


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[bytes, bytes]
    seen: list[bytes]  # the bodies the app read
    taken: int  # messages taken from the client


def serve(path: str, chunks: list[bytes], *, headers: list[tuple[bytes, bytes]] | None = None,
          read: Reader = read_all, delay: float = 0.0, timeout: float = 5.0) -> Answer:
    """Send a request through the guard to an app that answers 200 with the length of what it read."""
    seen: list[bytes] = []
    taken: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = await read(scope, receive)
        seen.append(body)
        await PlainTextResponse(f"read {len(body)}")(scope, receive, send)

    messages: list[Message] = [{"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
                               for i, chunk in enumerate(chunks)]
    sent: list[Message] = []

    async def receive() -> Message:
        if not messages:
            await asyncio.sleep(60)
            return {"type": "http.disconnect"}
        if delay:
            await asyncio.sleep(delay)
        taken.append(messages.pop(0))
        return taken[-1]

    async def send(message: Message) -> None:
        sent.append(message)

    total = sum(len(c) for c in chunks)
    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": path,
                             "headers": headers if headers is not None else [(b"content-length", str(total).encode())]}
    guard = RequestGuard(app, api_limit=API_LIMIT, timeout=timeout, api_prefixes=("/v3.1",), refusal=refusal)
    asyncio.run(guard(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(start["status"], body, dict(start["headers"]), seen, len(taken))


def test_a_body_within_the_limit_is_read_whole() -> None:
    answer = serve("/v3.1/contacts", [b"a" * 600, b"b" * 400])
    assert (answer.status, answer.body, answer.seen, answer.taken) == (200, b"read 1000", [b"a" * 600 + b"b" * 400], 2)
    assert b"connection" not in answer.headers


def test_a_body_that_streams_past_the_limit_is_413_and_closes() -> None:
    answer = serve("/v3.1/contacts", [b"a" * 600, b"b" * 401], headers=[(b"transfer-encoding", b"chunked")])
    assert (answer.status, answer.seen) == (413, [])
    assert answer.body == b"413 The request body exceeds the limit of 1000 bytes."
    assert answer.headers[b"connection"] == b"close"


def test_a_declared_length_past_the_limit_is_refused_before_reading() -> None:
    answer = serve("/v3.1/contacts", [b"x"], headers=[(b"content-length", b"1001")])
    assert (answer.status, answer.taken) == (413, 0)


def test_forms_have_their_own_smaller_limit() -> None:
    assert serve("/developer/apps", [b"f" * FORM_BYTES]).status == 200
    assert serve("/developer/apps", [b"f" * (FORM_BYTES + 1)]).status == 413
    assert serve("/v3.1x/not-the-api", [b"f" * (API_LIMIT + 1)]).status == 200  # a prefix is a whole path segment


def test_a_route_may_raise_its_limit_but_never_lower_it() -> None:
    async def raised(scope: Scope, receive: Receive) -> bytes:
        allow_body(scope, 5000)
        return await read_all(scope, receive)

    async def lowered(scope: Scope, receive: Receive) -> bytes:
        allow_body(scope, 10)
        return await read_all(scope, receive)

    assert serve("/v3.1/attachments", [b"u" * 4000], read=raised).status == 200
    assert serve("/v3.1/attachments", [b"u" * 5001], read=raised).status == 413
    assert serve("/v3.1/contacts", [b"u" * 900], read=lowered).status == 200


def test_a_body_that_does_not_arrive_in_time_is_408() -> None:
    answer = serve("/v3.1/contacts", [b"a", b"b"], delay=0.2, timeout=0.05)
    assert (answer.status, answer.body) == (408, b"408 The request body did not arrive within 0.05 s.")
    assert answer.headers[b"connection"] == b"close"


@pytest.mark.parametrize("headers", [[], [(b"content-length", b"0")]])
def test_a_request_without_a_body_is_not_guarded(headers: list[tuple[bytes, bytes]]) -> None:
    answer = serve("/v3.1/contacts", [b""], headers=headers)
    assert (answer.status, answer.body) == (200, b"read 0")


def test_an_error_the_app_answers_itself_is_left_to_it() -> None:
    async def answers(scope: Scope, receive: Receive) -> bytes:
        try:
            return await read_all(scope, receive)
        except PayloadTooLarge:
            return b"refused by the app"

    answer = serve("/v3.1/contacts", [b"a" * 1001], read=answers)
    assert (answer.status, answer.seen) == (200, [b"refused by the app"])


def test_an_error_of_the_app_after_the_body_is_not_the_guards() -> None:
    async def fails(scope: Scope, receive: Receive) -> bytes:
        await read_all(scope, receive)
        raise RequestTimeout("the app's own")

    with pytest.raises(RequestTimeout, match="the app's own"):
        serve("/v3.1/contacts", [b"a"], read=fails)
