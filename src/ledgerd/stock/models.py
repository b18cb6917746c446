"""Tables of this package (imported by `ledgerd.db.registry`).

A stock item is a catalog item (`catalog_items`, item_type STOCK_ITEM): it shares item codes, accounts,
tax rates, sales prices and document lines with products and services. What only stock has lives beside
it, one row per item, in `stock_item_details`; its movements live in `stock_movements`. The quantity in
stock is never stored: it is the sum of the movements (see `ledgerd.stock.levels`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.db.base import Base, Fine
from ledgerd.db.records import Record
from ledgerd.db.tenancy import TenantScoped

ZERO = Decimal(0)


class StockItemDetail(TenantScoped, Base):
    __tablename__ = "stock_item_details"

    item_id: Mapped[str] = mapped_column(ForeignKey("catalog_items.id", ondelete="CASCADE"), primary_key=True)
    reorder_level: Mapped[Decimal] = mapped_column(Fine, default=ZERO)
    reorder_quantity: Mapped[Decimal] = mapped_column(Fine, default=ZERO)
    location: Mapped[str] = mapped_column(String(255), default="")
    barcode: Mapped[str] = mapped_column(String(255), default="")
    supplier_part_number: Mapped[str] = mapped_column(String(255), default="")
    weight: Mapped[Decimal] = mapped_column(Fine, default=ZERO)
    measurement_unit: Mapped[str] = mapped_column(String(50), default="")
    weight_converted: Mapped[Decimal] = mapped_column(Fine, default=ZERO)


class StockMovement(Record, Base):
    """A stock adjustment: quantity in (positive) or out (negative) at a cost per unit."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_item", "business_id", "stock_item_id", "date"),)

    stock_item_id: Mapped[str] = mapped_column(ForeignKey("catalog_items.id"))
    movement_number: Mapped[str | None] = mapped_column(String(4))
    date: Mapped[dt.date] = mapped_column()
    quantity: Mapped[Decimal] = mapped_column(Fine)
    cost_price: Mapped[Decimal] = mapped_column(Fine)
    details: Mapped[str] = mapped_column(String(50))
    reference: Mapped[str] = mapped_column(String(31), default="")

    @property
    def displayed_as(self) -> str:
        return self.details
