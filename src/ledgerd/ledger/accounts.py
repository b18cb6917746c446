"""Finding ledger accounts by role and checking that an account may be used where it is given."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.db.tenancy import current_business, unit_memo
from ledgerd.errors import Invalid, Problem
from ledgerd.ledger.models import LedgerAccount


def control(db: Session, role: str) -> LedgerAccount:
    """The business's control account for a posting role (DEBTORS, CREDITORS, SALES_TAX, …).

    The first call of a unit of work loads every control account of the business in one query (a posting
    asks for three or four roles).
    """
    cache: dict[str, LedgerAccount] = unit_memo(db, "controls")
    if role not in cache:  # a miss reloads: the account may have been added since
        cache.clear()
        for found in db.scalars(select(LedgerAccount).where(LedgerAccount.control_name.is_not(None))):
            cache.setdefault(found.control_name or "", found)
    account = cache.get(role)
    if account is None:
        raise RuntimeError(f"business has no {role} control account")
    return account


def usable(db: Session, account_id: str | None, *, area: str | None, source: str) -> LedgerAccount:
    """The ledger account `account_id`, if it exists for this business and is visible in `area`
    (`sales`, `expenses`, `banking`, `other_payments`, `other_receipts`, `journals`)."""
    # Lines naming the same account load it once: the unit of work keeps what it loaded (db/tenancy.held).
    account = db.get(LedgerAccount, account_id) if account_id else None
    if account is None or account.business_id != current_business(db):
        raise Invalid(problems=[Problem("RecordInvalid", "Couldn't find ledger account.", source)])
    if area is not None and area not in account.visible_in:
        raise Invalid(problems=[Problem("RecordInvalid",
                                        f"Ledger account {account.displayed_as} cannot be used in {area}.", source)])
    return account
