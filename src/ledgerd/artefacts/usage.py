"""What documents (and the ledger) refer to: contacts and catalog items in use.

Contacts and the catalog own the rules ("a contact with transactions cannot be deleted", "an item used on
documents cannot be deleted"); the question reads documents, so it is answered here, above them, and the HTTP
modules (or stock, which sits above artefacts) pass the answer in.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Artefact, ArtefactLine
from ledgerd.catalog.service import SERVICE
from ledgerd.ledger.models import LedgerEntry


def contacts_in_use(db: Session, contact_ids: list[str]) -> set[str]:
    """The contacts something refers to: ledger entries, or documents (drafts and quotes included)."""
    if not contact_ids:
        return set()
    used = {cid for cid in db.scalars(select(LedgerEntry.contact_id).where(LedgerEntry.contact_id.in_(contact_ids))
                                      .distinct()) if cid}
    return used | set(db.scalars(select(Artefact.contact_id).where(Artefact.contact_id.in_(contact_ids)).distinct()))


def contact_in_use(db: Session, contact_id: str) -> bool:
    return bool(contacts_in_use(db, [contact_id]))


def items_on_documents(db: Session, item_type: str, ids: Iterable[str]) -> set[str]:
    """Which of these catalog items appear on a line of any document, in one query (stock items are products
    there)."""
    wanted = list(ids)
    if not wanted:
        return set()
    column = ArtefactLine.service_id if item_type == SERVICE else ArtefactLine.product_id
    return set(db.scalars(select(column).where(column.in_(wanted)).distinct()))
