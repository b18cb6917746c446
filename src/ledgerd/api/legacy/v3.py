"""Sage's API v3, `/{region}/sageone/accounts/v3/…`, as a thin adapter over v3.1 (docs/legacy-v3.md).

Each call is admitted as v3's gateway (Azure APIM) and backend admitted it, in this order: the subscription key
(`Ocp-Apim-Subscription-Key` or `?subscription-key=`), the `X-Site` header's presence, the v3 bearer token
(api/legacy/callers.py), `X-Site` naming one of the user's businesses, and that business's country served by the
path's region. It is then forwarded to the v3.1 route of the same path (api/legacy/forward.py) with `X-Site` as
the business, so every rule is v3.1's own. Where v3 behaved differently the request is translated first (a line's
omitted `tax_amount`, an attachment's file without `Accept`), and the v3-only `/unposted_transactions` is served
by unposted.py through the same pipeline steps. v3.1-only paths answer 404.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import orjson
from pydantic import ValidationError
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerd.api.legacy import unposted
from ledgerd.api.legacy.callers import LegacyCaller, authenticate
from ledgerd.api.legacy.forward import Answer, forward
from ledgerd.api.legacy.v2_translation import source_parts
from ledgerd.artefacts import lines
from ledgerd.artefacts.kinds import CORRECTIVE_KINDS, KINDS, Kind
from ledgerd.artefacts.schemas import LineIn
from ledgerd.auth.legacy import subscription_app
from ledgerd.db.engine import unit_of_work
from ledgerd.db.tenancy import bind_business
from ledgerd.errors import LedgerdError, Problem
from ledgerd.http import sandbox
from ledgerd.http.errors import ApiError, MethodNotAllowed, RouteNotFound, error_response
from ledgerd.runtime import Runtime
from ledgerd.tenancy.access import Selected
from ledgerd.tenancy.service import select_business

# The countries each region serves (auth-and-legacy §6.2: `uki` is GB and IE).
REGIONS: dict[str, frozenset[str]] = {"uki": frozenset({"GB", "IE"}), "us": frozenset({"US"}),
                                      "ca": frozenset({"CA"}), "de": frozenset({"DE"}), "es": frozenset({"ES"}),
                                      "fr": frozenset({"FR"})}
SUBSCRIPTION_PARAM = b"subscription-key"
# Paths v3.1 added (the v3 swagger has none of them): 404 in v3.
V31_ONLY = re.compile(r"^/(analysis_types|analysis_type_categories|cis_settings)(/|$)"
                      r"|^/bank_accounts/[^/]+/bank_feed/?$")
ATTACHMENT_FILE = re.compile(r"^/attachments/[^/]+/file/?$")
DOCUMENTS: dict[str, Kind] = {kind.path: kind for kind in (*KINDS, *CORRECTIVE_KINDS)}


class ApimError(ApiError):
    """An error of v3's gateway: Sage's array with `$severity` "APIM error" (auth-and-legacy §6.4). APIM answers
    a failed check with 401 unless told otherwise (docs/legacy-v3.md, "Statuses")."""

    status = 401

    def __init__(self, code: str, message: str, source: str = "", *, status: int = 401) -> None:
        super().__init__(problems=[Problem(code, message, source, severity="APIM error")])
        self.status = status


def no_subscription() -> ApimError:
    return ApimError("AuthorizationFailure",
                     "Access denied. Cannot verify subscription. Please try again later. (MRF)")


def access_denied(why: str) -> ApimError:
    """403 for an `X-Site` the token's user may not use here (docs/legacy-v3.md)."""
    return ApimError("AuthorizationFailure", f"Access denied. {why}", "X-Site", status=403)


def _header(scope: Scope, name: bytes) -> str | None:
    return next((value.decode("latin-1") for key, value in scope["headers"] if key.lower() == name), None)


def without_subscription_key(query_string: bytes) -> tuple[bytes, str | None]:
    """The query string without `subscription-key` (never passed on), and the key it carried."""
    kept, key = [], None
    for part in query_string.split(b"&"):
        name = part.split(b"=", 1)[0]
        if unquote_plus(name.decode("latin-1")).encode() == SUBSCRIPTION_PARAM:
            key = unquote_plus(part.split(b"=", 1)[1].decode("latin-1")) if b"=" in part else ""
        elif part:
            kept.append(part)
    return b"&".join(kept), key


@dataclass(frozen=True)
class Admitted:
    """A v3 call past the gateway's and the backend's checks."""

    caller: LegacyCaller
    business: Selected
    query_string: bytes


def admit(runtime: Runtime, scope: Scope, region: str) -> Admitted:
    """The gateway's checks, then the token and `X-Site` (blocking: run off the event loop)."""
    sandbox.follow(runtime)  # the shared clock setting, before any token's expiry is judged
    query_string, query_key = without_subscription_key(scope.get("query_string", b""))
    key = _header(scope, b"ocp-apim-subscription-key") or query_key
    if subscription_app(runtime.engine, key) is None:
        raise no_subscription()
    site = (_header(scope, b"x-site") or "").strip()
    if not site:
        raise ApimError("HeaderNotFound", "Header X-Site was not found in the request. Access denied.",
                        "check-header[2]")
    caller = authenticate(runtime.engine, runtime.clock, "v3", _header(scope, b"authorization"))
    try:
        business = select_business(runtime.engine, caller.principal.user_id, site)
    except LedgerdError:
        raise access_denied("X-Site names a business the user of this access token cannot access.") from None
    if business.country_id not in REGIONS[region]:
        raise access_denied(f"The business in X-Site is in {business.country_id}, which /{region}/sageone/ does "
                            "not serve.")
    return Admitted(caller, business, query_string)


async def admitted(scope: Scope, region: str) -> tuple[Runtime, Admitted]:
    runtime: Runtime = scope["app"].state.runtime
    loop = asyncio.get_running_loop()
    return runtime, await loop.run_in_executor(runtime.threads, admit, runtime, scope, region)


async def reply(answer: Answer, send: Send) -> None:
    """The v3.1 answer as v3's: the same status and body, without v3.1's `X-Business` (v3 had none)."""
    headers = [(k, v) for k, v in answer.headers if k not in (b"content-length", b"x-business")]
    await send({"type": "http.response.start", "status": answer.status,
                "headers": [*headers, (b"content-length", str(len(answer.body)).encode())]})
    await send({"type": "http.response.body", "body": answer.body})


async def read_body(receive: Receive) -> bytes:
    chunks, more = [], True
    while more:
        message: Message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def v3_source(wrapper: str, given: str) -> str:
    """A v3.1 error's `$source` as v3 named the attribute: Rails-style inside the body's wrapper, as in Sage's v3
    answer `"$source":"contact[contact_type_ids]"` (auth-and-legacy §6.7 [I-php11]); `invoice_lines[0].tax_amount`
    becomes `sales_invoice[invoice_lines][0][tax_amount]`. Empty and record-level (`base`) sources, and the
    wrapper itself, stay as they are."""
    if not given or given in ("base", wrapper):
        return given
    return wrapper + "".join(f"[{part}]" for part in source_parts(given))


def v3_errors(answer: Answer, wrapper: str) -> Answer:
    """A 422 of v3.1 with its sources named as v3 named them (`v3_source`); any other answer as it is."""
    problems = answer.json() if answer.status == 422 else None
    if not isinstance(problems, list):
        return answer
    for problem in problems:
        if isinstance(problem, dict) and isinstance(problem.get("$source"), str):
            problem["$source"] = v3_source(wrapper, problem["$source"])
    answer.body = orjson.dumps(problems)
    return answer


def _wrapper(raw: bytes) -> str | None:
    """The one key a write's JSON body is wrapped in (`{"contact": {…}}`), if it is so wrapped."""
    try:
        body = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        return None
    keys = [key for key, value in body.items() if isinstance(value, dict)] if isinstance(body, dict) else []
    return keys[0] if len(keys) == 1 else None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None  # v3.1 says what is wrong with it


def fill_taxes(runtime: Runtime, business_id: str, kind: Kind, key: str | None, body: Any) -> bool:
    """v3 let a sales or purchase line leave out `tax_amount`: each such line gets the tax the domain figures
    for it (artefacts/lines.omitted_tax) before v3.1 validates it. Whether anything was filled."""
    document = body.get(kind.wrapper) if isinstance(body, dict) else None
    sent = document.get(kind.lines_key) if isinstance(document, dict) else None
    if not isinstance(sent, list):
        return False
    filled = False
    with unit_of_work(runtime.sessions, write=False) as db:
        bind_business(db, business_id)
        on = _date(document.get("date")) if isinstance(document, dict) else None
        if on is None and key is not None:
            on = lines.document_date(db, kind, key)
        if on is None:
            return False
        for line in sent:
            if not isinstance(line, dict) or line.get("tax_amount") is not None:
                continue
            try:
                parsed = LineIn.model_validate(line)
            except ValidationError:
                continue  # v3.1's validation says what is wrong with it
            tax = lines.omitted_tax(db, kind, on, parsed)
            if tax is not None:
                line["tax_amount"] = str(tax)
                filled = True
    return filled


class AccountsV3:
    """The ASGI app of one region's `/sageone/accounts/v3/{rest}`."""

    def __init__(self, api: ASGIApp, region: str) -> None:
        self.api = api
        self.region = region

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            answer = await self.serve(scope, receive)
        except LedgerdError as exc:
            await error_response(exc, secrets.token_hex(16))(scope, receive, send)
            return
        await reply(answer, send)

    async def serve(self, scope: Scope, receive: Receive) -> Answer:
        runtime, call = await admitted(scope, self.region)
        path = "/" + scope["path_params"]["rest"]
        if V31_ONLY.match(path):
            raise RouteNotFound(f"The path {scope['path']} does not exist.")
        target = unposted.router if path.split("/")[1] == "unposted_transactions" else self.api
        body: bytes | None = None
        method = scope["method"]
        parts = path.strip("/").split("/")
        kind = DOCUMENTS.get(parts[0])
        wrapper: str | None = None
        if method in ("POST", "PUT"):  # read whole: v3 names error sources inside the body's wrapper
            body = await read_body(receive)
            wrapper = _wrapper(body)
        if body is not None and kind is not None and \
                ((method == "POST" and len(parts) == 1) or (method == "PUT" and len(parts) == 2)):
            body = await self._taxes_filled(runtime, call, kind, parts[1] if len(parts) == 2 else None, body)
        if method == "GET" and ATTACHMENT_FILE.match(path):  # v3 sent the file whatever the Accept header said
            scope = {**scope, "headers": [*((k, v) for k, v in scope["headers"] if k.lower() != b"accept"),
                                          (b"accept", b"application/octet-stream")]}
        answer = await forward(target, scope, receive, path=path, query_string=call.query_string,
                               principal=call.caller.principal, business_id=call.business.id, body=body,
                               content_type=_header(scope, b"content-type") if body is not None else None,
                               drop_headers=("x-site", "ocp-apim-subscription-key"))
        if answer.status == 404 and not answer.body:
            raise RouteNotFound(f"The path {scope['path']} does not exist.")
        if answer.status == 405 and not answer.body:
            allow = ", ".join(sorted(_methods(target, path))) or answer.header("allow") or ""
            raise MethodNotAllowed(f"The HTTP method {method} is not allowed for {scope['path']}; use {allow}.",
                                   headers={"Allow": allow})
        return v3_errors(answer, wrapper) if wrapper else answer

    @staticmethod
    async def _taxes_filled(runtime: Runtime, call: Admitted, kind: Kind, key: str | None, raw: bytes) -> bytes:
        try:
            body = orjson.loads(raw) if raw.strip() else None
        except orjson.JSONDecodeError:
            return raw  # v3.1 answers it (400)
        loop = asyncio.get_running_loop()
        filled = await loop.run_in_executor(runtime.threads, fill_taxes, runtime, call.business.id, kind, key, body)
        return orjson.dumps(body) if filled else raw


def _methods(app: ASGIApp, path: str) -> set[str]:
    """Every method some v3.1 route of `path` takes (Starlette's 405 names only the first route's)."""
    scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
    return {method for route in getattr(app, "routes", ()) if isinstance(route, Route) and route.methods
            and route.matches(scope)[0] is not Match.NONE for method in route.methods}


def routes(api: ASGIApp) -> list[BaseRoute]:
    """Every region's accounts routes; `api` is the v3.1 API app."""
    return [Route(f"/{region}/sageone/accounts/v3/{{rest:path}}", AccountsV3(api, region)) for region in REGIONS]

