"""Catalog request bodies: products, services and their price (rate) types."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Prices and costs are kept to 1e-6 in a 64-bit integer column: bound them well inside it.
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999"), decimal_places=6)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class SalesPriceIn(_Body):
    product_sales_price_type_id: str | None = None
    price_name: str | None = None
    price: Amount | None = None
    price_includes_tax: bool | None = None


class SalesRateIn(_Body):
    service_rate_type_id: str | None = None
    rate_name: str | None = None
    rate: Amount | None = None
    rate_includes_tax: bool | None = None


class _ItemUpdate(_Body):
    item_code: str | None = Field(None, max_length=255)
    description: str | None = Field(None, min_length=1, max_length=255)
    notes: str | None = Field(None, max_length=500)
    sales_ledger_account_id: str | None = None
    purchase_ledger_account_id: str | None = None
    sales_tax_rate_id: str | None = None
    purchase_tax_rate_id: str | None = None
    usual_supplier_id: str | None = None
    cost_price: Amount | None = None
    source_guid: str | None = Field(None, max_length=255)
    purchase_description: str | None = Field(None, max_length=250)
    active: bool | None = None


class ProductUpdate(_ItemUpdate):
    catalog_item_type_id: str | None = None
    sales_prices: list[SalesPriceIn] | None = None


class ProductCreate(ProductUpdate):
    description: str = Field(min_length=1, max_length=255)
    sales_ledger_account_id: str
    purchase_ledger_account_id: str


class ServiceUpdate(_ItemUpdate):
    oss_service: bool | None = None
    sales_rates: list[SalesRateIn] | None = None


class ServiceCreate(ServiceUpdate):
    description: str = Field(min_length=1, max_length=255)
    sales_ledger_account_id: str


class PriceTypeUpdate(_Body):
    name: str | None = Field(None, min_length=1, max_length=255)
    active: bool | None = None


class PriceTypeCreate(PriceTypeUpdate):
    name: str = Field(min_length=1, max_length=255)
    active: bool
