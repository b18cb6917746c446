"""An artefact's paid, outstanding and status fields, derived from its allocations (one place)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Allocation, Artefact

ZERO = Decimal(0)
# Kinds that are never paid: nothing to derive.
UNPAYABLE = frozenset({"SALES_QUOTE", "SALES_ESTIMATE"})


def refresh(db: Session, artefact: Artefact, *, new: bool = False) -> None:
    """Recompute total_paid, outstanding_amount, last_paid and status from the allocations table.

    DRAFT, VOID and quote/estimate statuses are set by their own actions and left alone here. `new`: the
    document was created in this unit of work, so nothing can be allocated to it yet (no query).
    """
    if artefact.kind in UNPAYABLE or artefact.status_id in ("DRAFT", "VOID", "PRO_FORMA"):
        return
    amount, discount, last = (None, None, None) if new else db.execute(
        select(func.sum(Allocation.amount), func.sum(Allocation.discount), func.max(Allocation.date))
        .where(Allocation.artefact_id == artefact.id)).one()
    paid = (amount or ZERO) + (discount or ZERO)
    artefact.total_paid = amount or ZERO
    artefact.total_discount_paid = discount or ZERO
    # Allocations are magnitudes; a negative total (a corrective invoice reducing its original) owes the contact.
    sign = -1 if artefact.total_amount < ZERO else 1
    # What the contact owes is the total less any IRPF withheld (`payable`).
    artefact.outstanding_amount = artefact.payable - sign * paid
    artefact.last_paid = last
    if artefact.outstanding_amount * sign < ZERO:
        raise ValueError(f"artefact {artefact.id} over-allocated")
    if paid == ZERO:
        artefact.status_id = "UNPAID"
    elif artefact.outstanding_amount == ZERO:
        artefact.status_id = "PAID"
    else:
        artefact.status_id = "PART_PAID"
