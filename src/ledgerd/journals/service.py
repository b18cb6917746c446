"""Journals and opening balance journals: manual postings, each one balanced transaction.

A journal is never edited: removing one reverses its transaction (the ledger keeps both, marked deleted); a
reissue removes the old journal and posts a new one in one go. An opening balance journal may be unbalanced:
the difference goes to the OPENING_BALANCES control account.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerd.analysis.service import assign_all, category_ids
from ledgerd.db.base import new_id
from ledgerd.errors import Invalid
from ledgerd.journals.models import Journal, JournalLine
from ledgerd.journals.schemas import (
    JournalCreate,
    JournalLineIn,
    JournalReissue,
    OpeningBalanceJournalCreate,
    OpeningBalanceLineIn,
)
from ledgerd.ledger import posting, treatments
from ledgerd.ledger.accounts import control, usable
from ledgerd.settings.service import opening_date

ZERO = Decimal(0)
JOURNAL = "JOURNAL"
OPENING = "GENERAL_LEDGER_OPENING_BALANCE"
# The `record_type` of journal lines' analysis type categories (area JOURNALS).
LINES = "journal_lines"


def _lines(db: Session, lines: Sequence[JournalLineIn | OpeningBalanceLineIn]) -> list[posting.Line]:
    """Checks every line (account usable in journals, one side only) and returns the posting lines."""
    out = []
    for i, line in enumerate(lines):
        account = usable(db, line.ledger_account_id, area="journals", source=f"journal_lines[{i}].ledger_account_id")
        if line.debit and line.credit:
            raise Invalid("A journal line has either a debit or a credit, not both.", f"journal_lines[{i}].credit")
        # A line sent to the VAT return is marked so the return finds it (ledger/treatments.py); others never count.
        treatment = treatments.JOURNAL if getattr(line, "include_on_tax_return", False) else None
        out.append(posting.Line(account.id, debit=line.debit, credit=line.credit, description=line.details,
                                tax_treatment=treatment))
    if not any(line.debit or line.credit for line in out):
        raise Invalid("A journal needs non-zero debits and credits.", "journal_lines")
    return out


def _journal(db: Session, business_id: str, kind: str, on: date, reference: str,
             lines: Sequence[JournalLineIn | OpeningBalanceLineIn], postings: list[posting.Line],
             description: str = "", extra: Sequence[posting.Line] = ()) -> Journal:
    """Store the journal as sent and post its lines (plus `extra` ledger-only lines) as one transaction."""
    journal = Journal(id=new_id(), business_id=business_id, date=on, reference=reference,
                      description=description, transaction_type_id=kind, migrated=False,
                      total=sum((line.debit for line in lines), ZERO))
    journal.lines = [JournalLine(position=i, ledger_account_id=p.ledger_account_id, details=line.details,
                                 debit=line.debit, credit=line.credit,
                                 include_on_tax_return=getattr(line, "include_on_tax_return", False))
                     for i, (line, p) in enumerate(zip(lines, postings, strict=True))]
    origin = ("journals" if kind == JOURNAL else "opening_balance_journals", journal.id)
    posting.post(db, business_id=business_id, transaction_type_id=kind, on=on, lines=[*postings, *extra],
                 reference=reference, origin=origin, record=journal)
    db.add(journal)
    db.flush()
    assign_all(db, LINES, {row.id: (line.analysis_type_categories, f"journal_lines[{i}].analysis_type_categories")
                           for i, (line, row) in enumerate(zip(lines, journal.lines, strict=True))
                           if isinstance(line, JournalLineIn) and line.analysis_type_categories}, "JOURNALS")
    return journal


def post_journal(db: Session, business_id: str, body: JournalCreate) -> Journal:
    """A journal: its lines must balance, and `total` (if given) is Σ debits."""
    postings = _lines(db, body.journal_lines)
    debits = sum((line.debit for line in postings), ZERO)
    credits = sum((line.credit for line in postings), ZERO)
    if debits != credits:
        raise posting.Unbalanced(f"The journal does not balance: debits {debits} ≠ credits {credits}.",
                                 "journal_lines")
    if body.total is not None and body.total != debits:
        raise Invalid(f"must equal the total of the debits ({debits}).", "total")
    return _journal(db, business_id, JOURNAL, body.date, body.reference, body.journal_lines, postings,
                    body.description)


def post_opening(db: Session, business_id: str, body: OpeningBalanceJournalCreate, today: date) -> Journal:
    """An opening balance journal, on `date` or else the opening date of the books (`settings.service`)."""
    postings = _lines(db, body.journal_lines)
    # The journal keeps the lines the client sent; the ledger balances them against the control account.
    difference = sum((p.debit - p.credit for p in postings), ZERO)
    extra = posting.Entries()
    extra.add(control(db, "OPENING_BALANCES").id, -difference, debit=True, description="Opening balance difference")
    on = body.date or opening_date(db, today)
    return _journal(db, business_id, OPENING, on, body.reference or "Opening Balance", body.journal_lines, postings,
                    extra=extra.lines)


def withdraw(db: Session, journal: Journal) -> None:
    """Reverse the journal's transaction on its own date, so every period nets to zero; the caller then
    deletes the journal (leaving its tombstone)."""
    posting.withdraw(db, journal.transaction_id)


def _reissued(db: Session, old: Journal, changes: JournalReissue) -> JournalCreate:
    """The journal a reissue posts: each attribute given replaces the old value, lines whole; the old lines'
    analysis categories carry over when the lines do."""
    kept = category_ids(db, LINES, [line.id for line in old.lines]) if changes.journal_lines is None else {}
    lines = changes.journal_lines if changes.journal_lines is not None else [
        JournalLineIn(ledger_account_id=line.ledger_account_id, debit=line.debit, credit=line.credit,
                      details=line.details, include_on_tax_return=line.include_on_tax_return,
                      analysis_type_categories=kept[line.id]) for line in old.lines]
    return JournalCreate(date=changes.date or old.date, reference=changes.reference or old.reference,
                         description=old.description if changes.description is None else changes.description,
                         total=changes.total, journal_lines=lines)


def reissue(db: Session, business_id: str, old: Journal, changes: JournalReissue,
            remove: Callable[[Journal], None]) -> Journal:
    """Void `old` and post its replacement (`_reissued`). `remove` deletes the old journal once its transaction
    is reversed (the HTTP layer's delete, which leaves the tombstone)."""
    body = _reissued(db, old, changes)
    withdraw(db, old)
    remove(old)
    return post_journal(db, business_id, body)
