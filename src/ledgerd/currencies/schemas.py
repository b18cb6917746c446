"""Business exchange rate request bodies (swagger `postBusinessExchangeRates` / `putBusinessExchangeRates`)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class BusinessExchangeRateCreate(_Body):
    currency_id: str = Field(min_length=1, max_length=3)
    rate: Decimal
    inverse_rate: Decimal | None = None
    base_currency_id: str | None = None


class BusinessExchangeRateUpdate(_Body):
    currency_id: str | None = Field(None, min_length=1, max_length=3)
    rate: Decimal | None = None
    inverse_rate: Decimal | None = None
    base_currency_id: str | None = None
