"""`/ledgerd/v1/admin/{users,businesses,apps,tokens}`: the inventory over HTTP (docs/sandbox.md, "Inventory").

A thin face of `ledgerd.sandbox.inventory`, as the CLI is; the item shapes below are both faces' (`ledgerd … list
--json` prints the same items). Lists answer in ledgerd's envelope (`$total`, `$items`, paged by `page` and
`items_per_page`); deletions answer 204.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.routing import BaseRoute

from ledgerd.api.admin.route import ADMIN_PREFIX, admin_route
from ledgerd.api.listing import PAGING, Page, envelope
from ledgerd.api.params import Param
from ledgerd.api.pipeline import Call, Result
from ledgerd.api.validation import Body
from ledgerd.regions import COUNTRIES
from ledgerd.sandbox import inventory
from ledgerd.sandbox.inventory import AppEntry, BusinessEntry, FamilyEntry, Listed, UserEntry


def user_item(user: UserEntry) -> dict[str, Any]:
    return {
        "id": user.id,
        "displayed_as": f"{user.first_name} {user.last_name}".strip() or user.email,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_admin": user.is_admin,
        "created_at": user.created_at,
        "businesses": [{"id": access.business_id, "displayed_as": access.name, "role": access.role.value}
                       for access in user.businesses],
    }


def business_item(business: BusinessEntry) -> dict[str, Any]:
    country = COUNTRIES[business.country_id]
    return {
        "id": business.id,
        "displayed_as": business.name,
        "name": business.name,
        "country": {"id": country.id, "displayed_as": country.displayed_as},
        "owner": {"id": business.owner_id, "email": business.owner_email} if business.owner_id else None,
        "members": business.members,
        "contacts": business.contacts,
        "sales_invoices": business.sales_invoices,
        "purchase_invoices": business.purchase_invoices,
        "created_at": business.created_at,
    }


def app_item(app: AppEntry) -> dict[str, Any]:
    return {
        "id": app.id,
        "displayed_as": app.name,
        "name": app.name,
        "client_id": app.client_id,
        "owner": {"id": app.owner_id, "email": app.owner_email},
        "callbacks": list(app.callbacks),
        "created_at": app.created_at,
        "live_token_families": app.live_token_families,
    }


def family_item(family: FamilyEntry) -> dict[str, Any]:
    return {
        "id": family.id,
        "displayed_as": f"{family.user_email} via {family.app_name}",
        "user": {"id": family.user_id, "email": family.user_email},
        "app": {"client_id": family.client_id, "name": family.app_name},
        "scope": family.scope,
        "country": family.country,
        "status": family.status,
        "created_at": family.created_at,
        "last_issued_at": family.last_issued_at,
        "expires_at": family.expires_at,
        "revoked_at": family.revoked_at,
        "revoked_reason": family.revoked_reason,
    }


OWNER = Param("owner", "text", "Only those this user owns (id or e-mail).")


def _listed(call: Call, path: str, page: Page, listed: Listed[Any], item: Any) -> Result:
    return Result(envelope(ADMIN_PREFIX + path, call.query.multi_items(), page, listed.total,
                           [item(entry) for entry in listed.items]))


def _param(call: Call, name: str) -> str | None:
    value = call.query.get(name)
    return value if value else None


def list_users(call: Call) -> Result:
    page = Page.from_query(call.query)
    return _listed(call, "/users", page, inventory.users(call.db, offset=page.offset, limit=page.per_page),
                   user_item)


def delete_user(call: Call) -> Result:
    inventory.delete_user(call.db, call.runtime.clock, inventory.user_named(call.db, call.path_params["id"], "id"))
    return Result(None, status=204)


def list_businesses(call: Call) -> Result:
    page = Page.from_query(call.query)
    owner = _param(call, "owner")
    listed = inventory.businesses(call.db, owner=inventory.user_named(call.db, owner, "owner") if owner else None,
                                  offset=page.offset, limit=page.per_page)
    return _listed(call, "/businesses", page, listed, business_item)


def list_apps(call: Call) -> Result:
    page = Page.from_query(call.query)
    owner = _param(call, "owner")
    listed = inventory.apps(call.db, call.runtime.clock,
                            owner=inventory.user_named(call.db, owner, "owner") if owner else None,
                            offset=page.offset, limit=page.per_page)
    return _listed(call, "/apps", page, listed, app_item)


def delete_app(call: Call) -> Result:
    app = inventory.app_named(call.db, call.path_params["client_id"], "client_id")
    inventory.delete_app(call.db, call.runtime.clock, app)
    return Result(None, status=204)


def list_tokens(call: Call) -> Result:
    page = Page.from_query(call.query)
    user, app = _param(call, "user"), _param(call, "app")
    listed = inventory.token_families(call.db, call.runtime.clock,
                                      user=inventory.user_named(call.db, user) if user else None,
                                      app=inventory.app_named(call.db, app) if app else None,
                                      offset=page.offset, limit=page.per_page)
    return _listed(call, "/tokens", page, listed, family_item)


class RevocationIn(BaseModel):
    """Which token families to revoke: a user's (e-mail address or id), an app's (client id), one family, or
    those matching all that are given."""

    user: str | None = Field(None, max_length=254)
    app: str | None = Field(None, max_length=80)
    family: str | None = Field(None, max_length=32)


def revoke_tokens(call: Call, body: RevocationIn) -> Result:
    db = call.db
    revoked = inventory.revoke(db, call.runtime.clock,
                               user=inventory.user_named(db, body.user) if body.user is not None else None,
                               app=inventory.app_named(db, body.app) if body.app is not None else None,
                               family_id=body.family)
    return Result({"revoked": revoked})


routes: list[BaseRoute] = [
    admin_route("/users", list_users, methods=["GET"], query=PAGING),
    admin_route("/users/{id}", delete_user, methods=["DELETE"]),
    admin_route("/businesses", list_businesses, methods=["GET"], query=(*PAGING, OWNER)),
    admin_route("/apps", list_apps, methods=["GET"], query=(*PAGING, OWNER)),
    # Client ids hold a slash (two UUIDs, as Sage's): the rest of the path is the id.
    admin_route("/apps/{client_id:path}", delete_app, methods=["DELETE"]),
    admin_route("/tokens", list_tokens, methods=["GET"],
                query=(*PAGING, Param("user", "text", "Only this user's token families (id or e-mail)."),
                       Param("app", "text", "Only this app's token families (client id)."))),
    admin_route("/tokens/revoke", revoke_tokens, methods=["POST"], body=Body("revocation", RevocationIn)),
]
