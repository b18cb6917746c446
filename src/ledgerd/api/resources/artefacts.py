"""Sales and purchase documents: six resource specs over one table, plus release and void.

DELETE differs by kind (docs/decisions/artefacts.md): sales invoices and credit notes are voided (200 with
the voided document; a draft is deleted, 204); purchase documents answer 204 either way (a posted one is
voided and kept, a draft deleted); quotes and estimates are deleted (204).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import String, cast, func, or_
from sqlalchemy.sql import ColumnElement
from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.api.resource import Resource, forget
from ledgerd.api.resources.artefact_wire import SHOW_ANALYSIS, SHOW_PAYMENTS, displayed_as, load_page, presenter
from ledgerd.api.resources.corrective_invoices import correction_presenter
from ledgerd.artefacts import corrective, service
from ledgerd.artefacts.kinds import CORRECTIVE_KINDS, KINDS, UNPOSTED, Kind
from ledgerd.artefacts.models import Artefact, listed_kinds
from ledgerd.artefacts.schemas import BODIES, ArtefactIn
from ledgerd.attachments.service import attached
from ledgerd.errors import Invalid

SORTS: dict[str, Any] = {"created_at": Artefact.created_at, "updated_at": Artefact.updated_at,
                         "date": Artefact.date}


def _context(call: BusinessCall) -> service.Context:
    return service.context(call.db, call.business.id, call.business.country_id)


def _search(term: str) -> ColumnElement[bool]:
    pattern = f"%{term.lower()}%"
    number = func.lower(Artefact.number_prefix + cast(Artefact.number, String))
    return or_(func.lower(Artefact.contact_name).like(pattern), func.lower(Artefact.reference).like(pattern),
               func.lower(Artefact.vendor_reference).like(pattern), number.like(pattern))


def has_attachments_filter(value: str) -> ColumnElement[bool]:
    return attached(Artefact.id) if params.boolean("has_attachments", value) else ~attached(Artefact.id)


def _sorts(kind: Kind) -> dict[str, Any]:
    if kind.has_due_date:
        return {**SORTS, "due_date": Artefact.due_date}
    if kind.is_quote:
        return {**SORTS, "expiry_date": Artefact.expiry_date}
    return SORTS


VOID_REASON = params.Param("void_reason", "text", "Why a posted sales document is voided (required for one).")
# Sage documents these on document reads; none changes a JSON answer here (docs/decisions/openapi.md).
READ_FLAGS = (params.Param("mark_as_sent", "boolean", "Sage marks a document sent when it is fetched to be sent "
                           "(as a PDF); a JSON read never does, here or there."),
              params.Param("show_corrections", "boolean", "Accepted; a corrective invoice links its original "
                           "(`original_invoice_number`, `original_invoice_date`), the original does not list it."),
              params.Param("show_recurring_invoice", "boolean", "Accepted; ledgerd keeps no recurring invoices."))


def _spec(kind: Kind) -> Resource[Artefact]:
    # Corrective invoices (artefacts/corrective.py) add their rules on top of the service's.
    body_model = corrective.CorrectiveInvoiceIn if kind.corrective else BODIES[kind.lines_key]
    rules = (corrective.create, corrective.update) if kind.corrective else (service.create, service.update)

    def create(call: BusinessCall, body: ArtefactIn) -> Artefact:
        return rules[0](call.db, _context(call), kind, body)

    def update(call: BusinessCall, artefact: Artefact, body: ArtefactIn) -> Artefact:
        return rules[1](call.db, _context(call), kind, artefact, body)

    present = correction_presenter(kind) if kind.corrective else presenter(kind)
    return Resource(
        path=kind.path, wrapper=kind.wrapper, model=Artefact, present=present, displayed_as=displayed_as,
        **listed_kinds(kind.kind),
        filters={"contact_id": lambda v: Artefact.contact_id == v,
                 "status_id": lambda v: Artefact.status_id == v.strip().upper(),
                 "has_attachments": has_attachments_filter},
        sorts=_sorts(kind), search=_search, date_column=Artefact.date, load=load_page,
        create=create, create_body=body_model, update=update, update_body=body_model,
        nested=frozenset(),  # Sage's invoice with nested_attributes=all keeps every link plain [DP]
        delete=lambda call, artefact: _delete(call, kind, artefact),
        query={"list": (SHOW_PAYMENTS, SHOW_ANALYSIS), "read": (SHOW_PAYMENTS, SHOW_ANALYSIS, *READ_FLAGS),
               "delete": (VOID_REASON,) if kind.sales else ()})


def _delete(call: BusinessCall, kind: Kind, artefact: Artefact) -> Result | None:
    if kind.is_quote or artefact.status_id in UNPOSTED:
        if service.allocated(call.db, artefact.id):
            raise Invalid("The document has payments or allocations; delete them first.", "base")
        service.before_delete(call.db, artefact)
        forget(call, SPECS[kind.kind], artefact)
        return None
    corrective.guard_original(call.db, artefact)
    reason = call.query.get("void_reason", "").strip()
    service.void(call.db, kind, artefact, reason or None, reason_required=kind.sales)
    if not kind.sales:
        return None
    call.db.flush()
    return Result(SPECS[kind.kind].present(call, [artefact])[0], 200, business_id=artefact.business_id)


def _release(kind: Kind) -> Callable[[BusinessCall], Result]:
    def handler(call: BusinessCall) -> Result:
        spec = SPECS[kind.kind]
        artefact = service.release(call.db, _context(call), kind, spec.find(call, call.path_params["key"], lock=True))
        call.db.flush()
        return Result(spec.present(call, [artefact])[0], 201, business_id=artefact.business_id)

    return handler


SPECS: dict[str, Resource[Artefact]] = {kind.kind: _spec(kind) for kind in (*KINDS, *CORRECTIVE_KINDS)}

routes: list[BaseRoute] = [route for kind in SPECS.values() for route in resource.routes(kind)]
routes += [business_route(f"/{kind.path}/{{key}}/release", _release(kind), methods=["POST"])
           for kind in (*KINDS, *CORRECTIVE_KINDS) if kind.posts]
