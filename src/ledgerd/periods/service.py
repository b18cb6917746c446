"""Closed periods: what the books refuse to write, whichever resource writes it (docs/decisions/period-locks.md).

- Nothing is posted on or before the financial settings' `year_end_lockdown_date`. A change, void or delete of a
  posted record reverses its transaction with a mirror dated like the original (ledger/posting.reverse), so the
  same rule refuses changing anything in a locked period; edits that leave the ledger alone post nothing.
- Nothing but an opening balance is posted before the `accounts_start_date` (opening balances are dated the day
  before it, and a contact's outstanding opening invoices keep their own, earlier dates).
- A transaction a submitted VAT return took into account is never reversed: the return would no longer agree
  with the ledger. The record is corrected by a new posting instead (a credit note reverses an invoice).

The rule reads a flush rather than sitting in each service: every posting goes through ledger/posting.post and
reverse, whose flush is the one place that sees them all, and `ledger` lies below the settings and the returns it
would need to read. Services that must answer in a particular order call `check_reversible` themselves first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from ledgerd.errors import Invalid
from ledgerd.ledger.models import TAX_RETURN_ORIGIN, TaxReturnTransaction, Transaction
from ledgerd.settings.models import BusinessSettings
from ledgerd.settings.service import stored_day

# Opening balances stand before the books start (ledger/opening_balances.py, payments/opening_balances.py).
OPENING_BALANCES = frozenset({
    "GENERAL_LEDGER_OPENING_BALANCE", "BANK_OPENING_BALANCE", "CUSTOMER_OPENING_BALANCE_INVOICE",
    "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE", "VENDOR_OPENING_BALANCE_INVOICE", "VENDOR_OPENING_BALANCE_CREDIT_NOTE"})


class Locked(Invalid):
    """A posting dated in a closed period, or the reversal of a filed transaction."""


def closed(db: Session, business_id: str) -> tuple[date | None, date | None]:
    """(lockdown date, accounts start date) of the business, as its financial settings hold them."""
    with db.no_autoflush:
        settings = db.get(BusinessSettings, business_id)
    stored = settings.financial if settings is not None else {}
    return stored_day(stored.get("year_end_lockdown_date")), stored_day(stored.get("accounts_start_date"))


def check_date(db: Session, business_id: str, on: date, transaction_type_id: str, origin_type: str | None = None,
               source: str = "date") -> None:
    """Refuse a posting dated `on` in a closed period."""
    # A VAT return's own transfer is how a period is closed for VAT: it is filed after the period is locked.
    if origin_type == TAX_RETURN_ORIGIN:
        return
    lockdown, start = closed(db, business_id)
    if lockdown is not None and on <= lockdown:
        raise Locked(f"The date {on.isoformat()} is on or before the year end lockdown date "
                     f"({lockdown.isoformat()}): transactions in a locked period cannot be created, edited, voided or "
                     f"deleted.", source)
    if start is not None and on < start and transaction_type_id not in OPENING_BALANCES:
        raise Locked(f"The date {on.isoformat()} is before the accounts start date ({start.isoformat()}); only "
                     f"opening balances are dated before it.", source)


def filed(db: Session, transaction_ids: Iterable[str]) -> set[str]:
    """Those of the transactions a submitted VAT return took into account."""
    ids = list(transaction_ids)
    if not ids:
        return set()
    with db.no_autoflush:
        return set(db.scalars(select(TaxReturnTransaction.transaction_id)
                              .where(TaxReturnTransaction.transaction_id.in_(ids))))


def check_reversible(db: Session, transaction: Transaction | None, *, what: str = "transaction",
                     remedy: str = "post a correcting entry instead") -> None:
    """Refuse changing, voiding or deleting the record standing on `transaction` when it is locked or filed."""
    if transaction is None or transaction.deleted:
        return
    if filed(db, [transaction.id]):
        raise Locked(_filed_message(what, remedy), "base")
    check_date(db, transaction.business_id, transaction.date, transaction.transaction_type_id,
               transaction.origin_type)


def _filed_message(what: str, remedy: str) -> str:
    return (f"This {what} is included on a submitted VAT return, so it cannot be edited, voided or deleted; "
            f"{remedy}.")


def _reversed_now(transaction: Transaction) -> bool:
    history = inspect(transaction).attrs.deleted.history
    return list(history.added) == [True] and not any(history.deleted)


def _on_flush(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    for obj in session.new:
        if isinstance(obj, Transaction):
            check_date(session, obj.business_id, obj.date, obj.transaction_type_id, obj.origin_type)
    reversed_ids = [obj.id for obj in session.dirty if isinstance(obj, Transaction) and _reversed_now(obj)]
    if filed(session, reversed_ids):
        raise Locked(_filed_message("transaction", "post a correcting entry instead"), "base")


# Installed on ledgerd's session class when the runtime is built (db/session.py), after the stamps.
LISTENERS = (("before_flush", _on_flush),)
