"""Ledger models. Transactions and ledger entries are append-only: corrections post reversals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerd.db.base import Base, Fine, IdColumn, Money
from ledgerd.db.records import Record
from ledgerd.db.tenancy import TenantScoped
from ledgerd.limits import BALANCE_LIMIT

# The daily balance ceiling as the column stores it (Money: cents), and its CHECK's name (with the naming
# convention's prefix, as the databases report it).
CEILING_CENTS = BALANCE_LIMIT * 100
CEILING = "ceiling"
CEILING_CHECK = f"ck_ledger_balances_{CEILING}"


def account_label(name: str, nominal_code: int) -> str:
    """A ledger account's `displayed_as`: its name and nominal code, the code zero-padded to four digits as
    Sage shows it (`"Freehold Property (0010)"`; six-digit French codes are unchanged)."""
    return f"{name} ({nominal_code:04d})"


class LedgerAccount(Record, Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("business_id", "nominal_code"),)

    ledger_account_type_id: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200))
    nominal_code: Mapped[int] = mapped_column(Integer)
    included_in_chart: Mapped[bool] = mapped_column(Boolean, default=True)
    # Subset of sales, expenses, banking, other_payments, other_receipts, journals, reporting.
    visible_in: Mapped[list[str]] = mapped_column(JSON, default=list)
    tax_rate_id: Mapped[str | None] = mapped_column(String(40))
    fixed_tax_rate: Mapped[bool] = mapped_column(Boolean, default=False)
    control_name: Mapped[str | None] = mapped_column(String(40))
    ledger_account_classification_id: Mapped[str | None] = mapped_column(String(40))
    gifi_code: Mapped[int | None] = mapped_column(Integer)
    tax_recoverable: Mapped[bool | None] = mapped_column(Boolean)
    recoverable_percentage: Mapped[Decimal | None] = mapped_column(Fine)
    non_recoverable_ledger_account_id: Mapped[str | None] = mapped_column(IdColumn)
    cis_materials: Mapped[bool] = mapped_column(Boolean, default=False)
    cis_labour: Mapped[bool] = mapped_column(Boolean, default=False)
    tax_instalment: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def displayed_as(self) -> str:
        return account_label(self.name, self.nominal_code)


class TaxRate(Record, Base):
    """A business's tax rate; `id` is Sage's mnemonic (`GB_STANDARD`) or a GUID for US custom rates."""

    __tablename__ = "tax_rates"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str | None] = mapped_column(String(100))
    # [{"percentage": "20.0", "from_date": "2011-01-04", "to_date": null}, ...] in date order.
    percentages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    label_percentage: Mapped[bool] = mapped_column(Boolean, default=True)
    is_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    retailer: Mapped[bool] = mapped_column(Boolean, default=False)
    usage: Mapped[list[str]] = mapped_column(JSON, default=list)
    address_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    components: Mapped[list[str]] = mapped_column(JSON, default=list)
    editable: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class Transaction(Record, Base):
    """One balanced posting: Σ debit = Σ credit of its entries, in base currency."""

    __tablename__ = "transactions"
    __table_args__ = (Index("ix_transactions_business_date", "business_id", "date"),)

    transaction_type_id: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column()
    reference: Mapped[str] = mapped_column(String(255), default="")
    contact_id: Mapped[str | None] = mapped_column(IdColumn)
    total: Mapped[Decimal] = mapped_column(Money)
    total_in_transaction_currency: Mapped[Decimal | None] = mapped_column(Money)
    # The resource that made it: ("sales_invoices", id), ("journals", id), …
    origin_type: Mapped[str | None] = mapped_column(String(40))
    origin_id: Mapped[str | None] = mapped_column(IdColumn)
    # Set when a later transaction reversed this one (void, edit, delete); entries are never changed.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    reverses_id: Mapped[str | None] = mapped_column(IdColumn)

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", order_by="LedgerEntry.position", lazy="selectin")


class LedgerEntry(Record, Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_account_date", "business_id", "ledger_account_id", "date"),
    )

    transaction_id: Mapped[str] = mapped_column(ForeignKey("transactions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column()
    ledger_account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"))
    debit: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[Decimal] = mapped_column(Money)
    contact_id: Mapped[str | None] = mapped_column(IdColumn)
    tax_rate_id: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(255), default="")
    transaction_type_id: Mapped[str] = mapped_column(String(40))
    # How the entry reaches a VAT return beyond its account and tax rate (ledger/treatments.py); NULL for most.
    tax_treatment: Mapped[str | None] = mapped_column(String(30))

    transaction: Mapped[Transaction] = relationship(back_populates="entries")


class LedgerBalance(TenantScoped, Base):
    """Σ debit and Σ credit of one account's entries on one day: what every balance and report sums.

    Kept by `posting.post` in the same unit of work as the entries (an atomic upsert of the posting's
    accounts for its day), so it always equals the entries; `balances.rebuild` recomputes it from them.
    Each sum stays below `limits.BALANCE_LIMIT` (a CHECK, in cents): a posting that would pass it is refused.
    """

    __tablename__ = "ledger_balances"
    __table_args__ = (CheckConstraint(f"debit < {CEILING_CENTS} AND credit < {CEILING_CENTS}", name=CEILING),)

    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    ledger_account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(primary_key=True)
    debit: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[Decimal] = mapped_column(Money)


class LedgerAccountOpeningBalance(Record, Base):
    """What one ledger account held when the books were opened; posted against OPENING_BALANCES."""

    __tablename__ = "ledger_account_opening_balances"

    ledger_account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    # Not on Sage's wire: the day the balance is posted on, fixed when it is first entered.
    date: Mapped[dt.date] = mapped_column()
    details: Mapped[str] = mapped_column(String(255), default="")
    debit: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    credit: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    transaction_id: Mapped[str | None] = mapped_column(IdColumn)


# The origin of the transfer a filed VAT return posts (tax_returns/service.py): no part of any return.
TAX_RETURN_ORIGIN = "tax_returns"


class TaxReturnTransaction(TenantScoped, Base):
    """A ledger transaction a filed VAT return took into account (tax_returns/): never counted by a later return,
    and never reversed (periods/)."""

    __tablename__ = "tax_return_transactions"

    tax_return_id: Mapped[str] = mapped_column(ForeignKey("tax_returns.id", ondelete="CASCADE"), primary_key=True)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("transactions.id", ondelete="CASCADE"), primary_key=True,
                                                index=True)
