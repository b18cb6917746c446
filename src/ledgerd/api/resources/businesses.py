"""The core endpoints: /businesses, /businesses/{key} (`lead` allowed) and /user, with the wire shapes of
businesses and users."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api.bearer import Principal
from ledgerd.api.listing import ATTRIBUTES, Attributes
from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.api.validation import Body
from ledgerd.regions import COUNTRIES
from ledgerd.tenancy import service
from ledgerd.tenancy.models import Business, User
from ledgerd.tenancy.schemas import BusinessUpdate, UserUpdate
from ledgerd.tenancy.service import BusinessView

# GET /businesses is unpaginated at Sage: this is Java's Integer.MAX_VALUE, in a snake-case key.
UNPAGINATED = 2_147_483_647


def business_link(business: Business) -> dict[str, str]:
    """A list item of GET /businesses: note Sage's order here, `displayed_as` before `id`."""
    return {"displayed_as": business.name, "id": business.id, "$path": f"/businesses/{business.id}"}


def business_read(business: Business | BusinessView) -> dict[str, Any]:
    country = COUNTRIES[business.country_id]
    return {
        "created_at": business.created_at,
        "updated_at": business.updated_at,
        "displayed_as": business.name,
        "id": business.id,
        "name": business.name,
        "address_line_1": business.address_line_1,
        "address_line_2": business.address_line_2,
        "city": business.city,
        "postal_code": business.postal_code,
        "country": {"id": country.id, "displayed_as": country.displayed_as},
        "region": business.region,
        "telephone": business.telephone,
        "mobile": business.mobile,
        "website": business.website,
        "is_demo": business.is_demo,
        "ni_based": business.ni_based,
        "subscriptions": [
            {"created_at": s.created_at, "updated_at": s.updated_at,
             "displayed_as": "Accounting" if s.code == "ACCOUNTING" else s.code.title(), "id": s.code,
             "active": s.active, "status": s.status, "accountant_pays": False}
            for s in business.subscriptions
        ],
    }


def user_read(user: User | Principal) -> dict[str, Any]:
    displayed_as = f"{user.first_name} {user.last_name}".strip() or user.email
    return {
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "displayed_as": displayed_as,
        "id": user.user_id if isinstance(user, Principal) else user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "initials": user.initials,
        "email": user.email,
        "locale": user.locale,
    }


def list_businesses(call: Call) -> Result:
    businesses = service.accessible(call.db, call.principal.user_id)
    items = [business_link(b) for b, _ in businesses]
    return Result({"$total": len(items), "$page": 1, "$next": None, "$back": None,
                   "$items_per_page": UNPAGINATED, "$items": items})


def get_business(call: Call) -> Result:
    business = service.read_business(call.runtime.engine, call.principal.user_id, call.path_params["key"])
    attributes = Attributes(call.query.get("attributes"), default_all=True)
    return Result(attributes.select(business_read(business)), business_id=business.id)


def _owned(call: Call) -> Business:
    """The business the path names, if the caller owns it (403 otherwise, whatever the body says)."""
    return service.owned_business(call.db, call.principal.user_id, call.path_params["key"])


def put_business(call: Call, body: BusinessUpdate) -> Result:
    business = _owned(call)
    service.update_business(call.db, business, body, call.runtime.clock.now())
    return Result(business_read(business), business_id=business.id)


def get_user(call: Call) -> Result:
    return Result(user_read(call.principal))


def put_user(call: Call, body: UserUpdate) -> Result:
    return Result(user_read(service.update_user(call.db, call.principal.user_id, body, call.runtime.clock.now())))


routes: list[BaseRoute] = [
    api_route("/businesses", list_businesses, methods=["GET"]),
    api_route("/businesses/{key}", get_business, methods=["GET"], query=(ATTRIBUTES,)),
    api_route("/businesses/{key}", put_business, methods=["PUT"], body=Body("business", BusinessUpdate),
              check=_owned),
    api_route("/user", get_user, methods=["GET"]),
    api_route("/user", put_user, methods=["PUT"], body=Body("user", UserUpdate)),
]
