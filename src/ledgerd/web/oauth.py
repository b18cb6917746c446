"""OAuth HTTP endpoints: /token, /revoke, the JWKS and RFC 8414 metadata. Errors keep RFC 6749's shape.

The old APIs' clients (v3, v2) have token and revocation endpoints of their own (docs/legacy-oauth.md); /token,
/oauth2/token, /revoke and /oauth2/revoke also serve them when the client id is one of their credentials', so a client
that changes only the host works (auth/legacy_grants.py).

/token and /revoke follow the sandbox's shared setting and answer a fault rule that fires (http/sandbox.py)."""

from __future__ import annotations

import base64
import logging
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import orjson
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ledgerd import limits
from ledgerd.auth import legacy_grants
from ledgerd.auth.authorize import CHALLENGE_METHODS
from ledgerd.auth.legacy import Api
from ledgerd.auth.server import FormRequest, Replayed, build_server, consume_code, revoke_family
from ledgerd.db.engine import unit_of_work
from ledgerd.http import sandbox
from ledgerd.http.errors import ApiError
from ledgerd.http.recorder import identify
from ledgerd.http.wire import JsonResponse
from ledgerd.runtime import Runtime
from ledgerd.sandbox.faults import Call as FaultCall
from ledgerd.sandbox.faults import Fired

log = logging.getLogger("ledgerd.oauth")
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_error(status: int, error: str, description: str) -> Response:
    return JsonResponse({"error": error, "error_description": description}, status_code=status, headers=NO_STORE)


def refused(error: ApiError) -> Response:
    """A request refused before its endpoint ran (a body too large or too slow, http/guard.py; text with control
    characters, http/edge.py), in RFC 6749's error shape."""
    return _oauth_error(error.status, "invalid_request", error.problems[0].message)


class _Failed(Exception):
    """Carries a non-200 Authlib answer out of the unit of work, so nothing it did is kept."""

    def __init__(self, answer: tuple[int, Any, Any], code: str | None = None) -> None:
        super().__init__(answer[0])
        self.answer = answer
        self.code = code


def _json_items(body: bytes) -> list[tuple[str, str]] | Response:
    """The parameters of a JSON object body: Sage's token endpoint takes them so, and integrations send them so
    (docs/decisions.md, "OAuth 2.0"). Values are strings (numbers are written as JSON writes them); nothing
    nested, and the text rules of form fields apply (no control characters)."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _oauth_error(400, "invalid_request", "The request body is not valid JSON.")
    if not isinstance(parsed, dict):
        return _oauth_error(400, "invalid_request", "The request body must be a JSON object of parameters.")
    items: list[tuple[str, str]] = []
    for name, value in parsed.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return _oauth_error(400, "invalid_request", f"The parameter {name} must be a string.")
        text = value if isinstance(value, str) else orjson.dumps(value).decode()
        if limits.control_character(name) or limits.control_character(text):
            return _oauth_error(400, "invalid_request", f"The parameter {name} holds a control character.")
        items.append((name, text))
    return items


async def _form_items(request: Request) -> list[tuple[str, str]] | Response:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in (FORM, JSON):
        return _oauth_error(400, "invalid_request", "Send the parameters form-encoded "
                            "(Content-Type: application/x-www-form-urlencoded) or as a JSON object "
                            "(Content-Type: application/json).")
    body = await request.body()
    if media == JSON:
        return _json_items(body)
    try:
        return parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return _oauth_error(400, "invalid_request", "The request body is not valid form data.")


def _basic(headers: Any) -> tuple[str, str] | None:
    """The client id and secret of a request's Basic credentials (RFC 6749 §2.3.1, form-encoded inside base64)."""
    scheme, _, credentials = str(headers.get("authorization", "")).partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


def _client_id(items: list[tuple[str, str]], headers: Any) -> str | None:
    """The client id a token or revocation request names: its `client_id` parameter or its Basic credentials."""
    for name, value in items:
        if name == "client_id":
            return value
    basic = _basic(headers)
    return None if basic is None else basic[0]


def _client_auth(items: list[tuple[str, str]], headers: Any) -> legacy_grants.ClientAuth:
    """The credentials an old API's client presented: in the body as its samples sent them, or HTTP Basic."""
    body = dict(items)
    if "client_id" in body:
        return legacy_grants.ClientAuth(body["client_id"], body.get("client_secret"))
    basic = _basic(headers)
    return legacy_grants.ClientAuth(*basic, basic=True) if basic else legacy_grants.ClientAuth("", None)


def _legacy(request: Request, runtime: Runtime, db: Session, run_grant: str, items: list[tuple[str, str]],
            api: Api | None, region: str | None) -> tuple[int, Any, Any]:
    """A token or revocation request of an old API's client (auth/legacy_grants.py), answered as the v3.1 grants
    are: a refusal leaves the unit of work as `_Failed`, a replay as auth/server.py's `Replayed`."""
    client = _client_auth(items, request.headers)
    try:
        if run_grant == "token":
            granted = legacy_grants.token(db, runtime.clock, items, client, api=api, region=region)
            identify(request.scope, client_id=granted.client.client_id, user_id=granted.user_id)
            return 200, granted.token, []
        found = legacy_grants.authenticate(db, client, api)
        presented = dict(items).get("token")
        if not presented:
            raise legacy_grants.Refused("invalid_request", "Missing token.")
        identify(request.scope, client_id=found.client_id,
                 user_id=legacy_grants.revoke(db, runtime.clock, found, presented))
        return 200, {"success": "ok"}, []
    except legacy_grants.Refused as refused:
        identify(request.scope, client_id=client.client_id or None, user_id=None)
        raise _Failed((refused.status, {"error": refused.error, "error_description": refused.description}, []),
                      refused.code_hash) from None


def _fault_answer(fired: Fired) -> Response:
    """A fault rule's error in RFC 6749's shape: a revoked grant as Sage answers a revoked refresh token
    (`invalid_grant`), a 500 as `server_error`, a 429 or a gateway's 5xx as `temporarily_unavailable` with the
    status kept (docs/sandbox.md, "Faults")."""
    if fired.preset == "token_revoked":
        return _oauth_error(400, "invalid_grant", "The refresh token was revoked. Ask the user to authorize the app "
                                                  "again.")
    status = fired.status or 500
    error = ("server_error" if status == 500 else "temporarily_unavailable" if status in (429, 502, 503, 504)
             else "access_denied")
    response = _oauth_error(status, error, fired.message or "")
    if fired.retry_after is not None:
        response.headers["Retry-After"] = str(fired.retry_after)
    return response
def _identify(request: Request, oauth_request: FormRequest) -> None:
    """The app and user a grant found, for the request journal (http/recorder.py)."""
    client, user = getattr(oauth_request, "client", None), getattr(oauth_request, "user", None)
    identify(request.scope, client_id=client.get_client_id() if client is not None else None,
             user_id=getattr(user, "id", None) or oauth_request.ledgerd_user_id)


def _endpoint(run_grant: str, api: Api | None = None, region: str | None = None) -> Any:
    """A token or revocation endpoint. `api`: an old API's own endpoint (its clients only; `region`: v3's endpoint
    of that region); None: the shared one, for v3.1 clients and for old APIs' clients alike."""

    async def endpoint(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        items = await _form_items(request)
        if isinstance(items, Response):
            return items
        server = request.app.state.oauth_server
        # Authlib insists on https; the deployment's TLS terminator is what guarantees it.
        uri = str(request.url.replace(scheme="https"))
        base_url = str(request.base_url).rstrip("/")
        # Starlette's Headers look names up case-insensitively; Authlib asks for "Authorization".
        headers = request.headers
        call = FaultCall(request.method, request.scope["path"], lambda: _client_id(items, headers))

        def run(faulty: bool) -> tuple[int, Any, Any]:
            version = sandbox.follow(runtime)
            if faulty:
                sandbox.check(runtime, version, call)
            try:
                with unit_of_work(runtime.sessions, write=True) as db:
                    if api is not None or (runtime.settings.legacy_apis
                                           and legacy_grants.is_legacy_client(db, _client_id(items, headers))):
                        return _legacy(request, runtime, db, run_grant, items, api, region)
                    oauth_request = FormRequest(uri, headers, items, db, base_url=base_url)
                    if run_grant == "token":
                        answer = server.create_token_response(oauth_request)
                    else:
                        answer = server.create_endpoint_response("revocation", oauth_request)
                    _identify(request, oauth_request)
                    if answer[0] != 200:
                        raise _Failed(answer, oauth_request.ledgerd_code_hash)
                    return answer  # type: ignore[no-any-return]
            except _Failed as failed:
                if failed.code is not None:
                    # A code is single use even when its exchange fails (wrong verifier, wrong redirect_uri).
                    with unit_of_work(runtime.sessions, write=True) as db:
                        consume_code(db, runtime.clock, failed.code)
                return failed.answer
            except Replayed as replayed:
                if replayed.family_id is not None:
                    with unit_of_work(runtime.sessions, write=True) as db:
                        revoke_family(db, runtime.clock, replayed.family_id, replayed.reason)
                return 400, {"error": "invalid_grant", "error_description": replayed.description}, []

        async def answered() -> tuple[int, Any, Any] | Response:
            # A fault rule that fires answers instead, after its latency (waited out here, on the event loop).
            try:
                return await run_in_threadpool(run, True)
            except sandbox.Faulted as faulted:
                await sandbox.suffer(faulted.fired)
                if faulted.fired.status is not None:
                    return _fault_answer(faulted.fired)
            return await run_in_threadpool(run, False)

        try:
            answer = await answered()
        except sandbox.ConnectionDropped:
            raise
        except Exception:
            log.exception("token endpoint failed")
            return _oauth_error(500, "server_error", "An unexpected error occurred.")
        if isinstance(answer, Response):
            return answer
        status, body, answer_headers = answer
        out = dict(NO_STORE)
        out.update({k: v for k, v in answer_headers if k.lower() != "content-type"})
        return JsonResponse(body, status_code=status, headers=out)

    return endpoint


async def jwks(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    return JsonResponse(await run_in_threadpool(runtime.keys.jwks))


async def metadata(request: Request) -> Response:
    # RFC 8414: the issuer is where the metadata was fetched, unless a public URL is pinned.
    base = request.app.state.runtime.settings.public_url or str(request.base_url).rstrip("/")
    return JsonResponse({
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth2/auth/central",
        "token_endpoint": f"{base}/token",
        "revocation_endpoint": f"{base}/revoke",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "scopes_supported": ["full_access", "readonly"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "code_challenge_methods_supported": list(CHALLENGE_METHODS),
        "ui_locales_supported": ["en-GB", "en-IE", "en-US", "es-US", "en-CA", "fr-CA", "fr-FR", "de-DE", "es-ES"],
    })


def build(runtime: Runtime) -> Any:
    return build_server(runtime.tokens, runtime.clock)


# The old APIs' own endpoints (docs/legacy-oauth.md): v3's per region, where Sage had app.sageone.com/oauth2/token (uki:
# GB, IE), oauth.na.sageone.com/token (na: CA, US) and oauth.eu.sageone.com/token (eu: DE, ES, FR); v2's, where Sage had
# api.sageone.com/oauth2/token. Each with a revocation endpoint beside it.
LEGACY_ENDPOINTS: list[tuple[str, Api, str | None]] = [
    *((f"/v3/oauth/{region}", "v3", region) for region in legacy_grants.REGIONS), ("/v2/oauth", "v2", None)]

routes: list[BaseRoute] = [
    Route("/token", _endpoint("token"), methods=["POST"]),
    Route("/oauth2/token", _endpoint("token"), methods=["POST"]),
    Route("/revoke", _endpoint("revoke"), methods=["POST"]),
    Route("/oauth2/revoke", _endpoint("revoke"), methods=["POST"]),
    Route("/.well-known/jwks.json", jwks, methods=["GET"]),
    Route("/.well-known/oauth-authorization-server", metadata, methods=["GET"]),
]
# Served when the old APIs are (LEDGERD_LEGACY_APIS, app.py).
legacy_routes: list[BaseRoute] = [Route(f"{base}/{grant}", _endpoint(grant, api, region), methods=["POST"])
                                  for base, api, region in LEGACY_ENDPOINTS for grant in ("token", "revoke")]
# The form endpoints; their bodies are limited and timed (http/guard.py) and their text checked (http/edge.py);
# a refusal is answered with `refused`.
FORM_PATHS = frozenset(route.path for route in [*routes, *legacy_routes]
                       if isinstance(route, Route) and "POST" in (route.methods or ()))
