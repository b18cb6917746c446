"""Journals as the client sent them; each names the balanced transaction it posted (`ledger.models`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerd.db.base import Base, IdColumn, Money, new_id
from ledgerd.db.records import Record


class Journal(Record, Base):
    __tablename__ = "journals"

    date: Mapped[dt.date] = mapped_column()
    reference: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(200), default="")
    total: Mapped[Decimal] = mapped_column(Money)
    transaction_id: Mapped[str | None] = mapped_column(IdColumn)
    transaction_type_id: Mapped[str] = mapped_column(String(40), default="JOURNAL")
    migrated: Mapped[bool] = mapped_column(Boolean, default=False)

    lines: Mapped[list[JournalLine]] = relationship(order_by="JournalLine.position", lazy="selectin",
                                                    cascade="all, delete-orphan")


class JournalLine(Base):
    __tablename__ = "journal_lines"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    journal_id: Mapped[str] = mapped_column(ForeignKey("journals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    ledger_account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"))
    details: Mapped[str] = mapped_column(String(255), default="")
    debit: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[Decimal] = mapped_column(Money)
    include_on_tax_return: Mapped[bool] = mapped_column(Boolean, default=False)
