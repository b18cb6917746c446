"""The core endpoints: /businesses, /businesses/{key} (`lead` allowed) and /user."""

from __future__ import annotations

from starlette.routing import BaseRoute

from ledgerd.api.listing import Attributes
from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.api.validation import parse_body
from ledgerd.errors import Forbidden
from ledgerd.tenancy import service
from ledgerd.tenancy.models import Role, User
from ledgerd.tenancy.schemas import BusinessUpdate, UserUpdate, business_link, business_read, user_read

# GET /businesses is unpaginated at Sage: this is Java's Integer.MAX_VALUE, in a snake-case key.
UNPAGINATED = 2_147_483_647


def list_businesses(call: Call) -> Result:
    businesses = service.accessible(call.db, call.principal.user_id)
    items = [business_link(b) for b, _ in businesses]
    return Result({"$total": len(items), "$page": 1, "$next": None, "$back": None,
                   "$items_per_page": UNPAGINATED, "$items": items})


def get_business(call: Call) -> Result:
    business, subscriptions = service.read_business(call.runtime.engine, call.principal.user_id,
                                                    call.path_params["key"])
    attributes = Attributes(call.query.get("attributes"), default_all=True)
    return Result(attributes.select(business_read(business, subscriptions)), business_id=business.id)


def put_business(call: Call) -> Result:
    business, role = service.business_for_key(call.db, call.principal.user_id, call.path_params["key"])
    if role is not Role.OWNER:
        raise Forbidden("Only the business owner can change business details.")
    changes = parse_body(call.body, "business", BusinessUpdate).model_dump(exclude_unset=True, exclude_none=True)
    for name, value in changes.items():
        setattr(business, name, value)
    business.updated_at = call.runtime.clock.now()
    call.db.flush()
    return Result(business_read(business, business.subscriptions), business_id=business.id)


def get_user(call: Call) -> Result:
    return Result(user_read(call.principal))


def put_user(call: Call) -> Result:
    user = call.db.get(User, call.principal.user_id)
    assert user is not None  # authenticate() just found it
    changes = parse_body(call.body, "user", UserUpdate).model_dump(exclude_unset=True, exclude_none=True)
    for name, value in changes.items():
        setattr(user, name, value)
    if "initials" not in changes and ({"first_name", "last_name"} & changes.keys()):
        user.initials = service.initials_of(user.first_name, user.last_name)
    user.updated_at = call.runtime.clock.now()
    call.db.flush()
    return Result(user_read(user))


routes: list[BaseRoute] = [
    api_route("/businesses", list_businesses, methods=["GET"], business=False),
    api_route("/businesses/{key}", get_business, methods=["GET"], business=False),
    api_route("/businesses/{key}", put_business, methods=["PUT"], business=False),
    api_route("/user", get_user, methods=["GET"], business=False),
    api_route("/user", put_user, methods=["PUT"], business=False),
]
