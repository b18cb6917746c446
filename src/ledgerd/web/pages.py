"""The browser pages: authorization (country → login/sign-up → consent), and the developer portal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ledgerd.auth import apps as app_service
from ledgerd.auth import authorize, legacy, signin
from ledgerd.auth.models import App, LegacyCredential, SubscriptionKey
from ledgerd.db.engine import unit_of_work
from ledgerd.errors import LedgerdError
from ledgerd.http import sandbox
from ledgerd.http.errors import ApiError
from ledgerd.http.headers import page
from ledgerd.http.recorder import identify
from ledgerd.onboarding import open_business
from ledgerd.regions import COUNTRIES
from ledgerd.runtime import Runtime
from ledgerd.tenancy import service as tenancy
from ledgerd.tenancy.models import User
from ledgerd.web.session import (
    close_session,
    csrf_ok,
    csrf_token,
    end_session,
    keep_csrf,
    open_session,
    session_user,
    start_session,
)

log = logging.getLogger("ledgerd.web")
T = TypeVar("T")
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(default=True), auto_reload=False)
SCOPE_TEXT = {"full_access": "read and change your accounting data",
              "readonly": "read your accounting data, without changing anything"}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _render(request: Request, name: str, status: int = 200, user: User | None = None, **context: Any) -> Response:
    token = csrf_token(request)
    lang = (request.query_params.get("locale") or "en").split("-")[0] or "en"
    template = _templates.get_template(name)
    response = page(lambda nonce: template.render(lang=lang, user=user, csrf=token, csp_nonce=nonce, **context),
                    status)
    keep_csrf(response, request, token)
    return response


def _following(runtime: Runtime, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, once the process has taken the sandbox's shared setting (its clock above all: codes, sessions
    and sign-in throttles are dated by it; http/sandbox.py). Pages are never subject to fault rules."""
    sandbox.follow(runtime)
    return fn(*args)


async def _db(request: Request, fn: Callable[[Session], T], *, write: bool = False) -> T:
    runtime = _runtime(request)

    def run() -> T:
        with unit_of_work(runtime.sessions, write=write) as db:
            return fn(db)

    return await run_in_threadpool(_following, runtime, run)


def _current_user(request: Request, db: Session) -> User | None:
    runtime = _runtime(request)
    return session_user(db, request, runtime.secret_key, runtime.clock)


def _safe_next(value: str | None) -> str:
    """Only same-site paths: a login must never bounce the browser to another host."""
    if (value and value.startswith("/") and not value.startswith("//") and "\\" not in value
            and not urlsplit(value).netloc):
        return value
    return "/developer"


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def _page_error(request: Request, title: str, message: str, status: int = 400) -> Response:
    return _render(request, "error.html", status=status, title=title, message=message)


error_page = _page_error  # for answers made before any page's handler runs (app.py)
# Titles of refusals made before a page's handler runs (http/guard.py, http/edge.py), by status.
_REFUSALS = {400: "Bad request", 408: "Request timed out", 413: "Request too large", 415: "Unsupported form"}


def refused(request: Request, error: ApiError) -> Response:
    """A request refused before its page ran, as a page: a form body too large (413) or too slow (408), text
    that is not UTF-8 or holds control characters (400), a multipart form (415)."""
    title = _REFUSALS.get(error.status) or HTTPStatus(error.status).phrase
    return _page_error(request, title, error.problems[0].message, error.status)


# ---- authorization --------------------------------------------------------------------------------

async def authorize_get(request: Request) -> Response:
    items = list(request.query_params.multi_items())

    def work(db: Session) -> Response:
        try:
            auth = authorize.parse(db, items, old_apis=_runtime(request).settings.legacy_apis)
        except authorize.PageError as exc:
            return _page_error(request, exc.title, exc.message)
        except authorize.RedirectError as exc:
            return RedirectResponse(exc.location, status_code=302)
        if auth.country is None:
            return _country_page(request, auth)
        user = _current_user(request, db)
        identify(request.scope, client_id=auth.app.client_id, user_id=user.id if user else None)
        if user is None:
            return _login_redirect(request)
        try:
            authorize.check_data_centre(db, auth, user)
            # An old API's authorization is for one business of the country, which the user picks.
            choices = [{"id": b.id, "name": b.name} for b in authorize.businesses(db, auth, user)] if auth.api else []
        except authorize.RedirectError as exc:
            return RedirectResponse(exc.location, status_code=302)
        businesses = [] if auth.api else [b.name for b, role in tenancy.accessible(db, user.id) if role.can_read]
        return _render(request, "consent.html", user=user, app_name=auth.app.name, scope=auth.scope,
                       scope_description=SCOPE_TEXT[auth.scope], businesses=businesses, choices=choices,
                       action=request.url.path, hidden=dict(auth.params))

    return await _db(request, work)


def _country_page(request: Request, auth: authorize.AuthRequest) -> Response:
    base = [(k, v) for k, v in auth.params if k != "country"]
    filter_error = all_href = None
    if auth.filter is not None and auth.filter not in authorize.FILTERS:
        filter_error = f"The filter {auth.filter!r} is not known, so no countries match it."
        all_href = request.url.path + "?" + urlencode([(k, v) for k, v in base if k != "filter"])
        shown = []
    else:
        shown = authorize.countries(auth)
    countries = [{"id": c.id, "name": c.name,
                  "href": request.url.path + "?" + urlencode([*base, ("country", c.id)])} for c in shown]
    return _render(request, "country.html", countries=countries, filter_error=filter_error,
                   all_countries_href=all_href)


async def authorize_post(request: Request) -> Response:
    form = await request.form()
    items = [(k, v) for k, v in form.multi_items() if k in authorize.PARAMS and isinstance(v, str)]
    decision = form.get("decision")
    business = form.get("business")
    if not csrf_ok(request, str(form.get("csrf", ""))):
        return _page_error(request, "Form expired", "Please go back and try again.", 403)
    runtime = _runtime(request)
    old_apis = runtime.settings.legacy_apis

    def work(db: Session) -> Response:
        try:
            auth = authorize.parse(db, items, old_apis=old_apis)
            if auth.country is None:
                raise auth.fail("invalid_request", "Missing country.")
            user = _current_user(request, db)
            identify(request.scope, client_id=auth.app.client_id, user_id=user.id if user else None)
            if user is None:
                return _login_redirect(request)
            authorize.check_data_centre(db, auth, user)
            if decision != "allow":
                raise auth.fail("access_denied", "The user did not authorize the app.")
            location = authorize.issue_code(db, runtime.clock, runtime.settings.authorization_code_ttl, auth,
                                            user, business if isinstance(business, str) else None)
            return RedirectResponse(location, status_code=302)
        except authorize.PageError as exc:
            return _page_error(request, exc.title, exc.message)
        except authorize.RedirectError as exc:
            return RedirectResponse(exc.location, status_code=302)

    try:
        return await _db(request, work, write=True)
    except Exception:
        log.exception("authorization failed")
        try:
            auth = await _db(request, lambda db: authorize.parse(db, items, old_apis=old_apis))
        except (authorize.PageError, authorize.RedirectError, Exception):
            return _page_error(request, "Something went wrong", "Please try again later.", 500)
        return RedirectResponse(auth.fail("server_error", "An unexpected error occurred.").location, 302)


# ---- login, sign-up, logout ------------------------------------------------------------------------

async def login_get(request: Request) -> Response:
    nxt = _safe_next(request.query_params.get("next"))
    return _render(request, "login.html", error=None, email="", next=nxt,
                   signup_href="/signup?" + urlencode({"next": nxt}))


async def login_post(request: Request) -> Response:
    form = await request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    nxt = _safe_next(str(form.get("next", "")))
    if not csrf_ok(request, str(form.get("csrf", ""))):
        return _page_error(request, "Form expired", "Please go back and try again.", 403)

    runtime = _runtime(request)
    outcome = await run_in_threadpool(_following, runtime, signin.sign_in, runtime.sessions, runtime.clock,
                                      runtime.passwords, email, password, _host(request))
    signup_href = "/signup?" + urlencode({"next": nxt})
    if outcome.retry_after is not None:
        return _too_many(_render(request, "login.html", status=429, email=email, next=nxt, signup_href=signup_href,
                                 error=_wait("sign-in attempts for this account or from your network",
                                             outcome.retry_after)), outcome.retry_after)
    if outcome.user_id is None:
        return _render(request, "login.html", status=401, error="The e-mail address or password is wrong.",
                       email=email, next=nxt, signup_href=signup_href)
    user_id = outcome.user_id
    cookie = await _db(request, lambda db: open_session(db, runtime.clock, request, runtime.secret_key, user_id),
                       write=True)
    response = RedirectResponse(nxt, status_code=303)
    start_session(response, request, cookie)
    return response


def _host(request: Request) -> str | None:
    """The client's address (the proxy's client, when uvicorn is told to trust the proxy's headers)."""
    return request.client.host if request.client else None


def _wait(what: str, seconds: int) -> str:
    minutes = -(-seconds // 60)
    return (f"There have been too many {what}. For your security, please wait {minutes} "
            f"minute{'s' if minutes != 1 else ''} and try again.")


def _too_many(refused: Response, seconds: int) -> Response:
    """A 429 page (auth/throttle.py): the form again, with the wait in words and in Retry-After."""
    refused.headers["Retry-After"] = str(seconds)
    return refused


def _signup_country(nxt: str) -> str:
    """Pre-select the country the authorization request chose, if any."""
    code = parse_qs(urlsplit(nxt).query).get("country", ["GB"])[0].upper()
    return code if code in COUNTRIES else "GB"


async def signup_get(request: Request) -> Response:
    nxt = _safe_next(request.query_params.get("next"))
    values = {"email": "", "first_name": "", "last_name": "", "business_name": "", "country": _signup_country(nxt)}
    return _render(request, "signup.html", error=None, values=values, countries=list(COUNTRIES.values()),
                   next=nxt, login_href="/login?" + urlencode({"next": nxt}))


async def signup_post(request: Request) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("email", "first_name", "last_name", "business_name", "country")}
    password = str(form.get("password", ""))
    nxt = _safe_next(str(form.get("next", "")))
    if not csrf_ok(request, str(form.get("csrf", ""))):
        return _page_error(request, "Form expired", "Please go back and try again.", 403)
    runtime = _runtime(request)
    wait = await run_in_threadpool(_following, runtime, signin.may_sign_up, runtime.sessions, runtime.clock,
                                   _host(request))
    if wait is not None:
        return _too_many(_render(request, "signup.html", status=429, error=_wait("sign-ups from your network", wait),
                                 values=values, countries=list(COUNTRIES.values()), next=nxt,
                                 login_href="/login?" + urlencode({"next": nxt})), wait)

    def create(db: Session) -> str:
        user = tenancy.create_user(db, runtime.clock, email=values["email"], password_hash=hashed,
                                   first_name=values["first_name"], last_name=values["last_name"],
                                   locale=COUNTRIES.get(values["country"].upper(), COUNTRIES["GB"]).locale)
        if values["business_name"].strip():
            open_business(db, runtime.clock, owner=user, name=values["business_name"], country_id=values["country"])
        return open_session(db, runtime.clock, request, runtime.secret_key, user.id)

    try:
        hashed = await run_in_threadpool(tenancy.password_hash, runtime.passwords, password)
        cookie = await _db(request, create, write=True)
    except LedgerdError as exc:
        return _render(request, "signup.html", status=422, error=exc.problems[0].message, values=values,
                       countries=list(COUNTRIES.values()), next=nxt,
                       login_href="/login?" + urlencode({"next": nxt}))
    response = RedirectResponse(nxt, status_code=303)
    start_session(response, request, cookie)
    return response


async def logout(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf", ""))):
        return _page_error(request, "Form expired", "Please go back and try again.", 403)
    runtime = _runtime(request)
    await _db(request, lambda db: close_session(db, request, runtime.secret_key, runtime.clock), write=True)
    response = RedirectResponse("/", status_code=303)
    end_session(response)
    return response


async def index(request: Request) -> Response:
    user = await _db(request, lambda db: _current_user(request, db))
    return _render(request, "index.html", user=user)


# ---- developer portal ------------------------------------------------------------------------------

def _app_view(app: App) -> dict[str, Any]:
    return {"name": app.name, "client_id": app.client_id, "href": f"/developer/apps/{app.id}",
            "callback_urls": app.callback_urls, "callback_count": len(app.redirect_uris)}


def _legacy_view(db: Session, app: App, issued: legacy.Issued | None = None,
                 keys: dict[str, str] | None = None) -> dict[str, Any]:
    """The app's credentials of the old APIs (docs/legacy-oauth.md): client ids, and the secrets just issued."""
    ids = {api: client_id for api, client_id in db.execute(select(LegacyCredential.api, LegacyCredential.client_id)
                                                              .where(LegacyCredential.app_id == app.id))}
    has_keys = db.scalar(select(SubscriptionKey.slot).where(SubscriptionKey.app_id == app.id).limit(1)) is not None
    return {"apis": [{"api": api, "client_id": ids.get(api), "href": f"/developer/apps/{app.id}/legacy/{api}",
                      "issued": issued if issued is not None and issued.api == api else None} for api in legacy.APIS],
            "keys_href": f"/developer/apps/{app.id}/subscription-keys", "has_keys": has_keys, "new_keys": keys}


async def portal(request: Request) -> Response:
    def work(db: Session) -> Response:
        user = _current_user(request, db)
        if user is None:
            return _login_redirect(request)
        apps = db.scalars(select(App).where(App.owner_id == user.id).order_by(App.created_at)).all()
        return _render(request, "portal.html", user=user, apps=[_app_view(a) for a in apps],
                       message=None, error=None, values={"name": "", "redirect_uris": ""})

    return await _db(request, work)


async def portal_create(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf", ""))):
        return _page_error(request, "Form expired", "Please go back and try again.", 403)
    runtime = _runtime(request)
    values = {"name": str(form.get("name", "")), "redirect_uris": str(form.get("redirect_uris", ""))}

    def work(db: Session) -> Response:
        user = _current_user(request, db)
        if user is None:
            return _login_redirect(request)
        try:
            app, secret = app_service.create_app(db, runtime.clock, owner=user, name=values["name"],
                                                 redirect_uris=values["redirect_uris"].splitlines())
        except LedgerdError as exc:  # the form again, as it was sent, with what to fix
            apps = db.scalars(select(App).where(App.owner_id == user.id).order_by(App.created_at)).all()
            return _render(request, "portal.html", status=422, user=user, apps=[_app_view(a) for a in apps],
                           message=None, error=exc.problems[0].message, values=values)
        return _render(request, "portal_app.html", status=201, user=user, app=_app_view(app),
                       legacy=_legacy_view(db, app), client_secret=secret, message="App registered.", error=None)

    return await _db(request, work, write=True)


async def portal_app(request: Request) -> Response:
    app_id = request.path_params["app_id"]
    action = request.path_params.get("action")
    form = await request.form() if request.method == "POST" else None
    if form is not None and not csrf_ok(request, str(form.get("csrf", ""))):
        return _page_error(request, "Form expired", "Please go back and try again.", 403)
    runtime = _runtime(request)

    def work(db: Session) -> Response:
        user = _current_user(request, db)
        if user is None:
            return _login_redirect(request)
        app = db.scalar(select(App).where(App.id == app_id, App.owner_id == user.id))
        if app is None:
            return _page_error(request, "Not found", "No such app.", 404)
        secret = message = error = None
        issued: legacy.Issued | None = None
        keys: dict[str, str] | None = None
        try:
            if action == "callbacks":
                app_service.add_callback(db, runtime.clock, app, str((form and form.get("uri")) or ""))
                message = "Callback URL added."
            elif action == "callbacks/delete":
                app_service.remove_callback(db, runtime.clock, app, str((form and form.get("uri")) or ""))
                message = "Callback URL removed."
            elif action == "secret":
                secret = app_service.rotate_secret(db, runtime.clock, app)
                message = "A new client secret was generated; the old one no longer works."
            elif action in ("legacy/v3", "legacy/v2"):
                issued = legacy.create_credentials(db, runtime.clock, app, "v3" if action.endswith("v3") else "v2")
                message = (f"New {issued.api} credentials were issued; copy the secrets now, they will not be shown "
                           "again. The previous ones no longer work.")
            elif action == "subscription-keys":
                keys = legacy.create_subscription_keys(db, runtime.clock, app)
                message = "New subscription keys were issued; the previous ones no longer work."
            elif action == "delete":
                app_service.delete_app(db, runtime.clock, app)
                return RedirectResponse("/developer", status_code=303)
            elif action is not None:
                return _page_error(request, "Not found", "No such action.", 404)
        except LedgerdError as exc:
            error = exc.problems[0].message
        return _render(request, "portal_app.html", status=422 if error else 200, user=user,
                       app=_app_view(app), legacy=_legacy_view(db, app, issued, keys), client_secret=secret,
                       message=message, error=error)

    return await _db(request, work, write=form is not None)


routes: list[BaseRoute] = [
    Route("/", index, methods=["GET"]),
    Route("/oauth2/auth/central", authorize_get, methods=["GET"]),
    Route("/oauth2/auth/central", authorize_post, methods=["POST"]),
    Route("/oauth2/auth", authorize_get, methods=["GET"]),
    Route("/oauth2/auth", authorize_post, methods=["POST"]),
    Route("/login", login_get, methods=["GET"]),
    Route("/login", login_post, methods=["POST"]),
    Route("/signup", signup_get, methods=["GET"]),
    Route("/signup", signup_post, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/developer", portal, methods=["GET"]),
    Route("/developer/apps", portal_create, methods=["POST"]),
    Route("/developer/apps/{app_id}", portal_app, methods=["GET"]),
    Route("/developer/apps/{app_id}/{action:path}", portal_app, methods=["POST"]),
]
