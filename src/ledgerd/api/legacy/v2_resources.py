"""What API v2 served and where v3.1 serves it: one declarative entry per v2 resource (auth-and-legacy §7.4,
Sage's v2→v3.1 guide), with the table of its v2 field names and their v3.1 places (docs/legacy-v2.md).

A field not in a table has the same name in both APIs. A table entry says what differs:
* `v31`: the field's v3.1 path in answers (dotted: `payment_lines.0.ledger_account` is the first line's);
* `link`: the field names a record: v2 sends its integer id as `<v2>_id`, v3.1 takes the key as `<v31>_id`,
  answers carry a link object under `<v2>`;
* `into`: where a request's value goes in v3.1, when not the default (one v2 field may fill several);
* `codes`: v2's fixed integer ids of a v3.1 list of mnemonic ids (contact types);
* `lines`: a list of line hashes: v2 sends `<v2>_attributes`, each line translated by its own table.
Integer ids anywhere in a request (`contact_id=51`, `ledger_account_id=…`) are found by their legacy ids
(`LINKS`), whether or not a table names the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# v1/v2's contact types: `contact[contact_type_id]=1` is a customer (§7.2's signed example, §7.3's cassette:
# `"contact_type":{"id":1,"name":"CUSTOMER"}`); 2 is a supplier, v3.1's VENDOR (docs/legacy-v2.md).
CONTACT_TYPES: Mapping[int, str] = {1: "CUSTOMER", 2: "VENDOR"}

# The v3.1 records a request's `<name>_id` names, by name (v3.1's field names).
LINKS: Mapping[str, str] = {
    "contact": "contacts", "ledger_account": "ledger_accounts", "tax_rate": "tax_rates",
    "bank_account": "bank_accounts", "product": "products", "service": "services",
    "default_sales_ledger_account": "ledger_accounts", "default_purchase_ledger_account": "ledger_accounts",
    "default_sales_tax_rate": "tax_rates", "sales_ledger_account": "ledger_accounts",
    "purchase_ledger_account": "ledger_accounts", "sales_tax_rate": "tax_rates", "purchase_tax_rate": "tax_rates",
    "currency": "currencies", "country": "countries", "payment_method": "payment_methods",
    "bank_account_type": "bank_account_types", "ledger_account_type": "ledger_account_types",
    "tax_type": "tax_types", "attachment_context_type": "attachment_context_types",
}


@dataclass(frozen=True)
class Field:
    v2: str
    v31: str = ""
    link: bool = False
    into: tuple[str, ...] = ()
    codes: Mapping[int, str] | None = None
    lines: Table | None = None

    @property
    def out(self) -> str:
        return self.v31 or self.v2

    @property
    def request_key(self) -> str:
        return f"{self.v2}_id" if self.link else f"{self.v2}_attributes" if self.lines else self.v2

    @property
    def into_paths(self) -> tuple[str, ...]:
        if self.into:
            return self.into
        return (f"{self.out}_id",) if self.link else (self.out,)


@dataclass(frozen=True)
class Table:
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Resource:
    """A v2 resource: its path below /accounts/v2 (or /core/v2), its v3.1 path, the wrapper keys of both
    bodies, its table, the list filters and created values that make it a subset of the v3.1 resource (`kind`:
    the v3.1 field and value its records have, checked before a read, update or delete)."""

    v2: str
    v31: str
    singular: str = ""
    wrapper: str = ""
    table: Table = Table()
    filters: tuple[tuple[str, str], ...] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)
    kind: tuple[str, str] | None = None
    singleton: bool = False

    @property
    def v2_wrapper(self) -> str:
        return self.singular or self.v2.removesuffix("s")

    @property
    def v31_wrapper(self) -> str:
        return self.wrapper or self.v31.removesuffix("s")


def _lines(v31: str) -> Field:
    return Field("line_items", v31, lines=Table())


def _payment(v2: str, type_field: str, transaction_type: str) -> Resource:
    """Expenses and incomes: v2's one-line payment, v3.1's other payment of that type with one payment line."""
    table = Table((
        Field("amount", "total_amount", into=("total_amount", "payment_lines.0.total_amount")),
        Field(type_field, "payment_lines.0.ledger_account", link=True),
        Field("tax_rate", "payment_lines.0.tax_rate", link=True),
        Field("net_amount", "payment_lines.0.net_amount"),
        Field("tax_amount", "payment_lines.0.tax_amount"),
        Field("description", "payment_lines.0.details"),
    ))
    return Resource(v2, "other_payments", wrapper="other_payment", table=table,
                    filters=(("transaction_type_id", transaction_type),),
                    fixed={"transaction_type_id": transaction_type}, kind=("transaction_type", transaction_type))


CONTACT = Table((Field("contact_type", "contact_types.0", link=True, into=("contact_type_ids.0",),
                       codes=CONTACT_TYPES),))

ACCOUNTS: tuple[Resource, ...] = (
    Resource("account_types", "bank_account_types"),
    Resource("artefact_statuses", "artefact_statuses"),
    Resource("attachments", "attachments"),
    Resource("bank_accounts", "bank_accounts"),
    Resource("contacts", "contacts", table=CONTACT),
    Resource("countries", "countries", singular="country"),
    Resource("exchange_rates", "exchange_rates"),
    Resource("expense_types", "ledger_accounts", wrapper="ledger_account", filters=(("visible_in", "expenses"),)),
    _payment("expenses", "expense_type", "OTHER_PAYMENT"),
    Resource("financial_settings", "financial_settings", singular="financial_settings",
             wrapper="financial_settings", singleton=True),
    Resource("income_types", "ledger_accounts", wrapper="ledger_account", filters=(("visible_in", "sales"),)),
    _payment("incomes", "income_type", "OTHER_RECEIPT"),
    Resource("invoice_settings", "invoice_settings", singular="invoice_settings", wrapper="invoice_settings",
             singleton=True),
    Resource("ledger_accounts", "ledger_accounts"),
    Resource("ledger_account_types", "ledger_account_types"),
    Resource("ledger_entries", "ledger_entries", singular="ledger_entry", wrapper="ledger_entry"),
    Resource("products", "products"),
    Resource("purchase_credit_notes", "purchase_credit_notes", table=Table((_lines("credit_note_lines"),))),
    Resource("purchase_invoices", "purchase_invoices", table=Table((_lines("invoice_lines"),))),
    Resource("sales_credit_notes", "sales_credit_notes", table=Table((_lines("credit_note_lines"),))),
    Resource("sales_invoices", "sales_invoices", table=Table((_lines("invoice_lines"),))),
    Resource("sales_quotes", "sales_quotes", table=Table((_lines("quote_lines"),))),
    Resource("services", "services"),
    Resource("tax_offices", "tax_offices"),
    Resource("tax_profiles", "tax_profiles"),
    Resource("tax_rates", "tax_rates"),
)
BY_PATH: Mapping[str, Resource] = {resource.v2: resource for resource in ACCOUNTS}

