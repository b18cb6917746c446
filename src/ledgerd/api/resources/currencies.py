"""`/exchange_rates`, `/live_exchange_rates` (read-only, computed) and `/business_exchange_rates` (CRUD).

Wire shapes follow Sage's ExchangeRate, LiveExchangeRate and BusinessExchangeRate definitions. Those
list no `id`; ledgerd leads with one anyway, as every record's base keys do, and it is the key: the
foreign currency code (`/exchange_rates/USD`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.listing import ATTRIBUTES, PAGING, Attributes, Page, envelope
from ledgerd.api.pipeline import BusinessCall, Call, Result, business_route
from ledgerd.api.resource import Resource, forgetting
from ledgerd.currencies import service
from ledgerd.currencies.models import BusinessExchangeRate
from ledgerd.currencies.schemas import BusinessExchangeRateCreate, BusinessExchangeRateUpdate
from ledgerd.errors import NotFound
from ledgerd.lookups.lists import link
from ledgerd.regions.data import lookup
from ledgerd.settings.service import base_currency


def _name(currency_id: str) -> str:
    item = lookup("currencies", currency_id)
    return item["displayed_as"] if item else currency_id


def _exchange_rate(q: service.Quote) -> dict[str, Any]:
    return {"id": q.currency_id, "displayed_as": _name(q.currency_id), "$path": f"/exchange_rates/{q.currency_id}",
            "created_at": q.created_at, "updated_at": q.updated_at, "rate": q.rate, "inverse_rate": q.inverse_rate,
            "base_currency": link("currencies", q.base_currency_id), "currency": link("currencies", q.currency_id)}


def _live_exchange_rate(q: service.Quote) -> dict[str, Any]:
    return {"id": q.currency_id, "displayed_as": _name(q.currency_id),
            "$path": f"/live_exchange_rates/{q.currency_id}",
            "rate": q.rate, "inverse_rate": q.inverse_rate, "base_currency": link("currencies", q.base_currency_id),
            "currency": link("currencies", q.currency_id), "retrieved_at": q.updated_at, "updated_at": q.updated_at}


def _computed(path: str, quotes: Callable[[BusinessCall], list[service.Quote]],
              wire: Callable[[service.Quote], dict[str, Any]]) -> list[BaseRoute]:
    """List and read of a computed (not stored) rate list, with Sage's envelope, paging and attributes."""

    def show(q: service.Quote, attributes: Attributes) -> dict[str, Any]:
        full = wire(q)
        if not attributes.all and not attributes.names:
            return {"id": full["id"], "displayed_as": full["displayed_as"], "$path": full["$path"]}
        return attributes.select(full)

    def listing(call: BusinessCall) -> Result:
        items = quotes(call)
        page = Page.from_query(call.query)
        attributes = Attributes(call.query.get("attributes"), default_all=False)
        shown = [show(q, attributes) for q in items[page.offset:page.offset + page.per_page]]
        return Result(envelope(f"/{path}", call.query.multi_items(), page, len(items), shown),
                      business_id=call.business.id)

    def read(call: BusinessCall) -> Result:
        key = call.path_params["key"].upper()
        quote = next((q for q in quotes(call) if q.currency_id == key), None)
        if quote is None:
            raise NotFound()
        return Result(show(quote, Attributes(call.query.get("attributes"), default_all=True)),
                      business_id=call.business.id)

    return [business_route(f"/{path}", listing, methods=["GET"], query=(*PAGING, ATTRIBUTES)),
            business_route(f"/{path}/{{key}}", read, methods=["GET"], query=(ATTRIBUTES,))]


def _exchange_quotes(call: BusinessCall) -> list[service.Quote]:
    return service.quotes(call.db, call.business.id)


def _live_quotes(call: Call) -> list[service.Quote]:
    return service.feed_quotes(base_currency(call.db))


def present(call: Call, rows: Sequence[BusinessExchangeRate]) -> list[dict[str, Any]]:
    return [{"id": r.currency_id, "displayed_as": _name(r.currency_id),
             "$path": f"/business_exchange_rates/{r.currency_id}",
             "created_at": r.created_at, "updated_at": r.updated_at, "rate": r.rate, "inverse_rate": r.inverse_rate,
             "base_currency": link("currencies", r.base_currency_id), "currency": link("currencies", r.currency_id)}
            for r in rows]


def _create(call: BusinessCall, body: BusinessExchangeRateCreate) -> BusinessExchangeRate:
    return service.create(call.db, call.business.id,
                          body)


def _update(call: Call, row: BusinessExchangeRate, body: BusinessExchangeRateUpdate) -> BusinessExchangeRate:
    return service.update(call.db, row, body)


_delete = forgetting("business_exchange_rates")


BUSINESS_EXCHANGE_RATES: Resource[BusinessExchangeRate] = Resource(
    path="business_exchange_rates", wrapper="business_exchange_rate", model=BusinessExchangeRate,
    present=present, displayed_as=lambda r: _name(r.currency_id), key_column=BusinessExchangeRate.currency_id,
    create=_create, create_body=BusinessExchangeRateCreate,
    update=_update, update_body=BusinessExchangeRateUpdate, delete=_delete,
)

routes: list[BaseRoute] = [
    *_computed("exchange_rates", _exchange_quotes, _exchange_rate),
    *_computed("live_exchange_rates", _live_quotes, _live_exchange_rate),
    *resource.routes(BUSINESS_EXCHANGE_RATES),
]
