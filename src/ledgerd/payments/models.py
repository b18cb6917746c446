"""Payments and contact allocations. What they settle on each document is an `Allocation` (artefacts/models.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerd.db.base import Base, Fine, IdColumn, Money, new_id
from ledgerd.db.records import Record


class Payment(Record, Base):
    """A contact payment (`CUSTOMER_RECEIPT`, `VENDOR_PAYMENT`, refunds) or an other payment/receipt."""

    __tablename__ = "payments"

    kind: Mapped[str] = mapped_column(String(20))  # CONTACT_PAYMENT or OTHER_PAYMENT
    transaction_type_id: Mapped[str] = mapped_column(String(40))
    payment_method_id: Mapped[str | None] = mapped_column(String(20))
    contact_id: Mapped[str | None] = mapped_column(IdColumn, index=True)
    bank_account_id: Mapped[str] = mapped_column(ForeignKey("bank_accounts.id"))
    date: Mapped[dt.date] = mapped_column()
    reference: Mapped[str] = mapped_column(String(255), default="")
    net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total_amount: Mapped[Decimal] = mapped_column(Money)
    currency_id: Mapped[str] = mapped_column(String(3))
    exchange_rate: Mapped[Decimal] = mapped_column(Fine, default=Decimal(1))
    base_currency_net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    base_currency_tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    base_currency_total_amount: Mapped[Decimal] = mapped_column(Money)
    base_currency_currency_charge: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Spanish IRPF withheld on an other payment or receipt (docs/decisions/spain.md): None where none applies.
    withholding_tax_rate: Mapped[Decimal | None] = mapped_column(Fine)
    withholding_tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    transaction_id: Mapped[str | None] = mapped_column(IdColumn)
    # The unallocated part of a contact payment lives on as a payment-on-account artefact.
    payment_on_account_id: Mapped[str | None] = mapped_column(IdColumn)

    lines: Mapped[list[PaymentLine]] = relationship(order_by="PaymentLine.position", lazy="selectin",
                                                    cascade="all, delete-orphan")


class PaymentLine(Base):
    """A line of an other payment or receipt."""

    __tablename__ = "payment_lines"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    ledger_account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"))
    details: Mapped[str] = mapped_column(String(255), default="")
    tax_rate_id: Mapped[str | None] = mapped_column(String(40))
    net_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    # An other payment line's tax claimed back (None: as its rate and account say); False: none of it.
    tax_recoverable: Mapped[bool | None] = mapped_column(Boolean)


class ContactAllocation(Record, Base):
    """Allocating documents against each other without money moving (e.g. a credit note to an invoice)."""

    __tablename__ = "contact_allocations"

    transaction_type_id: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[str] = mapped_column(IdColumn, index=True)
    date: Mapped[dt.date] = mapped_column()
    transaction_id: Mapped[str | None] = mapped_column(IdColumn)
