"""Route dispatch by first path segment (api/routing.py): the same answers as Starlette's one router over the
whole table (first full match, else 405 for a partial one, else the trailing-slash redirect, else 404)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from ledgerd.api.routing import SegmentRouter


def route(path: str, name: str, methods: list[str] | None = None) -> Route:
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{name} {dict(request.path_params)}")

    return Route(path, endpoint, methods=methods or ["GET"], name=name)


ROUTES: list[BaseRoute] = [
    route("/sales_invoices", "list"),
    route("/sales_invoices", "create", ["POST"]),
    route("/sales_invoices/{key}", "read"),
    route("/sales_invoices/{key}/release", "release", ["POST"]),
    route("/contacts/{key}", "contact"),
    route("/{anything}/special", "param-first"),
    route("/sales_invoices/special", "shadowed"),  # after the parameter route that also matches it
    route("/reports/", "slash"),
]


def client(app: ASGIApp) -> TestClient:
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


@pytest.fixture(params=["segments", "starlette"])
def app(request: pytest.FixtureRequest) -> TestClient:
    return client(SegmentRouter(ROUTES) if request.param == "segments" else Router(ROUTES))


@pytest.mark.parametrize(("method", "path", "status", "text"), [
    ("GET", "/sales_invoices", 200, "list {}"),
    ("POST", "/sales_invoices", 200, "create {}"),
    ("GET", "/sales_invoices/abc", 200, "read {'key': 'abc'}"),
    ("POST", "/sales_invoices/abc/release", 200, "release {'key': 'abc'}"),
    ("GET", "/sales_invoices/special", 200, "read {'key': 'special'}"),
    ("GET", "/contacts/special", 200, "contact {'key': 'special'}"),  # first in table order
    ("GET", "/journals/special", 200, "param-first {'anything': 'journals'}"),
    ("GET", "/contacts/x", 200, "contact {'key': 'x'}"),
    ("DELETE", "/sales_invoices/abc", 405, None),
    ("GET", "/sales_invoices/abc/release", 405, None),
    ("GET", "/nothing", 404, None),
    ("GET", "/contacts", 404, None),
    ("GET", "/reports", 307, None),
])
def test_the_same_answer_as_one_router(app: TestClient, method: str, path: str, status: int,
                                       text: str | None) -> None:
    response = app.request(method, path)
    assert response.status_code == status
    if text is not None:
        assert response.text == text
    if status == 405:
        assert response.headers["allow"]
    if status == 307:
        assert response.headers["location"].endswith("/reports/")


def test_routes_keep_the_whole_table_in_order() -> None:
    assert SegmentRouter(ROUTES).routes == ROUTES


def test_a_group_holds_its_segment_and_the_parameter_routes_in_table_order() -> None:
    router = SegmentRouter(ROUTES)
    assert [r.name for r in router.router_for("/sales_invoices/1").routes] == [  # type: ignore[attr-defined]
        "list", "create", "read", "release", "param-first", "shadowed"]
    assert [r.name for r in router.router_for("/unknown").routes] == ["param-first"]  # type: ignore[attr-defined]


def test_a_mounted_router_matches_below_its_mount_point() -> None:
    mounted = client(Router([Mount("/v3.1", app=SegmentRouter(ROUTES))]))
    assert mounted.get("/v3.1/contacts/7").text == "contact {'key': '7'}"
    assert mounted.get("/v3.1/nothing").status_code == 404


# A table with a parameter route before a literal one, against Starlette's linear router mounted under /api.

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
