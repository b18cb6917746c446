"""The API pipeline's steps one by one (api/pipeline.py), without a database or a server."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import orjson
import psycopg
import pytest
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ledgerd.api import idempotency, pipeline
from ledgerd.api.bearer import Principal
from ledgerd.api.operations import Operation
from ledgerd.api.pipeline import (
    REQUEST_ID,
    ApiErrors,
    Call,
    Endpoint,
    Result,
    authorise,
    check_scope,
    handle,
    read_json_body,
    render,
    retrying,
    take_key,
)
from ledgerd.api.validation import Body
from ledgerd.errors import Forbidden, Invalid, NotFound
from ledgerd.http.errors import Contention, InvalidJson, RouteNotFound, UnsupportedMediaType, status_of
from ledgerd.tenancy.access import Selected
from ledgerd.tenancy.models import Role

WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HEX_ID = "0123456789abcdef0123456789abcdef"


def _principal(scope: str) -> Principal:
    return Principal(user_id="u1", email="a@example.com", first_name="A", last_name="B", initials="AB",
                     locale="en-GB", created_at=WHEN, updated_at=WHEN, scope=scope, client_id="app")


def _business(role: Role, country: str = "GB") -> Selected:
    return Selected(id="b1", country_id=country, created_at=WHEN, ni_based=False, role=role, area_roles=None)


def _call(body: Any) -> Call:
    # Only what `handle` reads: the steps under test never open the unit of work.
    return Call(request=None, runtime=None, work=None, principal=_principal("full_access"),  # type: ignore[arg-type]
                query=None, body=body)  # type: ignore[arg-type]


class Gadget(BaseModel):
    name: str
    size: int = 1


# --- check_scope / authorise -------------------------------------------------------------------------------------

def test_a_read_only_token_may_read_but_not_write() -> None:
    check_scope(_principal("readonly"), write=False)
    check_scope(_principal("full_access"), write=True)
    with pytest.raises(Forbidden, match="readonly scope"):
        check_scope(_principal("readonly"), write=True)


def test_authorise_refuses_an_operation_the_country_lacks_then_a_role_without_access() -> None:
    only_us = Operation("GET", "/gadgets", editions={"plus": frozenset({"US"})}, access=None)
    authorise(only_us, _business(Role.OWNER, "US"), write=False, path="/gadgets")
    with pytest.raises(RouteNotFound, match="not available to businesses in"):
        authorise(only_us, _business(Role.OWNER, "GB"), write=False, path="/gadgets")
    authorise(None, _business(Role.READ_ONLY), write=False, path="/gadgets")
    with pytest.raises(Forbidden):
        authorise(None, _business(Role.READ_ONLY), write=True, path="/gadgets")


# --- take_key --------------------------------------------------------------------------------------------------

def test_take_key_takes_the_idempotency_id_out_of_a_write_body() -> None:
    body = {"gadget": {"name": "x", "idempotency_id": HEX_ID.upper()}}
    key = take_key("POST", "/gadgets", body)
    assert key == idempotency.Key(HEX_ID, "gadget", "POST", "/gadgets")
    assert body == {"gadget": {"name": "x"}}  # no schema sees it


def test_take_key_leaves_reads_and_deletes_alone() -> None:
    for method in ("GET", "DELETE"):
        body = {"gadget": {"idempotency_id": HEX_ID}}
        assert take_key(method, "/gadgets", body) is None
        assert body == {"gadget": {"idempotency_id": HEX_ID}}


def test_take_key_refuses_a_malformed_id() -> None:
    with pytest.raises(Invalid) as raised:
        take_key("PUT", "/gadgets/1", {"gadget": {"idempotency_id": "not-hex"}})
    assert raised.value.problems[0].source == "idempotency_id"


# --- Body and handle ------------------------------------------------------------------------------------------

def test_a_declared_body_reaches_the_handler_parsed() -> None:
    seen: list[Any] = []
    endpoint = Endpoint("/gadgets", lambda call, gadget: seen.append(gadget) or Result(None),
                        body=Body("gadget", Gadget))
    handle(endpoint, _call({"gadget": {"name": "pump", "unknown": 1}}))
    assert seen == [Gadget(name="pump")]


def test_a_body_that_breaks_its_model_never_reaches_the_handler() -> None:
    endpoint = Endpoint("/gadgets", lambda call, gadget: pytest.fail("handler ran"), body=Body("gadget", Gadget))
    with pytest.raises(Invalid) as raised:
        handle(endpoint, _call({"gadget": {"name": "pump", "size": "big"}}))
    assert [(p.source, p.message) for p in raised.value.problems] == [("size", "must be a whole number")]
    with pytest.raises(Invalid, match="gadget is missing"):
        handle(endpoint, _call(None))


def test_an_optional_body_left_out_gives_the_model_defaults() -> None:
    class Filter(BaseModel):
        status: str = "open"

    seen: list[Any] = []
    endpoint = Endpoint("/x", lambda call, found: seen.append(found) or Result(None),
                        body=Body("filter", Filter, required=False))
    handle(endpoint, _call(None))
    handle(endpoint, _call({"filter": {"status": "closed"}}))
    assert seen == [Filter(), Filter(status="closed")]


def test_the_route_check_comes_before_the_body() -> None:
    def refuse(call: Call) -> None:
        raise NotFound()

    endpoint = Endpoint("/x", lambda call, gadget: pytest.fail("handler ran"), body=Body("gadget", Gadget),
                        check=refuse)
    with pytest.raises(NotFound):
        handle(endpoint, _call({"gadget": {"size": "not even valid"}}))


def test_a_route_without_a_body_gets_the_call_alone() -> None:
    endpoint = Endpoint("/x", lambda call: Result({"body": call.body}))
    assert handle(endpoint, _call({"anything": 1})).payload == {"body": {"anything": 1}}


# --- retrying --------------------------------------------------------------------------------------------------

def _deadlock() -> OperationalError:
    return OperationalError("SELECT 1", {}, psycopg.errors.DeadlockDetected("deadlock detected"))


def test_a_deadlock_victim_runs_again() -> None:
    runs: list[int] = []

    def unit() -> str:
        runs.append(1)
        if len(runs) < 3:
            raise _deadlock()
        return "done"

    assert retrying(unit, "r1") == "done" and len(runs) == 3


def test_a_deadlock_that_keeps_coming_back_is_contention() -> None:
    runs: list[int] = []

    def unit() -> str:
        runs.append(1)
        raise _deadlock()

    with pytest.raises(Contention):
        retrying(unit, "r1")
    assert len(runs) == pipeline.ATTEMPTS


def test_other_database_errors_are_not_retried() -> None:
    runs: list[int] = []

    def unit() -> str:
        runs.append(1)
        raise OperationalError("SELECT 1", {}, psycopg.errors.UndefinedTable("no table"))

    with pytest.raises(OperationalError):
        retrying(unit, "r1")
    assert len(runs) == 1


# --- render ----------------------------------------------------------------------------------------------------

def test_render_sends_json_with_the_business_header() -> None:
    response = render(Result({"a": "1"}, status=201, business_id="b1", headers={"Location": "/x"}))
    assert response.status_code == 201 and orjson.loads(response.body) == {"a": "1"}
    assert response.headers["x-business"] == "b1" and response.headers["location"] == "/x"
    assert response.headers["content-type"] == "application/json"


def test_render_sends_raw_bytes_with_their_own_type_and_204_empty() -> None:
    raw = render(Result(b"%PDF", media_type="text/plain"))
    assert raw.body == b"%PDF" and raw.headers["content-type"] == "text/plain"
    empty = render(Result(None, status=204))
    assert empty.status_code == 204 and empty.body == b"" and "x-business" not in empty.headers


def test_render_replays_a_stored_answer_as_it_was() -> None:
    stored = idempotency.Stored(201, b'{"id":"1"}', {"Content-Type": "application/json", "X-Business": "b1"})
    response = render(stored)
    assert (response.status_code, response.body, response.headers["x-business"]) == (201, b'{"id":"1"}', "b1")


# --- read_json_body --------------------------------------------------------------------------------------------

def _request(body: bytes, headers: dict[str, str]) -> Request:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": raw, "query_string": b""}, receive)


def _read(body: bytes, headers: dict[str, str]) -> Any:
    return asyncio.run(read_json_body(_request(body, headers)))


def test_read_json_body_parses_json_and_finds_none_without_a_body() -> None:
    assert _read(b'{"a": 1}', {"content-type": "application/json", "content-length": "8"}) == {"a": 1}
    assert _read(b"", {}) is None
    assert _read(b"  ", {"content-length": "2", "content-type": "text/plain"}) is None


def test_read_json_body_refuses_other_media_and_broken_json() -> None:
    with pytest.raises(UnsupportedMediaType):
        _read(b"a=1", {"content-type": "application/x-www-form-urlencoded", "content-length": "3"})
    with pytest.raises(InvalidJson, match="not valid JSON"):
        _read(b"{", {"content-type": "application/vnd.api+json", "content-length": "1"})


# --- ApiErrors (route middleware) ------------------------------------------------------------------------------

def _app(error: Exception | None) -> TestClient:
    async def endpoint(request: Request) -> JSONResponse:
        if error is not None:
            raise error
        return JSONResponse({"id": request.scope[REQUEST_ID]})

    return TestClient(Starlette(routes=[Route("/x", endpoint, middleware=[Middleware(ApiErrors)])]),
                      raise_server_exceptions=False)


def test_every_answer_carries_a_fresh_request_id() -> None:
    with _app(None) as client:
        first, second = client.get("/x"), client.get("/x")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.json() == {"id": first.headers["x-request-id"]}  # the steps log with the id the client sees
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_errors_become_sages_error_array_with_the_request_id() -> None:
    with _app(Forbidden()) as client:
        response = client.get("/x")
    assert response.status_code == 403 and response.headers["x-request-id"]
    assert response.json() == [{"$severity": "error", "$dataCode": "MultiUserAccessDenied",
                                "$message": Forbidden.default_message, "$source": ""}]


def test_an_unexpected_error_is_a_500_array_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with _app(RuntimeError("boom")) as client:
        response = client.get("/x")
    assert response.status_code == 500 and response.json()[0]["$dataCode"] == "UnexpectedError"
    request_id = response.headers["x-request-id"]
    assert any(request_id in record.getMessage() for record in caplog.records)


def test_a_database_that_cannot_be_reached_is_a_503() -> None:
    down = OperationalError("SELECT 1", {}, psycopg.OperationalError("connection refused"))
    with _app(down) as client:
        response = client.get("/x")
    assert response.status_code == status_of(pipeline.Unavailable()) == 503
