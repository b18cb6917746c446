"""Stock rules: stock items are catalog items with stock details; quantities change only by movements.

The product part of a stock item (code, accounts, tax rates, supplier, prices) goes through the catalog's
own rules. A `quantity_in_stock` in a stock item body becomes an adjustment movement for the difference,
so the quantity stays one derived figure. An item with movements cannot be deleted (422): deactivate it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.artefacts.usage import items_on_documents
from ledgerd.catalog import service as catalog
from ledgerd.catalog.models import CatalogItem
from ledgerd.db.base import new_id
from ledgerd.errors import Invalid
from ledgerd.stock.levels import levels, moved_items
from ledgerd.stock.models import StockItemDetail, StockMovement
from ledgerd.stock.schemas import (
    DETAIL_FIELDS,
    StockItemCreate,
    StockItemUpdate,
    StockMovementCreate,
    StockMovementUpdate,
)

STOCK_ITEM = "STOCK_ITEM"
ZERO = Decimal(0)
OPENING_DETAILS = "Opening stock"
ADJUSTMENT_DETAILS = "Stock level adjustment"


def details(db: Session, ids: list[str]) -> dict[str, StockItemDetail]:
    if not ids:
        return {}
    return {d.item_id: d for d in db.scalars(select(StockItemDetail).where(StockItemDetail.item_id.in_(ids)))}


def _apply_details(detail: StockItemDetail, body: StockItemUpdate) -> bool:
    """Copy the stock fields given; whether anything changed."""
    changed = False
    for name in DETAIL_FIELDS:
        value = getattr(body, name)
        if value is not None and value != getattr(detail, name):
            setattr(detail, name, value)
            changed = True
    return changed


def _adjust_to(db: Session, item: CatalogItem, target: Decimal, today: dt.date, opening: bool) -> None:
    """An adjustment movement taking the item's quantity in stock to `target` (none if it is there)."""
    level = levels(db, {item.id: item.cost_price})[item.id]
    difference = target - level.quantity
    if difference == ZERO:
        return
    db.add(StockMovement(business_id=item.business_id, stock_item_id=item.id, date=today, quantity=difference,
                         cost_price=level.last_cost_price, reference="",
                         details=OPENING_DETAILS if opening else ADJUSTMENT_DETAILS))


def create_item(db: Session, business_id: str, body: StockItemCreate, now: dt.datetime) -> CatalogItem:
    item = CatalogItem(id=new_id(), business_id=business_id, item_type=STOCK_ITEM, description=body.description,
                       sales_prices=[], active=True)
    catalog.merge_prices(db, item, catalog.PRODUCT, None, now, fill=True)
    # The catalog's rules run before the item joins the session, so no query flushes it half-made.
    catalog.update(db, item, body.product(), now)
    detail = StockItemDetail(business_id=business_id, item_id=item.id)
    _apply_details(detail, body)
    db.add_all([item, detail])
    db.flush()
    if body.quantity_in_stock is not None:
        _adjust_to(db, item, body.quantity_in_stock, now.date(), opening=True)
        db.flush()
    return item


def update_item(db: Session, item: CatalogItem, body: StockItemUpdate, now: dt.datetime) -> CatalogItem:
    catalog.update(db, item, body.product(), now)
    detail = details(db, [item.id]).get(item.id) or StockItemDetail(business_id=item.business_id, item_id=item.id)
    if _apply_details(detail, body):
        db.add(detail)
        # The detail is part of the item: the item's own stamp says it changed.
        item.updated_at = now
    if body.quantity_in_stock is not None:
        _adjust_to(db, item, body.quantity_in_stock, now.date(), opening=False)
    db.flush()
    return item


def delete_item(db: Session, item: CatalogItem) -> None:
    """Refuse while documents or movements name the item; else drop its details (the caller deletes it)."""
    catalog.check_deletable(item, bool(items_on_documents(db, item.item_type, [item.id])))
    if moved_items(db, [item.id]):
        raise Invalid("The stock item has stock movements and cannot be deleted; deactivate it instead "
                      "(active: false).", "base")
    detail = details(db, [item.id]).get(item.id)
    if detail is not None:
        db.delete(detail)
        # Before the item's own delete: the two rows have no ORM relationship to order them.
        db.flush()


def _stock_item(db: Session, item_id: str) -> str:
    found = db.scalars(select(CatalogItem.id).where(CatalogItem.id == item_id,
                                                    CatalogItem.item_type == STOCK_ITEM)).first()
    if found is None:
        raise Invalid("Couldn't find stock item.", "stock_item_id")
    return found


def _apply_movement(db: Session, movement: StockMovement, body: StockMovementUpdate) -> None:
    if body.stock_item_id is not None:
        movement.stock_item_id = _stock_item(db, body.stock_item_id)
    if body.quantity is not None:
        if body.quantity == ZERO:
            raise Invalid("must not be zero: a positive quantity adds stock, a negative one removes it.", "quantity")
        movement.quantity = body.quantity
    for name in ("date", "cost_price", "details", "movement_number", "reference"):
        value = getattr(body, name)
        if value is not None:
            setattr(movement, name, value)


def create_movement(db: Session, business_id: str, body: StockMovementCreate) -> StockMovement:
    movement = StockMovement(business_id=business_id, reference="")
    _apply_movement(db, movement, body)
    db.add(movement)
    db.flush()
    return movement


def update_movement(db: Session, movement: StockMovement, body: StockMovementUpdate) -> StockMovement:
    _apply_movement(db, movement, body)
    db.flush()
    return movement
