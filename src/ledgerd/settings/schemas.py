"""Request bodies of `PUT /financial_settings` and `PUT /invoice_settings` (every field optional)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Text = Field(None, max_length=2000)
Prefix = Field(None, max_length=6)
Percentage = Field(None, ge=0, le=100, decimal_places=6)
Days = Field(None, ge=0, le=365)
Number = Field(None, ge=1, le=2_147_483_647)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class FinancialSettingsUpdate(_Body):
    year_end_date: dt.date | None = None
    year_end_lockdown_date: dt.date | None = None
    accounting_type: Literal["accrual", "cash"] | None = None
    accounts_start_date: dt.date | None = None
    base_currency_id: str | None = Field(None, min_length=3, max_length=3)
    multi_currency_enabled: bool | None = None
    use_live_exchange_rates: bool | None = None
    tax_scheme_id: str | None = None
    tax_return_frequency_id: str | None = None
    tax_number: str | None = Field(None, max_length=255)
    general_tax_number: str | None = Field(None, max_length=255)
    tax_office_id: str | None = Field(None, max_length=40)
    default_irpf_rate: Decimal | None = Percentage
    flat_rate_tax_percentage: Decimal | None = Percentage
    recoverable_percentage: Decimal | None = Percentage
    sales_tax_calculation: Literal["invoice", "cash"] | None = None
    purchase_tax_calculation: Literal["invoice", "cash"] | None = None
    postponed_accounting: bool | None = None
    destination_vat: bool | None = None


class DocumentHeadingsIn(_Body):
    sales_invoice: str | None = Field(None, max_length=255)
    sales_credit_note: str | None = Field(None, max_length=255)
    sales_corrective_invoice: str | None = Field(None, max_length=255)
    sales_quote: str | None = Field(None, max_length=255)
    sales_estimate: str | None = Field(None, max_length=255)
    pro_forma: str | None = Field(None, max_length=255)
    remittance_advice: str | None = Field(None, max_length=255)
    statement: str | None = Field(None, max_length=255)
    delivery_note: str | None = Field(None, max_length=255)


class LineItemTitlesIn(_Body):
    description: str | None = Field(None, max_length=255)
    unit_price: str | None = Field(None, max_length=255)
    quantity: str | None = Field(None, max_length=255)
    discount: str | None = Field(None, max_length=255)


class FooterDetailsIn(_Body):
    column_1: str | None = Text
    column_2: str | None = Text
    column_3: str | None = Text


class PrintContactDetailsIn(_Body):
    business_name: bool | None = None
    website: bool | None = None
    telephone: bool | None = None
    mobile: bool | None = None
    email_address: bool | None = None
    due_date: bool | None = None
    default_delivery_address: Literal["INVOICE_ADDRESS", "CONTACT_DELIVERY_ADDRESS", "NONE"] | None = None


class PrintStatementsIn(_Body):
    days_overdue: bool | None = None
    table_of_balances: bool | None = None


class InvoiceSettingsUpdate(_Body):
    next_invoice_number: int | None = Number
    next_credit_note_number: int | None = Number
    separate_invoice_credit_note_numbering: bool | None = None
    sales_invoice_number_prefix: str | None = Prefix
    sales_credit_note_number_prefix: str | None = Prefix
    invoice_terms_and_conditions: str | None = Text
    default_note_on_invoice: str | None = Text
    default_note_on_credit_note: str | None = Text
    default_note_on_estimate: str | None = Text
    default_note_on_quote: str | None = Text
    next_quote_number: int | None = Number
    quote_number_prefix: str | None = Prefix
    estimate_number_prefix: str | None = Prefix
    quote_default_days_to_expiry: int | None = Days
    estimate_default_days_to_expiry: int | None = Days
    quote_terms_and_conditions: str | None = Text
    estimate_terms_and_conditions: str | None = Text
    delivery_note_terms_and_conditions: str | None = Text
    delivery_note_show_signature: bool | None = None
    delivery_note_show_picked: bool | None = None
    delivery_note_show_notes: bool | None = None
    delivery_note_show_contact_details: bool | None = None
    quick_entry_prefix: str | None = Prefix
    late_payment_percentage: Decimal | None = Percentage
    prompt_payment_percentage: Decimal | None = Percentage
    show_auto_entrepreneur: bool | None = None
    show_insurance: bool | None = None
    insurer_id: str | None = None
    insurance_area: str | None = Field(None, max_length=255)
    insurance_type: str | None = Field(None, max_length=255)
    insurance_text: str | None = Text
    payment_bank_account_id: str | None = None
    sales_corrective_invoice_number_prefix: str | None = Field(None, max_length=255)
    next_sales_corrective_invoice_number: int | None = Number
    customer_credit_days: int | None = Days
    vendor_credit_days: int | None = Days
    customer_credit_terms: Literal["month_end_invoice", "date_from_invoice", "immediate_invoice"] | None = None
    vendor_credit_terms: Literal["month_end_payment", "date_from_payment", "immediate_payment"] | None = None
    document_headings: DocumentHeadingsIn | None = None
    line_item_titles: LineItemTitlesIn | None = None
    footer_details: FooterDetailsIn | None = None
    print_contact_details: PrintContactDetailsIn | None = None
    print_statements: PrintStatementsIn | None = None
