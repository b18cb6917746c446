"""Request bodies of sales and purchase documents.

Every attribute is optional here: which ones a create needs depends on the kind (§6.3) and is checked by
the service, so one body shape serves POST and PUT of all six kinds. Money has at most 2 decimal places,
quantities, prices and rates at most 6 (what the ledger stores); derived totals a client sends
(`net_amount`, `total_amount`, `base_currency_*`, `tax_analysis`) are ignored: ledgerd computes them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.analysis.schemas import CategoryIds
from ledgerd.contacts.schemas import AddressIn

BIG = Decimal("999999999")


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class LineIn(_Body):
    id: str | None = Field(None, max_length=32)
    description: str | None = Field(None, min_length=1, max_length=255)
    ledger_account_id: str | None = None
    product_id: str | None = None
    service_id: str | None = None
    quantity: Decimal | None = Field(None, decimal_places=6, ge=-BIG, le=BIG)
    unit_price: Decimal | None = Field(None, decimal_places=6, ge=-BIG, le=BIG)
    unit_price_includes_tax: bool | None = None
    discount_amount: Decimal | None = Field(None, decimal_places=2, ge=0, le=BIG)
    discount_percentage: Decimal | None = Field(None, decimal_places=6, ge=0, le=100)
    tax_rate_id: str | None = None
    tax_amount: Decimal | None = Field(None, decimal_places=2, ge=-BIG, le=BIG)
    eu_goods_services_type_id: str | None = Field(None, max_length=20)
    trade_of_asset: bool | None = None
    is_purchase_for_resale: bool | None = None
    analysis_type_categories: CategoryIds | None = None


class ArtefactIn(_Body):
    contact_id: str | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    expiry_date: dt.date | None = None
    original_invoice_date: dt.date | None = None
    contact_name: str | None = Field(None, max_length=255)
    contact_reference: str | None = Field(None, max_length=50)
    reference: str | None = Field(None, max_length=25)
    vendor_reference: str | None = Field(None, max_length=255)
    notes: str | None = Field(None, max_length=2000)
    terms_and_conditions: str | None = Field(None, max_length=2000)
    main_address: AddressIn | None = None
    delivery_address: AddressIn | None = None
    shipping_net_amount: Decimal | None = Field(None, decimal_places=2, ge=0, le=BIG)
    shipping_tax_rate_id: str | None = None
    shipping_tax_amount: Decimal | None = Field(None, decimal_places=2, ge=0, le=BIG)
    currency_id: str | None = Field(None, min_length=3, max_length=3)
    exchange_rate: Decimal | None = Field(None, decimal_places=6, gt=0, le=Decimal(1000000))
    inverse_exchange_rate: Decimal | None = Field(None, decimal_places=6, gt=0, le=Decimal(1000000))
    status_id: str | None = None
    sent: bool | None = None
    original_quote_estimate_id: str | None = None
    tax_address_region_id: str | None = Field(None, max_length=10)

    def lines(self) -> list[LineIn] | None:
        """The document's lines, whatever the kind calls them."""
        raise NotImplementedError


class InvoiceIn(ArtefactIn):
    invoice_lines: list[LineIn] | None = Field(None, max_length=500)

    def lines(self) -> list[LineIn] | None:
        return self.invoice_lines


class CreditNoteIn(ArtefactIn):
    credit_note_lines: list[LineIn] | None = Field(None, max_length=500)

    def lines(self) -> list[LineIn] | None:
        return self.credit_note_lines


class QuoteIn(ArtefactIn):
    quote_lines: list[LineIn] | None = Field(None, max_length=500)

    def lines(self) -> list[LineIn] | None:
        return self.quote_lines


class EstimateIn(ArtefactIn):
    estimate_lines: list[LineIn] | None = Field(None, max_length=500)

    def lines(self) -> list[LineIn] | None:
        return self.estimate_lines


BODIES: dict[str, type[ArtefactIn]] = {
    "invoice_lines": InvoiceIn,
    "credit_note_lines": CreditNoteIn,
    "quote_lines": QuoteIn,
    "estimate_lines": EstimateIn,
}
