"""Banking models. Each bank account is backed by one ledger account of type BANK."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerd.contacts.models import Address, ContactPerson
from ledgerd.db.base import Base, IdColumn, Money
from ledgerd.db.records import Record
from ledgerd.db.tenancy import TenantScoped
from ledgerd.ledger.models import LedgerAccount


def default_payment_method(bank_account_type_id: str) -> str:
    """A new bank account's payment method: cash for cash in hand, otherwise card payments, as Sage's recorded
    current account shows ([LS] GetAll_BankAccount.json: CHECKING with CREDIT_DEBIT)."""
    return "CASH" if bank_account_type_id == "CASH_IN_HAND" else "CREDIT_DEBIT"


class BankAccount(Record, Base):
    __tablename__ = "bank_accounts"

    ledger_account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    bank_account_type_id: Mapped[str] = mapped_column(String(20))
    # account_name, account_number, sort_code, bic, iban
    bank_account_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    currency_id: Mapped[str] = mapped_column(String(3))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    default_payment_method_id: Mapped[str | None] = mapped_column(String(20))

    # Loaded with the account: its name and nominal code are how a bank account is displayed.
    ledger_account: Mapped[LedgerAccount] = relationship(lazy="joined", viewonly=True)
    # Its main address and main contact person are records of /addresses and /contact_persons, as Sage links
    # them (contacts.service.set_bank_account_parts writes them); loaded with the account.
    main_address: Mapped[Address | None] = relationship(
        primaryjoin="and_(Address.bank_account_id == BankAccount.id, Address.is_main_address.is_(True))",
        foreign_keys="Address.bank_account_id", lazy="joined", viewonly=True, uselist=False)
    main_contact_person: Mapped[ContactPerson | None] = relationship(
        secondary="addresses",
        primaryjoin="and_(Address.bank_account_id == BankAccount.id, Address.is_main_address.is_(True))",
        secondaryjoin="and_(ContactPerson.address_id == Address.id, ContactPerson.contact_id.is_(None), "
                      "ContactPerson.is_main_contact.is_(True))",
        lazy="joined", viewonly=True, uselist=False)

    @property
    def displayed_as(self) -> str:
        """Like Sage's "woodside snooker (0600)": the ledger account's name and nominal code."""
        return self.ledger_account.displayed_as


class BankTransfer(Record, Base):
    __tablename__ = "bank_transfers"

    from_bank_account_id: Mapped[str] = mapped_column(ForeignKey("bank_accounts.id"))
    to_bank_account_id: Mapped[str] = mapped_column(ForeignKey("bank_accounts.id"))
    date: Mapped[dt.date] = mapped_column()
    reference: Mapped[str] = mapped_column(String(255), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(String(255), default="")
    transaction_id: Mapped[str | None] = mapped_column(IdColumn)


class BankDeposit(Record, Base):
    __tablename__ = "bank_deposits"

    from_bank_account_id: Mapped[str] = mapped_column(ForeignKey("bank_accounts.id"))
    to_bank_account_id: Mapped[str] = mapped_column(ForeignKey("bank_accounts.id"))
    date: Mapped[dt.date] = mapped_column()
    reference: Mapped[str] = mapped_column(String(255), default="")
    cash_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    cheque_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total_amount: Mapped[Decimal] = mapped_column(Money)
    transaction_id: Mapped[str | None] = mapped_column(IdColumn)


class BankOpeningBalance(Record, Base):
    __tablename__ = "bank_opening_balances"

    bank_account_id: Mapped[str] = mapped_column(ForeignKey("bank_accounts.id"))
    date: Mapped[dt.date] = mapped_column()
    debit: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    credit: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    transaction_id: Mapped[str | None] = mapped_column(IdColumn)


class BankReconciliation(Record, Base):
    """A bank statement agreed with the books up to `statement_date` (figures as of the last save)."""

    __tablename__ = "bank_reconciliations"
    __table_args__ = (Index("ix_bank_reconciliations_account", "business_id", "bank_account_id", "statement_date"),)

    bank_account_id: Mapped[str] = mapped_column(ForeignKey("bank_accounts.id"))
    statement_date: Mapped[dt.date] = mapped_column()
    statement_end_balance: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    reference: Mapped[str] = mapped_column(String(255), default="")
    starting_balance: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total_received: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    closing_balance: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    reconciled_balance: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # RECONCILED (final) or PARTIALLY_RECONCILED (saved for later): /bank_reconciliation_statuses.
    status_id: Mapped[str] = mapped_column(String(30))


class ReconciledEntry(TenantScoped, Base):
    """A bank ledger entry a finished reconciliation agreed with the statement: each is reconciled once."""

    __tablename__ = "reconciled_entries"

    ledger_entry_id: Mapped[str] = mapped_column(ForeignKey("ledger_entries.id", ondelete="CASCADE"), primary_key=True)
    bank_reconciliation_id: Mapped[str] = mapped_column(ForeignKey("bank_reconciliations.id", ondelete="CASCADE"),
                                                        index=True)
