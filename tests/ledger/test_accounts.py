"""Ledger accounts over HTTP (SQLite and PostgreSQL): wire shape, filters, writes and their rules, balance
details, classifications and types. Every balance is checked against the ledger's own sums."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.support.books import Books, problem

ACCOUNT_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "ledger_account_group", "name",
                "display_name", "visible_scopes", "included_in_chart", "nominal_code", "ledger_account_type",
                "ledger_account_classification", "tax_rate", "fixed_tax_rate", "visible_in_banking",
                "visible_in_expenses", "visible_in_journals", "visible_in_other_payments", "visible_in_other_receipts",
                "visible_in_reporting", "visible_in_sales", "balance_details", "is_control_account", "control_name",
                "display_formatted", "tax_recoverable", "recoverable_percentage", "non_recoverable_ledger_account",
                "cis_materials", "tax_instalment", "cis_labour", "gifi_code"]
FREEHOLD, BANK, DEBTORS, CAPITAL, SALES, OTHER_INCOME, RENT = 10, 1200, 1100, 3000, 4000, 4900, 7100


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
    # Current, Cash in Hand and Petty Cash (Sage's standard UK layout).
    assert codes(ledger_account_type_id="BANK") == [1200, 1210, 1230]
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
