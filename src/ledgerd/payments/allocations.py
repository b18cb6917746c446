"""Contact allocations: settling a contact's charges with its credits, no money moving.

Invoices take positive amounts, credit notes and payments on account negative ones, and the amounts
add up to zero. Every allocation posts a CUSTOMER_ALLOCATION / VENDOR_ALLOCATION transaction: the
settled values on the contact's control account (they cancel out: an audit trail of what settled what),
plus, when the documents were booked at different exchange rates, the difference against
EXCHANGE_GAIN_LOSS, and the share of a CIS deduction settled moved from Withheld to Realised
(`documents.realise_withheld`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Allocation, Artefact
from ledgerd.db.base import new_id
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import Transaction
from ledgerd.ledger.posting import Entries, post, reverse
from ledgerd.payments import documents
from ledgerd.payments.documents import SIDES, ZERO, Side
from ledgerd.payments.models import ContactAllocation
from ledgerd.payments.schemas import AllocatedArtefactIn, ContactAllocationCreate, ContactAllocationUpdate
from ledgerd.settings.service import base_currency


def rows_of(db: Session, allocation: ContactAllocation) -> list[Allocation]:
    return list(db.scalars(select(Allocation).where(Allocation.contact_allocation_id == allocation.id)
                           .order_by(Allocation.legacy_id)))


def signed(side: Side, artefact: Artefact, amount: Decimal) -> Decimal:
    return amount if artefact.kind in side.charges else -amount


def create(db: Session, body: ContactAllocationCreate, today: dt.date) -> ContactAllocation:
    business_id = current_business(db)
    assert business_id is not None
    allocation = ContactAllocation(id=new_id(), business_id=business_id, transaction_type_id=body.transaction_type_id,
                                   contact_id=body.contact_id, date=body.date or today)
    wanted = body.allocated_artefacts
    _apply(db, allocation, wanted, documents.lock_documents(db, *(item.artefact_id for item in wanted)))
    return allocation


def update(db: Session, allocation: ContactAllocation, body: ContactAllocationUpdate) -> ContactAllocation:
    """Apply an edit to an allocation (locked by the caller): its documents, old and new, are locked first."""
    current = rows_of(db, allocation)
    wanted = body.allocated_artefacts
    locked = documents.lock_documents(db, *(item.artefact_id for item in wanted or []), settled=current)
    if wanted is None:
        side = SIDES[allocation.transaction_type_id]
        wanted = [AllocatedArtefactIn(artefact_id=row.artefact_id,
                                      amount=signed(side, locked[row.artefact_id], row.amount)) for row in current]
    for key in ("transaction_type_id", "contact_id", "date"):
        value = getattr(body, key)
        if value is not None:
            setattr(allocation, key, value)
    _unwind(db, allocation, current, locked)
    _apply(db, allocation, wanted, locked)
    return allocation


def delete(db: Session, allocation: ContactAllocation) -> None:
    current = rows_of(db, allocation)
    _unwind(db, allocation, current, documents.lock_documents(db, settled=current))


def _unwind(db: Session, allocation: ContactAllocation, current: list[Allocation],
            locked: dict[str, Artefact]) -> None:
    transaction = db.get(Transaction, allocation.transaction_id) if allocation.transaction_id else None
    if transaction is not None and not transaction.deleted:
        reverse(db, transaction)
    documents.remove_allocations(db, current, locked)


def _apply(db: Session, allocation: ContactAllocation, wanted: list[AllocatedArtefactIn],
           locked: dict[str, Artefact]) -> None:
    side = SIDES[allocation.transaction_type_id]
    contact = documents.find_contact(db, allocation.contact_id, "contact_id")
    documents.require_type(contact, side, "contact_id")
    rows: list[tuple[Artefact, Decimal]] = []
    currency: str | None = None
    for where, artefact, item in documents.named_documents(locked, wanted, contact, side,
                                                                   allocation.date):
        if currency is not None and artefact.currency_id != currency:
            raise Invalid(f"The artefact is in {artefact.currency_id}; the others are in {currency}.",
                          f"{where}.artefact_id")
        currency = artefact.currency_id
        charge = artefact.kind in side.charges
        if (item.amount <= ZERO) if charge else (item.amount >= ZERO):
            raise Invalid("must be positive for an invoice and negative for a credit note or payment on account.",
                          f"{where}.amount")
        if abs(item.amount) > artefact.outstanding_amount:
            raise Invalid(f"exceeds the outstanding amount of the artefact ({artefact.outstanding_amount}).",
                          f"{where}.amount")
        rows.append((artefact, abs(item.amount)))
    total = sum((signed(side, artefact, amount) for artefact, amount in rows), ZERO)
    if total != ZERO:
        raise Invalid(f"The allocated amounts must add up to 0 (they add up to {total}).", "allocated_artefacts")
    db.add(allocation)
    db.flush()

    base = base_currency(db)
    controls = control(db, side.control).id
    already = documents.allocated_base(db, [a.id for a, _ in rows])
    before = documents.settled_so_far(db, [a.id for a, _ in rows if a.is_cis])  # only CIS documents move shares
    entries = Entries()
    new_rows = []
    for artefact, amount in rows:
        value = documents.settled_value(artefact, amount, already[artefact.id], base)
        # Settling a charge posts against the side it was charged on; settling a credit, the other way.
        charge = artefact.kind in side.charges
        entries.add(controls, value, debit=not side.charge_is_debit if charge else side.charge_is_debit,
                    contact_id=contact.id)
        documents.realise_withheld(db, entries, side, artefact, amount, before.get(artefact.id, ZERO),
                                   contact_id=contact.id)
        new_rows.append(Allocation(business_id=allocation.business_id, artefact_id=artefact.id,
                                   contact_allocation_id=allocation.id, date=allocation.date, amount=amount,
                                   base_currency_amount=value))
    entries.balance_to(control(db, "EXCHANGE_GAIN_LOSS").id)
    post(db, business_id=allocation.business_id, transaction_type_id=side.allocation_type, on=allocation.date,
         lines=entries.lines, contact_id=contact.id, origin=("contact_allocations", allocation.id), record=allocation)
    db.add_all(new_rows)
    documents.refresh(db, [a for a, _ in rows])
