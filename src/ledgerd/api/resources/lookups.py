"""Read-only endpoints for Sage's reference lists (`GET /<list>` and `GET /<list>/{key}`).

Every list in `lists.LISTS` gets both routes: the list with Sage's envelope, paging and `attributes` (base
keys by default), the item by key with all its definition's fields (404 for a key the business cannot see).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.datastructures import QueryParams
from starlette.routing import BaseRoute

from ledgerd.api import params
from ledgerd.api.listing import ATTRIBUTES, PAGING, Attributes, Page, envelope
from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.errors import NotFound
from ledgerd.lookups import lists
from ledgerd.lookups.lists import Item, LookupList

# Query parameters whose value is an instant (a date or date-time), not text.
_INSTANTS = frozenset({"updated_or_created_since"})


def _given(spec: LookupList, query: QueryParams) -> dict[str, Any]:
    """The values of the list's selectors and filters the request names (blank ones count as absent)."""
    out: dict[str, Any] = {}
    for name in (*spec.selectors, *spec.filters):
        raw = query.get(name, "").strip()
        if raw:
            out[name] = params.instant(name, raw) if name in _INSTANTS else raw
    return out


def present(spec: LookupList, item: Item, today: date) -> dict[str, Any]:
    """The item on the wire with every field of its definition, in the definition's order."""
    out: dict[str, Any] = {"id": item["id"], "displayed_as": item["displayed_as"],
                           "$path": f"/{spec.path}/{item['id']}"}
    for name in spec.fields:
        value = item.get(name)
        render = spec.render.get(name)
        out[name] = render(value, item, today) if render is not None else value
    return out


def _list(spec: LookupList) -> Callable[[BusinessCall], Result]:
    def handler(call: BusinessCall) -> Result:
        page = Page.from_query(call.query)
        items = lists.select(spec, call.business.country_id, _given(spec, call.query))
        attributes = Attributes(call.query.get("attributes"), default_all=False)
        today = call.runtime.clock.now().date()
        shown = [attributes.select(present(spec, item, today))
                 for item in items[page.offset:page.offset + page.per_page]]
        return Result(envelope(f"/{spec.path}", call.query.multi_items(), page, len(items), shown),
                      business_id=call.business.id)

    return handler


def _read(spec: LookupList) -> Callable[[BusinessCall], Result]:
    def handler(call: BusinessCall) -> Result:
        item = lists.find(spec, call.path_params["key"], call.business.country_id)
        if item is None:
            raise NotFound()
        shown = present(spec, item, call.runtime.clock.now().date())
        return Result(Attributes(call.query.get("attributes"), default_all=True).select(shown),
                      business_id=call.business.id)

    return handler


# Parameters Sage documents on a list that change nothing here (docs/decisions/openapi.md).
_ACCEPTED = {"transaction_types": params.Param("valid_for_business", "boolean", "Accepted; the list is the same "
                                               "for every business here.")}


def _choices(spec: LookupList) -> list[params.Param]:
    """A list's selectors and filters as query parameters."""
    out = [params.Param(name, "text", f"The items of this {name.removesuffix('_id').replace('_', ' ')} instead of "
                                      "the business's country's.") for name in spec.selectors]
    out += [params.Param(name, "instant" if name in _INSTANTS else "text",
                         "Items changed at or after this instant." if name in _INSTANTS
                         else f"Only items whose {name.removesuffix('_id').replace('_', ' ')} matches.")
            for name in spec.filters]
    if spec.path in _ACCEPTED:
        out.append(_ACCEPTED[spec.path])
    return out


routes: list[BaseRoute] = [
    route
    for spec in lists.LISTS.values()
    for route in (
        business_route(f"/{spec.path}", _list(spec), methods=["GET"], query=(*PAGING, ATTRIBUTES, *_choices(spec))),
        business_route(f"/{spec.path}/{{key}}", _read(spec), methods=["GET"], query=(ATTRIBUTES,)),
    )
]
