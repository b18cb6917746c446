"""Finding ledger accounts (by role, by id) and checking that an account may be used where it is given."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.db.tenancy import current_business
from ledgerd.db.unit import Cache, cache, rows_by_id
from ledgerd.errors import Invalid, Problem
from ledgerd.ledger.models import LedgerAccount

# The VAT accounts: kept out of journals by their visibility, yet usable there for VAT corrections as Sage allows
# (docs/decisions/vat-treatments.md).
VAT_ROLES = frozenset({"SALES_TAX", "PURCHASE_TAX"})
# The business's control accounts by role, loaded together on first use in a unit of work.
CONTROLS: Cache[str, LedgerAccount] = Cache("control accounts by role")


def control(db: Session, role: str) -> LedgerAccount:
    """The business's control account for a posting role (DEBTORS, CREDITORS, SALES_TAX, …).

    The first call of a unit of work loads every control account of the business in one query (a posting
    asks for three or four roles). Only a new account could change the answer, so unless one is pending the
    query flushes nothing: a new document is still unwritten when its entries are built, and goes in one
    flush with its transaction.
    """
    controls = cache(db, CONTROLS)
    if role not in controls:  # a miss reloads: the account may have been added since
        controls.clear()
        query = select(LedgerAccount).where(LedgerAccount.control_name.is_not(None))
        flush = any(isinstance(obj, LedgerAccount) for obj in db.new)
        for found in db.scalars(query, execution_options={"autoflush": flush}):
            controls.setdefault(found.control_name or "", found)
    account = controls.get(role)
    if account is None:
        raise RuntimeError(f"business has no {role} control account")
    return account


def by_ids(db: Session, account_ids: Collection[str], business_id: str | None = None) -> dict[str, LedgerAccount]:
    """The accounts among `account_ids` of `business_id` (default: the session's), by id: those the unit of work
    already holds (a document's, the control accounts) without a query, the others in one."""
    return rows_by_id(db, LedgerAccount, account_ids, business_id)


def usable(db: Session, account_id: str | None, *, area: str | None, source: str) -> LedgerAccount:
    """The ledger account `account_id`, if it exists for this business and is visible in `area`
    (`sales`, `expenses`, `banking`, `other_payments`, `other_receipts`, `journals`; the VAT accounts are usable in
    journals whatever their visibility)."""
    # Lines naming the same account load it once: the unit of work keeps what it loaded (db/unit.py).
    account = db.get(LedgerAccount, account_id) if account_id else None
    if account is None or account.business_id != current_business(db):
        raise Invalid(problems=[Problem("RecordInvalid", "Couldn't find ledger account.", source)])
    if area == "journals" and account.control_name in VAT_ROLES:
        return account
    if area is not None and area not in account.visible_in:
        raise Invalid(problems=[Problem("RecordInvalid",
                                        f"Ledger account {account.displayed_as} cannot be used in {area}.", source)])
    return account
