"""Stock levels and costs, derived on every read from what moved stock; nothing here is stored.

Stock moves in two ways: adjustments (`/stock_movements`) and the lines of issued documents naming the
item — purchase invoices and sales credit notes bring stock in, sales invoices and purchase credit notes
take it out. Drafts, pro-formas, voided documents, quotes and estimates move nothing.

Costs follow Sage's field descriptions: the last cost price is the unit cost of the most recent
"purchase invoice or adjustment in"; the average cost price is the quantity-weighted average over all of
those. An item nothing was bought for yet shows its own cost price for both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import ColumnElement

from ledgerd.artefacts.models import Artefact, ArtefactLine
from ledgerd.stock.models import StockMovement

ZERO = Decimal(0)
CENT = Decimal("0.01")
FINE = Decimal("0.000001")
# Document kinds that move stock, with the direction of a line's quantity.
DIRECTION = {"PURCHASE_INVOICE": 1, "SALES_CREDIT_NOTE": 1, "SALES_INVOICE": -1, "PURCHASE_CREDIT_NOTE": -1}
NOT_ISSUED = ("DRAFT", "PRO_FORMA", "VOID")


@dataclass
class Level:
    """One item's stock: quantity, and the purchases (adjustments in, purchase invoices) that priced it."""

    cost_price: Decimal
    quantity: Decimal = ZERO
    # Whether any adjustment names the item (such an item cannot be deleted).
    adjusted: bool = False
    bought: Decimal = ZERO
    spent: Decimal = ZERO
    # (date, created_at, id, unit cost) of the latest purchase: the sort key and the price.
    latest: tuple[Any, ...] | None = field(default=None)

    def add(self, quantity: Decimal, unit_cost: Decimal | None, order: tuple[Any, ...]) -> None:
        self.quantity += quantity
        if unit_cost is None or quantity <= 0:
            return
        self.bought += quantity
        self.spent += quantity * unit_cost
        if self.latest is None or order > self.latest[:3]:
            self.latest = (*order, unit_cost)

    @property
    def last_cost_price(self) -> Decimal:
        return self.latest[3] if self.latest is not None else self.cost_price

    @property
    def average_cost_price(self) -> Decimal:
        return (self.spent / self.bought).quantize(FINE, ROUND_HALF_UP) if self.bought else self.cost_price

    @property
    def cost_price_last_updated(self) -> dt.date | None:
        return self.latest[0] if self.latest is not None else None

    def value(self, unit_cost: Decimal) -> Decimal:
        return (self.quantity * unit_cost).quantize(CENT, ROUND_HALF_UP)


def levels(db: Session, costs: dict[str, Decimal]) -> dict[str, Level]:
    """The level of each item (id → its own cost price), in two queries whatever the number of items."""
    out = {item_id: Level(cost) for item_id, cost in costs.items()}
    if not out:
        return out
    moves = db.execute(select(StockMovement.stock_item_id, StockMovement.quantity, StockMovement.cost_price,
                              StockMovement.date, StockMovement.created_at, StockMovement.id)
                       .where(StockMovement.stock_item_id.in_(out)))
    for item_id, quantity, cost, day, created, key in moves:
        out[item_id].add(quantity, cost, (day, created, key))
        out[item_id].adjusted = True
    lines = db.execute(_document_lines().where(ArtefactLine.product_id.in_(out)))
    for item_id, kind, quantity, net, day, created, key in lines:
        moved = quantity * DIRECTION[kind]
        # Only purchases price stock: a returned sale comes back without a new cost.
        unit_cost = (net / quantity).quantize(FINE, ROUND_HALF_UP) if kind == "PURCHASE_INVOICE" and quantity else None
        out[item_id].add(moved, unit_cost, (day, created, key))
    return out


def _document_lines() -> Any:
    return (select(ArtefactLine.product_id, Artefact.kind, ArtefactLine.quantity,
                   ArtefactLine.base_currency_net_amount, Artefact.date, Artefact.created_at, ArtefactLine.id)
            .join(Artefact, ArtefactLine.artefact_id == Artefact.id)
            .where(Artefact.kind.in_(DIRECTION), Artefact.status_id.not_in(NOT_ISSUED)))


def quantity_of(item_id: InstrumentedAttribute[str]) -> ColumnElement[Any]:
    """The quantity in stock of the item `item_id` (a correlated column) as SQL, for list filters."""
    moved = (select(func.coalesce(func.sum(StockMovement.quantity), 0))
             .where(StockMovement.stock_item_id == item_id).scalar_subquery())
    signed = case((Artefact.kind.in_([k for k, d in DIRECTION.items() if d > 0]), ArtefactLine.quantity),
                  else_=-ArtefactLine.quantity)
    documented = (select(func.coalesce(func.sum(signed), 0)).select_from(ArtefactLine)
                  .join(Artefact, ArtefactLine.artefact_id == Artefact.id)
                  .where(ArtefactLine.product_id == item_id, Artefact.kind.in_(DIRECTION),
                         Artefact.status_id.not_in(NOT_ISSUED)).scalar_subquery())
    return moved + documented


def moved_items(db: Session, ids: Iterable[str]) -> set[str]:
    """Which of these items have stock movements (such an item cannot be deleted), in one query."""
    wanted = list(ids)
    if not wanted:
        return set()
    return set(db.scalars(select(StockMovement.stock_item_id).where(StockMovement.stock_item_id.in_(wanted))
                          .distinct()))
