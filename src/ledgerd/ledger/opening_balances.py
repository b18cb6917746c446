"""Opening balances: what the books held before ledgerd, each posted against the OPENING_BALANCES control.

Bank and ledger account opening balances share the rules here: one side only, a balancing line on the
control account, an edit reverses and posts again, a delete reverses (the ledger is append-only). The day a
new one is posted on is the caller's (`settings.service.opening_date`, shared with opening balance journals).
Contact opening balances are documents that payments settle, so they live in `payments.opening_balances`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.ledger.accounts import control, usable
from ledgerd.ledger.models import LedgerAccount, LedgerAccountOpeningBalance
from ledgerd.ledger.posting import Line, Posted, post, withdraw
from ledgerd.ledger.schemas import LedgerAccountOpeningBalanceCreate, LedgerAccountOpeningBalanceUpdate

ZERO = Decimal(0)
GENERAL = "GENERAL_LEDGER_OPENING_BALANCE"
REFERENCE = "Opening Balance"
# Accounts whose opening balance is entered elsewhere (per contact, per bank account), by control role.
ENTERED_ELSEWHERE = {"DEBTORS": "/contact_opening_balances", "CREDITORS": "/contact_opening_balances",
                     "BANK": "/bank_opening_balances"}


def require_one_side(debit: Decimal, credit: Decimal) -> None:
    """An opening balance is a debit or a credit: exactly one of them non-zero."""
    if debit and credit:
        raise Invalid("Give either a debit or a credit, not both.", "credit")
    if not debit and not credit:
        raise Invalid("Give a debit or a credit.", "debit")


class OpeningRecord(Posted, Protocol):
    """An opening balance record (a bank account's, a ledger account's)."""

    id: str


def post_opening(db: Session, record: OpeningRecord, *, ledger_account_id: str, debit: Decimal, credit: Decimal,
                 on: date, transaction_type_id: str, origin: str, description: str = "") -> None:
    """Post the opening balance `record` (the account against OPENING_BALANCES; `origin`: its resource),
    reversing the transaction it stood on."""
    require_one_side(debit, credit)
    withdraw(db, record.transaction_id)
    business_id = current_business(db)
    assert business_id is not None
    balancing = control(db, "OPENING_BALANCES").id
    lines = [Line(ledger_account_id, debit=debit, credit=credit, description=description),
             Line(balancing, debit=credit, credit=debit, description=description)]
    post(db, business_id=business_id, transaction_type_id=transaction_type_id, on=on, lines=lines,
         origin=(origin, record.id), reference=REFERENCE, record=record)


# --- ledger account opening balances ---------------------------------------------------------------------

def _account(db: Session, account_id: str | None, opening: LedgerAccountOpeningBalance | None) -> LedgerAccount:
    """The account an opening balance may be entered for, once per account."""
    account = usable(db, account_id, area=None, source="ledger_account_id")
    role = "BANK" if account.ledger_account_type_id == "BANK" else account.control_name or ""
    if role in ENTERED_ELSEWHERE:
        raise Invalid(f"The opening balance of {account.displayed_as} is entered with {ENTERED_ELSEWHERE[role]}.",
                      "ledger_account_id")
    if role == "OPENING_BALANCES":
        raise Invalid("The opening balances control account balances every opening balance; "
                      "it takes none of its own.", "ledger_account_id")
    others = select(func.count()).select_from(LedgerAccountOpeningBalance).where(
        LedgerAccountOpeningBalance.ledger_account_id == account.id)
    if opening is not None:
        others = others.where(LedgerAccountOpeningBalance.id != opening.id)
    if db.scalar(others):
        raise Invalid(f"{account.displayed_as} already has an opening balance.", "ledger_account_id")
    return account


def create(db: Session, body: LedgerAccountOpeningBalanceCreate, on: date) -> LedgerAccountOpeningBalance:
    """A new ledger account opening balance, posted on `on`."""
    return _save(db, None, body, on)


def update(db: Session, opening: LedgerAccountOpeningBalance,
           body: LedgerAccountOpeningBalanceUpdate) -> LedgerAccountOpeningBalance:
    """Change an opening balance and post it again (on the day it was first posted on)."""
    return _save(db, opening, body, opening.date)


def _save(db: Session, opening: LedgerAccountOpeningBalance | None,
          body: LedgerAccountOpeningBalanceCreate | LedgerAccountOpeningBalanceUpdate,
          on: date) -> LedgerAccountOpeningBalance:
    account = _account(db, body.ledger_account_id or (opening.ledger_account_id if opening else None), opening)
    if opening is None:
        business_id = current_business(db)
        assert business_id is not None
        opening = LedgerAccountOpeningBalance(business_id=business_id, date=on)
        db.add(opening)
    opening.ledger_account_id = account.id
    for key in ("debit", "credit", "details"):
        value = getattr(body, key)
        if value is not None:
            setattr(opening, key, value)
    db.flush()
    post_opening(db, opening, ledger_account_id=account.id, debit=opening.debit, credit=opening.credit,
                 on=opening.date, transaction_type_id=GENERAL, origin="ledger_account_opening_balances",
                 description=opening.details)
    db.flush()
    return opening


def delete(db: Session, opening: LedgerAccountOpeningBalance) -> None:
    withdraw(db, opening.transaction_id)
