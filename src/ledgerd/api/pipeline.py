"""The one request pipeline of the API.

`api_route` wraps a plain synchronous handler. For every call, in this order: body size limit,
JSON-only writes, JSON parsing, bearer token, the app's rate limit, token family, read-only scope, business selection
(`X-Business` or the lead business), the operation's availability in the business's country and the
member's role in its areas (api/operations.py), the `idempotency_id` claim (api/idempotency.py), then the
handler inside one unit of work, and `show_legacy_id` on its payload (api/legacy_ids.py); any error
becomes Sage's error array. Handlers never run on the event loop, so no request waits for another's work:
they run on the runtime's request threads, except SQLite writes, which run on the engine's one writer
thread, in turn (db/engine.sqlite_writer).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerd.api import idempotency, legacy_ids, operations, ratelimit
from ledgerd.api.bearer import Principal, load_principal, verify
from ledgerd.api.validation import check_text
from ledgerd.db.engine import UnitOfWork, sqlite_writer
from ledgerd.db.records import CLOCK_KEY, bind_clock
from ledgerd.db.tenancy import bind_business
from ledgerd.errors import Forbidden, LedgerdError
from ledgerd.http.errors import (
    ApiError,
    Contention,
    InvalidJson,
    Unavailable,
    UnsupportedMediaType,
    error_response,
)
from ledgerd.http.guard import allow_body
from ledgerd.http.wire import JsonResponse
from ledgerd.runtime import Runtime
from ledgerd.tenancy.access import Selected

log = logging.getLogger("ledgerd.api")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NO_QUERY = QueryParams("")  # immutable: shared by every request without a query string


@dataclass
class Call:
    """Everything a handler may look at. `db` opens the request's transaction on first use."""

    request: Request
    runtime: Runtime
    work: UnitOfWork
    principal: Principal
    query: QueryParams
    body: Any
    business: Selected | None = None
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Session:
        session = self.work.session
        if CLOCK_KEY not in session.info:
            bind_clock(session, self.runtime.clock)
        return session


@dataclass
class Result:
    payload: Any
    status: int = 200
    # The business whose id goes in the X-Business response header (None: no header).
    business_id: str | None = None
    # Set for a raw (non-JSON) body: `payload` is then the bytes, sent with this content type.
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Result]


class ApiRoute(Route):
    """A route of this pipeline; keeps the handler and whether a business is chosen, for the OpenAPI
    document (api/openapi.py), which is generated from the route table."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, methods: list[str], name: str | None,
                 handler: Handler, business: bool) -> None:
        super().__init__(path, endpoint, methods=methods, name=name)
        self.handler = handler
        self.business = business


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def read_json_body(request: Request) -> Any:
    """The parsed JSON body, or None when there is none; enforces the JSON-only rule. The size limit and the
    deadline are enforced while the body streams in (http/guard.py), before it is all held here."""
    headers = request.headers
    if "content-length" not in headers and "transfer-encoding" not in headers:
        return None  # a request with neither header has no body (RFC 9112 §6.3)
    raw = b"".join([chunk async for chunk in request.stream()])
    if not raw.strip():
        return None
    if not _is_json(headers.get("content-type", "")):
        raise UnsupportedMediaType()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidJson(f"The request body is not valid JSON: {exc}.") from None
    check_text(raw, body)
    return body


# PostgreSQL ends one transaction of a deadlock (40P01) or of a serialization failure (40001); run anew, it
# normally goes through, as the other one has finished. Locks are taken in one order (db/locks.py), so this
# is a safety net, not the way races are resolved.
RETRIED_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3
T = TypeVar("T")


def retrying(work_unit: Callable[[], T], request_id: str) -> T:
    """Run one unit of work, again after a short random pause (up to ATTEMPTS in all) while the database
    ends it as a deadlock victim or for a serialization failure; then answer 503 (`Contention`). The body
    was read before: the whole handler runs afresh in a new transaction."""
    attempt = 1
    while True:
        try:
            return work_unit()
        except OperationalError as exc:
            sqlstate = getattr(exc.orig, "sqlstate", None)
            if sqlstate not in RETRIED_SQLSTATES:
                raise
            if attempt == ATTEMPTS:
                log.warning("request %s: SQLSTATE %s again after %d attempts", request_id, sqlstate, attempt)
                raise Contention() from exc
            attempt += 1
            log.info("request %s: the database ended its transaction (SQLSTATE %s); retrying the request "
                     "(attempt %d of %d)", request_id, sqlstate, attempt, ATTEMPTS)
            time.sleep(random.uniform(0.005, 0.025) * attempt)


def api_route(path: str, handler: Handler, *, methods: list[str], business: bool,
              select_business: Callable[[Engine, str, str | None], Selected] | None = None,
              name: str | None = None, body_limit: int | None = None) -> Route:
    """A Starlette route running `handler` through the API pipeline.

    `business=True` resolves the business from `X-Business` (or the lead business) and checks the role
    before the handler runs; the selector is injected so this module knows no tenancy rules.
    `body_limit` raises (never lowers) the configured request size limit for this route alone (`allow_body`).
    """
    if business and select_business is None:
        raise ValueError("business-scoped routes need a business selector")
    # Sage's facts about this operation: countries offering it, areas and roles allowed (api/operations.py).
    rules = {method: operations.find(method, path) for method in methods}
    rules.setdefault("HEAD", rules.get("GET"))

    def run(request: Request, runtime: Runtime, body: Any, request_id: str) -> Response:
        write = request.method in WRITE_METHODS
        claims = verify(runtime.tokens, request.headers.get("authorization"))
        ratelimit.enforce(runtime, str(claims.get("azp", "")))
        principal = load_principal(runtime.engine, claims)
        if write and principal.read_only:
            raise Forbidden("The access token has the readonly scope; it cannot change data.")
        query = request.query_params if request.scope["query_string"] else _NO_QUERY
        legacy = legacy_ids.wanted(query)
        taken: list[idempotency.Key | None] = []  # the idempotency id, taken out of the body once

        def work_unit() -> tuple[Result | None, idempotency.Stored | None]:
            stored: idempotency.Stored | None = None
            result: Result | None = None
            with UnitOfWork(runtime.sessions, write=write) as work:
                call = Call(request=request, runtime=runtime, work=work, principal=principal,
                            query=query, body=body, path_params=dict(request.path_params))
                if business:
                    assert select_business is not None
                    call.business = select_business(runtime.engine, principal.user_id,
                                                    request.headers.get("x-business"))
                    operations.check(rules.get(request.method), business=call.business, write=write,
                                     path=request.scope["path"])
                    bind_business(call.db, call.business.id)
                if not taken:
                    taken.append(idempotency.take(request.method, request.scope["path"], body) if write else None)
                key = taken[0]
                if key is not None and call.business is not None:
                    stored = idempotency.claim(call.db, call.business.id, key, runtime.clock.now())
                if stored is None:
                    result = handler(call)
                    if legacy and result.media_type is None:
                        result.payload = legacy_ids.annotate(call.db, result.payload, route_path=path,
                                                             business_id=call.business.id if call.business else None)
                    if key is not None and call.business is not None:
                        stored = idempotency.remember(call.db, key, result.status, result.payload,
                                                      media_type=result.media_type, headers=result.headers,
                                                      business_id=result.business_id)
            return result, stored

        result, stored = retrying(work_unit, request_id)
        if stored is not None:
            return stored.response(request_id)
        assert result is not None
        headers = {**result.headers, "X-Request-Id": request_id}
        if result.business_id:
            headers["X-Business"] = result.business_id
        if result.status == 204:
            return Response(status_code=204, headers=headers)
        if result.media_type is not None:
            # As a header, not `media_type=`: Starlette would append a charset to text/* types.
            return Response(result.payload, status_code=result.status,
                            headers={**headers, "Content-Type": result.media_type})
        return JsonResponse(result.payload, status_code=result.status, headers=headers)

    async def endpoint(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        request_id = secrets.token_hex(16)
        try:
            if body_limit:
                allow_body(request.scope, body_limit)
            body = await read_json_body(request)
            # Never on the event loop: one slow handler would stall every other request of the process.
            writer = sqlite_writer(runtime.engine) if request.method in WRITE_METHODS else None
            return await asyncio.get_running_loop().run_in_executor(
                writer or runtime.threads, functools.partial(run, request, runtime, body, request_id))
        except LedgerdError as exc:
            return error_response(exc, request_id)
        except ClientDisconnect:
            raise  # nobody to answer: logged by the guard (http/guard.py)
        except OperationalError:
            log.exception("database unavailable (request %s)", request_id)
            return error_response(Unavailable(), request_id)
        except Exception:
            log.exception("unexpected error (request %s)", request_id)
            return error_response(ApiError(), request_id)

    return ApiRoute(path, endpoint, methods=methods, name=name, handler=handler, business=business)
