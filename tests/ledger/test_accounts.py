"""Chart of accounts, tax rates, ledger entries, transactions and the trial balance over HTTP (SQLite and
PostgreSQL). Every balance is checked against the ledger's own sums."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from ledgerd.runtime import Runtime
from tests.support.books import Books, problem
from tests.support.factories import Factory

ACCOUNT_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "ledger_account_group", "name",
                "display_name", "visible_scopes", "included_in_chart", "nominal_code", "ledger_account_type",
                "ledger_account_classification", "tax_rate", "fixed_tax_rate", "visible_in_banking",
                "visible_in_expenses", "visible_in_journals", "visible_in_other_payments", "visible_in_other_receipts",
                "visible_in_reporting", "visible_in_sales", "balance_details", "is_control_account", "control_name",
                "display_formatted", "tax_recoverable", "recoverable_percentage", "non_recoverable_ledger_account",
                "cis_materials", "tax_instalment", "cis_labour", "gifi_code"]
TAX_RATE_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "name", "agency", "percentage",
                 "percentages", "is_visible", "retailer", "editable", "deletable", "is_combined_rate",
                 "component_tax_rates"]
ENTRY_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "date", "credit", "debit", "ledger_account",
              "transaction", "contact", "deleted", "tax_rate", "description", "journal_code"]
TRANSACTION_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "date", "deleted", "reference", "total",
                    "total_in_transaction_currency", "contact", "transaction_type", "origin", "audit_trail_id",
                    "number_of_attachments"]
TRIAL_KEYS = ["id", "displayed_as", "$path", "nominal_code", "name", "ledger_account_type", "ledger_account_group",
              "debit", "credit", "balance"]

FREEHOLD, BANK, DEBTORS, CAPITAL, RETAINED, SALES, OTHER_INCOME, RENT = 10, 1200, 1100, 3000, 3200, 4000, 4900, 7100


@pytest.fixture
def frozen(clock: Clock) -> Iterator[Clock]:
    clock.freeze(datetime(2024, 6, 15, 12, tzinfo=UTC))
    yield clock


@pytest.fixture
def books(client: TestClient, factory: Factory, frozen: Clock) -> Books:
    """A GB business opened on 15 June 2024 (noon UTC); tokens live five minutes from then."""
    return Books.open(client, factory)


def _account(books: Books, code: int, **params: Any) -> dict[str, Any]:
    response = books.get(f"/ledger_accounts/{books.accounts[code]}", **params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# --- ledger accounts -----------------------------------------------------------------------------------------

def test_ledger_account_wire_shape(books: Books) -> None:
    account = _account(books, OTHER_INCOME)
    assert list(account) == ACCOUNT_KEYS
    assert account["displayed_as"] == "Other income (4900)"
    assert account["ledger_account_group"] == {"id": "INCOME", "displayed_as": "Income"}
    assert account["ledger_account_type"] == {"id": "OTHER_INCOME", "displayed_as": "Other Income",
                                              "$path": "/ledger_account_types/OTHER_INCOME"}
    assert account["display_formatted"] == "4900 - Other income"
    assert account["visible_scopes"] == sorted(account["visible_scopes"])
    assert "other_receipt" in account["visible_scopes"] and account["visible_in_other_receipts"] is True
    assert account["balance_details"] is None and account["is_control_account"] is False
    debtors = _account(books, DEBTORS)
    assert debtors["is_control_account"] is True and debtors["control_name"] == "DEBTORS"
    assert debtors["visible_scopes"] == ["reporting"]


def test_ledger_account_list_filters(books: Books) -> None:
    def codes(**params: Any) -> list[int]:
        response = books.get("/ledger_accounts", items_per_page=200, attributes="nominal_code", **params)
        assert response.status_code == 200, response.text
        return [item["nominal_code"] for item in response.json()["$items"]]

    everything = codes()
    assert everything == sorted(everything) and len(everything) == len(books.accounts)
    assert BANK in codes(visible_in="banking") and FREEHOLD not in codes(visible_in="banking")
    assert set(codes(visible_in="sales")).isdisjoint(codes(not_visible_in="sales"))
    assert len(codes(visible_in="sales")) + len(codes(not_visible_in="sales")) == len(everything)
    assert DEBTORS in codes(show_control_accounts="true") and FREEHOLD not in codes(show_control_accounts="true")
    assert DEBTORS not in codes(show_control_accounts="false")
    assert codes(ledger_account_type_id="BANK") == [1200, 1210]
    assert codes(search="4900") == [4900] and codes(search="OTHER INC") == [4900]
    assert codes(ledger_account_classification_id="ANY") == []
    assert len(codes(show_included_in_chart="true")) == len(everything) and codes(show_included_in_chart="false") == []
    assert codes(filter_inactive_bank_accounts="true") == everything
    problem(books.get("/ledger_accounts", visible_in="garden"), 400, "InvalidParameter", "visible_in")
    problem(books.get("/ledger_accounts", show_control_accounts="maybe"), 400, "InvalidParameter",
            "show_control_accounts")
    page = books.get("/ledger_accounts", items_per_page=2, page=2).json()
    assert page["$total"] == len(everything) and len(page["$items"]) == 2
    assert list(page["$items"][0]) == ["id", "displayed_as", "$path"]


def test_create_and_update_ledger_account(books: Books) -> None:
    response = books.post("/ledger_accounts", {"ledger_account": {
        "ledger_account_type_id": "OVERHEADS", "included_in_chart": True, "name": "Software",
        "display_name": "Software subscriptions", "nominal_code": 7510, "tax_rate_id": "GB_STANDARD"}})
    assert response.status_code == 201, response.text
    created = response.json()
    assert list(created) == ACCOUNT_KEYS
    assert created["displayed_as"] == "Software (7510)"
    assert created["display_formatted"] == "7510 - Software subscriptions"
    assert created["ledger_account_group"]["id"] == "EXPENDITURE"
    assert created["visible_scopes"] == ["journals", "other_payment", "purchasing", "reporting"]
    assert created["tax_rate"]["id"] == "GB_STANDARD" and created["is_control_account"] is False

    explicit = books.post("/ledger_accounts", {"ledger_account": {
        "ledger_account_type_id": "CURRENT_ASSETS", "included_in_chart": False, "name": "Deposits",
        "display_name": "Deposits", "nominal_code": 1150, "visible_in_journals": True}}).json()
    assert explicit["visible_scopes"] == ["journals"] and explicit["included_in_chart"] is False

    response = books.put(created["$path"], {"ledger_account": {
        "name": "Software & SaaS", "nominal_code": 7520, "visible_in_sales": True, "visible_in_expenses": False,
        "tax_rate_id": None, "ledger_account_type_id": "DIRECT_EXPENSES"}})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["displayed_as"] == "Software & SaaS (7520)" and updated["tax_rate"] is None
    assert updated["visible_in_sales"] is True and updated["visible_in_expenses"] is False
    assert updated["ledger_account_type"]["id"] == "DIRECT_EXPENSES"
    assert books.get(created["$path"]).json() == updated
    assert books.get("/ledger_accounts", search="7520").json()["$total"] == 1


@pytest.mark.parametrize(("body", "source"), [
    ({"ledger_account_type_id": "OVERHEADS", "included_in_chart": True, "name": "Dup", "display_name": "Dup",
      "nominal_code": 4900}, "nominal_code"),
    ({"ledger_account_type_id": "NOPE", "included_in_chart": True, "name": "X", "display_name": "X",
      "nominal_code": 7777}, "ledger_account_type_id"),
    ({"ledger_account_type_id": "BANK", "included_in_chart": True, "name": "X", "display_name": "X",
      "nominal_code": 7777}, "ledger_account_type_id"),
    ({"ledger_account_type_id": "OVERHEADS", "included_in_chart": True, "name": "X", "display_name": "X",
      "nominal_code": 7777, "control_name": "DEBTORS"}, "control_name"),
    ({"ledger_account_type_id": "OVERHEADS", "included_in_chart": True, "name": "X", "display_name": "X",
      "nominal_code": 7777, "tax_rate_id": "US_NO_TAX"}, "tax_rate_id"),
    ({"ledger_account_type_id": "OVERHEADS", "included_in_chart": True, "name": "X", "display_name": "X",
      "nominal_code": 7777, "ledger_account_classification_id": "X"}, "ledger_account_classification_id"),
    ({"ledger_account_type_id": "OVERHEADS", "name": "X", "display_name": "X", "nominal_code": 7777},
     "included_in_chart"),
    ({"ledger_account_type_id": "OVERHEADS", "included_in_chart": True, "name": "X" * 201, "display_name": "X",
      "nominal_code": 7777}, "name"),
    ({"ledger_account_type_id": "OVERHEADS", "included_in_chart": True, "name": "X", "display_name": "X",
      "nominal_code": 0}, "nominal_code"),
])
def test_create_ledger_account_errors(books: Books, body: dict[str, Any], source: str) -> None:
    problem(books.post("/ledger_accounts", {"ledger_account": body}), 422, "RecordInvalid", source)
    assert len(books.get("/ledger_accounts", items_per_page=200).json()["$items"]) == len(books.accounts)


def test_update_rules_for_control_and_bank_accounts(books: Books) -> None:
    debtors = f"/ledger_accounts/{books.accounts[DEBTORS]}"
    renamed = books.put(debtors, {"ledger_account": {"name": "Debtors", "display_name": "Debtors Control",
                                                     "visible_in_reporting": True, "control_name": "DEBTORS"}})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Debtors"
    problem(books.put(debtors, {"ledger_account": {"visible_in_journals": True}}), 422, "RecordInvalid",
            "visible_in_journals")
    problem(books.put(debtors, {"ledger_account": {"ledger_account_type_id": "FIXED_ASSETS"}}), 422, "RecordInvalid",
            "ledger_account_type_id")
    problem(books.put(debtors, {"ledger_account": {"included_in_chart": False}}), 422, "RecordInvalid",
            "included_in_chart")
    problem(books.put(debtors, {"ledger_account": {"control_name": "CREDITORS"}}), 422, "RecordInvalid",
            "control_name")
    problem(books.put(f"/ledger_accounts/{books.accounts[FREEHOLD]}", {"ledger_account": {"control_name": "X"}}),
            422, "RecordInvalid", "control_name")
    problem(books.put(f"/ledger_accounts/{books.accounts[FREEHOLD]}", {"ledger_account": {"nominal_code": 4900}}),
            422, "RecordInvalid", "nominal_code")
    problem(books.put(f"/ledger_accounts/{books.accounts[1210]}", {"ledger_account": {
        "ledger_account_type_id": "CURRENT_ASSETS"}}), 422, "RecordInvalid", "ledger_account_type_id")
    problem(books.put(f"/ledger_accounts/{'0' * 32}", {"ledger_account": {"name": "X"}}), 404, "RecordNotFound")
    assert books.client.delete(f"/v3.1{debtors}", headers=books.headers).status_code == 405


def test_balance_details_over_a_date_range(books: Books) -> None:
    books.journal("2024-01-10", (FREEHOLD, 100, 0), (CAPITAL, 0, 100))
    books.journal("2024-03-10", (CAPITAL, "40.50", 0), (FREEHOLD, 0, "40.50"))
    books.journal("2024-05-10", (FREEHOLD, "0.25", 0), (CAPITAL, 0, "0.25"))

    def details(**dates: str) -> dict[str, Any]:
        found: dict[str, Any] = _account(books, FREEHOLD, show_balance_details="true", **dates)["balance_details"]
        return found

    assert list(details()) == ["balance", "credit_or_debit", "credits", "debits", "from_date", "to_date"]
    assert details(from_date="2024-01-01", to_date="2024-01-31") == {
        "balance": "100.0", "credit_or_debit": "debit", "credits": "0.0", "debits": "100.0",
        "from_date": "2024-01-01", "to_date": "2024-01-31"}
    assert details(from_date="2024-02-01", to_date="2024-04-30")["balance"] == "40.5"
    assert details(from_date="2024-02-01", to_date="2024-04-30")["credit_or_debit"] == "credit"
    whole = details(from_date="2024-01-01", to_date="2024-12-31")
    assert (whole["balance"], whole["debits"], whole["credits"]) == ("59.75", "100.25", "40.5")
    assert Decimal(whole["balance"]) == books.balances(zeros=True)[FREEHOLD]
    assert details()["balance"] == "59.75"
    assert _account(books, FREEHOLD)["balance_details"] is None
    listed = books.get("/ledger_accounts", show_balance_details="true", from_date="2024-01-01",
                       to_date="2024-01-31", attributes="balance_details,nominal_code", items_per_page=200).json()
    by_code = {i["nominal_code"]: i["balance_details"] for i in listed["$items"]}
    assert by_code[CAPITAL]["balance"] == "100.0" and by_code[CAPITAL]["credit_or_debit"] == "credit"
    assert by_code[RENT]["balance"] == "0.0"
    problem(books.get(f"/ledger_accounts/{books.accounts[FREEHOLD]}", show_balance_details="true",
                      from_date="2024-02-01", to_date="2024-01-01"), 400, "InvalidParameter", "from_date")


def test_ledger_account_classifications_and_types(books: Books) -> None:
    listing = books.get("/ledger_account_classifications", ledger_account_type_id="SALES").json()
    assert listing == {"$total": 0, "$page": 1, "$next": None, "$back": None, "$itemsPerPage": 20, "$items": []}
    problem(books.get("/ledger_account_classifications/ANY"), 404, "RecordNotFound")
    types = books.get("/ledger_account_types", items_per_page=200).json()
    assert {"id": "OTHER_INCOME", "displayed_as": "Other Income", "$path": "/ledger_account_types/OTHER_INCOME"} in \
        types["$items"]


# --- tax rates -----------------------------------------------------------------------------------------------

def test_tax_rates_and_percentage_on_a_date(books: Books, frozen: Clock) -> None:
    listing = books.get("/tax_rates").json()
    assert [i["id"] for i in listing["$items"]] == ["GB_STANDARD", "GB_LOWER", "GB_ZERO", "GB_EXEMPT", "GB_NO_TAX"]
    assert listing["$items"][0] == {"id": "GB_STANDARD", "displayed_as": "Standard 20.00%",
                                    "$path": "/tax_rates/GB_STANDARD"}
    assert listing["$items"][4]["displayed_as"] == "No VAT"
    standard = books.get("/tax_rates/GB_STANDARD").json()
    assert list(standard) == TAX_RATE_KEYS
    assert standard["percentage"] == "20.0" and standard["is_combined_rate"] is False
    assert standard["percentages"] == [{"percentage": "17.5", "from_date": "2010-01-01", "to_date": "2011-01-03"},
                                       {"percentage": "20.0", "from_date": "2011-01-04", "to_date": None}]
    assert (standard["editable"], standard["deletable"], standard["component_tax_rates"]) == (False, False, [])
    old = books.get("/tax_rates/GB_STANDARD", date="2010-06-01").json()
    assert old["percentage"] == "17.5" and old["displayed_as"] == "Standard 17.50%"
    assert books.get("/tax_rates", date="2010-06-01").json()["$items"][0]["displayed_as"] == "Standard 17.50%"
    assert books.get("/tax_rates", usage="sales").json()["$total"] == 5
    assert books.get("/tax_rates", cis_only="true").json()["$total"] == 3  # tests/ledger/test_tax_rates.py
    problem(books.get("/tax_rates", usage="both"), 400, "InvalidParameter", "usage")
    problem(books.get("/tax_rates", date="June"), 400, "InvalidParameter", "date")
    problem(books.get("/tax_rates/US_NO_TAX"), 404, "RecordNotFound")


def test_tax_rate_writes_are_us_only(books: Books) -> None:
    source = "base"
    problem(books.post("/tax_rates", {"tax_rate": {"name": "City"}}), 422, "RecordInvalid", source)
    problem(books.put("/tax_rates/GB_STANDARD", {"tax_rate": {"name": "Std"}}), 422, "RecordInvalid", source)
    problem(books.delete("/tax_rates/GB_STANDARD"), 422, "RecordInvalid", source)
    problem(books.delete("/tax_rates/NOPE"), 404, "RecordNotFound")
    assert books.get("/tax_rates/GB_STANDARD").json()["name"] == "Standard"


def test_us_custom_and_combined_tax_rates(client: TestClient, factory: Factory, frozen: Clock) -> None:
    books = Books.open(client, factory, country="US")
    response = books.post("/tax_rates", {"tax_rate": {"name": "Springfield", "agency": "State of Illinois",
                                                      "component_tax_rate": [
                                                          {"name": "State", "percentage": 6.25},
                                                          {"name": "City", "agency": "City of Springfield",
                                                           "percentage": "2.5"}]}})
    assert response.status_code == 201, response.text
    combined = response.json()
    assert list(combined) == TAX_RATE_KEYS and len(combined["id"]) == 32
    assert combined["is_combined_rate"] is True and combined["percentage"] == "8.75"
    assert combined["displayed_as"] == "Springfield 8.75%" and combined["agency"] == "State of Illinois"
    assert combined["editable"] is True and combined["deletable"] is True
    parts = combined["component_tax_rates"]
    assert [(p["name"], p["agency"], p["percentage"]) for p in parts] == [
        ("State", "State of Illinois", "6.25"), ("City", "City of Springfield", "2.5")]
    assert "component_tax_rates" not in parts[0] and parts[0]["deletable"] is False

    # A new city rate from 1 July: the combined rate follows on that date only.
    city = parts[1]["$path"]
    changed = books.put(city, {"tax_rate": {"percentage": 3, "from_date": "2024-07-01"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["percentages"] == [
        {"percentage": "2.5", "from_date": "2010-01-01", "to_date": "2024-06-30"},
        {"percentage": "3.0", "from_date": "2024-07-01", "to_date": None}]
    assert books.get(combined["$path"]).json()["percentage"] == "8.75"
    assert books.get(combined["$path"], date="2024-07-01").json()["percentage"] == "9.25"
    problem(books.put(combined["$path"], {"tax_rate": {"percentage": 1}}), 422, "RecordInvalid", "percentage")
    problem(books.delete(city), 422, "RecordInvalid", "base")
    problem(books.put("/tax_rates/US_NO_TAX", {"tax_rate": {"name": "None"}}), 422, "RecordInvalid", "base")

    simple = books.post("/tax_rates", {"tax_rate": {"name": "Use tax", "is_visible": False}}).json()
    assert simple["percentage"] == "0.0" and simple["is_combined_rate"] is False and simple["is_visible"] is False
    renamed = books.put(simple["$path"], {"tax_rate": {"name": "Use tax IL", "percentage": "6.25"}}).json()
    assert renamed["name"] == "Use tax IL" and renamed["percentage"] == "6.25"
    assert books.delete(simple["$path"]).status_code == 204
    problem(books.get(simple["$path"]), 404, "RecordNotFound")
    assert [i["id"] for i in books.get("/tax_rates", deleted_since="2000-01-01").json()["$items"]] == [simple["id"]]
    assert books.delete(combined["$path"]).status_code == 204
    assert books.delete(city).status_code == 204
    problem(books.post("/tax_rates", {"tax_rate": {"agency": "X"}}), 422, "RecordInvalid", "name")
    problem(books.post("/tax_rates", {"tax_rate": {"name": "X", "component_tax_rate": [{"percentage": 1}]}}),
            422, "RecordInvalid", "component_tax_rate[0].name")


# --- ledger entries and transactions -------------------------------------------------------------------------

def test_ledger_entries_and_transactions(books: Books, frozen: Clock) -> None:
    first = books.journal("2024-01-10", (RENT, 12, 0), (CAPITAL, 0, 12), reference="A")
    frozen.advance(timedelta(minutes=2))
    second = books.journal("2024-02-10", (FREEHOLD, 7, 0), (CAPITAL, 0, 7), reference="B")

    entries = books.get("/ledger_entries", attributes="all").json()
    assert entries["$total"] == 4
    entry = entries["$items"][0]
    assert list(entry) == ENTRY_KEYS
    assert (entry["debit"], entry["credit"], entry["date"], entry["deleted"]) == ("12.0", "0.0", "2024-01-10", False)
    assert entry["ledger_account"]["id"] == books.accounts[RENT]
    assert entry["transaction"] == first["transaction"]
    assert books.get(entry["$path"]).json() == entry
    assert books.get("/ledger_entries", ledger_account_id=books.accounts[CAPITAL]).json()["$total"] == 2
    assert books.get("/ledger_entries", transaction_id=second["transaction"]["id"]).json()["$total"] == 2
    assert books.get("/ledger_entries", from_date="2024-02-01").json()["$total"] == 2
    assert books.get("/ledger_entries", to_date="2024-01-31").json()["$total"] == 2
    assert books.get("/ledger_entries", transaction_type_id="journal").json()["$total"] == 4
    assert books.get("/ledger_entries", transaction_type_id="SALES_INVOICE").json()["$total"] == 0
    assert books.get("/ledger_entries", journal_code_id="ANY").json()["$total"] == 0
    assert books.get("/ledger_entries", updated_or_created_since="2024-06-15T12:01:00Z").json()["$total"] == 2
    problem(books.get(f"/ledger_entries/{'0' * 32}"), 404, "RecordNotFound")

    transaction = books.get(second["transaction"]["$path"], expand_origin="true").json()
    assert list(transaction) == TRANSACTION_KEYS
    assert transaction["origin"] == {"id": second["id"], "displayed_as": "B", "$path": second["$path"], "links": []}
    assert (transaction["reference"], transaction["total"], transaction["deleted"]) == ("B", "7.0", False)
    assert transaction["transaction_type"]["id"] == "JOURNAL" and transaction["number_of_attachments"] == "0"
    listing = books.get("/transactions").json()
    assert [i["displayed_as"] for i in listing["$items"]] == ["A", "B"]
    assert books.get("/transactions", from_date="2024-02-01").json()["$total"] == 1
    assert books.get("/transactions", updated_from_date="2024-06-15").json()["$total"] == 2
    assert books.get("/transactions", updated_from_date="2024-06-16").json()["$total"] == 0
    assert books.get("/transactions", updated_to_date="2024-06-15").json()["$total"] == 2
    assert books.get("/transactions", updated_to_date="2024-06-14").json()["$total"] == 0
    assert books.get("/transactions", updated_or_created_since="2024-06-15T12:01:00Z").json()["$total"] == 1
    assert books.get("/transactions", has_attachments="true").json()["$total"] == 0
    assert books.get("/transactions", has_attachments="false").json()["$total"] == 2
    assert books.get("/transactions", transaction_type_id="OTHER_PAYMENT").json()["$total"] == 0
    problem(books.get("/transactions", updated_from_date="soon"), 400, "InvalidParameter", "updated_from_date")
    problem(books.get(f"/transactions/{'0' * 32}"), 404, "RecordNotFound")
    assert books.client.post("/v3.1/transactions", headers=books.headers, json={}).status_code == 405


# --- trial balance -------------------------------------------------------------------------------------------

def test_trial_balance_balances_and_matches_the_ledger(books: Books, frozen: Clock) -> None:
    books.journal("2023-03-01", (FREEHOLD, 500, 0), (SALES, 0, 500))
    books.journal("2024-02-01", (RENT, "200.10", 0), (CAPITAL, 0, "200.10"))
    books.journal("2024-03-01", (FREEHOLD, 50, 0), (OTHER_INCOME, 0, 50))
    books.journal("2025-01-05", (RENT, 999, 0), (CAPITAL, 0, 999))

    # Default: the financial year to date (1 Jan - 15 Jun 2024); last year's sales sit in retained earnings.
    report = books.get("/trial_balance").json()
    assert list(report) == ["$total", "$page", "$next", "$back", "$itemsPerPage", "$items", "$totals"]
    assert list(report["$items"][0]) == TRIAL_KEYS
    lines = {i["nominal_code"]: (i["debit"], i["credit"]) for i in report["$items"]}
    assert lines == {FREEHOLD: ("550.0", "0.0"), CAPITAL: ("0.0", "200.1"), RETAINED: ("0.0", "500.0"),
                     OTHER_INCOME: ("0.0", "50.0"), RENT: ("200.1", "0.0")}
    assert [i["nominal_code"] for i in report["$items"]] == sorted(lines)
    assert report["$totals"] == {"debit": "750.1", "credit": "750.1"}
    assert sum(Decimal(i["balance"]) for i in report["$items"]) == 0

    # From the beginning of time, every balance is the ledger's own sum of entries up to the date.
    everything = books.get("/trial_balance", from_date="2000-01-01", to_date="2030-12-31").json()
    ledger = {books.accounts[code]: amount for code, amount in books.balances().items()}
    assert {i["id"]: Decimal(i["balance"]) for i in everything["$items"]} == ledger
    assert Decimal(everything["$totals"]["debit"]) == sum(v for v in ledger.values() if v > 0)
    assert everything["$totals"]["debit"] == everything["$totals"]["credit"]

    page = books.get("/trial_balance", items_per_page=2, page=3, attributes="debit").json()
    assert (page["$total"], len(page["$items"]), page["$totals"]) == (5, 1, report["$totals"])
    assert list(page["$items"][0]) == ["id", "displayed_as", "$path", "debit"]
    assert books.get("/trial_balance", to_date="2022-12-31").json()["$items"] == []
    problem(books.get("/trial_balance", from_date="2024-02-01", to_date="2024-01-01"), 400, "InvalidParameter",
            "from_date")


def test_trial_balance_is_one_query_whatever_the_accounts(books: Books, runtime: Runtime) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def queries() -> int:
        statements.clear()
        event.listen(runtime.engine, "before_cursor_execute", count)
        try:
            assert books.get("/trial_balance", from_date="2024-01-01", to_date="2024-12-31").status_code == 200
        finally:
            event.remove(runtime.engine, "before_cursor_execute", count)
        # The daily balances answer it: the entries themselves are never read.
        assert not [s for s in statements if "ledger_entries" in s]
        return len([s for s in statements if "ledger_balances" in s])

    books.journal("2024-01-10", (RENT, 1, 0), (CAPITAL, 0, 1))
    few = queries()
    codes = [c for c in (10, 20, 30, 50, 4000, 4010, 4900, 5000, 7000, 7200, 7500, 7600) if c in books.accounts]
    for code in codes:
        books.journal("2024-02-10", (code, 3, 0), (CAPITAL, 0, 3))
    assert queries() == few == 1
