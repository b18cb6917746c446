"""Settings are singletons per business, their attributes in JSON documents seeded from region data; tax
profiles, hosted payment settings and migrated tax returns are records of their own."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.db.base import Base, IdColumn, Money
from ledgerd.db.records import Record
from ledgerd.db.tenancy import TenantScoped


class BusinessSettings(TenantScoped, Base):
    """One row per business; each column is one singleton's document (only what the business set, plus
    its own `updated_at`); region defaults fill the rest when it is read."""

    __tablename__ = "business_settings"

    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    financial: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    invoice: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    business: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    datev: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    email: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    migration: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class TaxProfile(Record, Base):
    """A business's registration for one tax type of its region (made when the business is)."""

    __tablename__ = "tax_profiles"
    __table_args__ = (UniqueConstraint("business_id", "tax_type_id"),)

    tax_type_id: Mapped[str] = mapped_column(String(20))
    # The primary tax type keeps its number and return frequency in the financial settings instead.
    tax_number: Mapped[str | None] = mapped_column(String(255))
    tax_number_suffix: Mapped[str | None] = mapped_column(String(255))
    collect_tax: Mapped[bool] = mapped_column(Boolean, default=False)
    tax_return_frequency_id: Mapped[str | None] = mapped_column(String(20))
    address_region_id: Mapped[str | None] = mapped_column(String(10))


class HostedArtefactPaymentSetting(Record, Base):
    """Online (card) payment switched off for one sales invoice, or for every invoice of one customer."""

    __tablename__ = "hosted_artefact_payment_settings"
    __table_args__ = (UniqueConstraint("business_id", "object_guid"),)

    object_guid: Mapped[str] = mapped_column(IdColumn)
    # The object's display text when the setting was made ("SI-12", "Acme Ltd (ACME)").
    object_label: Mapped[str] = mapped_column(String(255))
    disable_payment: Mapped[bool] = mapped_column(Boolean, default=True)


class MigrationTaxReturn(Record, Base):
    """A tax return filed before the business moved to ledgerd, kept for the periods it covers."""

    __tablename__ = "migration_tax_returns"

    from_date: Mapped[dt.date] = mapped_column()
    to_date: Mapped[dt.date] = mapped_column()
    tax_return_frequency_id: Mapped[str] = mapped_column(String(20))
    total_amount: Mapped[Decimal] = mapped_column(Money)
    # The return's boxes, decimals as strings: {"box_1": "100.0", …} (GB) or {"box_T1": …} (IE); empty elsewhere.
    boxes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    @property
    def displayed_as(self) -> str:
        return f"{self.from_date.isoformat()} - {self.to_date.isoformat()}"
