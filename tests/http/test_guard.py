"""Request bodies on every surface (http/guard.py): limited while they stream in, timed out when they
trickle, refused in the surface's own shape; clients that go away are logged at info without a traceback.

In process (SQLite and PostgreSQL) for the shapes, then against a real `ledgerd serve` for what only a socket
shows: a 50 MB body is refused before it is all sent and the server's memory does not grow by it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import logging
import re
import select
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from ledgerd.api.resources.attachments import UPLOAD_BODY_BYTES
from ledgerd.app import create_app
from ledgerd.http.guard import FORM_BYTES
from ledgerd.runtime import Runtime
from ledgerd.web import oauth as oauth_routes
from ledgerd.web import pages
from tests.support.live import LiveServer

API_LIMIT = 4 * 1024 * 1024
API_TOO_LARGE = f"The request body exceeds the limit of {API_LIMIT} bytes."
FORM_TOO_LARGE = f"The request body exceeds the limit of {FORM_BYTES} bytes."
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
# Every page that takes a form, with its path parameters filled in.
PAGE_FORMS = sorted({re.sub(r"\{[^}]+\}", "x", route.path) for route in pages.routes
                     if isinstance(route, Route) and "POST" in (route.methods or ())})


def sage_error(data_code: str, message: str) -> list[dict[str, str]]:
    return [{"$severity": "error", "$dataCode": data_code, "$message": message, "$source": ""}]


def chunks(total: int, size: int = 64 * 1024, fill: bytes = b"a") -> Iterator[bytes]:
    for start in range(0, total, size):
        yield fill * min(size, total - start)


def test_the_form_surfaces_are_known() -> None:
    legacy = {f"{base}/{grant}" for base in ("/v3/oauth/uki", "/v3/oauth/na", "/v3/oauth/eu", "/v2/oauth")
              for grant in ("token", "revoke")}
    assert {"/token", "/oauth2/token", "/revoke", "/oauth2/revoke", *legacy} == oauth_routes.FORM_PATHS
    assert {"/login", "/signup", "/logout", "/developer/apps", "/oauth2/auth", "/oauth2/auth/central",
            "/developer/apps/x/x"} == set(PAGE_FORMS)


# ---- over the limit, in process -------------------------------------------------------------------------------

BODIES = {
    "chunked": lambda size: {"content": chunks(size)},
    "lying content-length": lambda size: {"content": b"a" * size, "headers": {"Content-Length": "10"}},
    "declared": lambda size: {"content": b"a" * size},
}


@pytest.mark.parametrize("kind", BODIES)
def test_api_body_over_the_limit_is_413(client: TestClient, kind: str) -> None:
    options = BODIES[kind](API_LIMIT + 1)
    response = client.put("/v3.1/user", headers={**JSON, **options.pop("headers", {})}, **options)
    assert response.status_code == 413
    assert response.json() == sage_error("RequestEntityTooLarge", API_TOO_LARGE)
    assert response.headers["connection"] == "close"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


@pytest.mark.parametrize("path", sorted(oauth_routes.FORM_PATHS))
@pytest.mark.parametrize("kind", BODIES)
def test_oauth_body_over_the_limit_is_413_in_rfc_6749_shape(client: TestClient, path: str, kind: str) -> None:
    options = BODIES[kind](FORM_BYTES + 1)
    response = client.post(path, headers={**FORM, **options.pop("headers", {})}, **options)
    assert response.status_code == 413
    assert response.json() == {"error": "invalid_request", "error_description": FORM_TOO_LARGE}
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["connection"] == "close"


@pytest.mark.parametrize("path", PAGE_FORMS)
@pytest.mark.parametrize("kind", BODIES)
def test_page_form_over_the_limit_is_a_413_page(client: TestClient, path: str, kind: str) -> None:
    options = BODIES[kind](FORM_BYTES + 1)
    response = client.post(path, headers={**FORM, **options.pop("headers", {})}, **options)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Request too large" in response.text and html.escape(FORM_TOO_LARGE) in response.text
    assert response.headers["connection"] == "close"


def test_form_at_the_limit_is_read(client: TestClient) -> None:
    body = b"grant_type=password&pad=" + b"a" * (FORM_BYTES - 24)
    response = client.post("/token", headers=FORM, content=body)
    assert len(body) == FORM_BYTES
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"
    assert "connection" not in response.headers


def test_uploads_keep_their_larger_limit(client: TestClient) -> None:
    # Over the API's limit but within the attachments' own: read (blank, so no JSON), then refused unauthenticated.
    response = client.post("/v3.1/attachments", headers=JSON, content=chunks(API_LIMIT + 1, fill=b" "))
    assert response.status_code == 401, response.text
    response = client.post("/v3.1/attachments", headers=JSON, content=chunks(UPLOAD_BODY_BYTES + 1))
    assert response.status_code == 413
    assert response.json() == sage_error("RequestEntityTooLarge",
                                         f"The request body exceeds the limit of {UPLOAD_BODY_BYTES} bytes.")


# ---- slow bodies and clients that go away, in process (raw ASGI) --------------------------------------------

@dataclasses.dataclass
class Answer:
    status: int | None
    headers: dict[str, str]
    body: bytes


def call(app: Any, method: str, path: str, headers: dict[str, str],
         receive: Callable[[], Awaitable[dict[str, Any]]]) -> Answer:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": b"", "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
             "headers": [(b"host", b"testserver"), *((k.lower().encode(), v.encode()) for k, v in headers.items())]}
    asyncio.run(app(scope, receive, send))
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    return Answer(start["status"] if start else None,
                  {k.decode(): v.decode() for k, v in start["headers"]} if start else {},
                  b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


def trickle(then: str) -> Callable[[], Awaitable[dict[str, Any]]]:
    """A body that sends 10 bytes, then either never sends more ("stall") or disconnects ("leave")."""
    state = {"calls": 0}

    async def receive() -> dict[str, Any]:
        state["calls"] += 1
        if state["calls"] == 1:
            return {"type": "http.request", "body": b"grant_type", "more_body": True}
        if then == "stall":
            await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    return receive


SURFACES = [("PUT", "/v3.1/user", JSON), ("POST", "/token", FORM), ("POST", "/login", FORM)]


@pytest.mark.parametrize(("method", "path", "headers"), SURFACES)
def test_a_body_that_stalls_is_408_in_the_surface_shape(runtime: Runtime, method: str, path: str,
                                                        headers: dict[str, str]) -> None:
    quick = dataclasses.replace(runtime, settings=runtime.settings.model_copy(update={"body_timeout": 0.3}))
    start = time.monotonic()
    answer = call(create_app(runtime=quick), method, path, {**headers, "content-length": "100"}, trickle("stall"))
    assert 0.3 <= time.monotonic() - start < 5
    assert answer.status == 408
    assert answer.headers["connection"] == "close"
    message = "The request body did not arrive within 0.3 s."
    if path.startswith("/v3.1/"):
        assert orjson.loads(answer.body) == sage_error("RequestTimeout", message)
    elif path == "/token":
        assert orjson.loads(answer.body) == {"error": "invalid_request", "error_description": message}
    else:
        assert answer.headers["content-type"].startswith("text/html")
        assert b"Request timed out" in answer.body and message.encode() in answer.body


@pytest.mark.parametrize(("method", "path", "headers"), SURFACES)
def test_a_client_that_goes_away_is_logged_at_info(runtime: Runtime, caplog: pytest.LogCaptureFixture,
                                                   method: str, path: str, headers: dict[str, str]) -> None:
    caplog.set_level(logging.INFO)
    answer = call(create_app(runtime=runtime), method, path, {**headers, "transfer-encoding": "chunked"},
                  trickle("leave"))
    assert answer.status is None
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records if r.name.startswith("ledgerd")] == [
        ("ledgerd.http", logging.INFO, f"client went away during {method} {path} (ClientDisconnect)")]
    assert not any(r.exc_info for r in caplog.records)


# ---- a real server -------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Exchange:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int  # body bytes the server took before it answered
    closed: bool  # the server closed the connection after its answer


def exchange(url: str, method: str, path: str, headers: dict[str, str], body: Iterator[bytes],
             chunked: bool) -> Exchange:
    """Send a request over a raw socket, the body as fast as the server takes it, until the server answers."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    if chunked:
        head += "Transfer-Encoding: chunked\r\n"
    sock.sendall((head + "\r\n").encode())
    sent = 0
    for chunk in body:
        if select.select([sock], [], [], 0)[0]:
            break  # the server has answered
        try:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(chunk)
    received = b""
    closed = False
    sock.settimeout(30)
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            closed = True
            break
        if not data:
            closed = True
            break
        received += data
        head_end = received.find(b"\r\n\r\n")
        if head_end >= 0:
            length = re.search(rb"(?im)^content-length: *(\d+)", received[:head_end])
            if length and len(received) >= head_end + 4 + int(length.group(1)):
                sock.settimeout(5)  # the answer is complete: the connection should close now
    sock.close()
    head_text, _, rest = received.partition(b"\r\n\r\n")
    lines = head_text.decode().split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    return Exchange(int(lines[0].split()[1]), {k.lower(): v for k, v in fields.items()}, rest, sent, closed)


def rss_mb(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    assert match
    return int(match.group(1)) / 1024


@pytest.fixture(scope="module")
def live(fresh_database: Callable[[str], str]) -> Iterator[LiveServer]:
    server = LiveServer(fresh_database("sqlite"), extra_env={"LEDGERD_BODY_TIMEOUT": "1", "LEDGERD_LOG_LEVEL": "info"})
    yield server
    server.stop()


FIFTY_MB = 50 * 1024 * 1024


def _shape(path: str, answer: Exchange, status: int, message: str) -> None:
    assert answer.status == status, answer.body[:300]
    if path.startswith("/v3.1/"):
        assert orjson.loads(answer.body)[0]["$message"] == message
    elif path in oauth_routes.FORM_PATHS:
        assert orjson.loads(answer.body) == {"error": "invalid_request", "error_description": message}
    else:
        assert answer.headers["content-type"].startswith("text/html")
        assert html.escape(message).encode() in answer.body


@pytest.mark.server
@pytest.mark.parametrize(("method", "path", "headers"), SURFACES)
def test_live_50_mb_bodies_are_refused_while_they_stream(live: LiveServer, method: str, path: str,
                                                         headers: dict[str, str]) -> None:
    limit = API_LIMIT if path.startswith("/v3.1/") else FORM_BYTES
    message = f"The request body exceeds the limit of {limit} bytes."
    before = rss_mb(live.process.pid)
    # Chunked, with no length announced: refused once the limit is passed, long before 50 MB are sent.
    answer = exchange(live.url, method, path, headers, chunks(FIFTY_MB), chunked=True)
    _shape(path, answer, 413, message)
    assert answer.closed and answer.sent < FIFTY_MB // 4
    # An honest length over the limit: refused before any of the body is sent.
    answer = exchange(live.url, method, path, {**headers, "Content-Length": str(FIFTY_MB)}, chunks(FIFTY_MB),
                      chunked=False)
    _shape(path, answer, 413, message)
    assert answer.closed and answer.sent < FIFTY_MB // 4
    # A lying length (1,000 bytes announced, 50 MB sent): the server reads 1,000 and answers; the rest is never a
    # request of its own.
    answer = exchange(live.url, method, path, {**headers, "Content-Length": "1000"}, chunks(FIFTY_MB, 1000),
                      chunked=False)
    assert 400 <= answer.status < 500 and answer.closed and answer.sent < FIFTY_MB // 4
    assert rss_mb(live.process.pid) - before < 30


@pytest.mark.server
@pytest.mark.parametrize(("method", "path", "headers"), SURFACES)
def test_live_slow_body_is_408_and_closed(live: LiveServer, method: str, path: str, headers: dict[str, str]) -> None:
    def slow() -> Iterator[bytes]:
        yield b"grant_type"
        time.sleep(3)  # the server answers meanwhile, after its 1 s
        yield b"=x"

    start = time.monotonic()
    answer = exchange(live.url, method, path, {**headers, "Content-Length": "100"}, slow(), chunked=False)
    assert time.monotonic() - start < 10
    _shape(path, answer, 408, "The request body did not arrive within 1 s.")
    assert answer.closed and answer.headers["connection"] == "close"


@pytest.mark.server
def test_live_clients_that_go_away_are_logged_at_info_without_traceback(live: LiveServer) -> None:
    host, port = live.url.removeprefix("http://").split(":")
    for method, path, headers in SURFACES:
        sock = socket.create_connection((host, int(port)))
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n" + \
            "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall((head + "\r\n").encode() + b"grant_type")
        time.sleep(0.2)
        sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        log = live.log.read_text(errors="replace")
        if log.count("client went away") >= len(SURFACES):
            break
        time.sleep(0.1)
    for method, path, _ in SURFACES:
        assert f"INFO:ledgerd.http:client went away during {method} {path} (ClientDisconnect)" in log
    assert "Traceback" not in log and "ERROR" not in log
