"""What documents look like on the wire: one ordered declaration per kind (api/fields.py), in the order of
Sage's swagger definitions, which is the order presenters put the keys in (artefact_wire.py,
corrective_invoices.py, quick_entry_wire.py).

Parts shared by several kinds are declared once and joined; a kind adds its own fields where its
definition puts them. Conditional keys follow the recorded responses (docs/decisions/artefacts.md):
`deleted_at`, `recurring_invoice`, `detailed_tax_analysis` and `corrections` are left out;
`payments_allocations` appears with `show_payments_allocations=true` and a line's
`analysis_type_categories` with `show_analysis_types=true` (quote lines always carry them). Keys ledgerd
does not model are declared `NULL`: always null.
"""

from __future__ import annotations

from ledgerd.api.fields import (
    ANY,
    BOOLEAN,
    DATE,
    DATE_OR_EMPTY,
    DATETIME,
    DECIMAL,
    DECIMAL_OR_NULL,
    LINK,
    NULL,
    TEXT,
    Fields,
    keyed,
    many,
    maybe,
    obj,
    record,
)

TAX_BREAKDOWN = obj(tax_rate=LINK, percentage=DECIMAL, amount=DECIMAL)
# Sage's SalesArtefactAddress less `deleted_at` (presenters.NESTED_ADDRESS).
ADDRESS = record(address_line_1=TEXT, address_line_2=TEXT, city=TEXT, postal_code=TEXT, country=LINK,
                 address_type=LINK, region=TEXT, country_group=LINK)
# A line's analysis type categories (api/resources/analysis.py line_items).
ANALYSIS_LINE_ITEM = record(analysis_type=LINK)
ALLOCATION = obj(
    links=many(ANY), date=DATE, type=TEXT, reference=TEXT, amount=DECIMAL, discount=DECIMAL,
    stripe_transaction_id=NULL, contact_allocation=LINK, artefact=LINK, contact_payment=LINK, displayed_as=TEXT,
    negative_payment=BOOLEAN)
TAX_ANALYSIS = obj(tax_rate=LINK, net_amount=DECIMAL, tax_amount=DECIMAL, total_amount=DECIMAL,
                   goods_amount=DECIMAL, service_amount=DECIMAL)
PROFIT = obj(description=TEXT, total_cost=DECIMAL, total_sale=DECIMAL, profit=DECIMAL, profit_percentage=DECIMAL)

# --- lines -------------------------------------------------------------------------------------------------
_ITEM = obj(description=TEXT, product=LINK, service=LINK, ledger_account=LINK, trade_of_asset=BOOLEAN)
_AMOUNTS = obj(
    quantity=DECIMAL, unit_price=DECIMAL, net_amount=DECIMAL, tax_rate=LINK, tax_amount=DECIMAL,
    tax_breakdown=many(TAX_BREAKDOWN), total_amount=DECIMAL, base_currency_unit_price=DECIMAL,
    unit_price_includes_tax=BOOLEAN, base_currency_net_amount=DECIMAL, base_currency_tax_amount=DECIMAL,
    base_currency_tax_breakdown=many(TAX_BREAKDOWN), base_currency_total_amount=DECIMAL,
    eu_goods_services_type=LINK)
_CATEGORIES = obj(analysis_type_categories=maybe(many(ANALYSIS_LINE_ITEM)))
SALES_LINE = obj(keyed({"id": TEXT, "displayed_as": TEXT}), _CATEGORIES, _ITEM, _AMOUNTS).then(
    discount_amount=DECIMAL, base_currency_discount_amount=DECIMAL, discount_percentage=DECIMAL,
    eu_sales_description=LINK)
QUOTE_LINE = obj(keyed({"id": TEXT, "displayed_as": TEXT}), analysis_type_categories=many(ANALYSIS_LINE_ITEM)).then(
    SALES_LINE.without("id", "displayed_as", "analysis_type_categories"))
PURCHASE_LINE = obj(keyed({"id": TEXT, "displayed_as": TEXT}), is_purchase_for_resale=BOOLEAN).then(
    _CATEGORIES, _ITEM, _AMOUNTS, gst_amount=NULL, pst_amount=NULL, tax_recoverable=BOOLEAN)

# --- document parts ----------------------------------------------------------------------------------------
_HEAD = record(created_at=DATETIME, updated_at=DATETIME, links=many(ANY), editable=BOOLEAN,
               vat_reverse_charge=BOOLEAN)
_SALES_FLAGS = obj(tax_calculation_method=NULL, destination_consignment=BOOLEAN, destination_vat_rates_in_use=BOOLEAN)
_POSTED = obj(transaction=LINK, transaction_type=LINK)
# GB CIS (docs/decisions/cis.md); the amounts are null on a document that is not CIS.
_CIS = obj(is_cis=BOOLEAN, cis_applicable_amount=DECIMAL_OR_NULL, base_currency_cis_applicable_amount=DECIMAL_OR_NULL,
           total_after_cis_deduction=DECIMAL_OR_NULL, base_currency_total_after_cis_deduction=DECIMAL_OR_NULL,
           has_cis_labour=BOOLEAN, has_cis_materials=BOOLEAN, contact=LINK)
_CONTACT = obj(contact_name=TEXT, contact_reference=TEXT, date=DATE)
_ADDRESSES = obj(
    reference=TEXT, main_address_free_form=TEXT, main_address=ADDRESS, delivery_address_free_form=TEXT,
    delivery_address=ADDRESS, notes=TEXT, terms_and_conditions=TEXT, shipping_net_amount=DECIMAL,
    shipping_tax_rate=LINK, shipping_tax_amount=DECIMAL, shipping_tax_breakdown=many(TAX_BREAKDOWN))
_TOTALS = obj(net_amount=DECIMAL, tax_amount=DECIMAL, total_amount=DECIMAL)
_PAID = obj(payments_allocations_total_amount=DECIMAL, payments_allocations_total_discount=DECIMAL,
            total_paid=DECIMAL)
_FX = obj(currency=LINK, exchange_rate=DECIMAL, inverse_exchange_rate=DECIMAL)
_BASE_SHIPPING = obj(base_currency_shipping_net_amount=DECIMAL, base_currency_shipping_tax_amount=DECIMAL,
                     base_currency_shipping_tax_breakdown=many(TAX_BREAKDOWN),
                     base_currency_shipping_total_amount=DECIMAL)
_BASE_TOTALS = obj(base_currency_net_amount=DECIMAL, base_currency_tax_amount=DECIMAL,
                   base_currency_total_amount=DECIMAL)
_DISCOUNTS = obj(total_discount_amount=DECIMAL, base_currency_total_discount_amount=DECIMAL)
# Spanish IRPF (docs/decisions/spain.md) or GB CIS (docs/decisions/cis.md); null where none is withheld.
_WITHHOLDING = obj(withholding_tax_rate=DECIMAL_OR_NULL, withholding_tax_amount=DECIMAL_OR_NULL,
                   base_currency_withholding_tax_amount=DECIMAL_OR_NULL)
_SENT = obj(status=LINK, sent=BOOLEAN, sent_by_email=BOOLEAN)
_ALLOCATED = obj(payments_allocations=maybe(many(ALLOCATION)), last_paid=DATE_OR_EMPTY)
_PURCHASE_HEAD = _POSTED.then(
    keyed({"postponed_accounting": BOOLEAN, "import": BOOLEAN, "vat_exempt_consignment": BOOLEAN}), _CIS,
    base_currency_total_itc_amount=NULL, total_itc_amount=NULL, base_currency_total_itr_amount=NULL,
    total_itr_amount=NULL, part_recoverable=NULL).then(_CONTACT)
_PURCHASE_MIDDLE = obj(reference=TEXT, vendor_reference=TEXT, notes=TEXT, total_quantity=DECIMAL).then(
    _TOTALS, _PAID, obj(outstanding_amount=DECIMAL), _FX, _BASE_TOTALS,
    base_currency_outstanding_amount=DECIMAL, status=LINK, void_reason=TEXT)
_OUTSTANDING = obj(outstanding_amount=DECIMAL)
_BASE_OUTSTANDING = obj(base_currency_outstanding_amount=DECIMAL)
_MIGRATED = obj(tax_reconciled=BOOLEAN, migrated=BOOLEAN)

# --- the kinds ---------------------------------------------------------------------------------------------
SALES_INVOICE = _HEAD.then(
    _SALES_FLAGS, _POSTED, _CIS, obj(invoice_number_prefix=TEXT, invoice_number=TEXT), _CONTACT,
    obj(due_date=DATE), _ADDRESSES, obj(shipping_total_amount=DECIMAL), _TOTALS, _PAID, _OUTSTANDING, _FX,
    _BASE_SHIPPING, obj(total_quantity=DECIMAL), _DISCOUNTS, _BASE_TOTALS, _BASE_OUTSTANDING, _SENT,
    obj(void_reason=TEXT, invoice_lines=many(SALES_LINE), tax_analysis=many(TAX_ANALYSIS)), _ALLOCATED,
    obj(original_quote_estimate=LINK, tax_address_region=LINK, delivery_performance_date=NULL), _WITHHOLDING,
    _MIGRATED, pas_payment_submission=NULL)
SALES_CREDIT_NOTE = _HEAD.then(
    _SALES_FLAGS, _POSTED, _CIS, obj(credit_note_number_prefix=TEXT, credit_note_number=TEXT), _CONTACT,
    obj(original_invoice_date=DATE), _ADDRESSES, obj(total_quantity=DECIMAL, shipping_total_amount=DECIMAL),
    _TOTALS, _PAID, _OUTSTANDING, _FX, _BASE_SHIPPING, _DISCOUNTS, _BASE_TOTALS, _BASE_OUTSTANDING, _SENT,
    obj(void_reason=TEXT, credit_note_lines=many(SALES_LINE), tax_analysis=many(TAX_ANALYSIS)), _ALLOCATED,
    obj(tax_address_region=LINK), _MIGRATED, _WITHHOLDING)
PURCHASE_INVOICE = _HEAD.then(
    _PURCHASE_HEAD, obj(due_date=DATE), _PURCHASE_MIDDLE,
    obj(invoice_lines=many(PURCHASE_LINE), tax_analysis=many(TAX_ANALYSIS)), _ALLOCATED,
    obj(tax_address_region=LINK), _WITHHOLDING, _MIGRATED, tax_calculation_method=NULL)
PURCHASE_CREDIT_NOTE = _HEAD.then(
    _PURCHASE_HEAD, obj(original_invoice_date=DATE), _PURCHASE_MIDDLE,
    obj(credit_note_lines=many(PURCHASE_LINE), tax_analysis=many(TAX_ANALYSIS)), _ALLOCATED,
    obj(tax_address_region=LINK), _MIGRATED, obj(tax_calculation_method=NULL), _WITHHOLDING)


def _quote(prefix: str) -> Fields:
    """A sales quote or estimate: `prefix` names its number and lines."""
    return _HEAD.then(
        _SALES_FLAGS, obj(contact=LINK), keyed({f"{prefix}_number_prefix": TEXT, f"{prefix}_number": TEXT}),
        _CONTACT, obj(expiry_date=DATE), _ADDRESSES, obj(shipping_total_amount=DECIMAL), _TOTALS, _FX,
        _BASE_SHIPPING, obj(total_quantity=DECIMAL), _DISCOUNTS, _BASE_TOTALS, _PAID,
        # A quote's status is one of Sage's quote statuses, which have no path.
        keyed({"status": obj(id=TEXT, displayed_as=TEXT)}), obj(sent=BOOLEAN, sent_by_email=BOOLEAN),
        keyed({f"{prefix}_lines": many(QUOTE_LINE)}), obj(tax_analysis=many(TAX_ANALYSIS), tax_address_region=LINK),
        _WITHHOLDING, profit_analysis=obj(total=PROFIT, line_breakdown=many(PROFIT)), tax_reconciled=BOOLEAN,
        invoice=LINK)


SALES_QUOTE = _quote("quote")
SALES_ESTIMATE = _quote("estimate")

# Corrective invoices: the invoice they correct, plus the keys of a correction (corrective_invoices.py).
_CORRECTION = obj(original_invoice=LINK, original_invoice_number=TEXT, original_invoice_date=DATE)
SALES_CORRECTIVE_INVOICE = _HEAD.then(
    _SALES_FLAGS, _POSTED, obj(contact=LINK, invoice_number_prefix=TEXT, invoice_number=TEXT), _CONTACT,
    obj(due_date=DATE), _ADDRESSES, obj(shipping_total_amount=DECIMAL, total_quantity=DECIMAL), _TOTALS, _PAID,
    _OUTSTANDING, _FX, _BASE_SHIPPING, _DISCOUNTS, _BASE_TOTALS, _BASE_OUTSTANDING, _SENT,
    obj(void_reason=TEXT, invoice_lines=many(SALES_LINE), tax_analysis=many(TAX_ANALYSIS)), _ALLOCATED,
    _WITHHOLDING, obj(corrective_reason_code=LINK), _CORRECTION, details=TEXT, tax_reconciled=BOOLEAN)
PURCHASE_CORRECTIVE_INVOICE = _HEAD.then(
    _POSTED, obj(contact=LINK), _CONTACT, obj(due_date=DATE), _PURCHASE_MIDDLE,
    obj(invoice_lines=many(PURCHASE_LINE), tax_analysis=many(TAX_ANALYSIS)), _ALLOCATED, _WITHHOLDING,
    _CORRECTION, keyed({"tax_reconciled": BOOLEAN, "import": BOOLEAN}))

# Quick entries: Sage's `QuickEntry` / `PurchaseQuickEntry` (quick_entry_wire.py).
SALES_QUICK_ENTRY = record(created_at=DATETIME, updated_at=DATETIME).then(
    _POSTED, obj(quick_entry_type=LINK, contact_name=TEXT, contact_reference=TEXT, contact=LINK, date=DATE,
                 due_date=DATE, reference=TEXT, ledger_account=LINK, details=TEXT, net_amount=DECIMAL,
                 tax_rate=LINK, tax_amount=DECIMAL, tax_breakdown=many(TAX_BREAKDOWN), total_amount=DECIMAL),
    _OUTSTANDING, _FX, obj(base_currency_net_amount=DECIMAL, base_currency_tax_amount=DECIMAL,
                           base_currency_tax_breakdown=many(TAX_BREAKDOWN), base_currency_total_amount=DECIMAL),
    _BASE_OUTSTANDING, status=LINK, payments_allocations=maybe(many(ALLOCATION)), tax_address_region=LINK,
    migrated=BOOLEAN, trade_of_asset=BOOLEAN)
# Canadian input tax credits are not modelled: always null.
PURCHASE_QUICK_ENTRY = SALES_QUICK_ENTRY.then(gst_amount=NULL, pst_amount=NULL, tax_recoverable=NULL)

# Each document kind's declaration, by `Kind.kind`.
BY_KIND: dict[str, Fields] = {
    "SALES_INVOICE": SALES_INVOICE, "SALES_CREDIT_NOTE": SALES_CREDIT_NOTE, "SALES_QUOTE": SALES_QUOTE,
    "SALES_ESTIMATE": SALES_ESTIMATE, "PURCHASE_INVOICE": PURCHASE_INVOICE,
    "PURCHASE_CREDIT_NOTE": PURCHASE_CREDIT_NOTE, "SALES_CORRECTIVE_INVOICE": SALES_CORRECTIVE_INVOICE,
    "PURCHASE_CORRECTIVE_INVOICE": PURCHASE_CORRECTIVE_INVOICE,
}
