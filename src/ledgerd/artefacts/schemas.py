"""Request bodies of sales and purchase documents.

Every attribute is optional here: which ones a create needs depends on the kind (§6.3) and is checked by
the service, so one body shape serves POST and PUT of all six kinds. Amounts, prices, quantities, rates, dates
and the number of lines stay within ledgerd's limits (ledgerd/limits.py); derived totals a client sends
(`net_amount`, `total_amount`, `base_currency_*`, `tax_analysis`) are ignored: ledgerd computes them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.analysis.schemas import CategoryIds
from ledgerd.contacts.schemas import AddressIn
from ledgerd.limits import MAX_LINES, Amount, Day, ExchangeRate, Percentage, Price, Quantity


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class LineIn(_Body):
    id: str | None = Field(None, max_length=32)
    description: str | None = Field(None, min_length=1, max_length=255)
    ledger_account_id: str | None = None
    product_id: str | None = None
    service_id: str | None = None
    quantity: Quantity | None = None
    unit_price: Price | None = None
    unit_price_includes_tax: bool | None = None
    discount_amount: Amount | None = Field(None, ge=0)
    discount_percentage: Percentage | None = None
    tax_rate_id: str | None = None
    tax_amount: Amount | None = None
    eu_goods_services_type_id: str | None = Field(None, max_length=20)
    trade_of_asset: bool | None = None
    is_purchase_for_resale: bool | None = None
    # Purchase lines only (Sage: Canada): false claims none of the line's tax back.
    tax_recoverable: bool | None = None
    analysis_type_categories: CategoryIds | None = None


class ArtefactIn(_Body):
    contact_id: str | None = None
    date: Day | None = None
    due_date: Day | None = None
    expiry_date: Day | None = None
    original_invoice_date: Day | None = None
    contact_name: str | None = Field(None, max_length=255)
    # Sage's documents allow 255; ledgerd's column holds 50 (docs/limits.md: widening it rebuilds `artefacts`).
    contact_reference: str | None = Field(None, max_length=50)
    reference: str | None = Field(None, max_length=25)
    # Sage's PurchaseInvoice, PurchaseCreditNote and PurchaseCorrectiveInvoice: at most 31 characters.
    vendor_reference: str | None = Field(None, max_length=31)
    notes: str | None = Field(None, max_length=2000)
    terms_and_conditions: str | None = Field(None, max_length=2000)
    main_address: AddressIn | None = None
    delivery_address: AddressIn | None = None
    shipping_net_amount: Amount | None = Field(None, ge=0)
    shipping_tax_rate_id: str | None = None
    shipping_tax_amount: Amount | None = Field(None, ge=0)
    currency_id: str | None = Field(None, min_length=3, max_length=3)
    exchange_rate: ExchangeRate | None = None
    inverse_exchange_rate: ExchangeRate | None = None
    status_id: str | None = None
    sent: bool | None = None
    original_quote_estimate_id: str | None = None
    tax_address_region_id: str | None = Field(None, max_length=10)
    # Sage's VAT treatments (ledger/treatments.py): which kinds and countries take them is checked by the service.
    vat_reverse_charge: bool | None = None
    postponed_accounting: bool | None = None
    # Spanish IRPF (docs/decisions/spain.md): which kinds and countries take it is checked by the service.
    withholding_tax_rate: Percentage | None = None
    withholding_tax_amount: Amount | None = Field(None, ge=0)

    def lines(self) -> list[LineIn] | None:
        """The document's lines, whatever the kind calls them."""
        raise NotImplementedError


class InvoiceIn(ArtefactIn):
    invoice_lines: list[LineIn] | None = Field(None, max_length=MAX_LINES)

    def lines(self) -> list[LineIn] | None:
        return self.invoice_lines


class CreditNoteIn(ArtefactIn):
    # Sage's SalesCreditNote allows 65,535 characters where its other documents allow 2,000.
    terms_and_conditions: str | None = Field(None, max_length=65535)
    credit_note_lines: list[LineIn] | None = Field(None, max_length=MAX_LINES)

    def lines(self) -> list[LineIn] | None:
        return self.credit_note_lines


class QuoteIn(ArtefactIn):
    quote_lines: list[LineIn] | None = Field(None, max_length=MAX_LINES)

    def lines(self) -> list[LineIn] | None:
        return self.quote_lines


class EstimateIn(ArtefactIn):
    estimate_lines: list[LineIn] | None = Field(None, max_length=MAX_LINES)

    def lines(self) -> list[LineIn] | None:
        return self.estimate_lines


BODIES: dict[str, type[ArtefactIn]] = {
    "invoice_lines": InvoiceIn,
    "credit_note_lines": CreditNoteIn,
    "quote_lines": QuoteIn,
    "estimate_lines": EstimateIn,
}
