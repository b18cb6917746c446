"""What every record and every other answer of the API looks like: one declaration each (api/fields.py).

`RECORDS` holds, by resource path, the declaration of the records a `Resource` spec serves: one record of
its list page, its read answer and its create and update answers. `OTHERS` holds, by operation, the bodies
of routes that are no spec (reference lists, settings singletons, reports). Document kinds are declared in
api/resources/document_fields.py. The OpenAPI document's responses are generated from these
(api/openapi.py), and tests/contract/test_responses.py checks that every answer has the declared types and
keys in the declared order.

`ANY` marks a key whose type is not declared yet: ledgerd answers it null in every contract book.
"""

from __future__ import annotations

from ledgerd.api.fields import (
    ANY,
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    INTEGER,
    LINK,
    NULL,
    TEXT,
    Fields,
    Kind,
    Page,
    keyed,
    many,
    maybe,
    obj,
    record,
)
from ledgerd.api.resources import document_fields
from ledgerd.api.resources.document_fields import TAX_BREAKDOWN
from ledgerd.artefacts.kinds import BY_KIND
from ledgerd.tax_returns.figures import BOX_NAMES

# Every document kind, by the path it is served at.
DOCUMENTS: dict[str, Fields] = {
    **{kind.path: document_fields.BY_KIND[kind.kind] for kind in BY_KIND.values()
       if kind.kind in document_fields.BY_KIND},
    "sales_quick_entries": document_fields.SALES_QUICK_ENTRY,
    "purchase_quick_entries": document_fields.PURCHASE_QUICK_ENTRY,
}

ADDRESS_REGIONS = record(code=TEXT, name=TEXT)
ADDRESSES = record(
    address_line_1=TEXT, address_line_2=TEXT, city=TEXT, postal_code=TEXT, country=LINK, deleted_at=NULL,
    created_at=DATETIME, updated_at=DATETIME, bank_account=ANY, contact=LINK, address_type=LINK, name=TEXT,
    region=TEXT, country_group=ANY, is_main_address=BOOLEAN)
ANALYSIS_TYPE_CATEGORIES = record(
    created_at=DATETIME, updated_at=DATETIME, code=TEXT, name=TEXT, combined_id=TEXT, analysis_type=LINK)
ANALYSIS_TYPES = record(
    created_at=DATETIME, updated_at=DATETIME, active_areas=many(ANY),
    analysis_type_level=obj(id=INTEGER, name=TEXT, identifier=TEXT),
    analysis_type_categories=many(ANALYSIS_TYPE_CATEGORIES), name=TEXT)
ATTACHMENTS = record(
    keyed({
        "deleted_at": NULL, "file": ANY, "mime_type": TEXT, "description": TEXT, "file_extension": TEXT,
        "transaction": ANY, "file_size": INTEGER, "file_name": TEXT, "$file_path": TEXT,
        "attachment_context_type": LINK, "attachment_context": LINK, "is_public": BOOLEAN, "created_at": DATETIME,
        "updated_at": DATETIME}),
)
_BANK_DETAILS = obj(account_name=TEXT, account_number=TEXT, sort_code=TEXT, bic=TEXT, iban=TEXT)
BANK_ACCOUNTS = record(
    created_at=DATETIME, updated_at=DATETIME, deleted_at=NULL,
    bank_account_details=_BANK_DETAILS, ledger_account=LINK, bank_account_type=LINK,
    balance=DECIMAL, main_address=LINK, main_contact_person=LINK, nominal_code=INTEGER, editable=BOOLEAN,
    deletable=BOOLEAN, journal_code=ANY, default_payment_method=LINK, gifi_code=ANY, is_active=BOOLEAN, currency=LINK)
BANK_DEPOSITS = record(
    created_at=DATETIME, updated_at=DATETIME, transaction=LINK, transaction_type=LINK, deleted_at=NULL,
    from_bank_account=LINK, to_bank_account=LINK, date=DATE, reference=TEXT, cash_amount=DECIMAL,
    cheque_amount=DECIMAL, total_amount=DECIMAL)
BANK_OPENING_BALANCES = record(
    created_at=DATETIME, updated_at=DATETIME, transaction=LINK, transaction_type=LINK, bank_account=LINK, date=DATE,
    debit=DECIMAL, credit=DECIMAL)
BANK_RECONCILIATIONS = record(
    created_at=DATETIME, updated_at=DATETIME, bank_account=LINK, statement_date=DATE, statement_end_balance=DECIMAL,
    reference=TEXT, total_received=DECIMAL, total_paid=DECIMAL, starting_balance=DECIMAL, closing_balance=DECIMAL,
    reconciled_balance=DECIMAL, balance_difference=DECIMAL, status=obj(id=TEXT, displayed_as=TEXT))
BANK_TRANSFERS = record(
    created_at=DATETIME, updated_at=DATETIME, transaction=LINK, transaction_type=LINK, deleted_at=NULL,
    from_bank_account=LINK, to_bank_account=LINK, date=DATE, reference=TEXT, amount=DECIMAL, description=TEXT)
BUSINESS_EXCHANGE_RATES = record(
    created_at=DATETIME, updated_at=DATETIME, rate=DECIMAL, inverse_rate=DECIMAL, base_currency=LINK, currency=LINK)
_BUSINESS_SETTINGS_DEFAULT_LEDGER_ACCOUNTS = obj(
    bank_charges_ledger_account=LINK, bank_interest_received_ledger_account=LINK,
    bank_interest_charges_paid_ledger_account=LINK, exchange_rate_gains_ledger_account=LINK,
    exchange_rate_losses_ledger_account=LINK, sales_ledger_account=LINK, sales_discount_ledger_account=LINK,
    purchase_ledger_account=LINK, purchase_discount_ledger_account=LINK, product_sales_ledger_account=LINK,
    product_purchase_ledger_account=LINK, service_sales_ledger_account=LINK, service_purchase_ledger_account=LINK,
    stock_purchase_ledger_account=LINK, other_receipt_ledger_account=LINK, other_payment_ledger_account=LINK,
    customer_receipt_discount_ledger_account=LINK, vendor_payment_discount_ledger_account=LINK,
    carriage_ledger_account=LINK)
BUSINESS_SETTINGS = obj(
    keyed({"$path": TEXT}), siret=ANY, management_centre_member=BOOLEAN, rcs_number=ANY, share_capital=ANY,
    business_activity_type=LINK, legal_form_type=LINK, auxiliary_accounts_visible=BOOLEAN,
    default_ledger_accounts=_BUSINESS_SETTINGS_DEFAULT_LEDGER_ACCOUNTS, business_type=ANY,
    country_of_registration=obj(id=TEXT, displayed_as=TEXT), business_created_at=DATETIME, updated_at=DATETIME,
    wizard_complete=BOOLEAN)
BUSINESS_TYPES = record(name=TEXT, description=TEXT)
_BUSINESSES_SUBSCRIPTIONS = obj(
    created_at=DATETIME, updated_at=DATETIME, displayed_as=TEXT, id=TEXT, active=BOOLEAN, status=TEXT,
    accountant_pays=BOOLEAN)
# A record in the core API's order (no `$path`): `attributes` may narrow it to its id and displayed_as.
BUSINESSES = Fields(obj(
    created_at=DATETIME, updated_at=DATETIME, displayed_as=TEXT, id=TEXT, name=TEXT, address_line_1=TEXT,
    address_line_2=TEXT, city=TEXT, postal_code=TEXT, country=obj(id=TEXT, displayed_as=TEXT), region=TEXT,
    telephone=TEXT, mobile=TEXT, website=TEXT, is_demo=BOOLEAN, ni_based=BOOLEAN,
    subscriptions=many(_BUSINESSES_SUBSCRIPTIONS)).fields, record=True)
CIS_SETTINGS = obj(
    keyed({"$path": TEXT}), unique_tax_reference=ANY, contractor=BOOLEAN, subcontractor=BOOLEAN,
    accounts_office_reference=ANY, paye_reference=ANY, tax_rate=ANY)
COA_ACCOUNTS = record(
    created_at=DATETIME, updated_at=DATETIME, ledger_account_group=obj(id=TEXT, displayed_as=TEXT), name=TEXT,
    control_name=TEXT, nominal_code=INTEGER, ledger_account_type=LINK, ledger_account_classification=LINK,
    tax_rate=ANY, fixed_tax_rate=BOOLEAN, cis_materials=BOOLEAN, cis_labour=BOOLEAN)
COA_TEMPLATES = record(created_at=DATETIME, updated_at=DATETIME, name=TEXT, country=LINK)
CONTACT_ALLOCATIONS = record(
    created_at=DATETIME, updated_at=DATETIME, links=many(ANY), transaction=LINK, transaction_type=LINK,
    deleted_at=NULL, date=DATE, contact=LINK, allocated_artefacts=many(obj(id=TEXT, artefact=LINK, amount=DECIMAL)))
CONTACT_OPENING_BALANCES = record(
    created_at=DATETIME, updated_at=DATETIME, transaction=LINK, transaction_type=LINK, deleted_at=NULL,
    contact_opening_balance_type=LINK, contact=LINK, date=DATE, reference=TEXT, details=TEXT, net_amount=DECIMAL,
    tax_rate=ANY, tax_amount=DECIMAL, tax_breakdown=many(ANY), total_amount=DECIMAL, currency=LINK,
    exchange_rate=DECIMAL, base_currency_net_amount=DECIMAL, base_currency_tax_amount=DECIMAL,
    base_currency_tax_breakdown=many(ANY), base_currency_total_amount=DECIMAL)
_CONTACT_PAYMENTS_ALLOCATED_ARTEFACTS = obj(id=TEXT, artefact=LINK, amount=DECIMAL, discount=DECIMAL)
_CONTACT_PAYMENTS_PAYMENT_ON_ACCOUNT = record(
    created_at=DATETIME, updated_at=DATETIME, contact_name=TEXT, contact_reference=TEXT, contact=LINK, date=DATE,
    reference=TEXT, net_amount=DECIMAL, tax_amount=DECIMAL, total_amount=DECIMAL, outstanding_amount=DECIMAL,
    currency=LINK, exchange_rate=DECIMAL, base_currency_net_amount=DECIMAL, base_currency_tax_amount=DECIMAL,
    base_currency_total_amount=DECIMAL, base_currency_outstanding_amount=DECIMAL, status=LINK)
CONTACT_PAYMENTS = record(
    created_at=DATETIME, updated_at=DATETIME, links=many(ANY), transaction=LINK, transaction_type=LINK,
    deleted_at=NULL, payment_method=LINK, contact=LINK, bank_account=LINK, date=DATE, net_amount=DECIMAL,
    tax_amount=DECIMAL, total_amount=DECIMAL, currency=LINK, exchange_rate=DECIMAL, base_currency_net_amount=DECIMAL,
    base_currency_tax_amount=DECIMAL, base_currency_total_amount=DECIMAL, base_currency_currency_charge=DECIMAL,
    reference=TEXT, allocated_artefacts=many(_CONTACT_PAYMENTS_ALLOCATED_ARTEFACTS), tax_rate=ANY,
    payment_on_account=_CONTACT_PAYMENTS_PAYMENT_ON_ACCOUNT, editable=BOOLEAN)
CONTACT_PERSONS = record(
    created_at=DATETIME, updated_at=DATETIME, deleted_at=NULL, contact_person_types=many(LINK), name=TEXT,
    job_title=TEXT, telephone=TEXT, mobile=TEXT, email=TEXT, fax=TEXT, is_main_contact=BOOLEAN, address=LINK,
    is_preferred_contact=BOOLEAN)
_CONTACTS_TAX_TREATMENT = obj(
    home_tax=BOOLEAN, eu_tax_registered=BOOLEAN, eu_not_tax_registered=BOOLEAN, rest_of_world_tax=BOOLEAN,
    is_importer=BOOLEAN)
# A customer's sales keys and a supplier's purchase key are `maybe`: each shows only on its side (as Sage's
# recorded answers), `balance` only with `show_balance=true`.
CONTACTS = record(
    created_at=DATETIME, updated_at=DATETIME, links=many(ANY), deleted_at=NULL, balance=maybe(DECIMAL),
    contact_types=many(LINK), name=TEXT, reference=TEXT, default_sales_ledger_account=maybe(LINK),
    default_sales_tax_rate=maybe(LINK), default_purchase_ledger_account=maybe(LINK), tax_number=TEXT, notes=TEXT,
    locale=TEXT, main_address=LINK, preferred_address=maybe(LINK), delivery_address=maybe(LINK),
    main_contact_person=LINK, preferred_contact_person=maybe(LINK), bank_account_details=_BANK_DETAILS,
    credit_limit=DECIMAL, credit_days=INTEGER, credit_terms=TEXT, credit_terms_and_conditions=maybe(TEXT),
    product_sales_price_type=maybe(LINK), source_guid=TEXT, currency=LINK, aux_reference=TEXT,
    registered_number=TEXT, deletable=BOOLEAN, tax_treatment=_CONTACTS_TAX_TREATMENT, email=TEXT,
    tax_calculation=TEXT, auxiliary_account=ANY, gdpr_obfuscated=BOOLEAN, system=BOOLEAN,
    has_unfinished_recurring_invoices=BOOLEAN, cis_registered=BOOLEAN, ni_based=BOOLEAN, is_active=BOOLEAN,
    gb_based=BOOLEAN, cis_settings=ANY, destination_vat_blocking=BOOLEAN, mandate_active=BOOLEAN,
    send_statements=maybe(BOOLEAN), statement_run=maybe(obj(id=TEXT, name=TEXT)))
DATEV_SETTINGS = obj(
    keyed({"$path": TEXT}), tax_consultant_number=ANY, client_number=ANY, next_customer_number=INTEGER,
    next_supplier_number=INTEGER, updated_at=DATETIME)
_GB_VAT_BOXES = obj(
    box_1=DECIMAL, box_2=DECIMAL, box_3=DECIMAL, box_4=DECIMAL, box_5=DECIMAL, box_6=DECIMAL, box_7=DECIMAL,
    box_8=DECIMAL, box_9=DECIMAL)
# ledgerd's returns beyond Sage's GB and IE ones: present for a business of that country only.
_OWN_BOXES: dict[str, Kind] = {country.lower(): maybe(obj(**dict.fromkeys(names, DECIMAL)))
                               for country, names in BOX_NAMES.items() if country not in ("GB", "IE")}
DRAFT_TAX_RETURNS = record(
    created_at=DATETIME, updated_at=DATETIME, tax_return_number=ANY, period_start_date=DATE, period_end_date=DATE,
    total_amount=DECIMAL, paid=BOOLEAN, status=obj(id=TEXT, name=TEXT), tax_return_type=obj(id=TEXT, name=TEXT),
    tax_return_id=ANY, submitted_date=DATE, gb=_GB_VAT_BOXES, ie=ANY, **_OWN_BOXES)
EMAIL_SETTINGS = obj(
    default_messages=many(obj(message_type=TEXT, locale=TEXT, message=TEXT)), pdf_attached=BOOLEAN, send_bcc=BOOLEAN,
    updated_at=DATETIME)
FINANCIAL_SETTINGS = obj(
    keyed({"$path": TEXT}), year_end_date=DATE, year_end_lockdown_date=DATE, accounting_type=TEXT,
    accounts_start_date=DATE, base_currency=LINK, multi_currency_enabled=BOOLEAN, use_live_exchange_rates=BOOLEAN,
    mtd_activation_status=TEXT, mtd_connected=BOOLEAN, mtd_authenticated_date=TEXT, tax_scheme=LINK,
    tax_return_frequency=LINK, tax_number=TEXT, general_tax_number=TEXT, tax_office=LINK, default_irpf_rate=DECIMAL,
    flat_rate_tax_percentage=ANY, recoverable_percentage=ANY, sales_tax_calculation=ANY, purchase_tax_calculation=ANY,
    updated_at=DATETIME, postponed_accounting=BOOLEAN, destination_vat=BOOLEAN, tax_return_period_end_month=INTEGER)
HOSTED_ARTEFACT_PAYMENT_SETTINGS = record(object_guid=TEXT, disable_payment=BOOLEAN)
INCOME_TAX_SETTINGS = obj(
    keyed({"$path": TEXT}), national_insurance_number=ANY, unique_tax_reference=ANY, accounting_method=TEXT,
    quarterly_period_type=TEXT, tax_year_start_date=DATE, tax_year_end_date=DATE, updated_at=DATETIME)
_INVOICE_SETTINGS_DOCUMENT_HEADINGS = obj(
    sales_invoice=TEXT, sales_credit_note=TEXT, sales_corrective_invoice=TEXT, sales_quote=TEXT, sales_estimate=TEXT,
    pro_forma=TEXT, remittance_advice=TEXT, statement=TEXT, delivery_note=TEXT)
_INVOICE_SETTINGS_LINE_ITEM_TITLES = obj(description=TEXT, unit_price=TEXT, quantity=TEXT, discount=TEXT)
_INVOICE_SETTINGS_PRINT_CONTACT_DETAILS = obj(
    business_name=BOOLEAN, website=BOOLEAN, telephone=BOOLEAN, mobile=BOOLEAN, email_address=BOOLEAN,
    due_date=BOOLEAN, default_delivery_address=TEXT)
_INVOICE_SETTINGS_PRINT_STATEMENTS = obj(days_overdue=BOOLEAN, table_of_balances=BOOLEAN)
INVOICE_SETTINGS = obj(
    keyed({"$path": TEXT}), next_invoice_number=INTEGER, next_credit_note_number=INTEGER,
    separate_invoice_credit_note_numbering=BOOLEAN, sales_invoice_number_prefix=TEXT,
    sales_credit_note_number_prefix=TEXT, invoice_terms_and_conditions=TEXT, default_note_on_invoice=TEXT,
    default_note_on_credit_note=TEXT, default_note_on_estimate=TEXT, default_note_on_quote=TEXT,
    next_quote_number=INTEGER, quote_number_prefix=TEXT, estimate_number_prefix=TEXT,
    quote_default_days_to_expiry=INTEGER, estimate_default_days_to_expiry=INTEGER, quote_terms_and_conditions=TEXT,
    estimate_terms_and_conditions=TEXT, delivery_note_terms_and_conditions=TEXT, delivery_note_show_signature=BOOLEAN,
    delivery_note_show_picked=BOOLEAN, delivery_note_show_notes=BOOLEAN, delivery_note_show_contact_details=BOOLEAN,
    quick_entry_prefix=TEXT, late_payment_percentage=ANY, prompt_payment_percentage=ANY,
    show_auto_entrepreneur=BOOLEAN, show_insurance=BOOLEAN, insurer=ANY, insurance_area=ANY, insurance_type=ANY,
    insurance_text=ANY, payment_bank_account=ANY, sales_corrective_invoice_number_prefix=TEXT,
    next_sales_corrective_invoice_number=INTEGER, document_headings=_INVOICE_SETTINGS_DOCUMENT_HEADINGS,
    line_item_titles=_INVOICE_SETTINGS_LINE_ITEM_TITLES,
    footer_details=obj(column_1=TEXT, column_2=TEXT, column_3=TEXT),
    print_contact_details=_INVOICE_SETTINGS_PRINT_CONTACT_DETAILS,
    print_statements=_INVOICE_SETTINGS_PRINT_STATEMENTS, customer_credit_days=INTEGER, vendor_credit_days=INTEGER,
    customer_credit_terms=TEXT, vendor_credit_terms=TEXT, updated_at=DATETIME)
JOURNAL_CODES = record(
    created_at=DATETIME, updated_at=DATETIME, name=TEXT, code=TEXT, journal_code_type=LINK, control_name=TEXT,
    reserved=BOOLEAN)
_JOURNALS_JOURNAL_LINES = obj(
    id=TEXT, ledger_account=LINK, details=TEXT, debit=DECIMAL, credit=DECIMAL, analysis_type_categories=many(ANY),
    include_on_tax_return=BOOLEAN, tax_reconciled=BOOLEAN, cleared=BOOLEAN, bank_reconciled=BOOLEAN,
    journal_line_foreign_currency=ANY)
JOURNALS = record(
    created_at=DATETIME, updated_at=DATETIME, transaction=LINK, transaction_type=LINK, deleted_at=NULL, date=DATE,
    reference=TEXT, description=TEXT, total=DECIMAL, journal_code=ANY, journal_lines=many(_JOURNALS_JOURNAL_LINES),
    migrated=BOOLEAN)
LEDGER_ACCOUNT_OPENING_BALANCES = record(
    created_at=DATETIME, updated_at=DATETIME, ledger_account=LINK, details=TEXT, debit=DECIMAL, credit=DECIMAL)
LEDGER_ACCOUNTS = record(
    created_at=DATETIME, updated_at=DATETIME, ledger_account_group=obj(id=TEXT, displayed_as=TEXT), name=TEXT,
    display_name=TEXT, visible_scopes=many(TEXT), included_in_chart=BOOLEAN, nominal_code=INTEGER,
    ledger_account_type=LINK, ledger_account_classification=LINK, tax_rate=ANY, fixed_tax_rate=BOOLEAN,
    visible_in_banking=BOOLEAN, visible_in_expenses=BOOLEAN, visible_in_journals=BOOLEAN,
    visible_in_other_payments=BOOLEAN, visible_in_other_receipts=BOOLEAN, visible_in_reporting=BOOLEAN,
    visible_in_sales=BOOLEAN, balance_details=ANY, is_control_account=BOOLEAN, control_name=TEXT,
    display_formatted=TEXT, tax_recoverable=ANY, recoverable_percentage=ANY, non_recoverable_ledger_account=LINK,
    cis_materials=BOOLEAN, tax_instalment=BOOLEAN, cis_labour=BOOLEAN, gifi_code=ANY)
LEDGER_ENTRIES = record(
    created_at=DATETIME, updated_at=DATETIME, date=DATE, credit=DECIMAL, debit=DECIMAL, ledger_account=LINK,
    transaction=LINK, contact=LINK, deleted=BOOLEAN, tax_rate=LINK, description=TEXT, journal_code=ANY)
LIVE_EXCHANGE_RATES = record(
    rate=DECIMAL, inverse_rate=DECIMAL, base_currency=LINK, currency=LINK, retrieved_at=DATETIME, updated_at=DATETIME)
MIGRATION_TAX_RETURNS = record(
    created_at=DATETIME, updated_at=DATETIME, from_date=DATE, to_date=DATE, tax_return_frequency=LINK,
    total_amount=DECIMAL, gb=_GB_VAT_BOXES, ie=ANY)
MIGRATIONS = obj(
    keyed({
        "id": TEXT, "$path": TEXT, "status": maybe(obj(id=TEXT, displayed_as=TEXT)), "started_at": maybe(ANY),
        "completed_at": maybe(ANY), "source_product": maybe(ANY), "source_product_version": maybe(ANY),
        "source_license": maybe(ANY), "source_tool": maybe(ANY), "source_tool_version": maybe(ANY),
        "schema_id": maybe(ANY)}),
)
_OPENING_BALANCE_JOURNALS_JOURNAL_LINES = obj(
    id=TEXT, ledger_account=LINK, details=TEXT, debit=DECIMAL, credit=DECIMAL)
OPENING_BALANCE_JOURNALS = record(
    created_at=DATETIME, updated_at=DATETIME, transaction=LINK, transaction_type=LINK, deleted_at=NULL, date=DATE,
    reference=TEXT, journal_lines=many(_OPENING_BALANCE_JOURNALS_JOURNAL_LINES))
_OTHER_PAYMENTS_PAYMENT_LINES = obj(
    id=TEXT, displayed_as=TEXT, analysis_type_categories=many(ANY), ledger_account=LINK, details=TEXT, tax_rate=LINK,
    net_amount=DECIMAL, tax_amount=DECIMAL, total_amount=DECIMAL,
    tax_breakdown=many(TAX_BREAKDOWN), is_purchase_for_resale=BOOLEAN,
    trade_of_asset=BOOLEAN, gst_amount=ANY, pst_amount=ANY, tax_recoverable=ANY)
OTHER_PAYMENTS = record(
    created_at=DATETIME, updated_at=DATETIME, transaction=LINK, transaction_type=LINK, deleted_at=NULL,
    base_currency_total_itc_amount=ANY, total_itc_amount=ANY, base_currency_total_itr_amount=ANY,
    total_itr_amount=ANY, part_recoverable=BOOLEAN, payment_method=LINK, contact=LINK, bank_account=LINK,
    tax_address_region=ANY, date=DATE, net_amount=DECIMAL, tax_amount=DECIMAL, total_amount=DECIMAL, reference=TEXT,
    payment_lines=many(_OTHER_PAYMENTS_PAYMENT_LINES), editable=BOOLEAN, deletable=BOOLEAN, withholding_tax_rate=ANY,
    withholding_tax_amount=ANY)
PRICE_TYPES = record(created_at=DATETIME, updated_at=DATETIME, name=TEXT, active=BOOLEAN)
_PRODUCTS_SALES_PRICES = obj(
    id=TEXT, displayed_as=TEXT, created_at=DATETIME, updated_at=DATETIME, price_name=TEXT, price=DECIMAL,
    price_includes_tax=BOOLEAN, product_sales_price_type=LINK)
# What products and stock items (a product with stock details) share.
_PRODUCT = record(
    created_at=DATETIME, updated_at=DATETIME, deleted_at=NULL, deletable=BOOLEAN, deactivatable=BOOLEAN,
    used_on_recurring_invoice=BOOLEAN, item_code=TEXT, description=TEXT, notes=TEXT, sales_ledger_account=LINK,
    sales_tax_rate=LINK, purchase_ledger_account=LINK, usual_supplier=LINK, purchase_tax_rate=LINK, cost_price=DECIMAL,
    sales_prices=many(_PRODUCTS_SALES_PRICES), source_guid=TEXT, purchase_description=TEXT)
PRODUCTS = _PRODUCT.then(active=BOOLEAN, catalog_item_type=LINK)
_SERVICES_SALES_RATES = obj(
    id=TEXT, displayed_as=TEXT, created_at=DATETIME, updated_at=DATETIME, rate_name=TEXT, rate=DECIMAL,
    rate_includes_tax=BOOLEAN, service_rate_type=LINK)
SERVICES = record(
    created_at=DATETIME, updated_at=DATETIME, deleted_at=NULL, deletable=BOOLEAN, deactivatable=BOOLEAN,
    used_on_recurring_invoice=BOOLEAN, item_code=TEXT, description=TEXT, notes=TEXT, sales_ledger_account=LINK,
    purchase_ledger_account=LINK, sales_tax_rate=LINK, purchase_tax_rate=LINK, sales_rates=many(_SERVICES_SALES_RATES),
    source_guid=TEXT, purchase_description=TEXT, usual_supplier=LINK, active=BOOLEAN, cost_price=DECIMAL,
    oss_service=BOOLEAN)
STOCK_ITEMS = _PRODUCT.then(
    reorder_level=DECIMAL, reorder_quantity=DECIMAL, location=TEXT, barcode=TEXT, supplier_part_number=TEXT,
    weight=DECIMAL, measurement_unit=TEXT, weight_converted=DECIMAL, active=BOOLEAN, quantity_in_stock=DECIMAL,
    last_cost_price=DECIMAL, last_cost_price_stock_value=DECIMAL, average_cost_price=DECIMAL,
    average_cost_price_stock_value=DECIMAL, cost_price_last_updated=ANY)
STOCK_MOVEMENTS = record(
    links=many(ANY), created_at=DATETIME, updated_at=DATETIME, movement_number=ANY, date=DATE, cost_price=DECIMAL,
    quantity=DECIMAL, details=TEXT, reference=TEXT, stock_item=LINK)
TAX_OFFICES = record(office_number=TEXT, name=TEXT)
TAX_PROFILES = record(
    created_at=DATETIME, updated_at=DATETIME, tax_type=LINK, tax_number=TEXT, tax_number_suffix=ANY,
    collect_tax=BOOLEAN, tax_return_frequency=LINK, address_region=record(code=TEXT, name=TEXT))
_TAX_RATES_PERCENTAGES = obj(percentage=DECIMAL, from_date=DATE, to_date=DATE)
TAX_RATES = record(
    created_at=DATETIME, updated_at=DATETIME, name=TEXT, agency=ANY, percentage=DECIMAL,
    percentages=many(_TAX_RATES_PERCENTAGES), is_visible=BOOLEAN, retailer=BOOLEAN, editable=BOOLEAN,
    deletable=BOOLEAN, is_combined_rate=BOOLEAN, component_tax_rates=many(ANY))
_TAX_RETURNS_SUBMISSION = obj(
    period_key=TEXT, processing_date=TEXT, form_bundle_number=TEXT, payment_indicator=ANY, charge_ref_number=ANY)
TAX_RETURNS = record(
    created_at=DATETIME, updated_at=DATETIME, tax_return_number=TEXT, period_start_date=DATE, period_end_date=DATE,
    total_amount=DECIMAL, paid=BOOLEAN, status=obj(id=TEXT, name=TEXT), tax_return_type=obj(id=TEXT, name=TEXT),
    gb=_GB_VAT_BOXES, ie=ANY, **_OWN_BOXES, submission=_TAX_RETURNS_SUBMISSION)
TAX_TYPES = record(federal_tax=BOOLEAN, country=LINK, address_regions=many(LINK), tax_rates=many(LINK))
TRANSACTIONS = record(
    created_at=DATETIME, updated_at=DATETIME, date=DATE, deleted=BOOLEAN, reference=TEXT, total=DECIMAL,
    total_in_transaction_currency=DECIMAL, contact=LINK, transaction_type=LINK, origin=LINK, audit_trail_id=TEXT,
    number_of_attachments=TEXT)
TRIAL_BALANCE = record(
    nominal_code=INTEGER, name=TEXT, ledger_account_type=LINK, ledger_account_group=obj(id=TEXT, displayed_as=TEXT),
    debit=DECIMAL, credit=DECIMAL, balance=DECIMAL)
USER = obj(
    created_at=DATETIME, updated_at=DATETIME, displayed_as=TEXT, id=TEXT, first_name=TEXT, last_name=TEXT,
    initials=TEXT, email=TEXT, locale=TEXT)
# A payment on account (presenters.artefact_link).
UNALLOCATED_ARTEFACTS = record(links=many(ANY))
# `GET /businesses` answers as Sage's core API does: `$items_per_page`, and links keyed in another order.
BUSINESS_LIST = obj(keyed({
    "$total": INTEGER, "$page": INTEGER, "$next": TEXT, "$back": TEXT, "$items_per_page": INTEGER,
    "$items": many(keyed({"displayed_as": TEXT, "id": TEXT, "$path": TEXT}))}))
RECORDS: dict[str, Fields] = {
    **DOCUMENTS,
    "addresses": ADDRESSES, "analysis_type_categories": ANALYSIS_TYPE_CATEGORIES, "analysis_types": ANALYSIS_TYPES,
    "attachments": ATTACHMENTS, "bank_accounts": BANK_ACCOUNTS, "bank_deposits": BANK_DEPOSITS,
    "bank_opening_balances": BANK_OPENING_BALANCES, "bank_reconciliations": BANK_RECONCILIATIONS,
    "bank_transfers": BANK_TRANSFERS, "business_exchange_rates": BUSINESS_EXCHANGE_RATES,
    "contact_allocations": CONTACT_ALLOCATIONS, "contact_opening_balances": CONTACT_OPENING_BALANCES,
    "contact_payments": CONTACT_PAYMENTS, "contact_persons": CONTACT_PERSONS, "contacts": CONTACTS,
    "draft_tax_returns": DRAFT_TAX_RETURNS, "hosted_artefact_payment_settings": HOSTED_ARTEFACT_PAYMENT_SETTINGS,
    "journal_codes": JOURNAL_CODES, "journals": JOURNALS,
    "ledger_account_opening_balances": LEDGER_ACCOUNT_OPENING_BALANCES, "ledger_accounts": LEDGER_ACCOUNTS,
    "ledger_entries": LEDGER_ENTRIES, "migration_tax_returns": MIGRATION_TAX_RETURNS,
    "opening_balance_journals": OPENING_BALANCE_JOURNALS, "other_payments": OTHER_PAYMENTS,
    "product_sales_price_types": PRICE_TYPES, "products": PRODUCTS,
    "service_rate_types": PRICE_TYPES, "services": SERVICES, "stock_items": STOCK_ITEMS,
    "stock_movements": STOCK_MOVEMENTS, "tax_rates": TAX_RATES, "tax_returns": TAX_RETURNS,
    "transactions": TRANSACTIONS, "unallocated_artefacts": UNALLOCATED_ARTEFACTS}
OTHERS: dict[str, Fields | Page] = {
    "GET /address_regions": Page(ADDRESS_REGIONS), "GET /address_regions/{key}": ADDRESS_REGIONS,
    "GET /address_types": Page(LINK), "GET /address_types/{key}": LINK, "GET /artefact_statuses": Page(LINK),
    "GET /artefact_statuses/{key}": LINK, "GET /attachment_context_types": Page(LINK),
    "GET /attachment_context_types/{key}": LINK, "GET /bank_account_types": Page(LINK),
    "GET /bank_account_types/{key}": LINK, "GET /bank_accounts/{key}/bank_feed": LINK,
    "GET /business_activity_types": Page(LINK), "GET /business_activity_types/{key}": LINK,
    "GET /business_settings": BUSINESS_SETTINGS, "GET /business_types": Page(BUSINESS_TYPES),
    "GET /business_types/{key}": BUSINESS_TYPES, "GET /businesses": BUSINESS_LIST, "GET /businesses/{key}": BUSINESSES,
    "GET /catalog_item_types": Page(LINK), "GET /catalog_item_types/{key}": LINK, "GET /cis_settings": CIS_SETTINGS,
    "GET /coa_accounts": Page(COA_ACCOUNTS), "GET /coa_accounts/{key}": COA_ACCOUNTS,
    "GET /coa_templates": Page(COA_TEMPLATES), "GET /coa_templates/{key}": COA_TEMPLATES,
    "GET /contact_opening_balance_types": Page(LINK), "GET /contact_opening_balance_types/{key}": LINK,
    "GET /contact_person_types": Page(LINK), "GET /contact_person_types/{key}": LINK,
    "GET /contact_types": Page(LINK), "GET /contact_types/{key}": LINK, "GET /corrective_reason_codes": Page(LINK),
    "GET /corrective_reason_codes/{key}": LINK, "GET /countries": Page(LINK), "GET /countries/{key}": LINK,
    "GET /countries_of_registration": Page(LINK), "GET /countries_of_registration/{key}": LINK,
    "GET /country_groups": Page(LINK), "GET /country_groups/{key}": LINK, "GET /currencies": Page(LINK),
    "GET /currencies/{key}": LINK, "GET /datev_settings": DATEV_SETTINGS, "GET /email_settings": EMAIL_SETTINGS,
    "GET /eu_goods_services_types": Page(LINK), "GET /eu_goods_services_types/{key}": LINK,
    "GET /eu_sales_descriptions": Page(LINK), "GET /eu_sales_descriptions/{key}": LINK,
    "GET /exchange_rates": Page(BUSINESS_EXCHANGE_RATES), "GET /exchange_rates/{key}": BUSINESS_EXCHANGE_RATES,
    "GET /financial_settings": FINANCIAL_SETTINGS, "GET /income_tax_settings": INCOME_TAX_SETTINGS,
    "GET /invoice_settings": INVOICE_SETTINGS, "GET /journal_code_types": Page(LINK),
    "GET /journal_code_types/{key}": LINK, "GET /ledger_account_classifications": Page(LINK),
    "GET /ledger_account_classifications/{key}": LINK, "GET /ledger_account_types": Page(LINK),
    "GET /ledger_account_types/{key}": LINK, "GET /legal_form_types": Page(LINK), "GET /legal_form_types/{key}": LINK,
    "GET /live_exchange_rates": Page(LIVE_EXCHANGE_RATES), "GET /live_exchange_rates/{key}": LIVE_EXCHANGE_RATES,
    "GET /migrations": MIGRATIONS, "GET /payment_methods": Page(LINK), "GET /payment_methods/{key}": LINK,
    "GET /quick_entry_types": Page(LINK), "GET /quick_entry_types/{key}": LINK, "GET /tax_offices": Page(TAX_OFFICES),
    "GET /tax_offices/{key}": TAX_OFFICES, "GET /tax_profiles": Page(TAX_PROFILES),
    "GET /tax_profiles/{key}": TAX_PROFILES, "GET /tax_return_frequencies": Page(LINK),
    "GET /tax_return_frequencies/{key}": LINK, "GET /tax_schemes": Page(LINK), "GET /tax_schemes/{key}": LINK,
    "GET /tax_types": Page(TAX_TYPES), "GET /tax_types/{key}": TAX_TYPES, "GET /transaction_types": Page(LINK),
    "GET /transaction_types/{key}": LINK, "GET /trial_balance": Page(TRIAL_BALANCE), "GET /user": USER,
    "PUT /business_settings": BUSINESS_SETTINGS, "PUT /cis_settings": CIS_SETTINGS,
    "PUT /datev_settings": DATEV_SETTINGS, "PUT /email_settings": EMAIL_SETTINGS,
    "PUT /financial_settings": FINANCIAL_SETTINGS, "PUT /income_tax_settings": INCOME_TAX_SETTINGS,
    "PUT /invoice_settings": INVOICE_SETTINGS, "PUT /migrations": MIGRATIONS, "PUT /user": USER}
