"""Unposted transactions (API v3's `/unposted_transactions`): what the bank shows that the books have not yet
agreed with.

At Sage these were the bank feed's lines waiting to be matched or categorised. ledgerd's local bank feed
delivers no lines of its own (api/resources/bank_feeds.py), so the bank side of each account is its book
entries, and a line is still open while no finished reconciliation has taken it: exactly the entries the next
reconciliation of the account would take (banking/reconciliations.unreconciled). Each is one ledger entry on a
bank account's ledger account; reconciling the statement it appears on takes it off the list
(docs/legacy-v3.md, "Unposted transactions").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ledgerd.banking.models import BankAccount
from ledgerd.banking.reconciliations import unreconciled
from ledgerd.errors import NotFound
from ledgerd.ledger.models import LedgerEntry, Transaction


@dataclass(frozen=True)
class Unposted:
    """One open bank line: the ledger entry, its bank account and its transaction's reference."""

    id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    date: dt.date
    transaction_type_id: str
    description: str
    reference: str
    bank_account_id: str
    amount: Decimal  # money in positive, money out negative


def _query(*columns: Any) -> Select[Any]:
    return (select(*columns)
            .join_from(LedgerEntry, Transaction, Transaction.id == LedgerEntry.transaction_id)
            .join(BankAccount, BankAccount.ledger_account_id == LedgerEntry.ledger_account_id)
            .where(*unreconciled()))


_COLUMNS = (LedgerEntry.id, LedgerEntry.created_at, LedgerEntry.updated_at, LedgerEntry.date,
            LedgerEntry.transaction_type_id, LedgerEntry.description, Transaction.reference,
            BankAccount.id.label("bank_account_id"), (LedgerEntry.debit - LedgerEntry.credit).label("amount"))


def _filtered(stmt: Select[Any], bank_account_id: str | None, since: dt.datetime | None) -> Select[Any]:
    if bank_account_id is not None:
        stmt = stmt.where(BankAccount.id == bank_account_id)
    if since is not None:
        stmt = stmt.where(LedgerEntry.updated_at >= since)
    return stmt


def page(db: Session, *, bank_account_id: str | None = None, since: dt.datetime | None = None,
         offset: int = 0, limit: int = 20) -> tuple[int, list[Unposted]]:
    """The business's open bank lines, oldest first (of one bank account, changed since an instant), and their
    count before paging."""
    total = db.scalar(_filtered(_query(func.count()), bank_account_id, since)) or 0
    rows = db.execute(_filtered(_query(*_COLUMNS), bank_account_id, since)
                      .order_by(LedgerEntry.date, LedgerEntry.created_at, LedgerEntry.id)
                      .offset(offset).limit(limit)).all()
    return total, [Unposted(**row._mapping) for row in rows]


def read(db: Session, key: str) -> Unposted:
    """One open bank line (404 once reconciled, or for any other entry)."""
    row = db.execute(_query(*_COLUMNS).where(LedgerEntry.id == key)).first()
    if row is None:
        raise NotFound()
    return Unposted(**row._mapping)
