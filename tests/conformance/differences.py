"""THE list of the ways ledgerd's wire may differ from Sage's swagger, each with its reason.

The swagger describes Sage's model; Sage's real responses (recorded in the reference fact sheet
`api-v3.1.md`, §2 and §5.1) differ from it in a few systematic ways, and ledgerd follows the real
responses. Nothing else may differ: a response key, type or order outside this file fails the suite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# --- systematic differences -------------------------------------------------------------------------------

# Lists: the swagger declares `type: array` of items; Sage answers an object envelope, keys in this order
# (fact sheet §2.1), and the items are the declared definition.
ENVELOPE = ("$total", "$page", "$next", "$back", "$itemsPerPage", "$items")
# `GET /businesses` (core service) spells the page size `$items_per_page` and is unpaginated (§2.1).
CORE_ENVELOPE = ("$total", "$page", "$next", "$back", "$items_per_page", "$items")

# DECIMALS: every `number` (format double) is a JSON string on Sage's wire, written as the shortest
# decimal with at least one fractional digit ("0.0", "45.83", "-430035.84"; fact sheet §2.4).
DECIMAL = re.compile(r"^-?\d+\.\d+$")

# NULLS: swagger 2 cannot say "nullable", but Sage sends `null` for any unset property (links, dates,
# amounts, booleans: `"cis_applicable_amount": null`, `"is_importer": null`; fact sheet §2.4).
NULLS = "any property may be null"


@dataclass(frozen=True)
class Extra:
    reason: str
    # Undeclared keys come after the declared ones, as in Sage's real responses (fact sheet §2.2); a base
    # key (`id`, `displayed_as`, `$path`) a definition forgets comes first instead, where every resource has it.
    first: bool = False
    # …or right after this declared key, where Sage's recorded answers put it.
    after: str | None = None


_BASE_ID = Extra("Sage always sends the base keys id, displayed_as, $path first (fact sheet §2.2: they 'are "
                 "always returned'); the swagger forgets `id` in this definition", first=True)

# Keys a response may carry that its swagger definition does not declare, by (definition, key).
EXTRA_KEYS: dict[tuple[str, str], Extra] = {
    ("ExchangeRate", "id"): _BASE_ID,
    ("LiveExchangeRate", "id"): _BASE_ID,
    ("BusinessExchangeRate", "id"): _BASE_ID,
    ("SalesInvoice", "pas_payment_submission"): Extra(
        "in Sage's recorded attributes=all invoice, last, unknown to the swagger (fact sheet §2.2, §5.2)"),
    ("Business", "$path"): Extra(
        "GET /businesses items are `displayed_as, id, $path` in Sage's recorded lists (fact sheet §2.1); the core "
        "swagger's Business has no $path"),
    ("Contact", "preferred_address"): Extra(
        "a customer's, beside its main address in Sage's recorded contacts ([DP] mockContacts.json, "
        "mockContactCustomer.json); not in the swagger", after="main_address"),
    ("Contact", "preferred_contact_person"): Extra(
        "a customer's, beside its main contact person in Sage's recorded contacts ([DP]); not in the swagger",
        after="main_contact_person"),
    ("Contact", "mandate_active"): Extra("in every recorded contact, after the declared keys (fact sheet §5.2)"),
    ("Contact", "send_statements"): Extra("a customer's, in every recorded customer, last (fact sheet §5.2)"),
    ("Contact", "statement_run"): Extra("a customer's, in every recorded customer, last (fact sheet §5.2)"),
    ("FinancialSettings", "tax_return_period_end_month"): Extra(
        "ledgerd's addition, last: the month VAT periods end in (HMRC's stagger), which Sage's settings do not "
        "carry (docs/decisions/vat-schemes.md)"),
    ("Subscription", "accountant_pays"): Extra(
        "in Sage's recorded subscription sample, last (auth-and-legacy.md §4.5); not in the core swagger"),
}


@dataclass(frozen=True)
class Retyped:
    """A property Sage sends in another shape than its swagger type: checked against `schema` instead."""
    schema: Mapping[str, Any]
    reason: str


# Properties whose declared type is wrong, by (definition, property).
RETYPED: dict[tuple[str, str], Retyped] = {
    ("AnalysisType", "analysis_type_level"): Retyped(
        {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                          "identifier": {"type": "string"}}},
        "declared an array without item type; Sage's Analysis Types guide records it as the object "
        '{"id": 1, "name": "TRANSACTION_LEVEL", "identifier": "TRANSACTION"} (docs/decisions/'
        "analysis-and-journal-codes.md; the fact sheet has no recorded response)"),
    **{(name, "last_paid"): Retyped(
        {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2})?$"},
        "a date, or \"\" until the document is paid, as in Sage's recorded invoices (fact sheet §2.4, §5.1)")
       for name in ("SalesInvoice", "SalesCreditNote", "SalesCorrectiveInvoice", "PurchaseInvoice",
                    "PurchaseCreditNote", "PurchaseCorrectiveInvoice")},
    ("FinancialSettings", "mtd_authenticated_date"): Retyped(
        {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2})?$"},
        "\"\" while never authenticated, as in Sage's recorded financial settings (fact sheet §2.4, §5.1)"),
}


# Declared properties a full record (a single GET, or what POST and PUT answer) may leave out, because Sage
# shows them only when asked or when they apply (fact sheet §3.4, §5.2). Every other declared property of the
# record must be there.
CONDITIONAL: dict[str, str] = {
    "payments_allocations": "shown with show_payments_allocations=true (§3.4); absent from Sage's full invoices (§5.2)",
    "corrections": "shown with show_corrections=true (§3.4); absent from Sage's full invoices (§5.2)",
    "recurring_invoice": "shown with show_recurring_invoice=true (§3.4); absent from Sage's full invoices (§5.2)",
    "analysis_type_categories": "shown with show_analysis_types=true (§3.4, §5.2)",
    "detailed_tax_analysis": "absent from Sage's full invoices, credit notes, quotes and estimates (§5.2)",
    "deleted_at": "only on deleted records (§5.2)",
    "balance": "shown with show_balance=true; absent from Sage's recorded contacts (§5.2)",
    # A contact's keys by type, as Sage's recorded customers and suppliers show them ([DP]).
    "default_purchase_ledger_account": "a supplier's: absent from Sage's recorded customers",
    "default_sales_ledger_account": "a customer's: absent from Sage's recorded suppliers",
    "default_sales_tax_rate": "a customer's: absent from Sage's recorded suppliers",
    "delivery_address": "a customer's: absent from Sage's recorded suppliers",
    "credit_terms_and_conditions": "a customer's: absent from Sage's recorded suppliers",
    "product_sales_price_type": "a customer's: absent from Sage's recorded suppliers",
}


@dataclass(frozen=True)
class Erratum:
    reason: str
    # The success status Sage really answers (None: the swagger's).
    status: int | None = None
    # The success body is the raw bytes of a file, not JSON.
    binary: bool = False


# Operations whose swagger success response is wrong, by "METHOD /path", with what Sage really answers.
SWAGGER_ERRATA: dict[str, Erratum] = {
    "GET /attachments/{key}/file": Erratum(
        "the swagger declares an Attachment object, but its own Accept parameter 'must always be set to "
        "application/octet-stream for retrieving files ... regardless of the type of the file': the body is the "
        "file's bytes (api-v3.1.md §1.1, auth-and-legacy.md)",
        binary=True),
}


def property_schema(definition: str | None, key: str, declared: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema a property is checked against: the declared one, unless RETYPED says otherwise."""
    retyped = RETYPED.get((definition or "", key))
    return retyped.schema if retyped else declared


def extra(definition: str | None, key: str) -> Extra | None:
    """The documented reason a definition's response may carry an undeclared key (None: it may not)."""
    return EXTRA_KEYS.get((definition or "", key))

