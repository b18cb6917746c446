"""How quick entries look on the wire: Sage's `QuickEntry` / `PurchaseQuickEntry`, keys in the order of their
declarations (document_fields.py).

The page's links, contacts and allocations come from the documents' `Batch` (one query per kind of thing), and
amounts and tax breakdowns are shown by the documents' own helpers, so a quick entry reads exactly like the
invoice or credit note it stands for. Conditional keys follow the documents' rule (docs/decisions/artefacts.md):
`deleted_at` and `analysis_type_categories` are left out, `payments_allocations` appears with
`show_payments_allocations=true`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ledgerd.api import params
from ledgerd.api.pipeline import Call
from ledgerd.api.resources.artefact_wire import (
    SHOW_PAYMENTS,
    Batch,
    Shape,
    base_outstanding,
    breakdowns,
    displayed_as,
    inverse_rate,
)
from ledgerd.api.resources.document_fields import PURCHASE_QUICK_ENTRY, SALES_QUICK_ENTRY
from ledgerd.artefacts.kinds import BY_KIND
from ledgerd.artefacts.models import Artefact
from ledgerd.lookups.lists import link
from ledgerd.quick_entries.service import type_id


def _values(batch: Batch, a: Artefact, payments: bool) -> dict[str, Any]:
    kind = BY_KIND[a.kind]
    row = a.lines[0]
    breakdown, base_breakdown = breakdowns(batch, row.tax_breakdown, a.date)
    return {
        "id": a.id, "displayed_as": displayed_as(a), "$path": f"/{kind.path}/{a.id}", "created_at": a.created_at,
        "updated_at": a.updated_at,
        "transaction": {"id": a.transaction_id, "displayed_as": "", "$path": f"/transactions/{a.transaction_id}"}
        if a.transaction_id else None,
        "transaction_type": link("transaction_types", kind.transaction_type_id),
        "quick_entry_type": link("quick_entry_types", type_id(a)), "contact_name": a.contact_name,
        "contact_reference": a.contact_reference, "contact": batch.contact(a.contact_id), "date": a.date,
        "due_date": a.due_date, "reference": a.reference, "ledger_account": batch.links.account(row.ledger_account_id),
        "details": a.details, "net_amount": a.net_amount, "tax_rate": batch.links.tax_rate(row.tax_rate_id, a.date),
        "tax_amount": a.tax_amount, "tax_breakdown": breakdown,
        "total_amount": a.total_amount, "outstanding_amount": a.outstanding_amount,
        "currency": link("currencies", a.currency_id), "exchange_rate": a.exchange_rate,
        "inverse_exchange_rate": inverse_rate(a.exchange_rate),
        "base_currency_net_amount": a.base_currency_net_amount, "base_currency_tax_amount": a.base_currency_tax_amount,
        "base_currency_tax_breakdown": base_breakdown,
        "base_currency_total_amount": a.base_currency_total_amount,
        "base_currency_outstanding_amount": base_outstanding(batch, a),
        "status": link("artefact_statuses", a.status_id),
        "payments_allocations": batch.allocations.get(a.id, []) if payments else None,
        "tax_address_region": {"id": a.tax_address_region_id, "displayed_as": a.tax_address_region_id,
                               "$path": f"/address_regions/{a.tax_address_region_id}"}
        if a.tax_address_region_id else None,
        "migrated": False, "trade_of_asset": row.trade_of_asset, "gst_amount": None, "pst_amount": None,
        "tax_recoverable": None,
    }


def presenter(sales: bool) -> Callable[[Call, Sequence[Artefact]], list[dict[str, Any]]]:
    """The `present` function of the sales or purchase quick entry spec."""
    fields = SALES_QUICK_ENTRY if sales else PURCHASE_QUICK_ENTRY
    shapes = {True: Shape(fields, True), False: Shape(fields, False)}

    def present(call: Call, artefacts: Sequence[Artefact]) -> list[dict[str, Any]]:
        payments = params.boolean(SHOW_PAYMENTS.name, call.query.get(SHOW_PAYMENTS.name, "false"))
        batch = Batch(call.db, artefacts, call.runtime.clock.now().date(), payments)
        out = []
        for artefact in artefacts:
            out.append(shapes[payments](_values(batch, artefact, payments)))
        return out

    return present
