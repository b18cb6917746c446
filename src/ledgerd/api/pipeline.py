"""The one request pipeline of the API: named steps, composed in `serve`, behind one route middleware.

A route is made by `api_route` (no business: `/user`, `/businesses`) or `business_route` (everything working in
one business). Around every route, `ApiErrors` (route middleware, as Starlette composes its own) gives the request
its id (`X-Request-Id` on every answer) and turns any error raised below it into Sage's error array. The size
limit and the deadline of the body are enforced earlier, while it streams in (http/guard.py).

Then, in this order (`serve`, on a request thread; see docs/decisions/http.md for why this order):

1. `read_json_body` (on the event loop): JSON-only writes, the JSON itself, no control characters;
   then the sandbox (http/sandbox.py): the deployment's shared clock setting followed (one query), and on the
   Sage API (`/v3.1`) a fault rule that fires answers the call instead (`faults`; its latency waited out on the
   event loop, in `dispatch`);
2. `authenticate`: the bearer token, counted against its app's rate limit, then its token family (an adapter
   of an old API hands on the principal it authenticated, `PRINCIPAL`: only counted);
3. `check_scope`: a read-only token changes nothing;
4. `select_business` and `authorise` (business routes): `X-Business` or the lead business, the operation's
   availability in its country and the member's role in its areas (api/operations.py);
5. `take_key`: the `idempotency_id` taken out of the body (api/idempotency.py);
6. `unit_of_work`, run again on a deadlock (`retrying`): the business bound to the session, the id claimed
   (a stored answer ends the request here), the declared body parsed (`Body`), the handler,
   `show_legacy_id` on its payload (api/legacy_ids.py), the answer remembered for the id;
7. `render`: the result as a response.

Handlers never run on the event loop, so no request waits for another's work: they run on the runtime's request
threads, except SQLite writes, which run on the engine's one writer thread, in turn (db/engine.sqlite_writer).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

import orjson
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerd.api import idempotency, legacy_ids, operations, params, ratelimit
from ledgerd.api.bearer import Principal, load_principal, verify
from ledgerd.api.listing import Streamed
from ledgerd.api.validation import Body, check_text
from ledgerd.db.engine import UnitOfWork, sqlite_writer
from ledgerd.db.records import CLOCK_KEY, bind_clock
from ledgerd.db.tenancy import bind_business
from ledgerd.errors import Forbidden, LedgerdError
from ledgerd.http import sandbox
from ledgerd.http.errors import (
    ApiError,
    Contention,
    InvalidJson,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    error_response,
)
from ledgerd.http.guard import allow_body
from ledgerd.http.recorder import REQUEST_ID, identify
from ledgerd.http.wire import JsonResponse, written
from ledgerd.runtime import Runtime
from ledgerd.sandbox.faults import Call as FaultCall
from ledgerd.tenancy.access import Selected
from ledgerd.tenancy.service import select_business as select_users_business

log = logging.getLogger("ledgerd.api")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NO_QUERY = QueryParams("")  # immutable: shared by every request without a query string
# The paths fault rules apply to among this pipeline's (the Sage API; never ledgerd's own, the admin API above all).
SAGE_API = "/v3.1/"
# The principal of a call an adapter of an old API (api/legacy/) authenticated itself, handed on in the scope.
PRINCIPAL = "ledgerd.principal"
B = TypeVar("B", bound=BaseModel)
T = TypeVar("T")


@dataclass(kw_only=True)
class Call:
    """Everything a handler may look at. `db` opens the request's transaction on first use; `body` is the
    parsed JSON as sent (a declared body reaches the handler validated, as its own argument)."""

    request: Request
    runtime: Runtime
    work: UnitOfWork
    principal: Principal
    query: QueryParams
    body: Any
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Session:
        session = self.work.session
        if CLOCK_KEY not in session.info:
            bind_clock(session, self.runtime.clock)
        return session


@dataclass(kw_only=True)
class BusinessCall(Call):
    """The call of a business route: the business it works in is chosen and its rules checked."""

    business: Selected


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
BusinessHandler = Callable[[BusinessCall], Result]
Selector = Callable[[Runtime, str, str | None], Selected]


@dataclass(frozen=True)
class Endpoint:
    """What the steps need to know of one route. `handler` takes the call, and the parsed body when `body` is
    declared; it takes a `BusinessCall` when `select` is set (the factories below pair them)."""

    path: str
    handler: Callable[..., Result]
    select: Selector | None = None
    body: Body[Any] | None = None
    # What must hold before the body is read (e.g. the caller owns the record): it is refused whatever it sends.
    check: Callable[[Any], object] | None = None
    # Sage's facts about each method of this path: countries offering it, areas and roles (api/operations.py).
    rules: Mapping[str, operations.Operation | None] = field(default_factory=dict)
    # The query parameters the handler honours; it sees only these (api/params.py), and `show_legacy_id`.
    query: tuple[params.Param, ...] = ()

    @functools.cached_property
    def accepts(self) -> frozenset[str]:
        return params.names(self.query) | {legacy_ids.PARAM}


class ApiRoute(Route):
    """A route of this pipeline. Keeps its `Endpoint`, from which the OpenAPI document (api/openapi.py) reads
    whether a business is chosen and which body is declared."""

    def __init__(self, endpoint: Endpoint, *, methods: list[str], name: str | None, body_limit: int | None) -> None:
        async def asgi_endpoint(request: Request) -> Response:
            return await dispatch(endpoint, request, body_limit)

        super().__init__(endpoint.path, asgi_endpoint, methods=methods, name=name, middleware=[Middleware(ApiErrors)])
        self.endpoint_spec = endpoint

    @property
    def business(self) -> bool:
        return self.endpoint_spec.select is not None

    @property
    def body(self) -> Body[Any] | None:
        return self.endpoint_spec.body

    @property
    def query(self) -> tuple[params.Param, ...]:
        return self.endpoint_spec.query


# --- middleware ------------------------------------------------------------------------------------------------

class ApiErrors:
    """Route middleware: the request's id (given by http/recorder.py when the journal or the access log is on,
    else made here), sent as `X-Request-Id` on every answer, and any error raised by the steps below answered as
    Sage's error array (a `LedgerdError` with its status; a database that cannot be reached 503; anything else
    500, logged with the request id)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = scope.get(REQUEST_ID) or secrets.token_hex(16)
        scope[REQUEST_ID] = request_id
        tag = (b"x-request-id", request_id.encode())
        started = False

        async def send_tagged(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), tag]
            await send(message)

        try:
            await self.app(scope, receive, send_tagged)
        except (ClientDisconnect, sandbox.ConnectionDropped):
            raise  # nobody to answer: logged by the guard (http/guard.py), or dropped by a fault rule
        except Exception as exc:
            if started:
                raise
            await error_answer(exc, request_id)(scope, receive, send_tagged)


def error_answer(exc: Exception, request_id: str) -> Response:
    """Sage's error array for an error raised while serving request `request_id`."""
    if isinstance(exc, LedgerdError):
        return error_response(exc)
    if isinstance(exc, OperationalError):
        log.error("database unavailable (request %s)", request_id, exc_info=exc)
        return error_response(Unavailable())
    log.error("unexpected error (request %s)", request_id, exc_info=exc)
    return error_response(ApiError())


# --- the steps -------------------------------------------------------------------------------------------------

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


def authenticate(runtime: Runtime, authorization: str | None) -> Principal:
    """Who is calling: the bearer token verified (401 otherwise), the request counted against the token's app
    (429 past its limit; counted before the database is asked anything more), then the token's family and
    user (api/bearer.py)."""
    claims = verify(runtime.tokens, authorization)
    ratelimit.enforce(runtime, str(claims.get("azp", "")))
    return load_principal(runtime.engine, claims)


def check_scope(principal: Principal, write: bool) -> None:
    """A token with the read-only scope may not change data (403)."""
    if write and principal.read_only:
        raise Forbidden("The access token has the readonly scope; it cannot change data.")


def select_business(runtime: Runtime, user_id: str, header: str | None) -> Selected:
    """The business the call works in: `X-Business`, or the user's lead business (tenancy/service.py)."""
    return select_users_business(runtime.engine, user_id, header)


def authorise(rule: operations.Operation | None, business: Selected, *, write: bool, path: str) -> None:
    """The operation is offered in the business's country and the member's role allows it (api/operations.py)."""
    operations.check(rule, business=business, write=write, path=path)


def take_key(method: str, path: str, body: Any) -> idempotency.Key | None:
    """A write's `idempotency_id`, taken out of the body before anything validates it (api/idempotency.py)."""
    return idempotency.take(method, path, body) if method in WRITE_METHODS else None


@dataclass(slots=True)
class Prepared:
    """What the steps before the unit of work found out about one request."""

    request: Request
    runtime: Runtime
    principal: Principal
    query: QueryParams
    body: Any
    write: bool
    business: Selected | None
    key: idempotency.Key | None


def open_call(found: Prepared, work: UnitOfWork) -> Call:
    """The handler's view of the request; a business call binds the session to its business (db/tenancy.py)."""
    request = found.request
    if found.business is None:
        return Call(request=request, runtime=found.runtime, work=work, principal=found.principal,
                    query=found.query, body=found.body, path_params=dict(request.path_params))
    call = BusinessCall(request=request, runtime=found.runtime, work=work, principal=found.principal,
                        query=found.query, body=found.body, path_params=dict(request.path_params),
                        business=found.business)
    bind_business(call.db, found.business.id)
    return call


def handle(endpoint: Endpoint, call: Call) -> Result:
    """The handler, given the declared body parsed and validated (`Body.parse`) when the route declares one,
    after the route's `check`."""
    if endpoint.check is not None:
        endpoint.check(call)
    if endpoint.body is None:
        return endpoint.handler(call)
    return endpoint.handler(call, endpoint.body.parse(call.body))


def finish(endpoint: Endpoint, call: Call, result: Result) -> None:
    """The JSON payload as it will go out, while the transaction is still open: with `show_legacy_id=true` every
    record gets its `legacy_id` (api/legacy_ids.py); a list page presented a few records at a time
    (`listing.Streamed`) is written to JSON chunk by chunk, each before the next is loaded."""
    if result.media_type is not None:
        return
    annotate: Callable[[Any], Any] | None = None
    if legacy_ids.wanted(call.query):
        annotate = functools.partial(legacy_ids.annotate, call.db, route_path=endpoint.path,
                                     business_id=call.business.id if isinstance(call, BusinessCall) else None)
    payload = result.payload
    items = payload.get("$items") if isinstance(payload, dict) else None
    if isinstance(items, Streamed):
        done: list[Any] = []
        for chunk in items.chunks:
            done.extend(written(annotate(chunk) if annotate else chunk))
        result.payload = {**payload, "$items": done}
    elif annotate is not None:
        result.payload = annotate(payload)


def unit_of_work(endpoint: Endpoint, found: Prepared) -> Result | idempotency.Stored:
    """One transaction: claim the idempotency id (a stored answer is replayed as it is), run the handler and
    remember its answer for the id. Committed when it returns, rolled back when anything raises."""
    with UnitOfWork(found.runtime.sessions, write=found.write) as work:
        call = open_call(found, work)
        key, business = found.key, found.business
        if key is not None and business is not None:
            stored = idempotency.claim(call.db, business.id, key, found.runtime.clock.now())
            if stored is not None:
                return stored
        result = handle(endpoint, call)
        finish(endpoint, call, result)
        if key is not None and business is not None:
            return idempotency.remember(call.db, key, result.status, result.payload, media_type=result.media_type,
                                        headers=result.headers, business_id=result.business_id)
        return result


# PostgreSQL ends one transaction of a deadlock (40P01) or of a serialization failure (40001); run anew, it
# normally goes through, as the other one has finished. Locks are taken in one order (db/locks.py), so this
# is a safety net, not the way races are resolved.
RETRIED_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3


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


def render(outcome: Result | idempotency.Stored) -> Response:
    """The answer on the wire: a stored one as it was, JSON, raw bytes with their own type, or 204."""
    if isinstance(outcome, idempotency.Stored):
        return outcome.response()
    headers = dict(outcome.headers)
    if outcome.business_id:
        headers["X-Business"] = outcome.business_id
    if outcome.status == 204:
        return Response(status_code=204, headers=headers)
    if outcome.media_type is not None:
        # As a header, not `media_type=`: Starlette would append a charset to text/* types.
        return Response(outcome.payload, status_code=outcome.status,
                        headers={**headers, "Content-Type": outcome.media_type})
    return JsonResponse(outcome.payload, status_code=outcome.status, headers=headers)


# --- composition -----------------------------------------------------------------------------------------------

def faults(runtime: Runtime, version: int, request: Request) -> None:
    """A fault rule that takes this call of the Sage API answers it instead (raises `Faulted`; http/sandbox.py).
    The app is the bearer token's (verified, as `authenticate` will again, from the verified-token cache), the
    business the `X-Business` one or else the caller's lead business: looked up only for a rule naming one."""
    if not request.scope["path"].startswith(SAGE_API):
        return
    authorization = request.headers.get("authorization")

    def claims() -> dict[str, Any] | None:
        try:
            return verify(runtime.tokens, authorization)
        except Unauthorized:
            return None

    def client_id() -> str | None:
        found = claims()
        return str(found.get("azp", "")) if found else None

    def business_id() -> str | None:
        found, header = claims(), request.headers.get("x-business")
        if found is None:
            return None
        try:
            return select_business(runtime, str(found["sub"]), header).id
        except LedgerdError:
            return header.strip() if header else None

    sandbox.check(runtime, version, FaultCall(request.method, request.scope["path"], client_id, business_id))


def serve(endpoint: Endpoint, request: Request, runtime: Runtime, body: Any, *, faulty: bool = True) -> Response:
    """Every step after the body is read, in order, on a request thread (or the SQLite writer)."""
    method, path = request.method, request.scope["path"]
    write = method in WRITE_METHODS
    version = sandbox.follow(runtime)
    if faulty:
        faults(runtime, version, request)
    principal: Principal | None = request.scope.get(PRINCIPAL)
    if principal is None:
        principal = authenticate(runtime, request.headers.get("authorization"))
    else:
        ratelimit.enforce(runtime, principal.client_id)
    identify(request.scope, client_id=principal.client_id, user_id=principal.user_id)
    check_scope(principal, write)
    business: Selected | None = None
    if endpoint.select is not None:
        business = endpoint.select(runtime, principal.user_id, request.headers.get("x-business"))
        identify(request.scope, business_id=business.id)
        authorise(endpoint.rules.get(method), business, write=write, path=path)
    query = (params.declared(request.query_params, endpoint.query, endpoint.accepts) if request.scope["query_string"]
             else _NO_QUERY)
    found = Prepared(request, runtime, principal, query, body, write, business, take_key(method, path, body))
    return render(retrying(functools.partial(unit_of_work, endpoint, found), request.scope[REQUEST_ID]))


async def dispatch(endpoint: Endpoint, request: Request, body_limit: int | None) -> Response:
    """Read the body on the event loop, then `serve` it off the loop: one slow handler would otherwise stall
    every other request of the process. A fault rule's latency is waited out here, on the loop; the call then
    gets the rule's error, its connection dropped, or is served after all."""
    runtime: Runtime = request.app.state.runtime
    if body_limit:
        allow_body(request.scope, body_limit)
    body = await read_json_body(request)
    writer = sqlite_writer(runtime.engine) if request.method in WRITE_METHODS else None
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(
            writer or runtime.threads, functools.partial(serve, endpoint, request, runtime, body))
    except sandbox.Faulted as faulted:
        await sandbox.suffer(faulted.fired)
        if faulted.fired.status is not None:
            raise sandbox.api_error(faulted.fired) from None
    return await loop.run_in_executor(
        writer or runtime.threads, functools.partial(serve, endpoint, request, runtime, body, faulty=False))


# --- route factories -------------------------------------------------------------------------------------------

def _rules(path: str, methods: list[str]) -> dict[str, operations.Operation | None]:
    rules = {method: operations.find(method, path) for method in methods}
    rules.setdefault("HEAD", rules.get("GET"))
    return rules


@overload
def api_route(path: str, handler: Handler, *, methods: list[str], body: None = None,
              check: Callable[[Call], object] | None = None, name: str | None = None,
              body_limit: int | None = None, query: Sequence[params.Param] = ()) -> ApiRoute: ...


@overload
def api_route(path: str, handler: Callable[[Call, B], Result], *, methods: list[str], body: Body[B],
              check: Callable[[Call], object] | None = None, name: str | None = None,
              body_limit: int | None = None, query: Sequence[params.Param] = ()) -> ApiRoute: ...


def api_route(path: str, handler: Callable[..., Result], *, methods: list[str], body: Body[Any] | None = None,
              check: Callable[[Call], object] | None = None, name: str | None = None,
              body_limit: int | None = None, query: Sequence[params.Param] = ()) -> ApiRoute:
    """A route that works in no business (`/user`, `/businesses`). `body`: the request body the handler takes,
    parsed and validated, as its second argument; `check`: what must hold before that body is read. `body_limit`
    raises (never lowers) the configured request size limit for this route alone (`allow_body`). `query`: the
    query parameters the handler honours (the only ones it is given)."""
    return ApiRoute(Endpoint(path, handler, body=body, check=check, query=params.unique(query)), methods=methods,
                    name=name, body_limit=body_limit)


@overload
def business_route(path: str, handler: BusinessHandler, *, methods: list[str], body: None = None,
                   check: Callable[[BusinessCall], object] | None = None, name: str | None = None,
                   body_limit: int | None = None, query: Sequence[params.Param] = ()) -> ApiRoute: ...


@overload
def business_route(path: str, handler: Callable[[BusinessCall, B], Result], *, methods: list[str], body: Body[B],
                   check: Callable[[BusinessCall], object] | None = None, name: str | None = None,
                   body_limit: int | None = None, query: Sequence[params.Param] = ()) -> ApiRoute: ...


def business_route(path: str, handler: Callable[..., Result], *, methods: list[str], body: Body[Any] | None = None,
                   check: Callable[[BusinessCall], object] | None = None, name: str | None = None,
                   body_limit: int | None = None, query: Sequence[params.Param] = ()) -> ApiRoute:
    """A route that works in one business: chosen by `X-Business` (or the lead business) and checked against
    Sage's availability and role rules before the handler, which gets a `BusinessCall`. `body`, `check`,
    `body_limit` and `query` as for `api_route`."""
    endpoint = Endpoint(path, handler, select=select_business, body=body, check=check, rules=_rules(path, methods),
                        query=params.unique(query))
    return ApiRoute(endpoint, methods=methods, name=name, body_limit=body_limit)
