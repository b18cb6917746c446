"""Corrective invoices (Spain's *facturas rectificativas*), sales and purchase, on the artefact machinery.

A corrective invoice corrects one posted invoice of the same contact. Its lines carry the **difference** it
makes (docs/decisions/artefacts.md): a positive total charges more, like a further invoice; a negative total
gives back, like a credit note. Both post through `artefacts.posting` (a negative total moves the control
entry to the other side), are numbered, voided and released like invoices, and keep their original's currency.
What is particular to them lives here: the body and the rules about the original invoice (their wire shape:
api/resources/corrective_invoices.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledgerd.artefacts import service
from ledgerd.artefacts.kinds import UNPOSTED, Kind
from ledgerd.artefacts.models import Artefact
from ledgerd.artefacts.schemas import ArtefactIn, InvoiceIn
from ledgerd.db.locks import lock
from ledgerd.errors import Invalid, Problem
from ledgerd.regions.data import lookup

ZERO = Decimal(0)
REASONS = "corrective_reason_codes"
# The kind of document each corrective kind corrects.
ORIGINAL_KIND = {"SALES_CORRECTIVE_INVOICE": "SALES_INVOICE", "PURCHASE_CORRECTIVE_INVOICE": "PURCHASE_INVOICE"}


class CorrectiveInvoiceIn(InvoiceIn):
    """The invoice body plus what a correction names. `original_invoice_number` and `original_invoice_date`
    are read from the original invoice; values a client sends for them are ignored."""

    original_invoice_id: str | None = Field(None, max_length=32)
    corrective_reason_code_id: str | None = Field(None, max_length=40)
    details: str | None = Field(None, max_length=255)


def original_number(original: Artefact) -> str:
    """How the original is known: its number (sales), else the supplier's invoice number or our reference."""
    return original.document_number or original.vendor_reference or original.reference


def _original(db: Session, kind: Kind, original_id: str, contact_id: str | None) -> Artefact:
    """The invoice being corrected: posted, not void, of the right kind and (when given) of the contact. Locked,
    so corrections of one invoice and its void follow one another (the sum of corrections is checked below)."""
    source = "original_invoice_id"
    original = lock(db, Artefact, [original_id]).get(original_id)
    if original is None or original.kind != ORIGINAL_KIND[kind.kind]:
        label = "sales" if kind.sales else "purchase"
        raise Invalid(f"Couldn't find the original {label} invoice.", source)
    if original.status_id in UNPOSTED or original.status_id == "VOID":
        raise Invalid(f"Only an issued invoice can be corrected; this one is {original.status_id}.", source)
    if contact_id is not None and contact_id != original.contact_id:
        raise Invalid("The original invoice belongs to another contact.", source)
    return original


def _reason(kind: Kind, body: CorrectiveInvoiceIn, required: bool) -> list[Problem]:
    source = "corrective_reason_code_id"
    if not kind.sales:
        return []
    if body.corrective_reason_code_id is None:
        return [Problem("RecordInvalid", service.REQUIRED, source)] if required else []
    if lookup(REASONS, body.corrective_reason_code_id) is None:
        return [Problem("RecordInvalid", "Couldn't find corrective reason code.", source)]
    return []


def _same_currency(body: CorrectiveInvoiceIn, original: Artefact) -> None:
    if "currency_id" in body.model_fields_set and (body.currency_id or "").upper() != original.currency_id:
        raise Invalid(f"A corrective invoice is in its original invoice's currency ({original.currency_id}).",
                      "currency_id")


def _defaults(body: CorrectiveInvoiceIn, original: Artefact) -> CorrectiveInvoiceIn:
    """A correction is of the original's contact and currency, at its exchange rate and IRPF rate unless the client
    gives them."""
    _same_currency(body, original)
    sent = body.model_fields_set
    update: dict[str, Any] = {"contact_id": original.contact_id, "currency_id": original.currency_id}
    if not sent & {"exchange_rate", "inverse_exchange_rate"}:
        update["exchange_rate"] = original.exchange_rate
    if "withholding_tax_rate" not in sent and original.withholding_tax_rate is not None:
        update["withholding_tax_rate"] = original.withholding_tax_rate  # corrected at the original's IRPF rate
    return body.model_copy(update=update)


def _attach(db: Session, artefact: Artefact, original: Artefact, body: CorrectiveInvoiceIn) -> None:
    """Link the correction to its original and check the original does not end up below zero."""
    if artefact.date < original.date:
        raise Invalid(f"date cannot be before the original invoice's date ({original.date}).", "date")
    others = db.scalar(select(func.sum(Artefact.total_amount)).where(
        Artefact.original_artefact_id == original.id, Artefact.kind == artefact.kind,
        Artefact.status_id != "VOID", Artefact.id != artefact.id)) or ZERO
    if original.total_amount + others + artefact.total_amount < ZERO:
        raise Invalid(f"The corrections would take {original_number(original) or 'the original invoice'} below zero "
                      f"(it totals {original.total_amount}; other corrections {others}).", "base")
    artefact.original_artefact_id = original.id
    artefact.original_invoice_date = original.date
    if body.corrective_reason_code_id is not None:
        artefact.corrective_reason_code_id = body.corrective_reason_code_id
    if body.details is not None:
        artefact.details = body.details
    db.flush()


def create(db: Session, ctx: service.Context, kind: Kind, body: ArtefactIn) -> Artefact:
    assert isinstance(body, CorrectiveInvoiceIn)
    problems = _reason(kind, body, required=True)
    if body.original_invoice_id is None:
        problems.insert(0, Problem("RecordInvalid", service.REQUIRED, "original_invoice_id"))
    if problems:
        raise Invalid(problems=problems)
    assert body.original_invoice_id is not None
    original = _original(db, kind, body.original_invoice_id, body.contact_id)
    body = _defaults(body, original)
    artefact = service.create(db, ctx, kind, body)
    _attach(db, artefact, original, body)
    return artefact


def update(db: Session, ctx: service.Context, kind: Kind, artefact: Artefact, body: ArtefactIn) -> Artefact:
    assert isinstance(body, CorrectiveInvoiceIn)
    if problems := _reason(kind, body, required=False):
        raise Invalid(problems=problems)
    original_id = body.original_invoice_id or artefact.original_artefact_id
    assert original_id is not None
    original = _original(db, kind, original_id, body.contact_id or artefact.contact_id)
    _same_currency(body, original)
    service.update(db, ctx, kind, artefact, body)
    _attach(db, artefact, original, body)
    return artefact


def guard_original(db: Session, invoice: Artefact) -> None:
    """An invoice with live corrections cannot be voided or deleted: they would correct nothing."""
    found = db.scalar(select(func.count()).select_from(Artefact).where(
        Artefact.original_artefact_id == invoice.id, Artefact.kind.in_(tuple(ORIGINAL_KIND)),
        Artefact.status_id != "VOID"))
    if found:
        raise Invalid("The invoice has corrective invoices; void them first.", "base")
