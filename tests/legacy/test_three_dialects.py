"""Same books, three dialects (issue 22): what Sage's two migration guides say of v2, v3 and v3.1, walked on one
business through all three APIs at once.

Part 1 walks every row of the v2 -> v3.1 guide's endpoint table (its §6 "Review and Update all API calls"), one
test per row and direction, so a report shows each row. Part 2 walks the v3 -> v3.1 guide's examples. Part 3 takes
one invoice through its life in all three dialects. Each test cites the guide sentence it walks: [MIG2] is
"Migrate from v2 to v3.1", [MIG3] "Migrate from v3 to v3.1"; section numbers are theirs.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.legacy.conftest import V3, v3_caller
from tests.legacy.v2_client import V2, diagnoses
from tests.support.books import Books
from tests.support.factories import Factory


@dataclass
class Dialects:
    """One business's books, reached as v2 (signed forms), v3 (`/{region}/sageone/accounts/v3`) and v3.1 by the
    same owner."""

    books: Books
    v2: V2
    v3: V3

    def v31(self, method: str, path: str, json: Any = None, **params: Any) -> Any:
        return self.v3.v31(method, path, json=json, params={k: str(v) for k, v in params.items()} or None)


def open_dialects(client: TestClient, factory: Factory, country: str = "GB") -> Dialects:
    books = Books.open(client, factory, country)
    return Dialects(books, V2.open(books), v3_caller(client, factory, user=books.owner, business=books.business))


@pytest.fixture
def d(client: TestClient, factory: Factory) -> Dialects:
    return open_dialects(client, factory)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def at(record: Any, path: str) -> Any:
    """The value at a dotted path (`payment_lines.0.ledger_account.id`)."""
    for step in path.split("."):
        record = record[int(step)] if isinstance(record, list) else record[step]
    return record


# --- reading whole lists in each dialect ------------------------------------------------------------------------

def _query(v31: str) -> tuple[str, dict[str, str]]:
    path, _, query = v31.removeprefix("/v3.1").partition("?")
    return path, dict(pair.split("=", 1) for pair in query.split("&") if pair)


def v2_list(d: Dialects, path: str) -> list[dict[str, Any]]:
    """Every record of a v2 list, page by page (`$startIndex`, `$itemsPerPage`)."""
    found: list[dict[str, Any]] = []
    while True:
        body = d.v2.ok(d.v2.get(path, **{"$startIndex": str(len(found)), "$itemsPerPage": "200"}))
        found += body["$resources"]
        if not body["$resources"] or len(found) >= body["$totalResults"]:
            return found


def v3x_list(d: Dialects, api: str, v31: str) -> list[dict[str, Any]]:
    """Every record of a v3.1 (api "v3.1") or v3 (api "v3") list, legacy ids shown, page by page."""
    path, query = _query(v31)
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        params = {**query, "show_legacy_id": "true", "items_per_page": "200", "page": str(page)}
        body = ok(d.v31("GET", path, **params) if api == "v3.1" else d.v3.get(path, params=params))
        found += body["$items"]
        if not body["$next"]:
            return found
        page += 1


def same_lists(d: Dialects, v2: str, v31: str) -> list[tuple[int, str]]:
    """The v2 list and the v3.1 and v3 lists of the table's row hold the same records, v2's `id` being v3.1's and
    v3's `legacy_id`; returns them."""
    old = [(r["id"], r["displayed_as"]) for r in v2_list(d, v2)]
    new = [(r["legacy_id"], r["displayed_as"]) for r in v3x_list(d, "v3.1", v31)]
    v3 = [(r["legacy_id"], r["displayed_as"]) for r in v3x_list(d, "v3", v31)]
    assert old == new == v3
    assert all(isinstance(legacy, int) for legacy, _ in old)
    return old


def key_of(d: Dialects, v31: str, legacy_id: int) -> str:
    """The v3.1 key of the record of a v3.1 list (the row's, with its filter) whose legacy id is given."""
    found = [r["id"] for r in v3x_list(d, "v3.1", v31) if r["legacy_id"] == legacy_id]
    assert len(found) == 1, (v31, legacy_id)
    return str(found[0])


def legacy_of(d: Dialects, path: str) -> int:
    legacy: int = ok(d.v31("GET", path, show_legacy_id="true"))["legacy_id"]
    return legacy


# --- the guide's table ------------------------------------------------------------------------------------------

# [MIG2] §6, row for row: "API v2 | API v3.1".
TABLE: tuple[tuple[str, str], ...] = (
    ("/accounts/v2/account_types", "/v3.1/bank_account_types"),
    ("/accounts/v2/artefact_statuses", "/v3.1/artefact_statuses"),
    ("/accounts/v2/attachments", "/v3.1/attachments"),
    ("/accounts/v2/bank_accounts", "/v3.1/bank_accounts"),
    ("/accounts/v2/contacts", "/v3.1/contacts"),
    ("/accounts/v2/countries", "/v3.1/countries"),
    ("/accounts/v2/exchange_rates", "/v3.1/exchange_rates"),
    ("/accounts/v2/expense_types", "/v3.1/ledger_accounts?visible_in=expenses"),
    ("/accounts/v2/expenses", "/v3.1/other_payments?transaction_type_id=OTHER_PAYMENT"),
    ("/accounts/v2/financial_settings", "/v3.1/financial_settings"),
    ("/accounts/v2/income_types", "/v3.1/ledger_accounts?visible_in=sales"),
    ("/accounts/v2/incomes", "/v3.1/other_payments?transaction_type_id=OTHER_RECEIPT"),
    ("/accounts/v2/invoice_settings", "/v3.1/invoice_settings"),
    ("/accounts/v2/ledger_accounts", "/v3.1/ledger_accounts"),
    ("/accounts/v2/ledger_account_types", "/v3.1/ledger_account_types"),
    ("/accounts/v2/ledger_entries", "/v3.1/ledger_entries"),
    ("/accounts/v2/period_types", "not supported yet"),
    ("/accounts/v2/products", "/v3.1/products"),
    ("/accounts/v2/purchase_credit_notes", "/v3.1/purchase_credit_notes"),
    ("/accounts/v2/purchase_invoices", "/v3.1/purchase_invoices"),
    ("/accounts/v2/sales_credit_notes", "/v3.1/sales_credit_notes"),
    ("/accounts/v2/sales_invoices", "/v3.1/sales_invoices"),
    ("/accounts/v2/sales_invoices/summary", "not supported yet"),
    ("/accounts/v2/sales_quotes", "/v3.1/sales_quotes"),
    ("/accounts/v2/services", "/v3.1/services"),
    ("/accounts/v2/summary", "not supported yet"),
    ("/accounts/v2/tax_offices", "/v3.1/tax_offices"),
    ("/accounts/v2/tax_profiles", "/v3.1/tax_profiles"),
    ("/accounts/v2/tax_rates", "/v3.1/tax_rates"),
    ("/core/v2/business", "/v3.1/businesses/lead"),
    ("/core/v2/business_relationships", "/v3.1/businesses"),
    ("/core/v2/me", "not supported yet"),
    ("/core/v2/user", "/v3.1/user"),
)
UNSUPPORTED = "not supported yet"
CORE = {"/core/v2/business", "/core/v2/business_relationships", "/core/v2/me", "/core/v2/user"}
SINGLETONS = {"/accounts/v2/financial_settings", "/accounts/v2/invoice_settings"}
# The rows whose records a client creates; the others are lookups a business is opened with (or, for ledger
# entries, that postings make).
CREATABLE = {"attachments", "bank_accounts", "contacts", "expenses", "incomes", "ledger_accounts", "products",
             "purchase_credit_notes", "purchase_invoices", "sales_credit_notes", "sales_invoices", "sales_quotes",
             "services"}
# The country a row is walked in: tax offices are German (v3.1 serves them to German businesses only).
COUNTRY = {"tax_offices": "DE"}


def _name(v2: str) -> str:
    return v2.removeprefix("/accounts/v2/").removeprefix("/core/v2/")


def _rows(keep: Callable[[str, str], bool]) -> list[Any]:
    return [pytest.param(v2, v31, id=_name(v2)) for v2, v31 in TABLE if keep(v2, v31)]


def _is_lookup(v2: str, v31: str) -> bool:
    return v31 != UNSUPPORTED and v2 not in CORE and v2 not in SINGLETONS and _name(v2) not in CREATABLE


def test_the_table_is_the_guides() -> None:
    """[MIG2] §6: the table above is the guide's (33 rows), each row walked by one of the tests below."""
    assert len(TABLE) == 33 and len({v2 for v2, _ in TABLE}) == 33
    assert {_name(v2) for v2, v31 in TABLE if v31 == UNSUPPORTED} == {"period_types", "sales_invoices/summary",
                                                                       "summary", "me"}
    walked = [_rows(lambda v2, v31: _name(v2) in CREATABLE), _rows(_is_lookup),
              _rows(lambda v2, v31: v2 in SINGLETONS), _rows(lambda v2, v31: v2 in CORE),
              _rows(lambda v2, v31: v31 == UNSUPPORTED and v2 not in CORE)]
    assert sorted(p.id for rows in walked for p in rows) == sorted({_name(v2) for v2, _ in TABLE} | {"me"})


# --- what a creatable row's record is in each dialect -----------------------------------------------------------

@dataclass
class Context:
    """Records the made ones link to, by v3.1 key and v2 (legacy) id."""

    customer: tuple[str, int]
    vendor: tuple[str, int]
    accounts: dict[int, tuple[str, int]]
    bank: tuple[str, int]
    standard: tuple[str, int]
    overheads: tuple[str, int]

    @classmethod
    def open(cls, d: Dialects) -> Context:
        def made(path: str, body: dict[str, Any]) -> tuple[str, int]:
            key = str(ok(d.v31("POST", path, body), 201)["id"])
            return key, legacy_of(d, f"{path}/{key}")

        accounts = {code: (key, legacy_of(d, f"/ledger_accounts/{key}"))
                    for code, key in d.books.accounts.items() if code in (4000, 5000, 7500)}
        bank = str(ok(d.v31("GET", "/bank_accounts"))["$items"][0]["id"])
        return cls(made("/contacts", {"contact": {"name": "Context Customer", "contact_type_ids": ["CUSTOMER"]}}),
                   made("/contacts", {"contact": {"name": "Context Vendor", "contact_type_ids": ["VENDOR"]}}),
                   accounts, (bank, legacy_of(d, f"/bank_accounts/{bank}")),
                   ("GB_STANDARD", legacy_of(d, "/tax_rates/GB_STANDARD")),
                   ("OVERHEADS", legacy_of(d, "/ledger_account_types/OVERHEADS")))


@dataclass
class Made:
    """One record as each dialect writes it: v2's form fields (below the wrapper), v3.1's JSON attributes (v3
    sends the same), and the fields that must read the same, as (v2 path, v3.1 path)."""

    form: list[tuple[str, str]]
    attrs: dict[str, Any]
    same: list[tuple[str, str]]


def _lines(c: Context, n: int, code: int, contact: tuple[str, int], lines: str, **extra: str) -> Made:
    """A document of two lines at the standard rate (2 x 10.00 and 1 x 5.50 + n; tax given, as v3.1 wants)."""
    account, rate = c.accounts[code], c.standard
    prices = [("2", "10.00", "4.00"), ("1", f"{Decimal('5.50') + n}", f"{(Decimal('5.50') + n) / 5:.2f}")]
    form = [("contact_id", str(contact[1])), ("date", "2024-06-15"), *extra.items()]
    attrs: dict[str, Any] = {"contact_id": contact[0], "date": "2024-06-15", **extra, lines: []}
    for i, (quantity, price, tax) in enumerate(prices):
        line = {"description": f"Line {i} of {n}", "quantity": quantity, "unit_price": price, "tax_amount": tax}
        form += [(f"line_items_attributes][{i}][{name}", value) for name, value in line.items()]
        form += [(f"line_items_attributes][{i}][ledger_account_id", str(account[1])),
                 (f"line_items_attributes][{i}][tax_rate_id", str(rate[1]))]
        attrs[lines].append({**line, "ledger_account_id": account[0], "tax_rate_id": rate[0]})
    same = [("contact.id", "contact.legacy_id"), ("date", "date"), ("net_amount", "net_amount"),
            ("tax_amount", "tax_amount"), ("total_amount", "total_amount"),
            *((f"line_items.{i}.{f}", f"{lines}.{i}.{f}") for i in (0, 1)
              for f in ("description", "quantity", "unit_price", "net_amount", "tax_amount")),
            ("line_items.0.ledger_account.id", f"{lines}.0.ledger_account.legacy_id"),
            ("line_items.1.tax_rate.id", f"{lines}.1.tax_rate.legacy_id")]
    return Made(form, attrs, same)


def _payment(c: Context, n: int, code: int, kind: str, type_id: str) -> Made:
    """[MIG2] §6's expenses and incomes: one v2 amount, one v3.1 payment line of that ledger account."""
    amount = f"{12 + n}.00"
    form = [("date", "2024-06-15"), ("amount", amount), ("bank_account_id", str(c.bank[1])),
            (f"{kind}_type_id", str(c.accounts[code][1])), ("description", f"Paid {n}"), ("reference", f"R-{n}")]
    attrs = {"transaction_type_id": type_id, "date": "2024-06-15", "total_amount": amount,
             "bank_account_id": c.bank[0], "reference": f"R-{n}",
             "payment_lines": [{"ledger_account_id": c.accounts[code][0], "total_amount": amount,
                                "details": f"Paid {n}"}]}
    return Made(form, attrs, [("amount", "total_amount"), ("date", "date"), ("reference", "reference"),
                              ("description", "payment_lines.0.details"), ("bank_account.id", "bank_account.legacy_id"),
                              (f"{kind}_type.id", "payment_lines.0.ledger_account.legacy_id")])


def _attachment(c: Context, n: int) -> Made:
    data = base64.b64encode(f"%PDF-1.4 file {n}".encode()).decode()
    fields = {"file": data, "file_name": f"f{n}.pdf", "mime_type": "application/pdf", "description": f"File {n}",
              "file_extension": ".pdf", "attachment_context_type_id": "CONTACT"}
    return Made([*fields.items(), ("attachment_context_id", c.customer[0])],
                {**fields, "attachment_context_id": c.customer[0]},
                [("file_name", "file_name"), ("description", "description"), ("mime_type", "mime_type")])


MAKERS: dict[str, Callable[[Context, int], Made]] = {
    "attachments": _attachment,
    "bank_accounts": lambda c, n: Made(
        [("bank_account_type_id", "CHECKING"), ("bank_account_details][account_name", f"Bank {n}"),
         ("bank_account_details][account_number", f"1234567{n}")],
        {"bank_account_type_id": "CHECKING",
         "bank_account_details": {"account_name": f"Bank {n}", "account_number": f"1234567{n}"}},
        [("bank_account_details.account_name", "bank_account_details.account_name"),
         ("bank_account_type.id", "bank_account_type.legacy_id"), ("ledger_account.id", "ledger_account.legacy_id")]),
    "contacts": lambda c, n: Made(
        [("name", f"Contact {n}"), ("contact_type_id", "1"), ("email", f"c{n}@example.com"), ("notes", f"No. {n}")],
        {"name": f"Contact {n}", "contact_type_ids": ["CUSTOMER"], "email": f"c{n}@example.com", "notes": f"No. {n}"},
        [("name", "name"), ("email", "email"), ("notes", "notes"), ("contact_type.name", "contact_types.0.id"),
         ("main_address.id", "main_address.legacy_id")]),
    "expenses": lambda c, n: _payment(c, n, 7500, "expense", "OTHER_PAYMENT"),
    "incomes": lambda c, n: _payment(c, n, 4000, "income", "OTHER_RECEIPT"),
    "ledger_accounts": lambda c, n: Made(
        [("ledger_account_type_id", str(c.overheads[1])), ("included_in_chart", "true"), ("name", f"Software {n}"),
         ("display_name", f"Software {n}"), ("nominal_code", str(7510 + n))],
        {"ledger_account_type_id": c.overheads[0], "included_in_chart": True, "name": f"Software {n}",
         "display_name": f"Software {n}", "nominal_code": 7510 + n},
        [("name", "name"), ("nominal_code", "nominal_code"), ("included_in_chart", "included_in_chart"),
         ("ledger_account_type.id", "ledger_account_type.legacy_id")]),
    "products": lambda c, n: Made(
        [("item_code", f"P{n}"), ("description", f"Frame {n}"), ("cost_price", "10.0"),
         ("sales_ledger_account_id", str(c.accounts[4000][1])), ("sales_tax_rate_id", str(c.standard[1])),
         ("purchase_ledger_account_id", str(c.accounts[5000][1]))],
        {"item_code": f"P{n}", "description": f"Frame {n}", "cost_price": "10.0",
         "sales_ledger_account_id": c.accounts[4000][0], "sales_tax_rate_id": c.standard[0],
         "purchase_ledger_account_id": c.accounts[5000][0]},
        [("item_code", "item_code"), ("description", "description"), ("cost_price", "cost_price"),
         ("sales_ledger_account.id", "sales_ledger_account.legacy_id")]),
    "services": lambda c, n: Made(
        [("item_code", f"S{n}"), ("description", f"Fitting {n}"),
         ("sales_ledger_account_id", str(c.accounts[4000][1]))],
        {"item_code": f"S{n}", "description": f"Fitting {n}", "sales_ledger_account_id": c.accounts[4000][0]},
        [("item_code", "item_code"), ("description", "description"),
         ("sales_ledger_account.id", "sales_ledger_account.legacy_id")]),
    "sales_invoices": lambda c, n: _lines(c, n, 4000, c.customer, "invoice_lines", reference=f"SI-R{n}"),
    "sales_credit_notes": lambda c, n: _lines(c, n, 4000, c.customer, "credit_note_lines", reference=f"SCN-R{n}"),
    "sales_quotes": lambda c, n: _lines(c, n, 4000, c.customer, "quote_lines", expiry_date="2024-07-15"),
    "purchase_invoices": lambda c, n: _lines(c, n, 5000, c.vendor, "invoice_lines", vendor_reference=f"B{n}",
                                             due_date="2024-07-15"),
    "purchase_credit_notes": lambda c, n: _lines(c, n, 5000, c.vendor, "credit_note_lines",
                                                 vendor_reference=f"BC{n}"),
}


def _wrapper(name: str) -> str:
    return name.removesuffix("s")


V31_WRAPPER = {"expenses": "other_payment", "incomes": "other_payment"}


def _made_in_v2(d: Dialects, name: str, made: Made) -> dict[str, Any]:
    wrapper = _wrapper(name)
    form = [(f"{wrapper}[{field}]", value) for field, value in made.form]
    created: dict[str, Any] = d.v2.ok(d.v2.call("POST", f"/accounts/v2/{name}", form), 201)
    return created


def _same(made: Made, old: dict[str, Any], new: dict[str, Any]) -> None:
    """v2's record and v3.1's (or v3's) are one: v2's id is the legacy id, the table's fields agree."""
    assert old["id"] == old["$key"] == new["legacy_id"]
    for v2_path, v31_path in made.same:
        assert at(old, v2_path) == at(new, v31_path), (v2_path, v31_path)


@pytest.mark.parametrize(("v2", "v31"), _rows(lambda v2, v31: _name(v2) in CREATABLE))
def test_a_record_made_through_v2_is_read_through_v3_and_v31(d: Dialects, v2: str, v31: str) -> None:
    """[MIG2] §6: "some resources have changed their names and others, their structure"; §9: "You can still query
    the API v2 IDs in the new API v3.1, just use the show_legacy_id=true query parameter". A record made through
    the row's v2 endpoint is the v3.1 record (v3.1's names) whose legacy_id is its v2 id, and v3 reads it the same."""
    name, context = _name(v2), Context.open(d)
    made = MAKERS[name](context, 1)
    created = _made_in_v2(d, name, made)
    assert d.v2.ok(d.v2.get(f"{v2}/{created['id']}")) == created
    path, _ = _query(v31)
    key = key_of(d, v31, created["id"])
    new = ok(d.v31("GET", f"{path}/{key}", show_legacy_id="true"))
    _same(made, created, new)
    assert ok(d.v3.get(f"{path}/{key}", params={"show_legacy_id": "true"})) == new


@pytest.mark.parametrize(("v2", "v31"), _rows(lambda v2, v31: _name(v2) in CREATABLE))
def test_a_record_made_through_v31_or_v3_is_read_through_v2_by_its_legacy_id(d: Dialects, v2: str,
                                                                             v31: str) -> None:
    """[MIG2] §9: "To reconcile your API v2 IDs with the new ones, you need to iterate through all entities in API
    v3.1": the other way round, a record made through v3.1 or v3 is found by v2 under its legacy id, and the
    lists of the row (v2, v3.1 with the row's filter, v3) hold the same records, ids mapped."""
    name, context = _name(v2), Context.open(d)
    path, _ = _query(v31)
    wrapper = V31_WRAPPER.get(name, _wrapper(name))
    made_v2 = _made_in_v2(d, name, MAKERS[name](context, 1))
    for n, dialect in ((2, "v3.1"), (3, "v3")):
        made = MAKERS[name](context, n)
        body = {wrapper: made.attrs}
        response = d.v31("POST", path, body) if dialect == "v3.1" else d.v3.request("POST", path, json=body)
        key = ok(response, 201)["id"]
        new = ok(d.v31("GET", f"{path}/{key}", show_legacy_id="true"))
        _same(made, d.v2.ok(d.v2.get(f"{v2}/{new['legacy_id']}")), new)
    listed = same_lists(d, v2, v31)
    assert made_v2["id"] in {legacy for legacy, _ in listed}
    if "?" in v31:  # the filter is the row's: a record of the other kind is in v3.1's whole list, not in this one
        other = {"expenses": "incomes", "incomes": "expenses"}[name]
        _made_in_v2(d, other, MAKERS[other](context, 4))
        assert len(v3x_list(d, "v3.1", path)) > len(listed) == len(same_lists(d, v2, v31))


@pytest.mark.parametrize(("v2", "v31"), _rows(_is_lookup))
def test_a_lookup_row_lists_and_reads_the_same_in_three_dialects(client: TestClient, factory: Factory, v2: str,
                                                                 v31: str) -> None:
    """[MIG2] §6: the row's v2 list is its v3.1 list (with the row's filter: expense types are ledger accounts
    "visible_in=expenses", income types "visible_in=sales"), and v3 serves the v3.1 path as it is ([MIG3] §4:
    only the base URL changes); each entry read by its v2 id is the v3.1 entry of that legacy id."""
    name = _name(v2)
    d = open_dialects(client, factory, COUNTRY.get(name, "GB"))
    if name == "ledger_entries":  # postings make them
        context = Context.open(d)
        ok(d.v31("POST", "/sales_invoices", {"sales_invoice": MAKERS["sales_invoices"](context, 1).attrs}), 201)
    listed = same_lists(d, v2, v31)
    assert listed
    path, query = _query(v31)
    if query:  # the filter chooses: fewer than all ledger accounts, and the same as v3.1's own filter
        assert len(listed) < len(v3x_list(d, "v3.1", path))
    for legacy, displayed in (listed[0], listed[-1]):
        old = d.v2.ok(d.v2.get(f"{v2}/{legacy}"))
        key = key_of(d, v31, legacy)
        new = ok(d.v31("GET", f"{path}/{key}", show_legacy_id="true"))
        assert (old["id"], old["displayed_as"]) == (new["legacy_id"], new["displayed_as"]) == (legacy, displayed)
        assert ok(d.v3.get(f"{path}/{key}", params={"show_legacy_id": "true"})) == new


@pytest.mark.parametrize(("v2", "v31"), _rows(lambda v2, v31: v2 in SINGLETONS))
def test_a_settings_row_is_one_record_in_three_dialects(d: Dialects, v2: str, v31: str) -> None:
    """[MIG2] §6: the settings rows keep their names; changed through v2, v3 and v3.1 read the change, and the
    other way round."""
    path = v31.removeprefix("/v3.1")
    wrapper = _name(v2)
    field, first, second = {"financial_settings": ("year_end_date", "2026-03-31", "2026-06-30"),
                            "invoice_settings": ("next_invoice_number", "41", "57")}[wrapper]
    d.v2.ok(d.v2.call("PUT", v2, [(f"{wrapper}[{field}]", first)]))
    new = ok(d.v31("GET", path, show_legacy_id="true"))
    assert str(new[field]) == first
    assert ok(d.v3.get(path, params={"show_legacy_id": "true"})) == new
    ok(d.v3.request("PUT", path, json={wrapper: {field: second}}))
    old = d.v2.ok(d.v2.get(v2))
    assert str(old[field]) == second
    assert {k: v for k, v in old.items() if not isinstance(v, dict | list)} == \
        {k: v for k, v in ok(d.v31("GET", path)).items() if k in old and not isinstance(v, dict | list)}


def test_core_business_row(d: Dialects) -> None:
    """[MIG2] §6: "/core/v2/business -> /v3.1/businesses/lead" (for a user with one business the token's business
    is the lead one, docs/legacy-v2.md); [MIG3] §6: v3's "/v3/core/business" -> "GET /businesses/{id}". Changed
    through v2 (`business[...]`, §7's example fields), read through v3.1 and v3."""
    updated = d.v2.ok(d.v2.call("PUT", "/core/v2/business", [
        ("business[address_line_1]", "23 Acacia Ave."), ("business[mobile]", "0777654321"),
        ("business[website]", "https://example.com/")]))
    lead = ok(d.v31("GET", "/businesses/lead", show_legacy_id="true"))
    assert lead == ok(d.v31("GET", f"/businesses/{lead['id']}", show_legacy_id="true"))
    v3 = ok(d.v3.get("/business", api="core"))
    assert updated["id"] == lead["legacy_id"] == d.books.business.legacy_id and v3["id"] == lead["id"]
    for name in ("name", "address_line_1", "mobile", "website"):
        assert updated[name] == lead[name] == v3[name]


def test_core_business_relationships_row(d: Dialects, factory: Factory) -> None:
    """[MIG2] §7: "GET /businesses returns a list of all businesses the user has access to which was handled by
    business_relationships in API v2" (and [MIG3] §6 the same of v3's)."""
    factory.business(d.books.owner, name="Second Ltd")
    old = d.v2.ok(d.v2.get("/core/v2/business_relationships"))["$resources"]
    new = ok(d.v31("GET", "/businesses", show_legacy_id="true"))["$items"]
    v3 = ok(d.v3.get("/business_relationships", api="core"))
    assert sorted(b["id"] for b in old) == sorted(b["legacy_id"] for b in new)
    assert sorted(b["id"] for b in v3) == sorted(b["id"] for b in new) and len(new) == 2


def test_core_user_row(d: Dialects) -> None:
    """[MIG2] §7: "PUT /user ... will update user details", `{"user": {"last_name": "Smith"}}`: changed through
    v3.1, read through v2 and v3; changed through v2, read through v3.1."""
    ok(d.v31("PUT", "/user", {"user": {"last_name": "Smith"}}))
    assert d.v2.ok(d.v2.get("/core/v2/user"))["last_name"] == "Smith"
    assert ok(d.v3.get("/user", api="core"))["last_name"] == "Smith"
    d.v2.ok(d.v2.call("PUT", "/core/v2/user", [("user[last_name]", "Jones")]))
    new = ok(d.v31("GET", "/user"))
    assert new["last_name"] == ok(d.v3.get("/user", api="core"))["last_name"] == "Jones"
    assert d.v2.ok(d.v2.get("/core/v2/user"))["id"] == new["id"]


def test_core_me_row(d: Dialects) -> None:
    """[MIG2] §6: "/core/v2/me | not supported yet" (in v3.1): v3.1 has no /me; v2 and v3 still serve theirs, the
    business and the user (docs/legacy-v2.md, docs/legacy-v3.md)."""
    assert d.v31("GET", "/me").status_code == 404
    me = d.v2.ok(d.v2.get("/core/v2/me"))
    assert me["business"]["id"] == d.books.business.legacy_id
    assert me["user"]["email"] == d.books.owner.email
    v3 = ok(d.v3.get("/me", api="core"))
    assert (v3["business"]["id"], v3["user"]["email"]) == (d.books.business.id, d.books.owner.email)


@pytest.mark.parametrize(("v2", "v31"), _rows(lambda v2, v31: v31 == UNSUPPORTED and v2 not in CORE))
def test_an_unsupported_row_is_served_by_v2_alone(d: Dialects, v2: str, v31: str) -> None:
    """[MIG2] §6: "not supported yet": v2 still serves the endpoint from the same books (docs/legacy-v2.md, its
    own tests check the figures: tests/legacy/test_v2_summaries.py); v3.1 and v3 have no such path."""
    answer = d.v2.ok(d.v2.get(v2))
    # A list (period_types) in the SData envelope, a summary as one resource of the day's figures.
    assert "$resources" in answer if v2.endswith("period_types") else "date" in answer
    rest = v2.removeprefix("/accounts/v2")
    assert d.v31("GET", rest).status_code == 404
    assert d.v3.get(rest).status_code == 404


# --- [MIG3]: the v3 -> v3.1 guide's examples ---------------------------------------------------------------------

def test_the_base_url_example_a_us_business(client: TestClient, factory: Factory) -> None:
    """[MIG3] §4: "You do not need to add a country to that base URL, also parts like core or accounts are not
    required anymore. Just add the name of the endpoint you want to access to the base URL": for a US business,
    v3's `/us/sageone/accounts/v3/contacts` becomes `/v3.1/contacts`, the same list."""
    d = open_dialects(client, factory, "US")
    assert d.v3.region == "us"
    ok(d.v3.request("POST", "/contacts", json={"contact": {"name": "Made in v3", "contact_type_ids": ["CUSTOMER"]}}),
       201)
    ok(d.v31("POST", "/contacts", {"contact": {"name": "Made in v3.1", "contact_type_ids": ["VENDOR"]}}), 201)
    old = client.get("/us/sageone/accounts/v3/contacts", headers=d.v3.headers(), params={"attributes": "all"})
    new = d.v31("GET", "/contacts", attributes="all")
    assert ok(old) == ok(new) and ok(new)["$total"] == 2
    assert "x-business" in new.headers and "x-business" not in old.headers  # [MIG3] §8: v3.1's answer names it
    assert d.v3.get("/contacts", region="uki").status_code == 403  # the country still counts in v3


def test_the_core_endpoints_mapping(d: Dialects, factory: Factory) -> None:
    """[MIG3] §6: "Four endpoints, however, were completely redesigned (/v3/core/business,
    /v3/core/business_relationships, /v3/core/me, and /v3/core/user)"; "GET /businesses returns a list of all
    businesses the user has access to which was handled by business_relationships in API v3"; "GET
    /businesses/{id} returns the details of the business"; "GET /user returns the details of the user". /me has
    no v3.1 equivalent."""
    second = factory.business(d.books.owner, name="Second Ltd")
    business = ok(d.v3.get("/business", api="core"))
    full = ok(d.v31("GET", f"/businesses/{business['id']}"))
    for name in ("id", "displayed_as", "name", "address_line_1", "city", "postal_code", "website", "mobile"):
        assert business[name] == full[name], name
    relationships = ok(d.v3.get("/business_relationships", api="core"))
    listed = ok(d.v31("GET", "/businesses"))["$items"]
    assert sorted(b["id"] for b in relationships) == sorted(b["id"] for b in listed) == \
        sorted([d.books.business.id, second.id])
    user, new_user = ok(d.v3.get("/user", api="core")), ok(d.v31("GET", "/user"))
    for name in ("id", "first_name", "last_name", "email", "locale"):
        assert user[name] == new_user[name], name
    assert ok(d.v3.get("/me", api="core")) == {"business": business, "user": user}
    assert d.v31("GET", "/me").status_code == 404
    # "PUT /businesses/{id} ... Only the business owner can change business details": a change there is v3's too
    ok(d.v31("PUT", f"/businesses/{business['id']}", {"business": {"address_line_1": "23 Acacia Ave.",
                                                                   "mobile": "0777654321", "website": ""}}))
    again = ok(d.v3.get("/business", api="core"))
    assert (again["address_line_1"], again["mobile"]) == ("23 Acacia Ave.", "0777654321")


def _sales_account(d: Dialects) -> str:
    return d.books.accounts[4000]


def test_tax_amount_is_stricter_in_v31(d: Dialects) -> None:
    """[MIG3] §6: "the v3.1 validation of a line item's attribute tax_amount is now stricter in that it cannot be
    omitted as simply as before": the same invoice without tax_amount is made by v3 (which fills it) and refused
    by v3.1 and by v2 (whose calls are v3.1's, docs/legacy-v2.md)."""
    customer = d.books.contact()
    line = {"description": "Work", "ledger_account_id": _sales_account(d), "quantity": "3", "unit_price": "33.33",
            "tax_rate_id": "GB_STANDARD"}
    body = {"sales_invoice": {"contact_id": customer, "date": "2024-06-15", "invoice_lines": [line]}}
    refused = d.v31("POST", "/sales_invoices", body)
    assert (refused.status_code, refused.json()[0]["$source"]) == (422, "invoice_lines[0].tax_amount")
    made = ok(d.v3.request("POST", "/sales_invoices", json=body), 201)
    assert (made["invoice_lines"][0]["tax_amount"], made["total_amount"]) == ("20.0", "119.99")
    legacy = legacy_of(d, f"/sales_invoices/{made['id']}")
    assert d.v2.ok(d.v2.get(f"/accounts/v2/sales_invoices/{legacy}"))["line_items"][0]["tax_amount"] == "20.0"
    customer_id = legacy_of(d, f"/contacts/{customer}")
    account_id, rate_id = legacy_of(d, f"/ledger_accounts/{_sales_account(d)}"), legacy_of(d, "/tax_rates/GB_STANDARD")
    prefix = "sales_invoice[line_items_attributes][0]"
    found = diagnoses(d.v2.call("POST", "/accounts/v2/sales_invoices", [
        ("sales_invoice[contact_id]", str(customer_id)), ("sales_invoice[date]", "2024-06-15"),
        (f"{prefix}[description]", "Work"), (f"{prefix}[quantity]", "3"), (f"{prefix}[unit_price]", "33.33"),
        (f"{prefix}[ledger_account_id]", str(account_id)), (f"{prefix}[tax_rate_id]", str(rate_id))]), 422)
    assert [p["$source"] for p in found] == ["line_items_attributes[0][tax_amount]"]


def test_an_attachment_file_needs_the_accept_header_in_v31_only(d: Dialects) -> None:
    """[MIG3] §6: "In order to get a binary attachment file, in API v3.1 you need to specify an Accept request
    header. Please always set it to Accept: application/octet-stream, regardless of the type of the file"."""
    content = b"\x89PNG\r\n\x1a\n not really a picture"
    made = ok(d.v3.request("POST", "/attachments", json={"attachment": {
        "file": base64.b64encode(content).decode(), "file_name": "a.png", "mime_type": "image/png",
        "description": "A picture", "file_extension": ".png", "attachment_context_type_id": "CONTACT",
        "attachment_context_id": d.books.contact()}}), 201)
    path = f"/attachments/{made['id']}/file"
    assert d.v31("GET", path).status_code == 406
    new = d.books.client.get(f"/v3.1{path}", headers={**d.books.headers, "Accept": "application/octet-stream"})
    old = d.v3.get(path)
    assert new.status_code == old.status_code == 200
    assert new.content == old.content == content


def test_x_site_and_x_business_select_the_same_business(d: Dialects, factory: Factory) -> None:
    """[MIG3] §8: "The previous header for the business selection is has changed from X-Site to X-Business";
    "You can identify the business being used for any request by the X-Business header included in the
    response"; §7: without it, "the user's lead business is used"."""
    other = factory.business(d.books.owner, name="Second Ltd", country="IE")
    ok(d.v31("POST", "/contacts", {"contact": {"name": "In the lead", "contact_type_ids": ["CUSTOMER"]}}), 201)
    headers = factory.headers(d.books.owner, business=other.id)
    made = d.books.client.post("/v3.1/contacts", headers=headers,
                               json={"contact": {"name": "In the second", "contact_type_ids": ["CUSTOMER"]}})
    assert ok(made, 201) and made.headers["x-business"] == other.id
    for business, name in ((d.books.business.id, "In the lead"), (other.id, "In the second")):
        new = d.books.client.get("/v3.1/contacts", headers={**headers, "X-Business": business})
        old = d.v3.get("/contacts", headers={"X-Site": business})
        assert ok(new) == ok(old)
        assert [c["displayed_as"].split(" (")[0] for c in ok(old)["$items"]] == [name]
        assert new.headers["x-business"] == business
    no_header = {k: v for k, v in headers.items() if k.lower() != "x-business"}
    lead = d.books.client.get("/v3.1/contacts", headers=no_header)
    assert lead.headers["x-business"] == ok(d.v31("GET", "/businesses/lead"))["id"]


def test_json_only_in_both(d: Dialects) -> None:
    """[MIG3] §9: "API v3.1 only accepts requests with a content type of JSON ... Requests with content types other
    than JSON are no longer possible and you will receive an error from the API"; v3 takes JSON only as well
    (docs/legacy-v3.md); v2's bodies were forms ([MIG2] §8 is the change)."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    old = d.books.client.post(f"/{d.v3.region}/sageone/accounts/v3/contacts", content=b"contact[name]=A",
                              headers={**d.v3.headers(), **form})
    new = d.books.client.post("/v3.1/contacts", content=b"contact[name]=A", headers={**d.books.headers, **form})
    assert old.status_code == new.status_code == 415
    assert old.json()[0]["$dataCode"] == new.json()[0]["$dataCode"]
    ok(d.v2.call("POST", "/accounts/v2/contacts", [("contact[name]", "A"), ("contact[contact_type_id]", "1")]), 201)
    assert ok(d.v31("GET", "/contacts"))["$total"] == 1


# --- one invoice's life in three dialects -----------------------------------------------------------------------

def test_an_invoice_lives_through_three_dialects(d: Dialects) -> None:
    """[MIG2] §9: "You can still query the API v2 IDs in the new API v3.1" and [MIG3] §4: v3's paths are v3.1's:
    an invoice of two lines made through v2 (a form), updated through v3 (PUT JSON), read through v3.1, paid through
    v3.1 (contact_payments), PAID in v2 and v3; its payment deleted through v3, it is unpaid again everywhere;
    voided through v2, it is VOID in v3 and v3.1."""
    context = Context.open(d)
    made = MAKERS["sales_invoices"](context, 0)
    created = _made_in_v2(d, "sales_invoices", made)
    legacy, v2_path = created["id"], f"/accounts/v2/sales_invoices/{created['id']}"
    key = key_of(d, "/sales_invoices", legacy)
    assert (created["total_amount"], len(created["line_items"])) == ("30.6", 2)  # 20.00 + 5.50, 20 % tax

    lines = [{"id": line["id"]} for line in ok(d.v31("GET", f"/sales_invoices/{key}"))["invoice_lines"]]
    lines[1]["description"] = "Gadget (boxed)"
    updated = ok(d.v3.request("PUT", f"/sales_invoices/{key}", json={"sales_invoice": {
        "reference": "PO-9", "notes": "Changed in v3", "invoice_lines": lines}}))
    new = ok(d.v31("GET", f"/sales_invoices/{key}", show_legacy_id="true"))
    assert new["legacy_id"] == legacy and new["updated_at"] == updated["updated_at"]
    assert (new["reference"], new["notes"]) == ("PO-9", "Changed in v3")
    assert [line["description"] for line in new["invoice_lines"]] == ["Line 0 of 0", "Gadget (boxed)"]
    old = d.v2.ok(d.v2.get(v2_path))
    assert (old["reference"], old["notes"], old["line_items"][1]["description"]) == \
        ("PO-9", "Changed in v3", "Gadget (boxed)")

    payment = ok(d.v31("POST", "/contact_payments", {"contact_payment": {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": context.customer[0], "bank_account_id":
        context.bank[0], "date": "2024-06-20", "total_amount": "30.60",
        "allocated_artefacts": [{"artefact_id": key, "amount": "30.60"}]}}), 201)
    statuses = {s["displayed_as"]: s["id"] for s in v2_list(d, "/accounts/v2/artefact_statuses")}

    def status() -> tuple[str, Any, str, str]:
        v3 = ok(d.v3.get(f"/sales_invoices/{key}"))
        v31 = ok(d.v31("GET", f"/sales_invoices/{key}"))
        v2 = d.v2.ok(d.v2.get(v2_path))
        assert v3["status"]["id"] == v31["status"]["id"]
        assert v2["status"]["id"] == statuses[v31["status"]["displayed_as"]]
        assert v2["outstanding_amount"] == v3["outstanding_amount"] == v31["outstanding_amount"]
        return v31["status"]["id"], v2["status"]["displayed_as"], v2["outstanding_amount"], v3["outstanding_amount"]

    assert status() == ("PAID", "Paid", "0.0", "0.0")
    assert d.v3.request("DELETE", f"/contact_payments/{payment['id']}").status_code == 204
    assert status() == ("UNPAID", "Unpaid", "30.6", "30.6")

    voided = d.v2.call("DELETE", v2_path, query=[("void_reason", "Raised in error")])
    assert d.v2.ok(voided)["status"]["id"] == statuses["Void"]
    assert status() == ("VOID", "Void", "0.0", "0.0")
    assert ok(d.v3.get(f"/sales_invoices/{key}"))["void_reason"] == "Raised in error"
    again = d.v3.request("DELETE", f"/sales_invoices/{key}", params={"void_reason": "Twice"})
    assert again.status_code == 422


def test_a_record_deleted_through_one_dialect_is_gone_in_the_others(d: Dialects) -> None:
    """[MIG2] §9: the v2 id and v3.1's legacy id name one record: a quote made through v2 and deleted through v3.1
    is gone from v3 and v2 (their 404s); a contact made through v3 and deleted through v2 is gone from v3.1."""
    context = Context.open(d)
    quote = _made_in_v2(d, "sales_quotes", MAKERS["sales_quotes"](context, 0))
    key = key_of(d, "/sales_quotes", quote["id"])
    assert d.v31("DELETE", f"/sales_quotes/{key}").status_code == 204
    assert d.v3.get(f"/sales_quotes/{key}").status_code == 404
    assert diagnoses(d.v2.get(f"/accounts/v2/sales_quotes/{quote['id']}"), 404)
    assert [r["id"] for r in v2_list(d, "/accounts/v2/sales_quotes")] == []
    contact = ok(d.v3.request("POST", "/contacts", json={"contact": {"name": "Short-lived",
                                                                     "contact_type_ids": ["CUSTOMER"]}}), 201)
    legacy = legacy_of(d, f"/contacts/{contact['id']}")
    assert d.v2.call("DELETE", f"/accounts/v2/contacts/{legacy}").status_code == 204
    assert d.v31("GET", f"/contacts/{contact['id']}").status_code == 404
    assert d.v3.get(f"/contacts/{contact['id']}").status_code == 404
