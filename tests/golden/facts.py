"""What real Sage v3.1 answers show, written down as facts (never the recorded files themselves).

One `Facts` per recorded request: the keys Sage answered, in its order, each with the kind of value it held.
Sources are named by the tags of the reference fact sheet (shared/reference/api-v3.1.md, section 0):

* [DP]  DeskproApps/sage, testing/mocks/*.json: real answers of a UK test business (2023).
* [LS]  ledgerscope/SageOneApi, SageOneApi.Tests/TestHelpers/SampleFiles/*.json: real sample answers.
* [WO]  per-endpoint pages generated from Sage's current spec (businesses); [F-tax] Sage staff's tax-rate list.

Kinds, one per key (`key kind`, a line each):

    id          a non-empty string id            text       a non-empty string
    ""          exactly the empty string          null       exactly null
    link        {id, displayed_as, $path}         label      {id, displayed_as} (no $path)
    statement   {id, name}                        decimal    a decimal as a string ("30.0")
    int / bool  a JSON number / boolean           date       "YYYY-MM-DD"
    timestamp   "YYYY-MM-DDTHH:MM:SSZ"            path       "/<resource>/<id>"
    [link]      an array of links                 [text]     an array of strings
    [href]      Sage's `links` array ({href, rel, type}; empty allowed)
    {NAME}      an object with the facts NAME     [{NAME}]   an array of such objects (at least one)

`skip` names keys whose difference stays, each with its reason (also in docs/decisions.md, "Differences from
recorded Sage answers"). A skipped key may be absent or present on either side.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Facts:
    source: str
    request: str
    keys: tuple[tuple[str, str], ...]
    skip: dict[str, str] = field(default_factory=dict)


def facts(source: str, request: str, table: str, **skip: str) -> Facts:
    rows = tuple((line.split()[0], line.split()[1]) for line in table.strip().splitlines())
    return Facts(source, request, rows, {key.replace("__", "$"): why for key, why in skip.items()})


# Reasons shared by several resources.
LINKS = ("Sage's links point at its own web app's pages (accounts-extra.sageone.com); ledgerd has no HTML page "
         "per record")
DELETED_AT = ("the swagger declares deleted_at on every record; recorded live records leave it out, ledgerd "
              "answers null (clients read a missing key and null alike)")
NESTED_ORDER = ("Sage's nested records are partial (no deleted_at, bank_account) and put created_at/updated_at "
                "last; ledgerd nests the whole record in its definition's order, the same keys and more")

LEDGER_ACCOUNT = facts("[DP] mockContactCustomer.json, default_sales_ledger_account (nested_attributes=all)",
                       "GET /ledger_accounts/{id}", """
id id
displayed_as text
$path path
created_at timestamp
updated_at timestamp
ledger_account_group label
name text
display_name text
visible_scopes [text]
included_in_chart bool
nominal_code int
ledger_account_type link
ledger_account_classification null
tax_rate link
fixed_tax_rate bool
visible_in_banking bool
visible_in_expenses bool
visible_in_journals bool
visible_in_other_payments bool
visible_in_other_receipts bool
visible_in_reporting bool
visible_in_sales bool
balance_details null
is_control_account bool
control_name null
display_formatted text
tax_recoverable null
recoverable_percentage null
non_recoverable_ledger_account null
cis_materials bool
tax_instalment bool
cis_labour bool
gifi_code null
""")

NESTED_ADDRESS_TABLE = """
id id
displayed_as text
$path path
contact link
address_type link
name text
address_line_1 text
address_line_2 text
city text
region text
postal_code text
country link
country_group link
is_main_address bool
created_at timestamp
updated_at timestamp
"""
NESTED_ADDRESS = facts("[DP] mockContactCustomer.json, main_address (nested_attributes=all)", "nested",
                       NESTED_ADDRESS_TABLE, deleted_at=NESTED_ORDER, bank_account=NESTED_ORDER, order=NESTED_ORDER,
    name="Sage's contact import names the address; ledgerd's contact body (Sage's ContactAddress) has no name")

NESTED_PERSON = facts("[DP] mockContactCustomer.json, main_contact_person (nested_attributes=all)", "nested", """
id id
displayed_as text
$path path
contact_person_types [link]
name text
job_title ""
telephone text
mobile text
email text
fax text
is_main_contact bool
address link
created_at timestamp
updated_at timestamp
""", deleted_at=NESTED_ORDER, is_preferred_contact=NESTED_ORDER, order=NESTED_ORDER)

BANK_DETAILS = facts("[DP] mockContactCustomer.json, bank_account_details", "nested", """
account_name text
account_number text
sort_code text
bic null
iban null
""")

TAX_TREATMENT = facts("[DP] mockContactCustomer.json, tax_treatment", "nested", """
home_tax bool
eu_tax_registered bool
eu_not_tax_registered bool
rest_of_world_tax bool
is_importer bool
""", is_importer="Sage answers null for customers and false for suppliers [DP]; ledgerd answers false for both")

_CONTACT_SKIPS = {
    "links": LINKS, "deleted_at": DELETED_AT,
    "aux_reference": "DE-only field (swagger: Kreditorennummer/Debitorennummer); ledgerd keeps one contact shape "
                     "for every country and answers \"\"",
    "auxiliary_account": "ES/FR-only field; ledgerd keeps one contact shape for every country and answers null",
    "credit_terms_and_conditions": "Sage answers the string \"null\" for an empty value (a serialiser bug seen "
                                   "in [DP]); ledgerd answers JSON null",
    "gb_based": "Sage derives it from the address it geocodes; ledgerd keeps what the client sent (false)",
}

CONTACT_READ = facts("[DP] testing/mocks/mockContactCustomer.json", "GET /contacts/{id}?attributes=all&"
                     "nested_attributes=all (a customer)", """
id id
displayed_as text
$path path
created_at timestamp
updated_at timestamp
links [href]
contact_types [link]
name text
reference text
default_sales_ledger_account {LEDGER_ACCOUNT}
default_sales_tax_rate link
tax_number text
notes ""
locale text
main_address {NESTED_ADDRESS}
preferred_address {NESTED_ADDRESS}
delivery_address null
main_contact_person {NESTED_PERSON}
preferred_contact_person {NESTED_PERSON}
bank_account_details {BANK_DETAILS}
credit_limit decimal
credit_days int
credit_terms null
credit_terms_and_conditions null
product_sales_price_type link
source_guid null
currency link
registered_number null
deletable bool
tax_treatment {TAX_TREATMENT}
email text
tax_calculation ""
gdpr_obfuscated bool
system bool
has_unfinished_recurring_invoices bool
cis_registered bool
ni_based bool
is_active bool
gb_based bool
cis_settings null
destination_vat_blocking bool
mandate_active bool
send_statements bool
statement_run statement
""", **_CONTACT_SKIPS,
    delivery_address="the recording elides it (\"same shape as main_address\"); ours has none, so null")

_SUPPLIER_ADDRESS = facts("[DP] mockContactSupplier.json, main_address (nested_attributes=all)", "nested",
                          NESTED_ADDRESS_TABLE.replace("address_line_2 text", 'address_line_2 ""'),
                          deleted_at=NESTED_ORDER, bank_account=NESTED_ORDER,
                          order=NESTED_ORDER)

_SUPPLIER_PERSON = facts("[DP] mockContactSupplier.json, main_contact_person (nested_attributes=all)", "nested",
                         """
id id
displayed_as text
$path path
contact_person_types [link]
name text
job_title ""
telephone text
mobile ""
email text
fax ""
is_main_contact bool
address link
created_at timestamp
updated_at timestamp
""", deleted_at=NESTED_ORDER, is_preferred_contact=NESTED_ORDER, order=NESTED_ORDER,
    job_title="Sage answered null for an unset job title here and \"\" on the customer's person [DP]; ledgerd \"\"",
    fax="as job_title: Sage's null here, \"\" elsewhere; ledgerd \"\"")

SUPPLIER_READ = facts("[DP] testing/mocks/mockContactSupplier.json", "GET /contacts/{id}?attributes=all&"
                      "nested_attributes=all (a supplier)", """
id id
displayed_as text
$path path
created_at timestamp
updated_at timestamp
links [href]
contact_types [link]
name text
reference text
default_purchase_ledger_account {LEDGER_ACCOUNT}
tax_number text
notes ""
locale text
main_address {_SUPPLIER_ADDRESS}
main_contact_person {_SUPPLIER_PERSON}
bank_account_details {_NO_BANK_DETAILS}
credit_limit decimal
credit_days int
credit_terms text
source_guid null
currency link
registered_number null
deletable bool
tax_treatment {TAX_TREATMENT}
email text
tax_calculation ""
gdpr_obfuscated bool
system bool
has_unfinished_recurring_invoices bool
cis_registered bool
ni_based bool
is_active bool
gb_based bool
cis_settings null
destination_vat_blocking bool
mandate_active bool
""", **_CONTACT_SKIPS,
    notes="Sage answered null for the supplier's empty notes and \"\" for the customer's [DP]; ledgerd \"\"")

_NO_BANK_DETAILS = facts("[DP] mockContactSupplier.json, bank_account_details (none given)", "nested", """
account_name null
account_number null
sort_code null
bic null
iban null
""")

CONTACT_LIST_ITEM = facts("[DP] testing/mocks/mockContacts.json, first item (a customer)",
                          "GET /contacts?attributes=all", """
id id
displayed_as text
$path path
created_at timestamp
updated_at timestamp
links [href]
contact_types [link]
name text
reference text
default_sales_ledger_account link
default_sales_tax_rate link
tax_number text
notes ""
locale text
main_address link
preferred_address link
delivery_address null
main_contact_person link
preferred_contact_person link
bank_account_details {BANK_DETAILS}
credit_limit decimal
credit_days int
credit_terms null
credit_terms_and_conditions null
product_sales_price_type link
source_guid null
currency link
registered_number null
deletable bool
tax_treatment {TAX_TREATMENT}
email text
tax_calculation ""
gdpr_obfuscated bool
system bool
cis_registered bool
ni_based bool
is_active bool
gb_based bool
cis_settings null
destination_vat_blocking bool
mandate_active bool
send_statements bool
statement_run statement
""", **_CONTACT_SKIPS,
    has_unfinished_recurring_invoices="Sage leaves it out of list items (present on reads [DP]); ledgerd "
                                      "answers the same record in both")

ADDRESS_READ = facts("[DP] mockContactSupplier.json main_address, the same record as /addresses serves",
                     "GET /addresses/{id}", """
id id
displayed_as text
$path path
contact link
address_type link
name text
address_line_1 text
address_line_2 text
city text
region text
postal_code text
country link
country_group link
is_main_address bool
created_at timestamp
updated_at timestamp
""", deleted_at=NESTED_ORDER, bank_account=NESTED_ORDER, order=NESTED_ORDER,
    name="Sage names a contact's first address (\"Invoice Address\"); ledgerd keeps what the client sent")

CONTACT_PERSON_READ = facts("[DP] mockContactCustomer.json main_contact_person, the record /contact_persons "
                            "serves", "GET /contact_persons/{id}", """
id id
displayed_as text
$path path
contact_person_types [link]
name text
job_title ""
telephone text
mobile text
email text
fax text
is_main_contact bool
address link
created_at timestamp
updated_at timestamp
""", deleted_at=NESTED_ORDER, is_preferred_contact=NESTED_ORDER, order=NESTED_ORDER)

BANK_ACCOUNT_DETAILS = facts("[LS] GetAll_BankAccount.json, bank_account_details", "nested", """
account_name text
account_number text
sort_code text
bic text
iban text
""")

BANK_ACCOUNT_LIST_ITEM = facts("[LS] SageOneApi.Tests/TestHelpers/SampleFiles/BankAccounts.json, first item",
                               "GET /bank_accounts?items_per_page=50&attributes=all", """
id id
displayed_as text
$path path
created_at timestamp
updated_at timestamp
bank_account_details {BANK_ACCOUNT_DETAILS}
ledger_account link
bank_account_type link
balance decimal
main_address link
main_contact_person link
nominal_code null
editable bool
deletable bool
journal_code null
default_payment_method link
gifi_code null
is_active bool
""", deleted_at=DELETED_AT,
    currency="the swagger declares currency on bank accounts; Sage's recording (no multi-currency) leaves it "
             "out; ledgerd answers the base currency's link",
    nominal_code="Sage answered null although the account shows (0600); ledgerd answers the ledger account's "
                 "nominal code (an integer)")

PRICE = facts("[LS] GetAll_Product.json, sales_prices[0]", "nested", """
id id
displayed_as text
created_at timestamp
updated_at timestamp
price_name text
price decimal
price_includes_tax bool
product_sales_price_type link
""")

PRODUCT_LIST_ITEM = facts("[LS] SageOneApi.Tests/TestHelpers/SampleFiles/GetAll_Product.json, first item",
                          "GET /products?items_per_page=50&attributes=all", """
id id
displayed_as text
$path path
created_at timestamp
updated_at timestamp
links [href]
deletable bool
deactivatable bool
used_on_recurring_invoice bool
item_code text
description text
notes ""
sales_ledger_account link
sales_tax_rate link
purchase_ledger_account link
usual_supplier null
purchase_tax_rate link
cost_price decimal
sales_prices [{PRICE}]
source_guid null
purchase_description ""
active bool
catalog_item_type link
""", links=LINKS, deleted_at=DELETED_AT,
    active="Sage answered null for an active product; ledgerd answers the boolean it keeps")

_ARTEFACT_ADDRESS = facts("[DP] mockSalesInvoice.json, main_address", "nested", """
id id
displayed_as text
$path ""
address_line_1 text
address_line_2 text
city text
postal_code text
country link
address_type link
region text
country_group link
""")

_BREAKDOWN = facts("[DP] mockSalesInvoice.json, invoice_lines[].tax_breakdown[]", "nested", """
tax_rate link
percentage decimal
amount decimal
""")

_LINE = facts("[DP] mockSalesInvoice.json, invoice_lines[2]", "nested", """
id id
displayed_as text
description text
product link
service null
ledger_account link
trade_of_asset bool
quantity decimal
unit_price decimal
net_amount decimal
tax_rate link
tax_amount decimal
tax_breakdown [{_BREAKDOWN}]
total_amount decimal
base_currency_unit_price decimal
unit_price_includes_tax bool
base_currency_net_amount decimal
base_currency_tax_amount decimal
base_currency_tax_breakdown [{_BREAKDOWN}]
base_currency_total_amount decimal
eu_goods_services_type null
discount_amount decimal
base_currency_discount_amount decimal
discount_percentage decimal
eu_sales_description null
""")

_TAX_ANALYSIS = facts("[DP] mockSalesInvoice.json, tax_analysis[0]", "nested", """
tax_rate link
net_amount decimal
tax_amount decimal
total_amount decimal
goods_amount decimal
service_amount decimal
""")

_INVOICE = """
id id
displayed_as text
$path path
created_at timestamp
updated_at timestamp
links [href]
editable bool
vat_reverse_charge bool
tax_calculation_method null
destination_consignment bool
destination_vat_rates_in_use bool
transaction link
transaction_type link
is_cis bool
cis_applicable_amount null
base_currency_cis_applicable_amount null
total_after_cis_deduction null
base_currency_total_after_cis_deduction null
has_cis_labour bool
has_cis_materials bool
contact link
invoice_number_prefix text
invoice_number text
contact_name text
contact_reference text
date date
due_date date
reference ""
main_address_free_form text
main_address {_ARTEFACT_ADDRESS}
delivery_address_free_form text
delivery_address {_ARTEFACT_ADDRESS}
notes text
terms_and_conditions text
shipping_net_amount decimal
shipping_tax_rate link
shipping_tax_amount decimal
shipping_tax_breakdown [text]
shipping_total_amount decimal
net_amount decimal
tax_amount decimal
total_amount decimal
payments_allocations_total_amount decimal
payments_allocations_total_discount decimal
total_paid decimal
outstanding_amount decimal
currency link
exchange_rate decimal
inverse_exchange_rate decimal
base_currency_shipping_net_amount decimal
base_currency_shipping_tax_amount decimal
base_currency_shipping_tax_breakdown [text]
base_currency_shipping_total_amount decimal
total_quantity decimal
total_discount_amount decimal
base_currency_total_discount_amount decimal
base_currency_net_amount decimal
base_currency_tax_amount decimal
base_currency_total_amount decimal
base_currency_outstanding_amount decimal
status link
sent bool
sent_by_email bool
void_reason null
invoice_lines [{_LINE}]
tax_analysis [{_TAX_ANALYSIS}]
last_paid ""
original_quote_estimate null
tax_address_region null
delivery_performance_date null
withholding_tax_rate null
withholding_tax_amount null
base_currency_withholding_tax_amount null
tax_reconciled bool
migrated bool
pas_payment_submission null
"""
_INVOICE_SKIPS = {
    "links": LINKS,
    "delivery_address": "Sage copied the contact's main address as the delivery address of [DP]'s invoice; "
                        "ledgerd copies only an address the contact has as its delivery address (ours has none)",
    "delivery_address_free_form": "as delivery_address",
    "shipping_tax_rate": "[DP]'s invoice had a shipping tax rate although it charged no shipping; ours has none",
    "notes": "[DP]'s invoice carried notes; ours has none (\"\")",
    "terms_and_conditions": "[DP]'s invoice carried terms; ours has none (\"\")",
    "shipping_tax_breakdown": "empty on both sides: no shipping",
    "base_currency_shipping_tax_breakdown": "empty on both sides: no shipping",
}

SALES_INVOICE_READ_NESTED = facts("[DP] testing/mocks/mockSalesInvoice.json",
                                  "GET /sales_invoices/{id}?attributes=all&nested_attributes=all", _INVOICE,
                                  **_INVOICE_SKIPS)

SALES_INVOICE_READ = facts("[DP] testing/mocks/mockSalesInvoice.json (the same keys: a read answers all "
                           "attributes [G-attr], and nested_attributes changed no link there)",
                           "GET /sales_invoices/{id}", _INVOICE, **_INVOICE_SKIPS)

SALES_INVOICE_SORTED_ITEM = facts("[LS] SageOneApi.Tests/TestHelpers/SampleFiles/GetAll_SalesInvoice.json",
                                  "GET /sales_invoices?items_per_page=1&attributes=date&sort=date:asc", """
id id
displayed_as text
$path path
created_at timestamp
date date
""")

CONTACT_PAYMENT_READ = facts("[SW25] ContactPayment definition order (no recorded answer found; the "
                             "swagger's order matched every recorded resource, fact sheet 2.2)",
                             "GET /contact_payments/{id}", """
id id
displayed_as text
$path path
created_at timestamp
updated_at timestamp
links [href]
transaction link
transaction_type link
payment_method link
contact link
bank_account link
date date
net_amount decimal
tax_amount decimal
total_amount decimal
currency link
exchange_rate decimal
base_currency_net_amount decimal
base_currency_tax_amount decimal
base_currency_total_amount decimal
base_currency_currency_charge decimal
reference ""
allocated_artefacts [text]
tax_rate null
payment_on_account {_PAYMENT_ON_ACCOUNT}
editable bool
""", links=LINKS, deleted_at=DELETED_AT,
    allocated_artefacts="empty on both sides: a payment on account")

_PAYMENT_ON_ACCOUNT = facts("[SW25] PaymentOnAccount definition order", "nested", """
id id
displayed_as text
$path path
created_at timestamp
updated_at timestamp
contact_name text
contact_reference text
contact link
date date
reference ""
net_amount decimal
tax_amount decimal
total_amount decimal
outstanding_amount decimal
currency link
exchange_rate decimal
base_currency_net_amount decimal
base_currency_tax_amount decimal
base_currency_total_amount decimal
base_currency_outstanding_amount decimal
status link
""")

_PERCENTAGE = facts("[SW25] TaxRatePercentage", "nested", """
percentage decimal
from_date date
to_date date
""", to_date="the current rate has no end: null")

TAX_RATE_READ = facts("[F-tax] Sage staff's GB list (id GB_STANDARD, \"Standard 20.00%\") and [SW25] TaxRate "
                      "definition order", "GET /tax_rates/GB_STANDARD", """
id id
displayed_as text
$path path
created_at timestamp
updated_at timestamp
name text
agency null
percentage decimal
percentages [{_PERCENTAGE}]
is_visible bool
retailer bool
editable bool
deletable bool
is_combined_rate bool
component_tax_rates [text]
""", component_tax_rates="empty on both sides: not a combined rate")

FINANCIAL_SETTINGS = facts("[LS] SageOneApi.Tests/TestHelpers/SampleFiles/FinancialSettings.json (GB, not "
                           "VAT registered)", "GET /financial_settings", """
$path text
year_end_date date
year_end_lockdown_date null
accounting_type text
accounts_start_date null
base_currency link
multi_currency_enabled bool
use_live_exchange_rates bool
mtd_activation_status text
mtd_connected bool
mtd_authenticated_date ""
tax_scheme link
tax_return_frequency null
tax_number null
general_tax_number ""
tax_office null
default_irpf_rate decimal
flat_rate_tax_percentage null
recoverable_percentage null
sales_tax_calculation null
purchase_tax_calculation null
updated_at timestamp
postponed_accounting bool
destination_vat bool
""", tax_return_frequency="[LS]'s business was not VAT registered; a new ledgerd business is registered for VAT "
                          "(its country's standard scheme and return frequency, docs/decisions/settings.md)",
   tax_return_period_end_month="ledgerd's addition, last: the month VAT periods end in (HMRC's stagger), which "
                               "Sage's settings do not carry (docs/decisions/vat-schemes.md)")

_SUBSCRIPTION = facts("[WO] Get a Business, subscriptions[]", "nested", """
created_at timestamp
updated_at timestamp
displayed_as text
id id
active bool
status text
""", accountant_pays="[SPEC26]'s Subscription DTO has it; [WO]'s page does not")

BUSINESS_READ = facts("[WO] Get a Business (key order), [SPEC26] Data/Business.php", "GET /businesses/{id}", """
created_at timestamp
updated_at timestamp
displayed_as text
id id
name text
address_line_1 ""
address_line_2 ""
city ""
postal_code ""
country label
region ""
telephone ""
mobile ""
website ""
is_demo bool
ni_based bool
subscriptions [{_SUBSCRIPTION}]
""")

BUSINESS_LIST = facts("[LS] GetAll_Business.json, [G-mb]", "GET /businesses", """
$total int
$page int
$next null
$back null
$items_per_page int
$items [{_BUSINESS_ITEM}]
""")

_BUSINESS_ITEM = facts("[LS] GetAll_Business.json, [G-mb]: items ordered displayed_as, id, $path", "nested", """
displayed_as text
id id
$path path
""")

# The objects `{NAME}` refers to.
NAMED: dict[str, Facts] = {
    "LEDGER_ACCOUNT": LEDGER_ACCOUNT, "NESTED_ADDRESS": NESTED_ADDRESS, "NESTED_PERSON": NESTED_PERSON,
    "BANK_DETAILS": BANK_DETAILS, "TAX_TREATMENT": TAX_TREATMENT, "BANK_ACCOUNT_DETAILS": BANK_ACCOUNT_DETAILS,
    "PRICE": PRICE, "_SUPPLIER_ADDRESS": _SUPPLIER_ADDRESS, "_SUPPLIER_PERSON": _SUPPLIER_PERSON,
    "_NO_BANK_DETAILS": _NO_BANK_DETAILS, "_ARTEFACT_ADDRESS": _ARTEFACT_ADDRESS, "_BREAKDOWN": _BREAKDOWN,
    "_LINE": _LINE,
    "_TAX_ANALYSIS": _TAX_ANALYSIS, "_PAYMENT_ON_ACCOUNT": _PAYMENT_ON_ACCOUNT, "_PERCENTAGE": _PERCENTAGE,
    "_SUBSCRIPTION": _SUBSCRIPTION, "_BUSINESS_ITEM": _BUSINESS_ITEM,
}
