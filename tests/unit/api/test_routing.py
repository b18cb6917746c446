"""Route dispatch by first path segment (api/routing.py): the same answers as Starlette's one router over the
whole table (first full match, else 405 for a partial one, else the trailing-slash redirect, else 404)."""

from __future__ import annotations

import pytest
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
