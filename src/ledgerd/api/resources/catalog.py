"""`/products`, `/services`, `/product_sales_price_types`, `/service_rate_types`: specs and wire shapes.

Products and services share the `catalog_items` table (told apart by `item_type`); price and rate types
share `catalog_price_types` (told apart by `kind`). Stock items live in their own module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_
from sqlalchemy.sql import ColumnElement
from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.pipeline import BusinessCall, Call, Result
from ledgerd.api.presenters import contact_links
from ledgerd.api.resource import Resource, forget
from ledgerd.api.resources.ledger_links import Links, links_for
from ledgerd.artefacts import usage
from ledgerd.catalog import service
from ledgerd.catalog.models import CatalogItem, PriceType
from ledgerd.catalog.schemas import (
    PriceTypeCreate,
    PriceTypeUpdate,
    ProductCreate,
    ProductUpdate,
    ServiceCreate,
    ServiceUpdate,
)
from ledgerd.catalog.service import PRICE_WORDS, PRODUCT, SERVICE
from ledgerd.lookups.lists import link

TYPE_PATHS = {PRODUCT: "product_sales_price_types", SERVICE: "service_rate_types"}


def _price_list(kind: str, item: CatalogItem, types: dict[str, PriceType]) -> list[dict[str, Any]]:
    _, type_key, name_key, amount_key, tax_key = PRICE_WORDS[kind]
    out = []
    for entry in item.sales_prices or []:
        price_type = types.get(entry["type_id"])
        if price_type is None:
            continue
        out.append({"id": entry["id"], "displayed_as": price_type.name, "created_at": entry["created_at"],
                    "updated_at": entry["updated_at"], name_key: price_type.name,
                    amount_key: Decimal(entry["price"]), tax_key: entry["includes_tax"],
                    type_key.removesuffix("_id"): _type_link(price_type)})
    return out


def _type_link(price_type: PriceType) -> dict[str, str]:
    return {"id": price_type.id, "displayed_as": price_type.name,
            "$path": f"/{TYPE_PATHS[price_type.kind]}/{price_type.id}"}


class _Batch:
    """What presenting a page of items needs, loaded with one query per kind of link."""

    def __init__(self, call: Call, kind: str, items: Sequence[CatalogItem]) -> None:
        self.links: Links = links_for(
            call.db, call.runtime.clock.now().date(),
            account_ids=[i for it in items for i in (it.sales_ledger_account_id, it.purchase_ledger_account_id)],
            tax_rate_ids=[i for it in items for i in (it.sales_tax_rate_id, it.purchase_tax_rate_id)])
        self.suppliers = contact_links(call.db, [it.usual_supplier_id for it in items])
        self.used = usage.items_on_documents(call.db, kind, [it.id for it in items])
        self.types = {t.id: t for t in service.price_types(call.db, kind)}


def present_products(call: Call, items: Sequence[CatalogItem]) -> list[dict[str, Any]]:
    batch = _Batch(call, PRODUCT, items)
    links = batch.links
    return [{
        "id": p.id, "displayed_as": p.displayed_as, "$path": f"/products/{p.id}",
        "created_at": p.created_at, "updated_at": p.updated_at, "deleted_at": None,
        "deletable": p.id not in batch.used, "deactivatable": True, "used_on_recurring_invoice": False,
        "item_code": p.item_code, "description": p.description, "notes": p.notes,
        "sales_ledger_account": links.account(p.sales_ledger_account_id),
        "sales_tax_rate": links.tax_rate(p.sales_tax_rate_id),
        "purchase_ledger_account": links.account(p.purchase_ledger_account_id),
        "usual_supplier": batch.suppliers.get(p.usual_supplier_id or ""),
        "purchase_tax_rate": links.tax_rate(p.purchase_tax_rate_id),
        "cost_price": p.cost_price, "sales_prices": _price_list(PRODUCT, p, batch.types),
        "source_guid": p.source_guid, "purchase_description": p.purchase_description, "active": p.active,
        "catalog_item_type": link("catalog_item_types", p.item_type),
    } for p in items]


def present_services(call: Call, items: Sequence[CatalogItem]) -> list[dict[str, Any]]:
    batch = _Batch(call, SERVICE, items)
    links = batch.links
    return [{
        "id": s.id, "displayed_as": s.displayed_as, "$path": f"/services/{s.id}",
        "created_at": s.created_at, "updated_at": s.updated_at, "deleted_at": None,
        "deletable": s.id not in batch.used, "deactivatable": True, "used_on_recurring_invoice": False,
        "item_code": s.item_code, "description": s.description, "notes": s.notes,
        "sales_ledger_account": links.account(s.sales_ledger_account_id),
        "purchase_ledger_account": links.account(s.purchase_ledger_account_id),
        "sales_tax_rate": links.tax_rate(s.sales_tax_rate_id),
        "purchase_tax_rate": links.tax_rate(s.purchase_tax_rate_id),
        "sales_rates": _price_list(SERVICE, s, batch.types), "source_guid": s.source_guid,
        "purchase_description": s.purchase_description,
        "usual_supplier": batch.suppliers.get(s.usual_supplier_id or ""), "active": s.active,
        "cost_price": s.cost_price, "oss_service": s.oss_service,
    } for s in items]


def search_items(term: str) -> ColumnElement[bool]:
    pattern = f"%{term.lower()}%"
    return or_(func.lower(CatalogItem.item_code).like(pattern), func.lower(CatalogItem.description).like(pattern))


def _item_spec(kind: str, path: str, wrapper: str,
               present: Callable[[Call, Sequence[Any]], list[dict[str, Any]]],
               create_body: type[ProductCreate | ServiceCreate],
               update_body: type[ProductUpdate | ServiceUpdate]) -> Resource[CatalogItem]:
    def scope(stmt: Select[Any]) -> Select[Any]:
        return stmt.where(CatalogItem.item_type == kind)

    def create(call: BusinessCall, body: ProductUpdate | ServiceUpdate) -> CatalogItem:
        return service.create(call.db, call.business.id, kind, body, call.runtime.clock.now())

    def update(call: Call, item: CatalogItem, body: ProductUpdate | ServiceUpdate) -> CatalogItem:
        return service.update(call.db, item, body, call.runtime.clock.now())

    def delete(call: BusinessCall, item: CatalogItem) -> Result | None:
        service.check_deletable(item, bool(usage.items_on_documents(call.db, item.item_type, [item.id])))
        forget(call, spec, item)
        return None

    spec: Resource[CatalogItem] = Resource(
        path=path, wrapper=wrapper, model=CatalogItem, present=present, displayed_as=lambda i: i.displayed_as,
        scope=scope, filters={"active": lambda v: CatalogItem.active.is_(params.boolean("active", v))},
        search=search_items, create=create, create_body=create_body, update=update, update_body=update_body,
        delete=delete)
    return spec


def _present_types(call: Call, types: Sequence[PriceType]) -> list[dict[str, Any]]:
    return [{**_type_link(t), "created_at": t.created_at, "updated_at": t.updated_at, "name": t.name,
             "active": t.active} for t in types]


def _type_spec(kind: str) -> Resource[PriceType]:
    path = TYPE_PATHS[kind]
    wrapper = path.removesuffix("s")

    def scope(stmt: Select[Any]) -> Select[Any]:
        return stmt.where(PriceType.kind == kind)

    def create(call: BusinessCall, body: PriceTypeCreate) -> PriceType:
        return service.create_price_type(call.db, call.business.id, kind, body)

    def update(call: Call, price_type: PriceType, body: PriceTypeUpdate) -> PriceType:
        return service.update_price_type(call.db, price_type, body)

    def delete(call: BusinessCall, price_type: PriceType) -> Result | None:
        service.release_price_type(call.db, price_type)
        forget(call, spec, price_type)
        return None

    spec: Resource[PriceType] = Resource(
        path=path, wrapper=wrapper, model=PriceType, present=_present_types, displayed_as=lambda t: t.name,
        scope=scope, filters={"active": lambda v: PriceType.active.is_(params.boolean("active", v))},
        create=create, create_body=PriceTypeCreate, update=update, update_body=PriceTypeUpdate, delete=delete)
    return spec


PRODUCTS = _item_spec(PRODUCT, "products", "product", present_products, ProductCreate, ProductUpdate)
SERVICES = _item_spec(SERVICE, "services", "service", present_services, ServiceCreate, ServiceUpdate)
PRODUCT_SALES_PRICE_TYPES = _type_spec(PRODUCT)
SERVICE_RATE_TYPES = _type_spec(SERVICE)

routes: list[BaseRoute] = [
    route for spec in (PRODUCTS, SERVICES) for route in resource.routes(spec)
] + resource.routes(PRODUCT_SALES_PRICE_TYPES) + resource.routes(SERVICE_RATE_TYPES)
