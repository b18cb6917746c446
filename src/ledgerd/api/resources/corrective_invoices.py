"""How corrective invoices (`/sales_corrective_invoices`, `/purchase_corrective_invoices`) look on the wire.

A corrective invoice is presented like the invoice it corrects (artefact_wire.py) plus the keys of a
correction: its reason, the original invoice, that invoice's number and the details. Its rules are in
artefacts/corrective.py.
"""

from __future__ import annotations

from typing import Any

from ledgerd.api.resources.artefact_wire import Batch, Extra, presenter, self_link
from ledgerd.artefacts.corrective import REASONS, original_number
from ledgerd.artefacts.kinds import Kind
from ledgerd.artefacts.models import Artefact
from ledgerd.lookups.lists import link

# Wire order: the swagger definitions' order, less `deleted_at` and `detailed_tax_analysis` (as for every
# document kind, artefact_wire.py).
ORDER: dict[str, tuple[str, ...]] = {
    "SALES_CORRECTIVE_INVOICE": (
        "id", "displayed_as", "$path", "created_at", "updated_at", "links", "editable", "vat_reverse_charge",
        "tax_calculation_method", "destination_consignment", "destination_vat_rates_in_use", "transaction",
        "transaction_type", "contact", "invoice_number_prefix", "invoice_number", "contact_name",
        "contact_reference", "date", "due_date", "reference", "main_address_free_form", "main_address",
        "delivery_address_free_form", "delivery_address", "notes", "terms_and_conditions", "shipping_net_amount",
        "shipping_tax_rate", "shipping_tax_amount", "shipping_tax_breakdown", "shipping_total_amount",
        "total_quantity", "net_amount", "tax_amount", "total_amount", "payments_allocations_total_amount",
        "payments_allocations_total_discount", "total_paid", "outstanding_amount", "currency", "exchange_rate",
        "inverse_exchange_rate", "base_currency_shipping_net_amount", "base_currency_shipping_tax_amount",
        "base_currency_shipping_tax_breakdown", "base_currency_shipping_total_amount", "total_discount_amount",
        "base_currency_total_discount_amount", "base_currency_net_amount", "base_currency_tax_amount",
        "base_currency_total_amount", "base_currency_outstanding_amount", "status", "sent", "sent_by_email",
        "void_reason", "invoice_lines", "tax_analysis", "payments_allocations", "last_paid", "withholding_tax_rate",
        "withholding_tax_amount", "base_currency_withholding_tax_amount", "corrective_reason_code",
        "original_invoice", "original_invoice_number", "original_invoice_date", "details", "tax_reconciled"),
    "PURCHASE_CORRECTIVE_INVOICE": (
        "id", "displayed_as", "$path", "created_at", "updated_at", "links", "editable", "vat_reverse_charge",
        "transaction", "transaction_type", "contact", "contact_name", "contact_reference", "date", "due_date",
        "reference", "vendor_reference", "notes", "total_quantity", "net_amount", "tax_amount", "total_amount",
        "payments_allocations_total_amount", "payments_allocations_total_discount", "total_paid",
        "outstanding_amount", "currency", "exchange_rate", "inverse_exchange_rate", "base_currency_net_amount",
        "base_currency_tax_amount", "base_currency_total_amount", "base_currency_outstanding_amount", "status",
        "void_reason", "invoice_lines", "tax_analysis", "payments_allocations", "last_paid", "withholding_tax_rate",
        "withholding_tax_amount", "base_currency_withholding_tax_amount", "original_invoice",
        "original_invoice_number", "original_invoice_date", "tax_reconciled", "import"),
}


def _extra(batch: Batch, artefact: Artefact) -> dict[str, Any]:
    original = batch.quotes.get(artefact.original_artefact_id or "")
    return {"corrective_reason_code": link(REASONS, artefact.corrective_reason_code_id),
            "original_invoice": self_link(original) if original else None,
            "original_invoice_number": original_number(original) if original else None,
            "details": artefact.details or None}


def correction_presenter(kind: Kind) -> Any:
    """The `present` function of a corrective kind's resource spec."""
    extra: Extra = _extra
    return presenter(kind, ORDER[kind.kind], extra)
