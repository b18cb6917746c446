"""VAT returns: drafts calculated from the ledger, the returns filed, the ledger transactions each return
covered, the income tax settings, and the simulated HMRC's own record of what it received."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.db.base import Base, IdColumn, IdMixin, Money
from ledgerd.db.records import Record
from ledgerd.db.tenancy import TenantScoped


class _Period:
    period_start_date: Mapped[dt.date] = mapped_column()
    period_end_date: Mapped[dt.date] = mapped_column()

    @property
    def displayed_as(self) -> str:
        return f"{self.period_start_date.isoformat()} - {self.period_end_date.isoformat()}"


class TaxReturn(_Period, Record, Base):
    """A return filed with the tax authority; immutable once made."""

    __tablename__ = "tax_returns"
    __table_args__ = (UniqueConstraint("business_id", "tax_return_number"),)

    tax_return_number: Mapped[str] = mapped_column(String(20))
    tax_return_type_id: Mapped[str] = mapped_column(String(20))
    # HMRC's period key (GB); None where the authority has no obligations (IE).
    period_key: Mapped[str | None] = mapped_column(String(4))
    # VAT due (positive) or repayable (negative): box 3 - box 4 (GB), T1 - T2 (IE).
    total_amount: Mapped[Decimal] = mapped_column(Money)
    # The boxes as filed, decimals as strings: {"box_1": "100.0", …} or {"box_T1": …}.
    boxes: Mapped[dict[str, str]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column()
    # The authority's acknowledgement (HMRC: processingDate, formBundleNumber, paymentIndicator, chargeRefNumber).
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The transaction moving the period's VAT to the VAT liability account (None when there was nothing to move).
    transaction_id: Mapped[str | None] = mapped_column(IdColumn)


class DraftTaxReturn(_Period, Record, Base):
    """A return calculated from the ledger for one period; becomes SUBMITTED when it is filed."""

    __tablename__ = "draft_tax_returns"
    __table_args__ = (Index("ix_draft_tax_returns_period", "business_id", "period_start_date"),)

    tax_return_type_id: Mapped[str] = mapped_column(String(20))
    period_key: Mapped[str | None] = mapped_column(String(4))
    status_id: Mapped[str] = mapped_column(String(20), default="DRAFT")
    total_amount: Mapped[Decimal] = mapped_column(Money)
    boxes: Mapped[dict[str, str]] = mapped_column(JSON)
    tax_return_id: Mapped[str | None] = mapped_column(ForeignKey("tax_returns.id"))


class IncomeTaxSettings(TenantScoped, Base):
    """A business's UK income tax (Self Assessment) details; absent until first changed (defaults then)."""

    __tablename__ = "income_tax_settings"

    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    national_insurance_number: Mapped[str | None] = mapped_column(String(9))
    unique_tax_reference: Mapped[str | None] = mapped_column(String(10))
    accounting_method: Mapped[str] = mapped_column(String(20))
    quarterly_period_type: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class HmrcVatReturn(IdMixin, TenantScoped, Base):
    """The simulated HMRC's side: a VAT return it received for a VAT registration number and period key.

    Kept apart from ledgerd's own `TaxReturn`: it is what the outside party holds (its obligations are
    fulfilled by these rows), as the real API would hold it.
    """

    __tablename__ = "hmrc_vat_returns"
    __table_args__ = (UniqueConstraint("business_id", "vrn", "period_key"),)

    vrn: Mapped[str] = mapped_column(String(12))
    period_key: Mapped[str] = mapped_column(String(4))
    received_at: Mapped[datetime] = mapped_column()
    form_bundle_number: Mapped[str] = mapped_column(String(12))
    # The request body as HMRC received it (amounts as strings).
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
