"""One call of an old API answered by the v3.1 route it maps to, in the same process.

An adapter (v3.py, v2.py) authenticates the call its own way, then `forward`s it: the same ASGI scope with the
v3.1 path and query, the business chosen (`X-Business`), the principal handed on (`pipeline.PRINCIPAL`: the
pipeline does not look for a JWT) and, when the adapter rewrote it, a new body. Every step of the v3.1 pipeline
runs as for a v3.1 call — business, roles, idempotency, validation, the handler, `show_legacy_id` — so no rule
exists twice. The answer comes back whole (`Answer`) for the adapter to present in its dialect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope

from ledgerd.api.bearer import Principal
from ledgerd.api.pipeline import PRINCIPAL

API_ROOT = "/v3.1"


@dataclass
class Answer:
    """The v3.1 route's answer: status, headers (lower-case names) and the whole body."""

    status: int
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        return next((v.decode("latin-1") for k, v in self.headers if k.lower() == wanted), None)

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None


def _replaced(headers: Iterable[tuple[bytes, bytes]], drop: set[bytes],
              add: dict[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() not in drop and k.lower() not in add]
    return kept + list(add.items())


async def forward(api: ASGIApp, scope: Scope, receive: Receive, *, path: str, query_string: bytes,
                  principal: Principal, business_id: str | None, body: bytes | None = None,
                  content_type: str | None = None, drop_headers: Iterable[str] = ()) -> Answer:
    """Serve `scope` as the v3.1 call `path` (below /v3.1, e.g. `/contacts/abc`) with `query_string`. `body`
    (with its `content_type`) replaces the request's body; None keeps it. `drop_headers` are not passed on."""
    add: dict[bytes, bytes] = {}
    if business_id:
        add[b"x-business"] = business_id.encode()
    drop = {name.lower().encode() for name in drop_headers} | {b"x-business"}
    if body is not None:
        drop |= {b"content-length", b"transfer-encoding", b"content-type"}
        add[b"content-length"] = str(len(body)).encode()
        if content_type:
            add[b"content-type"] = content_type.encode()
    full = API_ROOT + path
    inner = {**scope, "path": full, "raw_path": full.encode(), "root_path": API_ROOT, "query_string": query_string,
             "headers": _replaced(scope["headers"], drop, add), PRINCIPAL: principal}
    inner.pop("path_params", None)
    inner.pop("endpoint", None)
    inner.pop("route", None)

    async def receive_body() -> Message:
        nonlocal body
        if body is None:
            return await receive()
        sent, body = body, b""
        return {"type": "http.request", "body": sent, "more_body": False}

    answer = Answer(status=500)
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = list(message.get("headers", ()))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await api(inner, receive_body if body is not None else receive, capture)
    except HTTPException as exc:  # no v3.1 route (404) or not that method (405): the adapter words it
        return Answer(status=exc.status_code, headers=[(k.lower().encode(), v.encode())
                                                      for k, v in (exc.headers or {}).items()])
    answer.body = b"".join(chunks)
    return answer
