"""The ledger's invariants, checked against the database of one business.

1. The books balance: Σ debits = Σ credits.
2. Every account's balance (what the API reports) equals the sum of its entries; so do its daily
   balances (`LedgerBalance`, what the balances and reports read), account by account and day by day.
3. Every contact's control-account balance equals what its open documents still have outstanding.
4. No posted entry ever changes (compare `entries_snapshot` before and after).
5. A refused request leaves nothing behind (compare `fingerprint` before and after).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Allocation, Artefact, ArtefactLine
from ledgerd.journals.models import Journal
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import LedgerBalance, LedgerEntry, Transaction
from ledgerd.payments.models import Payment
from ledgerd.settings.models import BusinessSettings

ZERO = Decimal(0)
# Corrective invoices count as charges: their signed totals are negative when they give back.
CUSTOMER_CHARGES = {"SALES_INVOICE", "CUSTOMER_OPENING_BALANCE_INVOICE", "SALES_QUICK_ENTRY_INVOICE",
                    "SALES_CORRECTIVE_INVOICE"}
CUSTOMER_CREDITS = {"SALES_CREDIT_NOTE", "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE", "CUSTOMER_PAYMENT_ON_ACCOUNT",
                    "SALES_QUICK_ENTRY_CREDIT_NOTE"}
VENDOR_CHARGES = {"PURCHASE_INVOICE", "VENDOR_OPENING_BALANCE_INVOICE", "PURCHASE_QUICK_ENTRY_INVOICE",
                  "PURCHASE_CORRECTIVE_INVOICE"}
VENDOR_CREDITS = {"PURCHASE_CREDIT_NOTE", "VENDOR_OPENING_BALANCE_CREDIT_NOTE", "VENDOR_PAYMENT_ON_ACCOUNT",
                  "PURCHASE_QUICK_ENTRY_CREDIT_NOTE"}
OPEN = ("UNPAID", "PART_PAID", "PAID")

Snapshot = dict[str, tuple[str, str, Decimal, Decimal, str]]


def books_balance(db: Session) -> None:
    debit, credit = db.execute(select(func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit))).one()
    assert (debit or ZERO) == (credit or ZERO), f"debits {debit} != credits {credit}"


def account_sums(db: Session) -> dict[str, Decimal]:
    """Σ(debit - credit) per ledger account, straight from the entries."""
    rows = db.execute(select(LedgerEntry.ledger_account_id, func.sum(LedgerEntry.debit) - func.sum(LedgerEntry.credit))
                      .group_by(LedgerEntry.ledger_account_id)).all()
    return {account: amount or ZERO for account, amount in rows}


def daily_balances_match_entries(db: Session) -> None:
    """Each (account, day) bucket holds exactly Σ debit and Σ credit of that account's entries that day."""
    entries = {(account, day): (debit, credit) for account, day, debit, credit in db.execute(
        select(LedgerEntry.ledger_account_id, LedgerEntry.date, func.sum(LedgerEntry.debit),
               func.sum(LedgerEntry.credit)).group_by(LedgerEntry.ledger_account_id, LedgerEntry.date))}
    buckets = {(account, day): (debit, credit) for account, day, debit, credit in db.execute(
        select(LedgerBalance.ledger_account_id, LedgerBalance.date, LedgerBalance.debit, LedgerBalance.credit))}
    for key in set(entries) | set(buckets):
        assert buckets.get(key) == entries.get(key), f"daily balance {key}: {buckets.get(key)} != {entries.get(key)}"


def contacts_match_documents(db: Session, base_currency: str) -> None:
    settled = dict(db.execute(select(Allocation.artefact_id, func.sum(Allocation.base_currency_amount))
                              .group_by(Allocation.artefact_id)).all())
    signs = {**dict.fromkeys(CUSTOMER_CHARGES | VENDOR_CHARGES, 1),
             **dict.fromkeys(CUSTOMER_CREDITS | VENDOR_CREDITS, -1)}
    expected: dict[tuple[str, str], Decimal] = {}
    for artefact in db.scalars(select(Artefact).where(Artefact.status_id.in_(OPEN))):
        if artefact.kind not in signs:
            continue
        # What the contact owes: the total less any withholding (IRPF, CIS) and what allocations settled.
        left = artefact.base_payable - (settled.get(artefact.id) or ZERO)
        if artefact.currency_id == base_currency:
            assert left == artefact.outstanding_amount, (artefact.kind, left, artefact.outstanding_amount)
        role = "DEBTORS" if artefact.kind in CUSTOMER_CHARGES | CUSTOMER_CREDITS else "CREDITORS"
        key = (role, artefact.contact_id)
        expected[key] = expected.get(key, ZERO) + signs[artefact.kind] * left
    for role, flip in (("DEBTORS", 1), ("CREDITORS", -1)):
        rows = db.execute(select(LedgerEntry.contact_id, func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit))
                          .where(LedgerEntry.ledger_account_id == control(db, role).id)
                          .group_by(LedgerEntry.contact_id)).all()
        actual = {cid: flip * ((dr or ZERO) - (cr or ZERO)) for cid, dr, cr in rows}
        for cid in set(actual) | {c for r, c in expected if r == role}:
            assert actual.get(cid, ZERO) == expected.get((role, cid), ZERO), (role, cid, actual, expected)


def entries_snapshot(db: Session) -> Snapshot:
    return {e.id: (e.ledger_account_id, e.transaction_id, e.debit, e.credit, e.date.isoformat())
            for e in db.scalars(select(LedgerEntry))}


def unchanged(before: Snapshot, after: Snapshot) -> None:
    for entry_id, posted in before.items():
        assert after.get(entry_id) == posted, f"posted entry {entry_id} changed: {posted} -> {after.get(entry_id)}"


def fingerprint(db: Session) -> tuple[object, ...]:
    """What a write can leave behind: rows of the ledger, documents, payments and journals, each document's
    figures and status, and the settings; equal before and after a refused request."""
    counts = db.execute(select(*(select(func.count()).select_from(model).scalar_subquery() for model in (
        Transaction, LedgerEntry, LedgerBalance, Artefact, ArtefactLine, Allocation, Payment, Journal)))).one()
    documents = sorted(db.execute(select(Artefact.id, Artefact.status_id, Artefact.date, Artefact.total_amount,
                                         Artefact.outstanding_amount)).all())
    settings = [(row.financial, row.invoice) for row in db.scalars(select(BusinessSettings))]
    return tuple(counts), documents, repr(settings)
