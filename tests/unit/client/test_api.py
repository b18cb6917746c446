"""`SageClient` against a small in-memory stand-in for a flaky server: retries on 429, 5xx and broken
connections, and one refresh for many concurrent 401s. (Against ledgerd itself: tests/client/test_api.py.)"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from ledgerd.client.api import SageClient, with_idempotency_id
from ledgerd.client.errors import ServerError, Unauthorized
from ledgerd.client.oauth import Endpoints, OAuthClient, TokenSet

BASE = "https://sage.example"


def tokens(n: int) -> dict[str, object]:
    return {"access_token": f"access-{n}", "refresh_token": f"refresh-{n}", "expires_in": 300,
            "refresh_token_expires_in": 2678400, "scope": "full_access", "token_type": "bearer"}


def client(handler: Callable[[httpx.Request], httpx.Response], waits: list[float] | None = None) -> SageClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    oauth = OAuthClient("id", "secret", "https://app.example/cb", endpoints=Endpoints.under(BASE), http=http)
    return SageClient(TokenSet.from_response(tokens(0)), oauth, sleep=(waits if waits is not None else []).append)


def test_retries_wait_as_retry_after_asks_then_back_off() -> None:
    answers = [httpx.Response(429, json=[], headers={"Retry-After": "3"}), httpx.Response(503, json=[]),
               httpx.Response(200, json={"ok": True})]
    waits: list[float] = []
    api = client(lambda request: answers.pop(0), waits)
    assert api.request("GET", "/user", retries=2).json() == {"ok": True}
    assert waits == [3.0, 1.0]


def test_retries_give_up_with_the_last_error() -> None:
    api = client(lambda request: httpx.Response(500, json=[{"$severity": "error", "$dataCode": "Oops",
                                                            "$message": "down", "$source": ""}]))
    with pytest.raises(ServerError) as failed:
        api.request("GET", "/user", retries=2)
    assert failed.value.code == "Oops"


def test_a_post_with_an_idempotency_id_is_repeated_after_a_dropped_connection() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        if len(seen) == 1:
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        return httpx.Response(201, json={"id": "c1"})

    api = client(handler)
    assert api.post("/contacts", {"contact": {"name": "A"}}, idempotency_id="k" * 32, retries=1) == {"id": "c1"}
    assert len(seen) == 2 and seen[0] == seen[1] and b'"idempotency_id":"' + b"k" * 32 in seen[0]


def test_idempotency_id_goes_inside_the_wrapper() -> None:
    assert with_idempotency_id({"contact": {"name": "A"}}, "k") == {"contact": {"name": "A", "idempotency_id": "k"}}
    with pytest.raises(ValueError):
        with_idempotency_id({"name": "A"}, "k")


def test_concurrent_401s_refresh_once() -> None:
    refreshes: list[str] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            with lock:
                refreshes.append(request.content.decode())
                return httpx.Response(200, json=tokens(len(refreshes)))
        if request.headers["Authorization"] == "Bearer access-0":
            return httpx.Response(401, json=[{"$severity": "error", "$dataCode": "AuthorizationFailure",
                                              "$message": "The access token has expired.", "$source": ""}])
        return httpx.Response(200, json={"auth": request.headers["Authorization"]})

    api = client(handler)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(api.get("/user"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(refreshes) == 1 and "refresh_token=refresh-0" in refreshes[0]
    assert results == [{"auth": "Bearer access-1"}] * 8 and api.tokens.refresh_token == "refresh-1"


def test_no_refresh_for_no_active_subscription() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path != "/token"
        return httpx.Response(401, json=[{"$severity": "error", "$dataCode": "AuthorizationFailure",
                                          "$message": "No active subscription. (MSE)", "$source": ""}])

    with pytest.raises(Unauthorized, match="No active subscription"):
        client(handler).get("/user")
