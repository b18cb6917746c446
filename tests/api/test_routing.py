"""SegmentRouter: dispatch by first path segment answers exactly as Starlette's linear router would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.testclient import TestClient

from ledgerd.api.routing import SegmentRouter


def _answer(name: str) -> Callable[[Request], Awaitable[PlainTextResponse]]:
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{name} {dict(request.path_params)}")
    return endpoint


def _table() -> list[BaseRoute]:
    return [
        Route("/things", _answer("list things"), methods=["GET"]),
        Route("/things", _answer("create thing"), methods=["POST"]),
        Route("/things/{key}", _answer("read thing"), methods=["GET"]),
        Route("/things/special", _answer("never reached: the parameter route comes first"), methods=["GET"]),
        Route("/{kind}/summary", _answer("summary"), methods=["GET"]),
        Route("/others/summary", _answer("shadowed by the parameter route before it"), methods=["GET"]),
        Route("/others", _answer("list others"), methods=["GET", "PUT"]),
        Route("/files/{name:path}", _answer("file"), methods=["GET"]),
    ]


REQUESTS = [
    ("GET", "/api/things"), ("POST", "/api/things"), ("DELETE", "/api/things"), ("GET", "/api/things/42"),
    ("GET", "/api/things/special"), ("GET", "/api/things/"), ("GET", "/api/others/summary"),
    ("GET", "/api/anything/summary"), ("PUT", "/api/others"), ("PATCH", "/api/others"),
    ("GET", "/api/files/a/b/c.txt"), ("GET", "/api/nowhere"), ("GET", "/api/"), ("GET", "/api//things"),
    ("GET", "/api/others/"), ("HEAD", "/api/things/7"),
]


@pytest.mark.parametrize(("method", "path"), REQUESTS)
def test_answers_match_starlettes_linear_router(method: str, path: str) -> None:
    linear = TestClient(Starlette(routes=[Mount("/api", app=Router(_table()))]))
    segmented = TestClient(Starlette(routes=[Mount("/api", app=SegmentRouter(_table()))]))
    expected = linear.request(method, path, follow_redirects=False)
    got = segmented.request(method, path, follow_redirects=False)
    assert (got.status_code, got.text, got.headers.get("allow"), got.headers.get("location")) == \
        (expected.status_code, expected.text, expected.headers.get("allow"), expected.headers.get("location"))


def test_routes_keep_the_table_order_and_groups_hold_only_what_can_match() -> None:
    table = _table()
    router = SegmentRouter(table)
    assert router.routes == table
    paths = [getattr(route, "path", "") for route in router.router_for("/things/42").routes]
    assert paths == ["/things", "/things", "/things/{key}", "/things/special", "/{kind}/summary"]
    assert [getattr(route, "path", "") for route in router.router_for("/unknown").routes] == ["/{kind}/summary"]


def test_ledgerd_api_table_is_routed_by_segment(client: TestClient) -> None:
    # The real table: an unknown path is a Sage 404 and a known path with a wrong method names every
    # method of that path (from the whole table, not one group).
    missing = client.get("/v3.1/no_such_resource")
    assert missing.status_code == 404
    assert missing.json()[0]["$dataCode"] == "RouteNotFound"
    wrong = client.patch("/v3.1/contacts")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD, POST"
