"""Catalog items: products (non-stock), services and stock items share one table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.db.base import Base, Fine, IdColumn
from ledgerd.db.records import Record


class CatalogItem(Record, Base):
    __tablename__ = "catalog_items"
    __table_args__ = (Index("ix_catalog_items_kind", "business_id", "item_type"),)

    item_type: Mapped[str] = mapped_column(String(20))  # PRODUCT, SERVICE, STOCK_ITEM
    item_code: Mapped[str] = mapped_column(String(50), default="")
    description: Mapped[str] = mapped_column(String(255))
    notes: Mapped[str] = mapped_column(Text, default="")
    sales_ledger_account_id: Mapped[str | None] = mapped_column(IdColumn)
    sales_tax_rate_id: Mapped[str | None] = mapped_column(String(40))
    purchase_ledger_account_id: Mapped[str | None] = mapped_column(IdColumn)
    purchase_tax_rate_id: Mapped[str | None] = mapped_column(String(40))
    purchase_description: Mapped[str] = mapped_column(String(255), default="")
    cost_price: Mapped[Decimal] = mapped_column(Fine, default=Decimal(0))
    # [{"price_name": "Sales Price", "price": "30.0", "price_includes_tax": false}, ...]
    sales_prices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    usual_supplier_id: Mapped[str | None] = mapped_column(IdColumn)
    source_guid: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def displayed_as(self) -> str:
        return self.description
