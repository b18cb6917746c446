"""How corrective invoices (`/sales_corrective_invoices`, `/purchase_corrective_invoices`) look on the wire.

A corrective invoice is presented like the invoice it corrects (artefact_wire.py) plus the keys of a
correction: its reason, the original invoice, that invoice's number and the details, in the order its
declaration gives (document_fields.py). Its rules are in artefacts/corrective.py.
"""

from __future__ import annotations

from typing import Any

from ledgerd.api.resources.artefact_wire import Batch, Extra, presenter, self_link
from ledgerd.artefacts.corrective import REASONS, original_number
from ledgerd.artefacts.kinds import Kind
from ledgerd.artefacts.models import Artefact
from ledgerd.lookups.lists import link


def _extra(batch: Batch, artefact: Artefact) -> dict[str, Any]:
    original = batch.quotes.get(artefact.original_artefact_id or "")
    return {"corrective_reason_code": link(REASONS, artefact.corrective_reason_code_id),
            "original_invoice": self_link(original) if original else None,
            "original_invoice_number": original_number(original) if original else None,
            "details": artefact.details or None}


def correction_presenter(kind: Kind) -> Any:
    """The `present` function of a corrective kind's resource spec."""
    extra: Extra = _extra
    return presenter(kind, extra)
