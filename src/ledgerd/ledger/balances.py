"""Balances from the ledger: every figure is a sum of ledger entries (debit - credit).

The sums run over `ledger_balances` (Σ debit and Σ credit per account and day, kept by `posting.post`
in step with the entries), so a trial balance reads a few thousand rows instead of every entry.
Only balances that leave out reversed transactions read the entries themselves. `rebuild` recomputes
a business's daily balances from its entries (bulk loads, repair).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import LedgerAccount, LedgerBalance, LedgerEntry, Transaction
from ledgerd.regions.data import lookup

ZERO = Decimal(0)
# Income and expenditure accounts start each financial year at zero; the rest carry their balance forward.
PROFIT_AND_LOSS = frozenset({"INCOME", "EXPENDITURE"})


@dataclass(frozen=True)
class Sums:
    debits: Decimal = ZERO
    credits: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.debits - self.credits


def sums(db: Session, account_ids: Iterable[str], *, from_date: date | None = None, to_date: date | None = None,
         exclude_deleted: bool = False) -> dict[str, Sums]:
    """Σ debits and Σ credits per ledger account over an optional date range (one query)."""
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        return {}
    # Whether a transaction was reversed is known only per entry, so that variant reads the entries.
    source: type[LedgerBalance] | type[LedgerEntry] = LedgerEntry if exclude_deleted else LedgerBalance
    stmt = (select(source.ledger_account_id, func.sum(source.debit), func.sum(source.credit))
            .where(source.ledger_account_id.in_(ids)).group_by(source.ledger_account_id))
    if from_date is not None:
        stmt = stmt.where(source.date >= from_date)
    if to_date is not None:
        stmt = stmt.where(source.date <= to_date)
    if exclude_deleted:
        stmt = (stmt.join(Transaction, Transaction.id == LedgerEntry.transaction_id)
                .where(Transaction.deleted.is_(False)))
    found = {row[0]: Sums(row[1] or ZERO, row[2] or ZERO) for row in db.execute(stmt)}
    return {i: found.get(i, Sums()) for i in ids}


def rebuild(db: Session, business_id: str) -> None:
    """Recompute the business's daily balances from its entries (one INSERT … SELECT … GROUP BY)."""
    db.execute(delete(LedgerBalance).where(LedgerBalance.business_id == business_id))
    grouped = (select(LedgerEntry.business_id, LedgerEntry.ledger_account_id, LedgerEntry.date,
                      func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit))
               .where(LedgerEntry.business_id == business_id)
               .group_by(LedgerEntry.business_id, LedgerEntry.ledger_account_id, LedgerEntry.date))
    db.execute(insert(LedgerBalance).from_select(
        ["business_id", "ledger_account_id", "date", "debit", "credit"], grouped))


def group_of(type_id: str) -> str | None:
    found = lookup("ledger_account_types", type_id)
    return found.get("group") if found else None


@dataclass(frozen=True)
class TrialBalanceLine:
    account: LedgerAccount
    net: Decimal


def trial_balance(db: Session, from_date: date, to_date: date) -> list[TrialBalanceLine]:
    """Every account's balance on `to_date`, in nominal code order, zero balances left out.

    Balance sheet accounts show everything up to `to_date`; income and expenditure accounts only
    `from_date`..`to_date`, their earlier result being brought forward into retained earnings, so the
    report balances whatever the dates.
    """
    before = case((LedgerBalance.date < from_date, 1), else_=0)
    rows = db.execute(select(LedgerBalance.ledger_account_id, before, func.sum(LedgerBalance.debit),
                             func.sum(LedgerBalance.credit))
                      .where(LedgerBalance.date <= to_date).group_by(LedgerBalance.ledger_account_id, before)).all()
    if not rows:
        return []
    accounts = {a.id: a for a in db.scalars(select(LedgerAccount))}
    nets: dict[str, Decimal] = {}
    brought_forward = ZERO
    for account_id, earlier, debits, credits in rows:
        net = (debits or ZERO) - (credits or ZERO)
        if earlier and group_of(accounts[account_id].ledger_account_type_id) in PROFIT_AND_LOSS:
            brought_forward += net
        else:
            nets[account_id] = nets.get(account_id, ZERO) + net
    if brought_forward:
        retained = control(db, "RETAINED_EARNINGS").id
        nets[retained] = nets.get(retained, ZERO) + brought_forward
    lines = [TrialBalanceLine(accounts[i], net) for i, net in nets.items() if net]
    return sorted(lines, key=lambda line: (line.account.nominal_code, line.account.id))
