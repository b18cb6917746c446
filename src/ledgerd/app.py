"""`create_app`: builds the whole server from settings.

Importing ledgerd builds only declarations that settings cannot change: each resource module's routes and
`api.registry` (filled as those routes are made), the models, the region data read on first use. Everything
that depends on settings or holds resources (engine, sessions, signing keys, clock, threads, the app itself)
is built here, per call, so tests and processes can build as many servers as they like; building a runtime
also installs the session listeners (`install_listeners`, once per process) on ledgerd's session class.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Literal

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from ledgerd import models as _models  # noqa: F401 - Base.metadata complete (sandbox/state.py walks it)
from ledgerd.analysis import service as analysis
from ledgerd.api import openapi
from ledgerd.api.admin import clock as admin_clock
from ledgerd.api.admin import faults as admin_faults
from ledgerd.api.admin import inventory as admin_inventory
from ledgerd.api.admin import journal as admin_journal
from ledgerd.api.admin import state as admin_state
from ledgerd.api.legacy import mount as legacy_api
from ledgerd.api.legacy import v2 as legacy_v2
from ledgerd.api.resources import analysis as analysis_api
from ledgerd.api.resources import artefacts as artefacts_api
from ledgerd.api.resources import attachments as attachments_api
from ledgerd.api.resources import banking as banking_api
from ledgerd.api.resources import businesses as tenancy_api
from ledgerd.api.resources import catalog as catalog_api
from ledgerd.api.resources import contacts as contacts_api
from ledgerd.api.resources import currencies as currencies_api
from ledgerd.api.resources import journals as journals_api
from ledgerd.api.resources import ledger_accounts as ledger_accounts_api
from ledgerd.api.resources import ledger_opening_balances as ledger_opening_balances_api
from ledgerd.api.resources import lookups as lookups_api
from ledgerd.api.resources import payments as payments_api
from ledgerd.api.resources import quick_entries as quick_entries_api
from ledgerd.api.resources import reports as reports_api
from ledgerd.api.resources import settings as settings_api
from ledgerd.api.resources import stock as stock_api
from ledgerd.api.resources import tax_rates as tax_rates_api
from ledgerd.api.resources import tax_returns as tax_returns_api
from ledgerd.api.resources import transactions as transactions_api
from ledgerd.api.resources import trial_balance as trial_balance_api
from ledgerd.api.routing import SegmentRouter
from ledgerd.attachments import service as attachments
from ledgerd.auth.keys import KeyRing
from ledgerd.auth.models import ServerSecret
from ledgerd.auth.tokens import Tokens
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.db import counters, locks, records, tenancy, unit
from ledgerd.db.engine import make_engine, make_sessionmaker, unit_of_work
from ledgerd.db.session import install_listeners as install
from ledgerd.http.edge import TextGuard
from ledgerd.http.errors import ApiError, MethodNotAllowed, RouteNotFound, error_response
from ledgerd.http.guard import RequestGuard
from ledgerd.http.headers import SecurityHeaders
from ledgerd.http.recorder import AccessLog, RequestRecorder
from ledgerd.http.sandbox import DropConnections
from ledgerd.passwords import Passwords
from ledgerd.periods import service as periods
from ledgerd.runtime import Runtime
from ledgerd.sandbox.journal import Journal
from ledgerd.sandbox.shared import Follower
from ledgerd.web import oauth as oauth_routes
from ledgerd.web import pages
from ledgerd.web.console import routes as console
from ledgerd.web.docs import pages as docs

API_PREFIX = "/v3.1"
# ledgerd's own endpoints (reports, sandbox) live apart from Sage's paths so they can never collide.
EXTENSIONS_PREFIX = "/ledgerd/v1"
# The request journal covers the API, ledgerd's own endpoints (reports, admin) and OAuth's: the token and
# revocation endpoints and the authorization page. Not pages, and not its own reads (a `--follow` would fill it).
AUTHORIZE_PATHS = frozenset({"/oauth2/auth", "/oauth2/auth/central"})
JOURNAL_READS = EXTENSIONS_PREFIX + "/admin" + admin_journal.PATH
# Every path answered in Sage's error array, refusals before any route included: v3.1, ledgerd's own, the old APIs.
API_PREFIXES = (API_PREFIX, EXTENSIONS_PREFIX, *(prefix.rstrip("/") for prefix in legacy_api.PREFIXES))
API_PATHS = tuple(prefix + "/" for prefix in API_PREFIXES)
log = logging.getLogger("ledgerd")


def _secret_key(sessions: sessionmaker[Session], settings: Settings, clock: Clock) -> bytes:
    """The configured secret, or one generated on first start and shared through the database."""
    if settings.secret_key:
        return settings.secret_key.encode()
    for _ in range(2):
        try:
            # A write transaction from the start: SQLite then queues concurrent first starts instead of
            # failing one of them when it upgrades a read to a write.
            with unit_of_work(sessions, write=True) as db:
                value = db.scalar(select(ServerSecret.value).where(ServerSecret.name == "cookie_key"))
                if value is None:
                    value = secrets.token_urlsafe(48)
                    db.add(ServerSecret(name="cookie_key", value=value, created_at=clock.now()))
            return value.encode()
        except IntegrityError:  # PostgreSQL: another process inserted it first; read theirs
            continue
    raise RuntimeError("could not establish the cookie secret")


def install_listeners() -> None:
    """Every session listener of ledgerd, on its own session class (db/session.py), in the order they run:
    tenancy first (a new row takes the session's business), then the stamps (timestamps, legacy ids), then the
    cascades of deletes (attachments, analysis categories), then closed periods (nothing posted in them)."""
    install(tenancy.LISTENERS, unit.LISTENERS, records.LISTENERS, locks.LISTENERS, counters.LISTENERS,
            attachments.LISTENERS, analysis.LISTENERS, periods.LISTENERS)


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """The process's runtime, its clock set as the deployment's sandbox setting says (sandbox/shared.py) before
    anything is stamped with it; a `clock` handed in (a test's) is kept until that setting next changes."""
    install_listeners()
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    follower = Follower()
    handed_in = clock is not None
    clock = clock or Clock()
    follower.start(engine, clock, keep_clock=handed_in)
    keys = KeyRing(sessions, clock)
    keys.ensure()
    journal = Journal(sessions, size=settings.journal_size, body_bytes=settings.journal_body_bytes) \
        if settings.journal else None
    if journal is not None:  # the journal writes what it holds and stops its thread before the engine goes
        event.listen(engine, "engine_disposed", lambda _engine: journal.close())
    return Runtime(settings=settings, clock=clock, engine=engine, sessions=sessions, keys=keys,
                   tokens=Tokens(settings, keys, clock), secret_key=_secret_key(sessions, settings, clock),
                   passwords=Passwords(settings.password_scrypt_n), sandbox=follower,
                   journal=journal)


def journal_surface(path: str) -> Literal["api", "oauth"] | None:
    """Which surface a path is, for the request journal (http/recorder.py); None: not journalled."""
    if path.startswith(EXTENSIONS_PREFIX + "/"):
        return None if path == JOURNAL_READS or path.startswith(JOURNAL_READS + "/") else "api"
    if path.startswith(API_PATHS):  # v3.1 and the old APIs (api/legacy/mount.PREFIXES)
        return "api"
    if path in oauth_routes.FORM_PATHS or path in AUTHORIZE_PATHS:
        return "oauth"
    return None


def _allowed_methods(routes: list[BaseRoute], scope: dict[str, object]) -> set[str]:
    """The methods of every route matching the path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            methods |= _allowed_methods(route.routes, {**scope, **child})
        elif isinstance(route, Route) and route.methods:
            methods |= route.methods
    return methods


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not request.url.path.startswith(API_PATHS):
        page = pages.error_page(request, HTTPStatus(exc.status_code).phrase,
                                f"{request.method} {request.url.path}: {exc.detail}.", exc.status_code)
        page.headers.update(exc.headers or {})
        return page
    error: ApiError
    if exc.status_code == 404:
        error = RouteNotFound(f"The path {request.url.path} does not exist.")
    elif exc.status_code == 405:
        scope = {"type": "http", "method": request.method, "path": request.scope["path"],
                 "root_path": request.scope.get("app_root_path", "")}
        allow = ", ".join(sorted(_allowed_methods(request.app.routes, scope))) or \
            (exc.headers or {}).get("Allow", "")
        error = MethodNotAllowed(f"The HTTP method {request.method} is not allowed for {request.url.path}; "
                                 f"use {allow}.", headers={"Allow": allow})
    else:
        error = ApiError(exc.detail)
        error.status = exc.status_code
    return error_response(error, secrets.token_hex(16))


def _refused(scope: Scope, error: ApiError) -> Response:
    """A request refused before its route ran (a body by the guard outside the API pipeline, text by the edge),
    in the shape of the path's surface."""
    path: str = scope["path"]
    if path.startswith(legacy_v2.PATHS):
        return legacy_v2.error(error)
    if path.startswith(API_PATHS):
        return error_response(error, secrets.token_hex(16))
    if path in oauth_routes.FORM_PATHS:
        return oauth_routes.refused(error)
    return pages.refused(Request(scope), error)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               runtime: Runtime | None = None) -> Starlette:
    """The ASGI application. Run `ledgerd db upgrade` (or `migrate.upgrade`) on the database first."""
    if runtime is None:
        runtime = build_runtime(settings or Settings.load(), clock)
    api = SegmentRouter([
        *openapi.routes, *tenancy_api.routes, *lookups_api.routes, *contacts_api.routes,
        *ledger_accounts_api.routes, *tax_rates_api.routes, *journals_api.routes, *transactions_api.routes,
        *trial_balance_api.routes, *ledger_opening_balances_api.routes,
        *settings_api.routes, *artefacts_api.routes, *payments_api.routes, *banking_api.routes,
        *catalog_api.routes, *currencies_api.routes, *analysis_api.routes, *attachments_api.routes,
        *stock_api.routes, *quick_entries_api.routes, *tax_returns_api.routes])
    routes = [
        Mount(API_PREFIX, app=api),
        *(legacy_api.routes(api) if runtime.settings.legacy_apis else []),
        Mount(EXTENSIONS_PREFIX, routes=[*reports_api.routes, *admin_inventory.routes, *admin_state.routes,
                                         *admin_clock.routes, *admin_faults.routes, *admin_journal.routes]),
        *oauth_routes.routes,
        *(oauth_routes.legacy_routes if runtime.settings.legacy_apis else []),
        *pages.routes,
        *console.routes,
        *docs.routes,
    ]
    guard = Middleware(RequestGuard, api_limit=runtime.settings.max_body_bytes, timeout=runtime.settings.body_timeout,
                       api_prefixes=API_PREFIXES, refusal=_refused)
    edge = Middleware(TextGuard, api_prefixes=API_PREFIXES, oauth_paths=oauth_routes.FORM_PATHS,
                      refusal=_refused)
    middleware = [Middleware(DropConnections), guard, edge, Middleware(SecurityHeaders)]
    settings = runtime.settings
    if runtime.journal is not None or settings.access_log:
        access = AccessLog(sys.stdout) if settings.access_log else None
        middleware.insert(1, Middleware(RequestRecorder, journal=runtime.journal, clock=runtime.clock, access=access,
                                        surface=journal_surface))
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error}, middleware=middleware,
                    lifespan=_lifespan)
    app.state.runtime = runtime
    app.state.oauth_server = oauth_routes.build(runtime)
    return app


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """At shutdown the request journal writes what it still holds."""
    yield
    journal: Journal | None = app.state.runtime.journal
    if journal is not None:
        await asyncio.to_thread(journal.close)


def tune_gc() -> None:
    """Garbage collection for a server process: what startup built is never collected (`gc.freeze`), and
    the youngest generation is collected every 20,000 allocations instead of 700. A list page allocates
    hundreds of thousands of short-lived objects with no cycles among them; with the defaults, collection
    took about a fifth of such a request. Cycles are still collected, just in larger batches."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def app_from_env() -> Starlette:
    """Factory for uvicorn workers (`ledgerd serve --workers N` passes settings by environment)."""
    logging.basicConfig(level=logging.INFO)
    app = create_app(Settings.load())
    tune_gc()
    return app
