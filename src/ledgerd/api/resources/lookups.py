"""Read-only endpoints for Sage's reference lists (`GET /<list>` and `GET /<list>/{key}`).

Every list in `lists.LISTS` gets both routes: the list with Sage's envelope, paging and `attributes` (base
keys by default), the item by key with all its definition's fields (404 for a key the business cannot see).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.routing import BaseRoute

from ledgerd.api.listing import Attributes, Page, envelope
from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.errors import NotFound
from ledgerd.lookups import lists
from ledgerd.lookups.lists import LookupList
from ledgerd.tenancy.service import select_business


def _list(spec: LookupList) -> Callable[[Call], Result]:
    def handler(call: Call) -> Result:
        assert call.business is not None
        page = Page.from_query(call.query)
        items = lists.select(spec, call.query, call.business.country_id)
        page = page.clamp(len(items))
        attributes = Attributes(call.query.get("attributes"), default_all=False)
        today = call.runtime.clock.now().date()
        shown = [attributes.select(lists.present(spec, item, today))
                 for item in items[page.offset:page.offset + page.per_page]]
        return Result(envelope(f"/{spec.path}", call.query.multi_items(), page, len(items), shown),
                      business_id=call.business.id)

    return handler


def _read(spec: LookupList) -> Callable[[Call], Result]:
    def handler(call: Call) -> Result:
        assert call.business is not None
        item = lists.find(spec, call.path_params["key"], call.business.country_id)
        if item is None:
            raise NotFound()
        shown = lists.present(spec, item, call.runtime.clock.now().date())
        return Result(Attributes(call.query.get("attributes"), default_all=True).select(shown),
                      business_id=call.business.id)

    return handler


routes: list[BaseRoute] = [
    route
    for spec in lists.LISTS.values()
    for route in (
        api_route(f"/{spec.path}", _list(spec), methods=["GET"], business=True, select_business=select_business),
        api_route(f"/{spec.path}/{{key}}", _read(spec), methods=["GET"], business=True,
                  select_business=select_business),
    )
]
