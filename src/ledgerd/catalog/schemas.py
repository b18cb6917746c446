"""Catalog request bodies: products, services and their price (rate) types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.limits import Price

# Prices and costs: per unit, never negative.
UnitPrice = Annotated[Price, Field(ge=0)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class SalesPriceIn(_Body):
    product_sales_price_type_id: str | None = None
    price_name: str | None = None
    price: UnitPrice | None = None
    price_includes_tax: bool | None = None


class SalesRateIn(_Body):
    service_rate_type_id: str | None = None
    rate_name: str | None = None
    rate: UnitPrice | None = None
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
    cost_price: UnitPrice | None = None
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
