"""Request bodies of the settings endpoints (PUT bodies: every field optional, `null` where a field may be cleared)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.limits import FIRST_DAY, Day, Instant, Integer, NonNegativeAmount, Number, Percentage

Text = Field(None, max_length=2000)
Prefix = Field(None, max_length=6)
Days = Field(None, ge=0, le=365)
Serial = Field(None, ge=1, le=2_147_483_647)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class FinancialSettingsUpdate(_Body):
    year_end_date: Day | None = None
    year_end_lockdown_date: Day | None = None
    accounting_type: Literal["accrual", "cash"] | None = None
    # Opening balances are posted the day before the accounts start: that day must be in range too.
    accounts_start_date: Day | None = Field(None, gt=FIRST_DAY)
    base_currency_id: str | None = Field(None, min_length=3, max_length=3)
    multi_currency_enabled: bool | None = None
    use_live_exchange_rates: bool | None = None
    tax_scheme_id: str | None = None
    tax_return_frequency_id: str | None = None
    tax_number: str | None = Field(None, max_length=255)
    general_tax_number: str | None = Field(None, max_length=255)
    tax_office_id: str | None = Field(None, max_length=40)
    default_irpf_rate: Percentage | None = None
    flat_rate_tax_percentage: Percentage | None = None
    recoverable_percentage: Percentage | None = None
    sales_tax_calculation: Literal["invoice", "cash"] | None = None
    purchase_tax_calculation: Literal["invoice", "cash"] | None = None
    postponed_accounting: bool | None = None
    destination_vat: bool | None = None
    # ledgerd's addition: the month a VAT period ends in (HMRC's stagger; docs/decisions/vat-schemes.md).
    tax_return_period_end_month: int | None = Field(None, ge=1, le=12)


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
    next_invoice_number: Integer | None = Serial
    next_credit_note_number: Integer | None = Serial
    separate_invoice_credit_note_numbering: bool | None = None
    sales_invoice_number_prefix: str | None = Prefix
    sales_credit_note_number_prefix: str | None = Prefix
    invoice_terms_and_conditions: str | None = Text
    default_note_on_invoice: str | None = Text
    default_note_on_credit_note: str | None = Text
    default_note_on_estimate: str | None = Text
    default_note_on_quote: str | None = Text
    next_quote_number: Integer | None = Serial
    quote_number_prefix: str | None = Prefix
    estimate_number_prefix: str | None = Prefix
    quote_default_days_to_expiry: Integer | None = Days
    estimate_default_days_to_expiry: Integer | None = Days
    quote_terms_and_conditions: str | None = Text
    estimate_terms_and_conditions: str | None = Text
    delivery_note_terms_and_conditions: str | None = Text
    delivery_note_show_signature: bool | None = None
    delivery_note_show_picked: bool | None = None
    delivery_note_show_notes: bool | None = None
    delivery_note_show_contact_details: bool | None = None
    quick_entry_prefix: str | None = Prefix
    late_payment_percentage: Percentage | None = None
    prompt_payment_percentage: Percentage | None = None
    show_auto_entrepreneur: bool | None = None
    show_insurance: bool | None = None
    insurer_id: str | None = None
    insurance_area: str | None = Field(None, max_length=255)
    insurance_type: str | None = Field(None, max_length=255)
    insurance_text: str | None = Text
    payment_bank_account_id: str | None = None
    sales_corrective_invoice_number_prefix: str | None = Field(None, max_length=255)
    next_sales_corrective_invoice_number: Integer | None = Serial
    customer_credit_days: Integer | None = Days
    vendor_credit_days: Integer | None = Days
    customer_credit_terms: Literal["month_end_invoice", "date_from_invoice", "immediate_invoice"] | None = None
    vendor_credit_terms: Literal["month_end_payment", "date_from_payment", "immediate_payment"] | None = None
    document_headings: DocumentHeadingsIn | None = None
    line_item_titles: LineItemTitlesIn | None = None
    footer_details: FooterDetailsIn | None = None
    print_contact_details: PrintContactDetailsIn | None = None
    print_statements: PrintStatementsIn | None = None


# --- business settings ---------------------------------------------------------------------------------------

class DefaultLedgerAccountsIn(_Body):
    bank_charges_ledger_account_id: str | None = None
    bank_interest_received_ledger_account_id: str | None = None
    bank_interest_charges_paid_ledger_account_id: str | None = None
    exchange_rate_gains_ledger_account_id: str | None = None
    exchange_rate_losses_ledger_account_id: str | None = None
    sales_ledger_account_id: str | None = None
    sales_discount_ledger_account_id: str | None = None
    purchase_ledger_account_id: str | None = None
    purchase_discount_ledger_account_id: str | None = None
    product_sales_ledger_account_id: str | None = None
    product_purchase_ledger_account_id: str | None = None
    service_sales_ledger_account_id: str | None = None
    service_purchase_ledger_account_id: str | None = None
    stock_purchase_ledger_account_id: str | None = None
    other_receipt_ledger_account_id: str | None = None
    other_payment_ledger_account_id: str | None = None
    customer_receipt_discount_ledger_account_id: str | None = None
    vendor_payment_discount_ledger_account_id: str | None = None
    carriage_ledger_account_id: str | None = None


class BusinessSettingsUpdate(_Body):
    siret: str | None = Field(None, pattern=r"^\d{14}$")
    management_centre_member: bool | None = None
    rcs_number: str | None = Field(None, max_length=255)
    share_capital: NonNegativeAmount | None = None
    business_activity_type_id: str | None = None
    legal_form_type_id: str | None = None
    auxiliary_accounts_visible: bool | None = None
    business_type_id: str | None = None
    country_of_registration_id: str | None = None
    wizard_complete: bool | None = None
    default_ledger_accounts: DefaultLedgerAccountsIn | None = None


# --- CIS (GB) and DATEV (DE) ---------------------------------------------------------------------------------

class CisSettingsUpdate(_Body):
    # Formats from the swagger: ########## ; ###PX???????? ; ###/X?#####
    unique_tax_reference: str | None = Field(None, pattern=r"^\d{10}$")
    contractor: bool | None = None
    subcontractor: bool | None = None
    accounts_office_reference: str | None = Field(None, pattern=r"^\d{3}P[A-Z]\d{7}[0-9A-Z]$")
    paye_reference: str | None = Field(None, pattern=r"^\d{3}/[A-Z][A-Z0-9]?\d{5}$")
    tax_rate_id: str | None = None


class DatevSettingsUpdate(_Body):
    # Ranges from the swagger (putDatevSettings).
    tax_consultant_number: Integer | None = Field(None, ge=1000, le=9999999)
    client_number: Integer | None = Field(None, ge=1, le=99999)
    next_customer_number: Integer | None = Field(None, ge=10000, le=69999)
    next_supplier_number: Integer | None = Field(None, ge=70000, le=99999)


# --- e-mail settings ----------------------------------------------------------------------------------------

class EmailMessageIn(_Body):
    message_type: str = Field(max_length=50)
    locale: str = Field(max_length=10)
    message: str = Field(max_length=5000)


class EmailSettingsUpdate(_Body):
    pdf_attached: bool | None = None
    send_bcc: bool | None = None
    default_messages: list[EmailMessageIn] | None = None


# --- migrations ---------------------------------------------------------------------------------------------

Source = Field(None, max_length=50)


class MigrationUpdate(_Body):
    status_id: str | None = None
    started_at: Instant | None = None
    completed_at: Instant | None = None
    source_product: str | None = Source
    source_product_version: str | None = Source
    source_license: str | None = Source
    source_tool: str | None = Source
    source_tool_version: str | None = Source
    schema_id: str | None = Field(None, max_length=100)


# HMRC's figures: up to 13 digits and 2 decimal places (tax_returns/hmrc.py), not ledger amounts.
Box = Field(None, max_digits=15, decimal_places=2)


class GBBoxesIn(_Body):
    box_1: Number | None = Box
    box_2: Number | None = Box
    box_3: Number | None = Box
    box_4: Number | None = Box
    box_5: Number | None = Box
    box_6: Number | None = Box
    box_7: Number | None = Box
    box_8: Number | None = Box
    box_9: Number | None = Box


class IEBoxesIn(_Body):
    box_T1: Number | None = Box  # noqa: N815 - Sage's box names
    box_T2: Number | None = Box  # noqa: N815
    box_T3: Number | None = Box  # noqa: N815
    box_T4: Number | None = Box  # noqa: N815
    box_E1: Number | None = Box  # noqa: N815
    box_E2: Number | None = Box  # noqa: N815
    box_ES1: Number | None = Box  # noqa: N815
    box_ES2: Number | None = Box  # noqa: N815


class MigrationTaxReturnCreate(_Body):
    from_date: Day
    to_date: Day
    total_amount: Number = Field(max_digits=15, decimal_places=2)
    tax_return_frequency_id: str
    gb: GBBoxesIn | None = None
    ie: IEBoxesIn | None = None


# --- tax profiles, hosted payment settings --------------------------------------------------------------------

class AddressRegionIn(_Body):
    name: str | None = Field(None, max_length=255)
    code: str | None = Field(None, max_length=8)  # Sage's AddressRegion


class TaxProfileUpdate(_Body):
    tax_type_id: str | None = None
    tax_number: str | None = Field(None, max_length=255)
    tax_number_suffix: str | None = Field(None, max_length=255)
    collect_tax: bool | None = None
    tax_return_frequency_id: str | None = None
    address_region: AddressRegionIn | None = None


class HostedArtefactPaymentSettingCreate(_Body):
    object_guid: str = Field(min_length=1, max_length=32)
    disable_payment: bool = True
