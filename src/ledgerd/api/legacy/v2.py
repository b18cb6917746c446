"""Sage's API v2 (`/accounts/v2/…`, `/core/v2/…`) served from the same books: each call authenticated the v2
way (a v2 bearer token, `X-Signature` over the call with the app's signing secret, a fresh `X-Nonce`), its
Rails-style form translated, then forwarded to the v3.1 route the migration guide maps it to (forward.py), and
the answer told back in v2's SData envelope with integer ids (auth-and-legacy §7; docs/legacy-v2.md).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
from sqlalchemy import select
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from ledgerd.api.bearer import bearer_token
from ledgerd.api.legacy import callers, forms, signing
from ledgerd.api.legacy import v2_summaries as summaries
from ledgerd.api.legacy import v2_translation as translate
from ledgerd.api.legacy.forward import Answer, forward
from ledgerd.api.legacy.v2_resources import BY_PATH, Resource, Table
from ledgerd.api.listing import MAX_PAGE, MAX_PER_PAGE
from ledgerd.api.registry import REGISTRY
from ledgerd.auth import nonces
from ledgerd.auth.models import LegacyCredential
from ledgerd.db.records import Record, key_of_legacy_id
from ledgerd.db.tenancy import bind_business
from ledgerd.errors import Invalid, LedgerdError, NotFound
from ledgerd.http import sandbox
from ledgerd.http.errors import ApiError, MethodNotAllowed, RouteNotFound, Unauthorized, status_of
from ledgerd.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")

ACCOUNTS, CORE = "/accounts/v2", "/core/v2"
PATHS = (ACCOUNTS + "/", CORE + "/")
SDATA = "application/json;vnd.sage=sdata"
FORM = "application/x-www-form-urlencoded"
DEFAULT_PER_PAGE = 20
_DROP = ("authorization", "x-signature", "x-nonce")
_JSON = "application/json"


class UnsupportedForm(ApiError):
    status = 415
    code = "UnsupportedMediaType"
    default_message = f"API v2 takes request bodies as {FORM} (Rails-style nested parameters)."


@dataclass
class Call:
    """One authenticated v2 call: who, its query and its parsed form."""

    request: Request
    runtime: Runtime
    caller: callers.LegacyCaller
    business_id: str
    query: list[tuple[str, str]]
    form: dict[str, Any]


# --- answers ----------------------------------------------------------------------------------------------------

def _sdata(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status, media_type=SDATA)


def _diagnoses(status: int, problems: Sequence[dict[str, str]]) -> Response:
    return _sdata({"$diagnoses": list(problems)}, status)


def _problem(code: str, message: str, source: str = "") -> dict[str, str]:
    return {"$severity": "error", "$dataCode": code, "$message": message, "$source": source}


def error(exc: LedgerdError) -> Response:
    """v2's `$diagnoses` for an error of this adapter: any authentication failure is v2's `Access Denied`, a
    client's invalid value a `ValidationError`."""
    status = status_of(exc)
    if isinstance(exc, Unauthorized):
        return _diagnoses(401, [_problem("AuthorizationFailure", "Access Denied")])
    code = "ValidationError" if status == 422 else None
    return _diagnoses(status, [_problem(code or p.code, p.message, p.source) for p in exc.problems])


def _failed(answer: Answer, table: Table, resource: Resource | None) -> Response:
    """A v3.1 error answer in v2's words: sources renamed to v2's form names, 422s `ValidationError`."""
    if not answer.body:
        if answer.status == 405:
            return _diagnoses(405, [_problem("MethodNotAllowed", "This method is not allowed on this path.")])
        return _diagnoses(answer.status, [_problem("RouteNotFound", "The path/endpoint does not exist.")])
    body = answer.json()
    problems = body if isinstance(body, list) else []
    wrappers = (resource.v31_wrapper, resource.v2_wrapper) if resource else ("", "")
    return _diagnoses(answer.status, [
        _problem("ValidationError" if answer.status == 422 else str(p.get("$dataCode", "")),
                 str(p.get("$message", "")), translate.source(table, *wrappers, str(p.get("$source", ""))))
        for p in problems if isinstance(p, dict)])


# --- authentication ---------------------------------------------------------------------------------------------

def _base_url(request: Request, public_url: str | None) -> str:
    """The URL the client signed: `LEDGERD_PUBLIC_URL` and the path when set, else the request's own scheme, Host
    header and path as the client sent them."""
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    path = raw.decode("utf-8", "replace").split("?", 1)[0]
    if public_url:
        return public_url + path
    host = request.headers.get("host") or "localhost"
    parts = urlsplit(f"//{host}")
    name = parts.hostname or "localhost"
    name = f"[{name}]" if ":" in name else name
    return signing.base_url(request.url.scheme, name, parts.port, path)


def _pairs(raw: bytes, what: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        raise Invalid(f"The {what} is not valid UTF-8 form data.", "") from None


def _signing_secret(runtime: Runtime, app_id: str) -> str | None:
    with runtime.sessions() as db:
        secret: str | None = db.scalar(select(LegacyCredential.signing_secret)
                                       .where(LegacyCredential.app_id == app_id, LegacyCredential.api == "v2"))
    return secret


def authenticate(runtime: Runtime, request: Request, raw: bytes) -> Call:
    """The v2 caller of `request` (token, signature, nonce) and its parameters; 401 `Access Denied` otherwise."""
    caller = callers.authenticate(runtime.engine, runtime.clock, "v2", request.headers.get("authorization"))
    query = _pairs(request.scope.get("query_string", b""), "query string")
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if raw.strip() and media != FORM:
        raise UnsupportedForm()
    body = _pairs(raw, "request body") if raw.strip() else []
    secret = _signing_secret(runtime, caller.app_id)
    nonce = request.headers.get("x-nonce", "")
    if not secret or not nonce or len(nonce) > nonces.MAX_LENGTH:
        raise Unauthorized("A signed v2 call needs X-Signature and X-Nonce.")
    base = signing.base_string(request.method, _base_url(request, runtime.settings.public_url), [*query, *body],
                               nonce)
    token = bearer_token(request.headers.get("authorization"))
    if not signing.verify(request.headers.get("x-signature"), signing.signing_key(secret, token), base):
        raise Unauthorized("The X-Signature does not match the call.")
    if not nonces.first_use(runtime.engine, runtime.clock, caller.app_id, nonce):
        raise Unauthorized("The X-Nonce has been used before.")
    if caller.business_id is None:
        raise Unauthorized("The access token names no business.")
    return Call(request, runtime, caller, caller.business_id, query, forms.parse(body))


# --- ids and bodies (also `ledgerd migrate compare`'s, api/legacy/compare.py) -----------------------------------

def stored(segment: str) -> bool:
    """Whether the records of the v3.1 resource `segment` are stored (found by legacy id in their table), not a
    static list's entries."""
    spec = REGISTRY.get(segment)
    return spec is not None and isinstance(spec.model, type) and issubclass(spec.model, Record)


def stored_key(runtime: Runtime, business_id: str, segment: str, legacy_id: int) -> str | None:
    """The v3.1 key of the stored record of `segment` with `legacy_id` in the business (blocking)."""
    # Unscoped by kind: a legacy id names one row of its table (e.g. of all artefacts); if it is another kind's,
    # the v3.1 route the call goes to says it is not found.
    spec = REGISTRY[segment]
    with runtime.sessions() as db:
        bind_business(db, business_id)
        key = key_of_legacy_id(db, select(spec.key), spec.model, business_id, legacy_id)
    return None if key is None else str(key)


def v31_body(resource: Resource, method: str, form: dict[str, Any]) -> dict[str, Any]:
    """The v3.1 body inside the wrapper of a v2 write's parsed form, its integer ids not yet resolved (422 when
    the wrapper is missing)."""
    wrapper = resource.v2_wrapper
    given = form.get(wrapper)
    if not isinstance(given, dict):
        raise Invalid(f"{wrapper} is missing: send its fields as {wrapper}[name]=value.", wrapper)
    inner = translate.to_v31(resource.table, given)
    if method == "POST":
        inner.update(resource.fixed)
    return inner


# --- the adapter ------------------------------------------------------------------------------------------------

class V2:
    """The v2 endpoints over the v3.1 API app."""

    def __init__(self, api: ASGIApp) -> None:
        self.api = api

    async def _off_loop(self, runtime: Runtime, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(runtime.threads, work)

    async def endpoint(self, request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        try:
            raw = await request.body()
            call = await self._off_loop(runtime, functools.partial(authenticate, runtime, request, raw))
            path = request.scope["path"]
            if path.startswith(CORE + "/"):
                return await self._core(call, path[len(CORE) + 1:].strip("/"))
            return await self._accounts(call, path[len(ACCOUNTS) + 1:].strip("/"))
        except LedgerdError as exc:
            return error(exc)
        except (ClientDisconnect, sandbox.ConnectionDropped):
            raise  # nobody to answer, or a fault rule dropped the connection
        except Exception:  # a bug: logged, and still answered in v2's shape
            log.exception("unexpected error in API v2 (%s %s)", request.method, request.url.path)
            return _diagnoses(500, [_problem("InternalServerError", "An unexpected error occurred.")])

    async def _forward(self, call: Call, method: str, path: str, query: Sequence[tuple[str, str]] = (),
                       body: Any = None, target: ASGIApp | None = None) -> Answer:
        """The v3.1 call `path`, answered by the v3.1 API or (`target`) v2_summaries' routes."""
        request = call.request
        scope = {**request.scope, "method": method}
        payload = b"" if body is None else orjson.dumps(body)  # never the v2 call's own (form) body
        return await forward(target or self.api, scope, request.receive, path=path,
                             query_string=urlencode([*query, ("show_legacy_id", "true")]).encode(),
                             principal=call.caller.principal, business_id=call.business_id, body=payload,
                             content_type=_JSON if payload else None, drop_headers=_DROP)

    # --- ids --------------------------------------------------------------------------------------------------

    async def key(self, call: Call, segment: str, legacy_id: int) -> str | None:
        """The v3.1 key of a record of `segment` by its legacy id: looked up where the records are stored, else
        (static lists) found among the list's entries."""
        if stored(segment):
            return await self._off_loop(call.runtime, functools.partial(
                stored_key, call.runtime, call.business_id, segment, legacy_id))
        page = 1
        while True:
            answer = await self._forward(call, "GET", f"/{segment}",
                                         [("page", str(page)), ("items_per_page", str(MAX_PER_PAGE))])
            body = answer.json() if answer.status == 200 else None
            items = body.get("$items", []) if isinstance(body, dict) else []
            for item in items:
                if item.get("legacy_id") == legacy_id:
                    return str(item["id"])
            if not body or page * MAX_PER_PAGE >= int(body.get("$total", 0)):
                return None
            page += 1

    async def _resolve(self, call: Call, body: dict[str, Any], table: Table, resource: Resource) -> None:
        for ref in translate.refs(body):
            found = await self.key(call, ref.segment, ref.legacy_id)
            if found is None:
                source = translate.source(table, resource.v31_wrapper, resource.v2_wrapper, ref.path)
                raise Invalid(f"There is no record with id {ref.legacy_id} for {source}.", source)
            ref.holder[ref.key] = found

    # --- accounts ---------------------------------------------------------------------------------------------

    async def _accounts(self, call: Call, rest: str) -> Response:
        if rest in summaries.PATHS:
            return await self._summary(call, rest)
        name, _, key = rest.partition("/")
        if name == "period_types":
            return self._static(call, summaries.period_types(), key, "period_type")
        resource = BY_PATH.get(name)
        if resource is None or "/" in key:
            raise RouteNotFound("The path/endpoint does not exist in API v2.")
        method = call.request.method
        if resource.singleton:
            if key:
                raise RouteNotFound("The path/endpoint does not exist in API v2.")
            if method == "GET":
                return await self._one(call, resource, "GET", f"/{resource.v31}")
            return await self._write(call, resource, method, f"/{resource.v31}")
        if not key:
            if method == "GET":
                return await self._list(call, resource)
            return await self._write(call, resource, method, f"/{resource.v31}")
        if not key.isdigit() or len(key) > 11:
            raise NotFound(f"There is no {resource.v2_wrapper} with id {key}.")
        found = await self.key(call, resource.v31, int(key))
        if found is None or not await self._of_kind(call, resource, found):
            raise NotFound(f"There is no {resource.v2_wrapper} with id {key}.")
        path = f"/{resource.v31}/{found}"
        if method == "GET":
            return await self._one(call, resource, "GET", path)
        if method == "DELETE":
            # the query goes on (a sales document's void_reason); a voided document comes back in v2's words
            query = [(k, v) for k, v in call.query if k != "show_legacy_id"]
            answer = await self._forward(call, "DELETE", path, query)
            if answer.status >= 400:
                return _failed(answer, resource.table, resource)
            if not answer.body:
                return Response(status_code=answer.status)
            return _sdata(translate.resource(resource.table, answer.json()), answer.status)
        return await self._write(call, resource, method, path)

    async def _of_kind(self, call: Call, resource: Resource, key: str) -> bool:
        """Whether the record is one of the v2 resource's (an expense is an other payment of type OTHER_PAYMENT)."""
        if resource.kind is None:
            return True
        answer = await self._forward(call, "GET", f"/{resource.v31}/{key}")
        if answer.status != 200:
            return True  # the call itself will say what is wrong
        field, value = resource.kind
        found = answer.json().get(field)
        return isinstance(found, dict) and found.get("id") == value

    async def _one(self, call: Call, resource: Resource, method: str, path: str, body: Any = None) -> Response:
        answer = await self._forward(call, method, path, body=body)
        if answer.status >= 400:
            return _failed(answer, resource.table, resource)
        item = answer.json()
        return _sdata(translate.resource(resource.table, item) if isinstance(item, dict) else item, answer.status)

    async def _write(self, call: Call, resource: Resource, method: str, path: str) -> Response:
        if method not in ("POST", "PUT"):
            raise _method_not_allowed()
        inner = v31_body(resource, method, call.form)
        await self._resolve(call, inner, resource.table, resource)
        return await self._one(call, resource, method, path, {resource.v31_wrapper: inner})

    async def _list(self, call: Call, resource: Resource | None, v31: str | None = None) -> Response:
        """A v2 list: `$startIndex` (from 0) and `$itemsPerPage` turned into v3.1 pages (two when the start is not
        on a page boundary), in the SData envelope."""
        start, per = _paging(dict(call.query))
        passed = [(k, v) for k, v in call.query
                  if not k.startswith("$") and k not in ("page", "items_per_page", "attributes")]
        # v2's lists held whole records (§7.3's cassette), v3.1's hold links unless asked for all attributes
        query = [*(resource.filters if resource else ()), *passed, ("attributes", "all"), ("items_per_page", str(per))]
        path = f"/{resource.v31}" if resource else f"/{v31}"
        table = resource.table if resource else Table()
        first = start // per + 1
        answer = await self._forward(call, "GET", path, [*query, ("page", str(first))])
        if answer.status >= 400:
            return _failed(answer, table, resource)
        body = answer.json()
        total = int(body.get("$total", 0))
        items: list[Any] = list(body.get("$items", []))
        offset = start % per
        if offset and first * per < total:
            more = await self._forward(call, "GET", path, [*query, ("page", str(first + 1))])
            if more.status >= 400:
                return _failed(more, table, resource)
            items += more.json().get("$items", [])
        chosen = [] if start >= total else items[offset:offset + per]
        return _sdata({"$totalResults": total, "$startIndex": start, "$itemsPerPage": per,
                       "$resources": [translate.resource(table, item) for item in chosen]})

    async def _summary(self, call: Call, rest: str) -> Response:
        """A summary v3.1 does not serve (v2_summaries.py), as one v2 resource."""
        if call.request.method != "GET":
            raise _method_not_allowed()
        query = [(k, v) for k, v in call.query if k in summaries.PARAMS]
        answer = await self._forward(call, "GET", f"/{rest}", query, target=summaries.router)
        if answer.status >= 400:
            return _failed(answer, Table(), None)
        return _sdata(translate.resource(Table(), answer.json()))

    def _static(self, call: Call, items: Sequence[dict[str, Any]], key: str, singular: str) -> Response:
        """A v2-only static list (already in v2's shape): read, or listed in the SData envelope."""
        if call.request.method != "GET":
            raise _method_not_allowed()
        if key:
            found = next((item for item in items if key.isdigit() and item["id"] == int(key)), None)
            if found is None:
                raise NotFound(f"There is no {singular} with id {key}.")
            return _sdata(found)
        start, per = _paging(dict(call.query))
        return _sdata({"$totalResults": len(items), "$startIndex": start, "$itemsPerPage": per,
                       "$resources": list(items[start:start + per])})

    # --- core -------------------------------------------------------------------------------------------------

    async def _core(self, call: Call, rest: str) -> Response:
        method = call.request.method
        business = f"/businesses/{call.business_id}"
        if rest == "business_relationships" and method == "GET":
            return await self._list(call, None, "businesses")
        if rest == "me" and method == "GET":
            found_business = await self._forward(call, "GET", business)
            found_user = await self._forward(call, "GET", "/user")
            for answer in (found_business, found_user):
                if answer.status >= 400:
                    return _failed(answer, Table(), None)
            return _sdata({"business": translate.resource(Table(), found_business.json()),
                           "user": translate.resource(Table(), found_user.json())})
        targets = {"business": (business, "business"), "user": ("/user", "user")}
        if rest not in targets:
            raise RouteNotFound("The path/endpoint does not exist in API v2.")
        path, wrapper = targets[rest]
        resource = Resource(rest, path.strip("/"), singular=wrapper, wrapper=wrapper, singleton=True)
        if method == "GET":
            return await self._one(call, resource, "GET", path)
        if method == "PUT":
            return await self._write(call, resource, "PUT", path)
        raise _method_not_allowed()


def _method_not_allowed() -> ApiError:
    return MethodNotAllowed("This method is not allowed on this path.")


def _paging(query: dict[str, str]) -> tuple[int, int]:
    """`$startIndex` (from 0) and `$itemsPerPage` of a list call."""
    start = _count(query.get("$startIndex"), "$startIndex", 0, 0, MAX_PAGE - 2)  # its v3.1 pages stay countable
    return start, _count(query.get("$itemsPerPage"), "$itemsPerPage", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)


def _count(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise Invalid(f"{name} must be a whole number from {low} to {high}.", name)
    return int(raw)


def routes(api: ASGIApp) -> list[BaseRoute]:
    """API v2's routes, forwarding to `api` (the v3.1 app)."""
    adapter = V2(api)
    methods = ["GET", "POST", "PUT", "DELETE"]
    return [Route(f"{prefix}/{{rest:path}}", adapter.endpoint, methods=methods) for prefix in (ACCOUNTS, CORE)]
