"""Business exchange rates: a business's own rate for one foreign currency, overriding the feed."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.db.base import Base, Fine
from ledgerd.db.records import Record


class BusinessExchangeRate(Record, Base):
    __tablename__ = "business_exchange_rates"
    __table_args__ = (UniqueConstraint("business_id", "currency_id"),)

    # The API key: one rate per foreign currency.
    currency_id: Mapped[str] = mapped_column(String(3))
    # The business's base currency when the rate was set; the rate only applies while it still is.
    base_currency_id: Mapped[str] = mapped_column(String(3))
    # Units of `currency_id` per one unit of base currency (base = foreign / rate), 6 dp.
    rate: Mapped[Decimal] = mapped_column(Fine)
    inverse_rate: Mapped[Decimal] = mapped_column(Fine)
