"""Read-only endpoints for the static lists, with Sage's envelope, paging and `$path` links."""

from __future__ import annotations

from collections.abc import Callable

from starlette.routing import BaseRoute

from ledgerd.api.endpoint import Call, Result, api_route
from ledgerd.api.errors import NotFound
from ledgerd.api.listing import Attributes, Page, envelope
from ledgerd.regions.data import lookup, lookups
from ledgerd.tenancy.service import select_business

# Endpoint path → list name in data/common/*.toml.
STATIC_LISTS = {
    "countries": "countries",
    "currencies": "currencies",
    "country_groups": "country_groups",
    "ledger_account_types": "ledger_account_types",
    "artefact_statuses": "artefact_statuses",
    "transaction_types": "transaction_types",
    "payment_methods": "payment_methods",
    "bank_account_types": "bank_account_types",
    "contact_types": "contact_types",
    "address_types": "address_types",
    "contact_person_types": "contact_person_types",
    "catalog_item_types": "catalog_item_types",
}


def link(path: str, key: str | None) -> dict[str, str] | None:
    """`{"id","displayed_as","$path"}` for a static-list id (None stays None)."""
    if key is None:
        return None
    item = lookup(STATIC_LISTS.get(path, path), key)
    return {"id": key, "displayed_as": item["displayed_as"] if item else key, "$path": f"/{path}/{key}"}


def _item(path: str, raw: dict[str, str]) -> dict[str, str]:
    return {"id": raw["id"], "displayed_as": raw["displayed_as"], "$path": f"/{path}/{raw['id']}"}


def _list(path: str) -> Callable[[Call], Result]:
    def handler(call: Call) -> Result:
        items = [_item(path, raw) for raw in lookups().get(STATIC_LISTS[path], ())]
        page = Page.from_query(call.query).clamp(len(items))
        attributes = Attributes(call.query.get("attributes"), default_all=False)
        shown = [attributes.select(i) for i in items[page.offset:page.offset + page.per_page]]
        assert call.business is not None
        return Result(envelope(f"/{path}", call.query.multi_items(), page, len(items), shown),
                      business_id=call.business.id)

    return handler


def _read(path: str) -> Callable[[Call], Result]:
    def handler(call: Call) -> Result:
        raw = lookup(STATIC_LISTS[path], call.path_params["key"])
        if raw is None:
            raise NotFound()
        assert call.business is not None
        return Result(_item(path, raw), business_id=call.business.id)

    return handler


routes: list[BaseRoute] = [
    route
    for path in STATIC_LISTS
    for route in (
        api_route(f"/{path}", _list(path), methods=["GET"], business=True, select_business=select_business),
        api_route(f"/{path}/{{key}}", _read(path), methods=["GET"], business=True, select_business=select_business),
    )
]
