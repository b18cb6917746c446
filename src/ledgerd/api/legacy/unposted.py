"""API v3's `/unposted_transactions` and `/unposted_transactions/{key}` (GET), served by the v3.1 pipeline's steps
(business, roles, paging, `show_legacy_id`) but not part of v3.1: v3.py forwards to `router` only.

The records are banking/unposted.py's open bank lines; the wire shape is the v3 swagger's UnpostedTransaction.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Router

from ledgerd.api import params
from ledgerd.api.listing import ATTRIBUTES, PAGING, Attributes, Page, envelope
from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.api.presenters import bank_account_links
from ledgerd.banking import unposted
from ledgerd.errors import Forbidden
from ledgerd.http.errors import RouteNotFound
from ledgerd.tenancy.access import AreaRole

PATH = "/unposted_transactions"
# The v3 swagger's "Endpoint Availability" (CA, ES, FR, GB, IE, US) and access rule (Journals: Read Only, Full Access).
COUNTRIES = frozenset({"CA", "ES", "FR", "GB", "IE", "US"})
ROLES = frozenset({AreaRole.READ_ONLY, AreaRole.FULL_ACCESS})
FILTERS = (params.Param("bank_account_id", "text", "Only this bank account's lines."),
           params.Param("updated_or_created_since", "instant", "Only lines changed since this instant (inclusive)."))


def _allowed(call: BusinessCall) -> None:
    if call.business.country_id not in COUNTRIES:
        raise RouteNotFound(f"The path {PATH} is not available to businesses in {call.business.country_id}.")
    if call.business.access().in_area("journals") not in ROLES:
        raise Forbidden()


def _present(line: unposted.Unposted, links: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {"id": line.id, "displayed_as": line.description or line.reference or line.transaction_type_id,
            "$path": f"{PATH}/{line.id}", "created_at": line.created_at, "updated_at": line.updated_at,
            "transaction_date": line.date, "transaction_type": line.transaction_type_id,
            "description": line.description, "bank_account": links.get(line.bank_account_id), "amount": line.amount,
            "bank_feed_category_name": None}  # ledgerd's feed has no categories


def _list(call: BusinessCall) -> Result:
    page = Page.from_query(call.query)
    since = call.query.get("updated_or_created_since")
    total, lines = unposted.page(call.db, bank_account_id=call.query.get("bank_account_id"),
                                 since=params.instant("updated_or_created_since", since) if since else None,
                                 offset=page.offset, limit=page.per_page)
    links = bank_account_links(call.db, (line.bank_account_id for line in lines))
    attributes = Attributes(call.query.get("attributes"), default_all=False)
    items = [attributes.select(_present(line, links)) for line in lines]
    return Result(envelope(PATH, call.query.multi_items(), page, total, items), business_id=call.business.id)


def _read(call: BusinessCall) -> Result:
    line = unposted.read(call.db, call.path_params["key"])
    attributes = Attributes(call.query.get("attributes"), default_all=True)
    links = bank_account_links(call.db, [line.bank_account_id])
    return Result(attributes.select(_present(line, links)), business_id=call.business.id)


router = Router([
    business_route(PATH, _list, methods=["GET"], check=_allowed, query=(*PAGING, ATTRIBUTES, *FILTERS)),
    business_route(PATH + "/{key}", _read, methods=["GET"], check=_allowed, query=(ATTRIBUTES,)),
])
