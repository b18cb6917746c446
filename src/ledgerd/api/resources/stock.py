"""`/stock_items` and `/stock_movements`: specs and wire shapes.

A stock item is shown as the catalog shows a product (same links, prices, supplier), with the stock
fields and the derived quantity and costs in the order of Sage's `StockItem` definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.sql import ColumnElement
from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.pipeline import BusinessCall, Call, Result
from ledgerd.api.resource import Resource, forget, forgetting
from ledgerd.api.resources.catalog import present_products, search_items
from ledgerd.catalog.models import CatalogItem
from ledgerd.stock import service
from ledgerd.stock.levels import levels, quantity_of
from ledgerd.stock.models import StockItemDetail, StockMovement
from ledgerd.stock.schemas import (
    DETAIL_FIELDS,
    StockItemCreate,
    StockItemUpdate,
    StockMovementCreate,
    StockMovementUpdate,
)
from ledgerd.stock.service import STOCK_ITEM

# Sage's StockItem definition, in order.
STOCK_ITEM_KEYS = (
    "id", "displayed_as", "$path", "created_at", "updated_at", "deleted_at", "deletable", "deactivatable",
    "used_on_recurring_invoice", "item_code", "description", "notes", "sales_ledger_account", "sales_tax_rate",
    "purchase_ledger_account", "usual_supplier", "purchase_tax_rate", "cost_price", "sales_prices", "source_guid",
    "purchase_description", *DETAIL_FIELDS, "active", "quantity_in_stock", "last_cost_price",
    "last_cost_price_stock_value", "average_cost_price", "average_cost_price_stock_value", "cost_price_last_updated")


def present_items(call: Call, items: Sequence[CatalogItem]) -> list[dict[str, Any]]:
    stock = service.details(call.db, [item.id for item in items])
    found = levels(call.db, {item.id: item.cost_price for item in items})
    out = []
    for item, product in zip(items, present_products(call, items), strict=True):
        detail, level = stock.get(item.id), found[item.id]
        fields = {
            **product, "$path": f"/stock_items/{item.id}", "deletable": product["deletable"] and not level.adjusted,
            **{name: getattr(detail, name, None) for name in DETAIL_FIELDS},
            "quantity_in_stock": level.quantity, "last_cost_price": level.last_cost_price,
            "last_cost_price_stock_value": level.value(level.last_cost_price),
            "average_cost_price": level.average_cost_price,
            "average_cost_price_stock_value": level.value(level.average_cost_price),
            "cost_price_last_updated": level.cost_price_last_updated,
        }
        out.append({key: fields[key] for key in STOCK_ITEM_KEYS})
    return out


def _out_of_stock(value: str) -> ColumnElement[bool]:
    quantity = quantity_of(CatalogItem.id)
    return quantity <= 0 if params.boolean("out_of_stock", value) else quantity > 0


def _below_reorder_level(value: str) -> ColumnElement[bool]:
    level = select(StockItemDetail.reorder_level).where(StockItemDetail.item_id == CatalogItem.id).scalar_subquery()
    quantity = quantity_of(CatalogItem.id)
    return quantity < level if params.boolean("below_reorder_level", value) else quantity >= level


def _create_item(call: BusinessCall, body: StockItemCreate) -> CatalogItem:
    return service.create_item(call.db, call.business.id, body,
                               call.runtime.clock.now())


def _update_item(call: Call, item: CatalogItem, body: StockItemUpdate) -> CatalogItem:
    return service.update_item(call.db, item, body,
                               call.runtime.clock.now())


def _delete_item(call: BusinessCall, item: CatalogItem) -> Result | None:
    service.delete_item(call.db, item)
    forget(call, STOCK_ITEMS, item)
    return None


def _stock_items_only(stmt: Select[Any]) -> Select[Any]:
    return stmt.where(CatalogItem.item_type == STOCK_ITEM)


STOCK_ITEMS: Resource[CatalogItem] = Resource(
    path="stock_items", wrapper="stock_item", model=CatalogItem, present=present_items,
    displayed_as=lambda item: item.displayed_as, scope=_stock_items_only,
    filters={"active": lambda v: CatalogItem.active.is_(params.boolean("active", v)),
             "out_of_stock": _out_of_stock, "below_reorder_level": _below_reorder_level},
    search=search_items, create=_create_item, create_body=StockItemCreate,
    update=_update_item, update_body=StockItemUpdate, delete=_delete_item)


def present_movements(call: Call, movements: Sequence[StockMovement]) -> list[dict[str, Any]]:
    item_ids = {m.stock_item_id for m in movements}
    found = call.db.scalars(select(CatalogItem).where(CatalogItem.id.in_(item_ids))) if item_ids else ()
    items = {item.id: STOCK_ITEMS.link(item) for item in found}
    return [{
        "id": m.id, "displayed_as": m.displayed_as, "$path": f"/stock_movements/{m.id}", "links": [],
        "created_at": m.created_at, "updated_at": m.updated_at, "movement_number": m.movement_number, "date": m.date,
        "cost_price": m.cost_price, "quantity": m.quantity, "details": m.details, "reference": m.reference,
        "stock_item": items.get(m.stock_item_id),
    } for m in movements]


def _create_movement(call: BusinessCall, body: StockMovementCreate) -> StockMovement:
    return service.create_movement(call.db, call.business.id,
                                   body)


def _update_movement(call: Call, movement: StockMovement, body: StockMovementUpdate) -> StockMovement:
    return service.update_movement(call.db, movement, body)


_delete_movement = forgetting("stock_movements")


STOCK_MOVEMENTS: Resource[StockMovement] = Resource(
    path="stock_movements", wrapper="stock_movement", model=StockMovement, present=present_movements,
    displayed_as=lambda m: m.displayed_as, date_column=StockMovement.date,
    filters={"stock_item_id": lambda v: StockMovement.stock_item_id == v.strip()},
    search=lambda term: StockMovement.details.ilike(f"%{term}%"),
    create=_create_movement, create_body=StockMovementCreate,
    update=_update_movement, update_body=StockMovementUpdate, delete=_delete_movement)

routes: list[BaseRoute] = [*resource.routes(STOCK_ITEMS), *resource.routes(STOCK_MOVEMENTS)]
