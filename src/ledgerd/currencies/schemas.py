"""Business exchange rate request bodies (swagger `postBusinessExchangeRates` / `putBusinessExchangeRates`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.limits import ExchangeRate


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class BusinessExchangeRateCreate(_Body):
    currency_id: str = Field(min_length=1, max_length=3)
    rate: ExchangeRate
    inverse_rate: ExchangeRate | None = None
    base_currency_id: str | None = None


class BusinessExchangeRateUpdate(_Body):
    currency_id: str | None = Field(None, min_length=1, max_length=3)
    rate: ExchangeRate | None = None
    inverse_rate: ExchangeRate | None = None
    base_currency_id: str | None = None
