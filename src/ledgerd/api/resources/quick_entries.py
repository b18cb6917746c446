"""`/sales_quick_entries` and `/purchase_quick_entries`: two resource specs over the artefacts table.

Each spec serves the two quick-entry kinds of its side (an INVOICE and a CREDIT_NOTE type). DELETE answers
204 and voids the entry, which stays readable as VOID (docs/decisions/quick-entries-and-reconciliations.md).
"""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlalchemy.sql import ColumnElement
from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.pipeline import BusinessCall, Call, Result
from ledgerd.api.resource import Resource
from ledgerd.api.resources.artefact_wire import SHOW_PAYMENTS, displayed_as
from ledgerd.api.resources.artefacts import has_attachments_filter as has_attachments
from ledgerd.api.resources.quick_entry_wire import presenter
from ledgerd.artefacts import service as documents
from ledgerd.artefacts.kinds import QUICK_ENTRY_KINDS
from ledgerd.artefacts.models import Artefact, listed_kinds
from ledgerd.quick_entries import service
from ledgerd.quick_entries.schemas import QuickEntryIn

SORTS = {"created_at": Artefact.created_at, "updated_at": Artefact.updated_at, "date": Artefact.date}


def _context(call: BusinessCall) -> documents.Context:
    return documents.context(call.db, call.business.id, call.business.country_id)


def _search(term: str) -> ColumnElement[bool]:
    """Sage: "the quick entry reference or contact name"."""
    pattern = f"%{term.lower()}%"
    return or_(func.lower(Artefact.reference).like(pattern), func.lower(Artefact.contact_name).like(pattern))


# Sage documents it on quick entry reads; a quick entry here shows no analysis type categories.
NO_ANALYSIS = params.Param("show_analysis_types", "boolean", "Accepted; a quick entry shows no analysis type "
                           "categories.")


def _spec(sales: bool) -> Resource[Artefact]:
    kinds = [k.kind for k in QUICK_ENTRY_KINDS if k.sales == sales]
    wrapper = "sales_quick_entry" if sales else "purchase_quick_entry"

    def create(call: BusinessCall, body: QuickEntryIn) -> Artefact:
        return service.create(call.db, _context(call), sales, body)

    def update(call: BusinessCall, artefact: Artefact, body: QuickEntryIn) -> Artefact:
        return service.update(call.db, _context(call), sales, artefact, body)

    def delete(call: Call, artefact: Artefact) -> Result | None:
        service.void(call.db, artefact)
        return None

    return Resource(
        path="sales_quick_entries" if sales else "purchase_quick_entries", wrapper=wrapper, model=Artefact,
        present=presenter(sales), displayed_as=displayed_as, **listed_kinds(*kinds),
        filters={"contact_id": lambda v: Artefact.contact_id == v,
                 "status_id": lambda v: Artefact.status_id == v.strip().upper(),
                 "has_attachments": has_attachments},
        sorts=SORTS, search=_search, date_column=Artefact.date, create=create, create_body=QuickEntryIn,
        update=update, update_body=QuickEntryIn, delete=delete,
        query={"list": (SHOW_PAYMENTS,), "read": (SHOW_PAYMENTS, NO_ANALYSIS)})


SALES_QUICK_ENTRIES, PURCHASE_QUICK_ENTRIES = _spec(True), _spec(False)

routes: list[BaseRoute] = [*resource.routes(SALES_QUICK_ENTRIES), *resource.routes(PURCHASE_QUICK_ENTRIES)]
