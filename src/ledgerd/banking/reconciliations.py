"""Bank reconciliations: agreeing a bank statement with the bank account's ledger entries.

The v3.1 API has no way to tick single transactions, so a reconciliation takes every bank entry dated up to
its statement date that no earlier reconciliation took (a back-dated entry is picked up by the next one):

* `starting_balance` = the previous finished reconciliation's reconciled balance (0 for the first);
* `total_received` / `total_paid` = Σ debits / Σ credits of the entries it takes; a reversed (deleted)
  transaction and its reversal cancel out and are left out, unless the original was already reconciled;
* `reconciled_balance` = starting + received - paid; `closing_balance` = the account's book balance on the
  statement date; `balance_difference` = `statement_end_balance` - `reconciled_balance`.

RECONCILED is final: the entries are marked as reconciled (`ReconciledEntry`) and only the reference may
change. PARTIALLY_RECONCILED (saved before the statement agrees) marks nothing; each PUT recomputes it.
The resource spec and wire shape are in api/resources/bank_reconciliations.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from ledgerd.banking import service
from ledgerd.banking.models import BankAccount, BankReconciliation, ReconciledEntry
from ledgerd.banking.schemas import BankReconciliationUpdate
from ledgerd.db.base import new_id
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.ledger.balances import sums
from ledgerd.ledger.models import LedgerEntry, Transaction
from ledgerd.regions.data import lookup

ZERO = Decimal(0)
RECONCILED, PARTIAL = "RECONCILED", "PARTIALLY_RECONCILED"


def _last(db: Session, bank_account_id: str, other_than: str | None) -> BankReconciliation | None:
    """The account's latest finished reconciliation (the one the next starts from)."""
    stmt = select(BankReconciliation).where(BankReconciliation.bank_account_id == bank_account_id,
                                            BankReconciliation.status_id == RECONCILED)
    if other_than:
        stmt = stmt.where(BankReconciliation.id != other_than)
    return db.scalars(stmt.order_by(BankReconciliation.statement_date.desc(),
                                    BankReconciliation.created_at.desc())).first()


def unreconciled() -> tuple[ColumnElement[bool], ...]:
    """The conditions on a ledger entry (joined to its transaction) that no finished reconciliation took it and
    it is not cancelled out: a reversed (deleted) transaction and its reversal are left out, unless the original
    was already reconciled. Also what API v3's unposted transactions are (banking/unposted.py)."""
    reconciled = select(ReconciledEntry.ledger_entry_id)
    reconciled_transactions = select(LedgerEntry.transaction_id).where(LedgerEntry.id.in_(reconciled))
    return (LedgerEntry.id.not_in(reconciled),
            or_(Transaction.deleted.is_(False), Transaction.reverses_id.in_(reconciled_transactions)))


def _open_entries(bank: BankAccount, rec: BankReconciliation) -> Any:
    """The bank entries this reconciliation takes: up to its date, not yet reconciled, not cancelled out."""
    return (select(LedgerEntry.id, LedgerEntry.debit, LedgerEntry.credit)
            .join(Transaction, Transaction.id == LedgerEntry.transaction_id)
            .where(LedgerEntry.ledger_account_id == bank.ledger_account_id,
                   LedgerEntry.date <= rec.statement_date, *unreconciled()))


def _figure(db: Session, bank: BankAccount, rec: BankReconciliation) -> list[str]:
    """Compute the figures; returns the ids of the entries taken."""
    last = _last(db, bank.id, rec.id)
    if last is not None and rec.statement_date < last.statement_date:
        raise Invalid(f"must not be before the last reconciled statement ({last.statement_date}).", "statement_date")
    rows = db.execute(_open_entries(bank, rec)).all()
    rec.starting_balance = last.reconciled_balance if last else ZERO
    rec.total_received = sum((row.debit for row in rows), ZERO)
    rec.total_paid = sum((row.credit for row in rows), ZERO)
    rec.reconciled_balance = rec.starting_balance + rec.total_received - rec.total_paid
    rec.closing_balance = sums(db, [bank.ledger_account_id], to_date=rec.statement_date)[bank.ledger_account_id].net
    return [row.id for row in rows]


def _status(wanted: str | None, current: str | None, difference: Decimal) -> str:
    """The status asked for (or kept), else RECONCILED when the statement agrees; RECONCILED needs agreement."""
    chosen = (wanted or "").strip().upper() or current or (RECONCILED if difference == ZERO else PARTIAL)
    if lookup("bank_reconciliation_statuses", chosen) is None:
        raise Invalid(f"must be {RECONCILED} or {PARTIAL}.", "status_id")
    if chosen == RECONCILED and difference != ZERO:
        raise Invalid(f"differs from the reconciled balance by {difference}; save the reconciliation as {PARTIAL} "
                      "until the statement agrees with the books.", "statement_end_balance")
    return chosen


def _finished(rec: BankReconciliation, body: BankReconciliationUpdate) -> BankReconciliation:
    """A finished reconciliation keeps its figures; only its reference may change."""
    changed = [name for name, sent, held in (
        ("bank_account_id", body.bank_account_id, rec.bank_account_id),
        ("statement_date", body.statement_date, rec.statement_date),
        ("statement_end_balance", body.statement_end_balance, rec.statement_end_balance),
        ("status_id", (body.status_id or "").strip().upper() or None, rec.status_id)) if sent not in (None, held)]
    if changed:
        raise Invalid("A reconciled statement cannot be changed (only its reference can); reopen the latest one "
                      f"with status_id {PARTIAL}.", changed[0])
    if body.reference is not None:
        rec.reference = body.reference
    return rec


def _reopen(db: Session, rec: BankReconciliation) -> None:
    """Back to PARTIALLY_RECONCILED: its entries are unmarked. Only the account's latest one can be reopened."""
    latest = _last(db, rec.bank_account_id, None)
    if latest is None or latest.id != rec.id:
        raise Invalid("Only the latest reconciliation of a bank account can be reopened.", "status_id")
    db.execute(delete(ReconciledEntry).where(ReconciledEntry.bank_reconciliation_id == rec.id))
    rec.status_id = PARTIAL


def _check_single_open(db: Session, bank_account_id: str, rec: BankReconciliation | None) -> None:
    """One statement at a time: a bank account has at most one reconciliation in progress."""
    stmt = select(func.count()).select_from(BankReconciliation).where(
        BankReconciliation.bank_account_id == bank_account_id, BankReconciliation.status_id == PARTIAL)
    if rec is not None:
        stmt = stmt.where(BankReconciliation.id != rec.id)
    if db.scalar(stmt):
        raise Invalid("The bank account already has a reconciliation in progress; finish that one first.",
                      "bank_account_id")


def save(db: Session, rec: BankReconciliation | None, body: BankReconciliationUpdate,
         today: dt.date) -> BankReconciliation:
    if rec is not None and rec.status_id == RECONCILED:
        if (body.status_id or "").strip().upper() != PARTIAL:
            return _finished(rec, body)
        _reopen(db, rec)
    bank = service.find(db, body.bank_account_id or (rec.bank_account_id if rec else None), "bank_account_id")
    _check_single_open(db, bank.id, rec)
    current = rec.status_id if rec is not None else None
    if rec is None:  # added once complete, so no query flushes it half-made
        rec = BankReconciliation(id=new_id(), business_id=current_business(db), statement_end_balance=ZERO)
    rec.bank_account_id = bank.id
    rec.statement_date = body.statement_date or rec.statement_date or today
    for name in ("statement_end_balance", "reference"):
        if getattr(body, name) is not None:
            setattr(rec, name, getattr(body, name))
    with db.no_autoflush:
        taken = _figure(db, bank, rec)
    rec.status_id = _status(body.status_id, current, rec.statement_end_balance - rec.reconciled_balance)
    db.add(rec)
    db.flush()
    if rec.status_id == RECONCILED and taken:
        db.execute(insert(ReconciledEntry), [{"business_id": rec.business_id, "ledger_entry_id": entry_id,
                                              "bank_reconciliation_id": rec.id} for entry_id in taken])
    return rec
