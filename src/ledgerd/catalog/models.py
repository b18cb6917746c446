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
    item_code: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255))
    notes: Mapped[str] = mapped_column(Text, default="")
    sales_ledger_account_id: Mapped[str | None] = mapped_column(IdColumn)
    sales_tax_rate_id: Mapped[str | None] = mapped_column(String(40))
    purchase_ledger_account_id: Mapped[str | None] = mapped_column(IdColumn)
    purchase_tax_rate_id: Mapped[str | None] = mapped_column(String(40))
    purchase_description: Mapped[str] = mapped_column(String(255), default="")
    cost_price: Mapped[Decimal] = mapped_column(Fine, default=Decimal(0))
    # A product's sales prices or a service's sales rates, one per price (rate) type:
    # [{"id", "type_id", "price": "30.0", "includes_tax": false, "created_at", "updated_at"}, ...]
    sales_prices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    usual_supplier_id: Mapped[str | None] = mapped_column(IdColumn)
    source_guid: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    oss_service: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def displayed_as(self) -> str:
        return self.description


class PriceType(Record, Base):
    """A named column of prices: product sales price types and service rate types share this table."""

    __tablename__ = "catalog_price_types"
    __table_args__ = (Index("ix_catalog_price_types_kind", "business_id", "kind"),)

    kind: Mapped[str] = mapped_column(String(20))  # PRODUCT (sales price types) or SERVICE (rate types)
    name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def displayed_as(self) -> str:
        return self.name
