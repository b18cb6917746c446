"""Posting: the only way money enters the ledger.

A posting is built in memory, checked (Σ debits = Σ credits in base currency, below the amount limit, every
account known and of this business), then flushed once, in the caller's unit of work — so an artefact and its
transaction commit or roll back together. Entries are never updated: `reverse` posts the mirror image.
No account's debits or credits of one day may reach `limits.BALANCE_LIMIT`: the database refuses the balance
(a CHECK on `ledger_balances`) and the posting is refused with it, the request rolling back whole.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledgerd import limits
from ledgerd.db.base import new_id
from ledgerd.db.engine import upsert_insert
from ledgerd.errors import Invalid
from ledgerd.ledger import accounts
from ledgerd.ledger.models import CEILING_CHECK, LedgerBalance, LedgerEntry, Transaction

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    ledger_account_id: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    description: str = ""
    contact_id: str | None = None
    tax_rate_id: str | None = None
    # How the entry reaches a VAT return beyond its account and rate (ledger/treatments.py).
    tax_treatment: str | None = None


class Unbalanced(Invalid):
    code = "RecordInvalid"


class Entries:
    """The one way business code turns amounts into ledger lines: each amount goes on the side asked, a
    negative one on the other side (a negative discount, a corrective invoice), and zero amounts are left out.
    `balance_to` closes the difference on one account (a document's control account, exchange gains and
    losses)."""

    def __init__(self) -> None:
        self.lines: list[Line] = []

    def add(self, account_id: str, amount: Decimal, *, debit: bool, contact_id: str | None = None,
            tax_rate_id: str | None = None, description: str = "", tax_treatment: str | None = None) -> None:
        if amount == ZERO:
            return
        if amount < ZERO:
            amount, debit = -amount, not debit
        self.lines.append(Line(account_id, debit=amount if debit else ZERO, credit=ZERO if debit else amount,
                               description=description, contact_id=contact_id, tax_rate_id=tax_rate_id,
                               tax_treatment=tax_treatment))

    def difference(self) -> Decimal:
        """Σ credits minus Σ debits of the lines so far: what a balancing debit must be."""
        return sum((line.credit - line.debit for line in self.lines), ZERO)

    def balance_to(self, account_id: str, *, contact_id: str | None = None, description: str = "",
                   first: bool = False) -> None:
        """Add the line that balances the others on `account_id` (none when they balance already); `first`
        puts it before them."""
        before = len(self.lines)
        self.add(account_id, self.difference(), debit=True, contact_id=contact_id, description=description)
        if first and len(self.lines) > before:
            self.lines.insert(0, self.lines.pop())


class Posted(Protocol):
    """A record that stands on a transaction (a document, a payment, a journal, ...)."""

    transaction_id: str | None


def _net(lines: Sequence[Line]) -> list[Line]:
    """Drop zero lines; a line never carries both a debit and a credit."""
    out = []
    for line in lines:
        if line.debit < 0 or line.credit < 0:
            raise Invalid("Debit and credit amounts cannot be negative.", "debit")
        if line.debit == ZERO and line.credit == ZERO:
            continue
        if line.debit and line.credit:
            diff = line.debit - line.credit
            line = Line(line.ledger_account_id, max(diff, ZERO), max(-diff, ZERO), line.description,
                        line.contact_id, line.tax_rate_id, line.tax_treatment)
        out.append(line)
    return out


def post(db: Session, *, business_id: str, transaction_type_id: str, on: date, lines: Sequence[Line],
         reference: str = "", contact_id: str | None = None, origin: tuple[str, str] | None = None,
         total_in_transaction_currency: Decimal | None = None, record: Posted | None = None) -> Transaction:
    """Write one balanced transaction with its entries. `record`, the record it is posted for, is given its
    `transaction_id` before the flush, so a new record is inserted naming its transaction (no later update)."""
    entries = _net(lines)
    debits = sum((line.debit for line in entries), ZERO)
    credits = sum((line.credit for line in entries), ZERO)
    if any(line.debit.quantize(CENT) != line.debit or line.credit.quantize(CENT) != line.credit for line in entries):
        raise Unbalanced("Ledger amounts are kept to the cent.", "debit")
    if debits != credits:
        raise Unbalanced(f"The transaction does not balance: debits {debits} ≠ credits {credits}.", "base")
    if not limits.within(debits):
        raise Invalid(f"A transaction's total must stay below {limits.AMOUNT_LIMIT:,}; it would be {debits}.", "base")
    account_ids = {line.ledger_account_id for line in entries}
    # Accounts the unit of work already holds (the document's and the control accounts) need no query.
    known = accounts.by_ids(db, account_ids, business_id).keys()
    if unknown := account_ids - known:
        raise Invalid(f"Ledger account {sorted(unknown)[0]} does not exist.", "ledger_account_id")
    transaction = Transaction(id=new_id(), business_id=business_id,
                              transaction_type_id=transaction_type_id, date=on,
                              reference=reference[:255], contact_id=contact_id, total=debits,
                              total_in_transaction_currency=total_in_transaction_currency,
                              origin_type=origin[0] if origin else None, origin_id=origin[1] if origin else None)
    transaction.entries = [
        LedgerEntry(business_id=business_id, position=i, date=on, ledger_account_id=line.ledger_account_id,
                    debit=line.debit, credit=line.credit, contact_id=line.contact_id or contact_id,
                    tax_rate_id=line.tax_rate_id, description=line.description[:255],
                    transaction_type_id=transaction_type_id, tax_treatment=line.tax_treatment)
        for i, line in enumerate(entries)
    ]
    if record is not None:
        record.transaction_id = transaction.id
    db.add(transaction)
    db.flush()
    _add_to_balances(db, business_id, on, entries)
    return transaction


def _add_to_balances(db: Session, business_id: str, on: date, entries: Sequence[Line]) -> None:
    """Add the entries to their accounts' balances of the day: one upsert, atomic under concurrency.

    The flush above took the business's writer lock (db/locks.writer_lock, before its legacy-id counters),
    held until commit, so concurrent postings of a business reach this point one at a time; rows go in
    account order all the same.
    """
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for line in entries:
        debit, credit = totals.get(line.ledger_account_id, (ZERO, ZERO))
        totals[line.ledger_account_id] = (debit + line.debit, credit + line.credit)
    if not totals:
        return
    try:
        db.execute(_add_balance(db.get_bind().dialect.name), [
            {"business_id": business_id, "ledger_account_id": account_id, "date": on, "debit": debit,
             "credit": credit} for account_id, (debit, credit) in sorted(totals.items())])
    except IntegrityError as exc:
        if CEILING_CHECK not in str(exc.orig):
            raise
        raise Invalid(f"This posting would take a ledger account's debits or credits of {on.isoformat()} to "
                      f"{limits.BALANCE_LIMIT:,} or more, the most one account holds in a day; post on another "
                      f"day.", "date") from None


@functools.cache
def _add_balance(dialect: str) -> Any:
    """The upsert adding to one account's balance of a day, built once per dialect; executed with a list of
    parameter sets (one statement, compiled once; see db/counters._reserve)."""
    table = LedgerBalance.__table__
    stmt = upsert_insert(dialect)(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.business_id, table.c.ledger_account_id, table.c.date],
        set_={"debit": table.c.debit + stmt.excluded.debit, "credit": table.c.credit + stmt.excluded.credit})


def reverse(db: Session, transaction: Transaction, *, on: date | None = None) -> Transaction:
    """Cancel a transaction by posting its mirror image; the original stays, marked deleted."""
    if transaction.deleted:
        raise Invalid("The transaction was already reversed.", "transaction")
    mirror = post(
        db, business_id=transaction.business_id, transaction_type_id=transaction.transaction_type_id,
        on=on or transaction.date, reference=transaction.reference, contact_id=transaction.contact_id,
        origin=(transaction.origin_type, transaction.origin_id) if transaction.origin_type and transaction.origin_id
        else None,
        lines=[Line(e.ledger_account_id, debit=e.credit, credit=e.debit, description=e.description,
                    contact_id=e.contact_id, tax_rate_id=e.tax_rate_id, tax_treatment=e.tax_treatment)
               for e in transaction.entries])
    # Only the headers learn about the reversal; posted entries are never touched.
    mirror.reverses_id = transaction.id
    mirror.deleted = True
    transaction.deleted = True
    db.flush()
    return mirror


def withdraw(db: Session, transaction_id: str | None) -> None:
    """Reverse the transaction, if there is one and it still stands."""
    transaction = db.get(Transaction, transaction_id) if transaction_id else None
    if transaction is not None and not transaction.deleted:
        reverse(db, transaction)
