"""What every console page shares: the signed-in user, the business and the member's access there, paging,
rendering under the pages' policy (a nonce per page), and the answer to a domain error as a page.

A page is `console_route(path, handler, area=…)`: the handler gets a `View` inside one unit of work, already
bound to the business of the path (tenancy's session hooks scope every query), after the member's role in
`area` was checked. Handlers call domain services and return `view.render(...)` or a redirect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ledgerd.db.engine import unit_of_work
from ledgerd.db.tenancy import bind_business
from ledgerd.errors import Forbidden, Invalid, LedgerdError, NotFound
from ledgerd.formats import amount_str
from ledgerd.http import sandbox
from ledgerd.http.headers import page
from ledgerd.runtime import Runtime
from ledgerd.tenancy import service as tenancy
from ledgerd.tenancy.access import Access, AreaRole
from ledgerd.tenancy.models import Business, Membership, User
from ledgerd.web.session import csrf_ok, csrf_token, keep_csrf, session_user

PER_PAGE = 50
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
                         autoescape=select_autoescape(default=True), auto_reload=False)
_templates.filters["money"] = lambda value: amount_str(value) if isinstance(value, Decimal) else value
# Sections of the console and the area a member needs read access in to see each (tenancy/access.py).
SECTIONS = (("contacts", "Contacts", "contacts"), ("sales", "Sales", "sales"),
            ("purchases", "Purchases", "purchases"), ("ledger", "Ledger", "journals"),
            ("journals", "Journals", "journals"), ("reports", "Reports", "reporting"),
            ("vat", "VAT returns", "statutory_reporting"))


@dataclass
class View:
    """One console request: who asks, in which business, with what access; the unit of work's session."""

    request: Request
    runtime: Runtime
    db: Session
    user: User
    form: FormData | None = None
    business: Business | None = None
    access: Access | None = None
    businesses: list[Business] = field(default_factory=list)

    @property
    def business_id(self) -> str | None:
        return self.business.id if self.business else None

    @property
    def query(self) -> Mapping[str, str]:
        return self.request.query_params

    def may(self, area: str) -> bool:
        return self.access is not None and self.access.in_area(area) is not AreaRole.NO_ACCESS

    def need(self, area: str) -> None:
        if not self.may(area):
            raise Forbidden(f"Your role in this business gives you no access to {area.replace('_', ' ')}.")

    def href(self, path: str = "", **params: Any) -> str:
        """A path in the current business's console, with the non-empty `params` as its query string."""
        base = f"/console/{self.business.id}" if self.business else "/console"
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return base + path + (f"?{query}" if query else "")

    def day(self, name: str, default: date | None = None) -> date | None:
        raw = self.query.get(name, "").strip()
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise Invalid(f"{name} must be a date (YYYY-MM-DD).", name) from None

    def page_number(self) -> int:
        raw = self.query.get("page", "1")
        return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1

    def field(self, name: str) -> str:
        return str(self.form.get(name, "")) if self.form is not None else ""

    def render(self, name: str, status: int = 200, **context: Any) -> Response:
        token = csrf_token(self.request)
        sections = [(key, label) for key, label, area in SECTIONS if self.may(area)]
        template = _templates.get_template(name)
        response = page(lambda nonce: template.render(
            lang="en", user=self.user, csrf=token, csp_nonce=nonce, view=self, sections=sections,
            business=self.business, businesses=self.businesses, **context), status)
        keep_csrf(response, self.request, token)
        return response


@dataclass(frozen=True)
class Paged:
    """One page of a bounded list: `rows`, and whether there is a next page (one row more was read)."""

    rows: list[Any]
    number: int
    more: bool

    @classmethod
    def of(cls, found: list[Any], number: int, per_page: int = PER_PAGE) -> Paged:
        return cls(found[:per_page], number, len(found) > per_page)


def window(number: int, per_page: int = PER_PAGE) -> tuple[int, int]:
    """(offset, limit) of page `number`, reading one row more to know whether another page follows."""
    return (number - 1) * per_page, per_page + 1


def _membership(db: Session, user: User, business_id: str) -> tuple[Business, Access]:
    found = db.execute(select(Business, Membership).join(Membership, Membership.business_id == Business.id)
                       .where(Membership.user_id == user.id, Business.id == business_id)).first()
    if found is None:
        raise NotFound("No such business among yours.")
    business, membership = found
    overrides = {area: AreaRole(value) for area, value in (membership.area_roles or {}).items()}
    return business, Access(membership.role, overrides)


def _visible(db: Session, user: User) -> list[Business]:
    """The user's businesses, lead first: what each shows is decided per section, by area."""
    return [business for business, _ in tenancy.accessible(db, user.id)]


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


_STATUS = {NotFound: 404, Forbidden: 403}


def error_view(view: View, error: LedgerdError) -> Response:
    status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 422)
    title = {404: "Not found", 403: "Not allowed"}.get(status, "Cannot do that")
    return view.render("console_error.html", status=status, title=title, message=error.problems[0].message)


Handler = Callable[[View], Response]


def console_route(path: str, handler: Handler, *, area: str | None = None, admin: bool = False,
                  methods: tuple[str, ...] = ("GET",), in_business: bool = True) -> Route:
    """A console page at `/console{path}`; `{business_id}` in the path selects the business (a member's only)."""

    async def endpoint(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        form = await request.form() if request.method == "POST" else None
        write = form is not None

        def run() -> Response:
            with unit_of_work(runtime.sessions, write=write) as db:
                user = session_user(db, request, runtime.secret_key, runtime.clock)
                if user is None:
                    return login_redirect(request)
                view = View(request, runtime, db, user, form)
                try:
                    if form is not None and not csrf_ok(request, str(form.get("csrf", ""))):
                        raise Forbidden("The form has expired; go back, reload the page and try again.")
                    if admin and not user.is_admin:
                        raise Forbidden("Only a ledgerd administrator may use the sandbox controls.")
                    view.businesses = _visible(db, user)
                    if in_business:
                        view.business, view.access = _membership(db, user, request.path_params["business_id"])
                        bind_business(db, view.business.id)
                        if area is not None:
                            view.need(area)
                    return handler(view)
                except LedgerdError as exc:
                    db.rollback()
                    return error_view(view, exc)

        return await run_in_threadpool(_following, runtime, run)

    return Route("/console" + path, endpoint, methods=list(methods))


def _following(runtime: Runtime, run: Callable[[], Response]) -> Response:
    """Pages follow the sandbox's shared clock setting (never its fault rules), as web/pages.py does."""
    sandbox.follow(runtime)
    return run()
