"""Stock request bodies (`postStockItems`, `putStockItems`, `postStockMovements`, `putStockMovements`).

A stock item body is a product body (the catalog checks those fields) plus the stock fields. Of the
derived figures Sage lists as writable, only `quantity_in_stock` is read: it becomes a stock movement.
`last_cost_price`, the averages, the stock values and `cost_price_last_updated` are ignored.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.catalog.schemas import ProductUpdate, UnitPrice
from ledgerd.limits import Day, Quantity

# Levels, weights: quantities that are never negative.
Measure = Annotated[Quantity, Field(ge=0)]
# What the stock fields change on an item (the rest of a body is the product's).
DETAIL_FIELDS = ("reorder_level", "reorder_quantity", "location", "barcode", "supplier_part_number", "weight",
                 "measurement_unit", "weight_converted")


class StockItemUpdate(ProductUpdate):
    item_code: str | None = Field(None, min_length=1, max_length=30)
    reorder_level: Measure | None = None
    reorder_quantity: Measure | None = None
    location: str | None = Field(None, max_length=255)
    barcode: str | None = Field(None, max_length=255)
    supplier_part_number: str | None = Field(None, max_length=255)
    weight: Measure | None = None
    measurement_unit: str | None = Field(None, max_length=50)
    weight_converted: Measure | None = None
    quantity_in_stock: Quantity | None = None

    def product(self) -> ProductUpdate:
        """The product part of the body, as the catalog's rules take it (the catalog type is implied)."""
        fields = set(ProductUpdate.model_fields) - {"catalog_item_type_id"}
        return ProductUpdate.model_validate(self.model_dump(include=fields, exclude_unset=True))


class StockItemCreate(StockItemUpdate):
    item_code: str = Field(min_length=1, max_length=30)
    description: str = Field(min_length=1, max_length=255)
    sales_ledger_account_id: str
    purchase_ledger_account_id: str


class StockMovementUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    stock_item_id: str | None = None
    date: Day | None = None
    quantity: Quantity | None = None
    cost_price: UnitPrice | None = None
    details: str | None = Field(None, min_length=1, max_length=50)
    movement_number: str | None = Field(None, max_length=4)
    reference: str | None = Field(None, max_length=31)


class StockMovementCreate(StockMovementUpdate):
    stock_item_id: str
    date: Day
    quantity: Quantity
    cost_price: UnitPrice
    details: str = Field(min_length=1, max_length=50)
