"""Bank accounts, transfers, deposits and bank opening balances over HTTP, on SQLite and PostgreSQL.

Every money movement is checked in the ledger: a bank account's `balance` is the sum of its ledger
account's entries, and the books stay balanced.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.ledger.models import LedgerAccount
from tests.support.books import Books, D
from tests.support.factories import Factory

BANK_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "deleted_at", "bank_account_details",
             "ledger_account", "bank_account_type", "balance", "main_address", "main_contact_person", "nominal_code",
             "editable", "deletable", "journal_code", "default_payment_method", "gifi_code", "is_active", "currency"]
TRANSFER_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "transaction", "transaction_type",
                 "deleted_at", "from_bank_account", "to_bank_account", "date", "reference", "amount", "description"]
DEPOSIT_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "transaction", "transaction_type",
                "deleted_at", "from_bank_account", "to_bank_account", "date", "reference", "cash_amount",
                "cheque_amount", "total_amount"]
OPENING_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "transaction", "transaction_type",
                "bank_account", "date", "debit", "credit"]


@pytest.fixture
def books(factory: Factory, client: TestClient) -> Iterator[Books]:
    opened = Books.open(client, factory)
    yield opened
    opened.check()


def problem(response: Any, source: str, status: int = 422) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body[0]["$source"] == source, body
    return str(body[0]["$message"])


def balance_of(books: Books, bank_id: str) -> str:
    return str(books.get(f"/bank_accounts/{bank_id}").json()["balance"])


def new_bank(books: Books, name: str = "Savings", **extra: Any) -> dict[str, Any]:
    return books.created("/bank_accounts", "bank_account", {
        "bank_account_type_id": "SAVINGS", "bank_account_details": {"account_name": name}, **extra})


def test_seeded_bank_accounts_and_wire_shape(books: Books) -> None:
    listed = books.get("/bank_accounts", attributes="all")
    assert listed.status_code == 200, listed.text
    items = listed.json()["$items"]
    assert [(i["displayed_as"], i["bank_account_type"]["id"], i["nominal_code"]) for i in items] == [
        ("Current (1200)", "CHECKING", 1200), ("Cash in Hand (1210)", "CASH_IN_HAND", 1210),
        ("Petty Cash (1230)", "CASH_IN_HAND", 1230)]
    current = items[0]
    assert list(current) == BANK_KEYS
    assert current["balance"] == "0.0" and current["currency"]["id"] == "GBP" and current["is_active"] is True
    assert current["bank_account_details"] == {"account_name": "Current", "account_number": None, "sort_code": None,
                                               "bic": None, "iban": None}
    assert current["ledger_account"]["displayed_as"] == "Current (1200)"
    assert current["deletable"] is False  # the main bank account is a control account
    assert items[1]["deletable"] is True
    plain = books.get("/bank_accounts").json()["$items"][0]
    assert list(plain) == ["id", "displayed_as", "$path"]
    assert books.get("/bank_accounts", exclude_stripe="true").json()["$total"] == 3
    assert books.get("/bank_accounts", exclude_stripe="maybe").status_code == 400


def test_create_update_and_delete_a_bank_account(books: Books) -> None:
    made = new_bank(books, "Reserve", currency_id="GBP", default_payment_method_id="BANK_TRANSFER",
                    main_address={"address_line_1": "1 High St", "city": "Leeds", "country_id": "GB"},
                    main_contact_person={"name": "Manager", "telephone": "0113"})
    assert list(made) == BANK_KEYS
    assert (made["nominal_code"], made["displayed_as"]) == (1201, "Reserve (1201)")
    # The main address and person are records, linked as Sage links them.
    assert list(made["main_address"]) == list(made["main_contact_person"]) == ["id", "displayed_as", "$path"]
    address = books.get(made["main_address"]["$path"]).json()
    assert (address["city"], address["country"]["id"], address["is_main_address"]) == ("Leeds", "GB", True)
    assert address["bank_account"]["id"] == made["id"] and address["contact"] is None
    person = books.get(made["main_contact_person"]["$path"]).json()
    assert (person["name"], person["telephone"], person["job_title"]) == ("Manager", "0113", "")
    assert person["address"]["id"] == address["id"]
    nested = books.get(f"/bank_accounts/{made['id']}", nested_attributes="all").json()
    assert nested["main_address"]["city"] == "Leeds" and nested["main_contact_person"]["name"] == "Manager"
    assert made["default_payment_method"]["id"] == "BANK_TRANSFER"
    account = books.tx(lambda db: db.get(LedgerAccount, made["ledger_account"]["id"]))
    assert (account.ledger_account_type_id, account.nominal_code, account.visible_in) == ("BANK", 1201,
                                                                                         ["banking", "reporting"])
    assert new_bank(books, "Second")["nominal_code"] == 1202
    assert new_bank(books, "Chosen", nominal_code=1250)["nominal_code"] == 1250

    problem(books.post("/bank_accounts", {"bank_account": {"bank_account_type_id": "SAVINGS",
                                                           "bank_account_details": {}}}),
            "bank_account_details.account_name")
    problem(books.post("/bank_accounts", {"bank_account": {"bank_account_type_id": "SAVINGS"}}),
            "bank_account_details")
    problem(books.post("/bank_accounts", {"bank_account": {"bank_account_type_id": "PIGGY",
                                                           "bank_account_details": {"account_name": "X"}}}),
            "bank_account_type_id")
    assert problem(books.post("/bank_accounts", {"bank_account": {
        "bank_account_type_id": "SAVINGS", "nominal_code": 1200, "bank_account_details": {"account_name": "X"}}}),
        "nominal_code") == "must be unique."
    problem(books.post("/bank_accounts", {"bank_account": {
        "bank_account_type_id": "SAVINGS", "currency_id": "XYZ", "bank_account_details": {"account_name": "X"}}}),
        "currency_id")

    changed = books.put(f"/bank_accounts/{made['id']}", {"bank_account": {
        "bank_account_details": {"account_name": "Rainy Day", "sort_code": "12-34-56"}, "is_active": False,
        "nominal_code": 1260}})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["displayed_as"] == "Rainy Day (1260)" and body["bank_account_details"]["sort_code"] == "12-34-56"
    assert body["is_active"] is False
    active = books.get("/bank_accounts", filter_inactive_bank_accounts="true").json()["$items"]
    assert made["id"] not in [i["id"] for i in active]
    assert len(books.get("/bank_accounts").json()["$items"]) == 6

    assert books.put(f"/bank_accounts/{made['id']}", {"bank_account": {
        "main_address": {"city": "York"}, "main_contact_person": {"email": "m@bank.example"}}}).status_code == 200
    assert books.get(made["main_address"]["$path"]).json()["city"] == "York"
    assert books.get(made["main_contact_person"]["$path"]).json()["email"] == "m@bank.example"

    assert books.delete(f"/bank_accounts/{made['id']}").status_code == 204
    assert books.get(f"/bank_accounts/{made['id']}").status_code == 404
    assert books.get(made["main_address"]["$path"]).status_code == 404  # its address and person went with it
    assert books.get(made["main_contact_person"]["$path"]).status_code == 404
    gone = books.get("/bank_accounts", deleted_since="2000-01-01").json()["$items"]
    assert [g["id"] for g in gone] == [made["id"]]
    assert books.tx(lambda db: db.get(LedgerAccount, made["ledger_account"]["id"])) is None
    problem(books.delete(f"/bank_accounts/{books.bank()}"), "base")


def test_bank_account_with_entries_cannot_be_deleted(books: Books) -> None:
    savings = new_bank(books)
    made = books.created("/bank_opening_balances", "bank_opening_balance", {
        "bank_account_id": savings["id"], "date": "2024-01-01", "debit": 10, "credit": 0})
    assert books.get(f"/bank_accounts/{savings['id']}").json()["deletable"] is False
    problem(books.delete(f"/bank_accounts/{savings['id']}"), "base")
    problem(books.put(f"/bank_accounts/{savings['id']}", {"bank_account": {"currency_id": "EUR"}}), "currency_id")
    # Deleting the opening balance reverses it; the entries stay, so the account still cannot go.
    assert books.delete(f"/bank_opening_balances/{made['id']}").status_code == 204
    assert balance_of(books, savings["id"]) == "0.0"
    problem(books.delete(f"/bank_accounts/{savings['id']}"), "base")


def test_transfers_move_money_between_accounts(books: Books) -> None:
    current, savings = books.bank(), new_bank(books)["id"]
    made = books.post("/bank_transfers", {"bank_transfer": {
        "from_bank_account_id": current, "to_bank_account_id": savings, "date": "2024-02-01", "amount": "250.00",
        "reference": "Sweep", "description": "Monthly sweep"}})
    assert made.status_code == 201, made.text
    body = made.json()
    assert list(body) == TRANSFER_KEYS
    assert body["transaction_type"]["id"] == "BANK_TRANSFER" and body["amount"] == "250.0"
    assert body["from_bank_account"]["id"] == current and body["to_bank_account"]["id"] == savings
    assert (balance_of(books, current), balance_of(books, savings)) == ("-250.0", "250.0")

    problem(books.post("/bank_transfers", {"bank_transfer": {
        "from_bank_account_id": current, "to_bank_account_id": current, "date": "2024-02-01", "amount": 1}}),
        "to_bank_account_id")
    problem(books.post("/bank_transfers", {"bank_transfer": {
        "from_bank_account_id": "0" * 32, "to_bank_account_id": current, "date": "2024-02-01", "amount": 1}}),
        "from_bank_account_id")
    problem(books.post("/bank_transfers", {"bank_transfer": {
        "from_bank_account_id": current, "to_bank_account_id": savings, "date": "2024-02-01", "amount": 0}}),
        "amount")

    changed = books.put(f"/bank_transfers/{body['id']}", {"bank_transfer": {"amount": 100, "date": "2024-02-03"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["transaction"]["id"] != body["transaction"]["id"]
    assert (balance_of(books, current), balance_of(books, savings)) == ("-100.0", "100.0")
    problem(books.put(f"/bank_transfers/{body['id']}", {"bank_transfer": {"to_bank_account_id": current}}),
            "to_bank_account_id")

    later = books.created("/bank_transfers", "bank_transfer", {
        "from_bank_account_id": savings, "to_bank_account_id": current, "date": "2024-03-01", "amount": 40})
    assert later["displayed_as"] == "Bank Transfer"
    ids = [i["id"] for i in books.get("/bank_transfers", sort="date:desc").json()["$items"]]
    assert ids == [later["id"], body["id"]]
    assert [i["id"] for i in books.get("/bank_transfers", from_date="2024-02-02", to_date="2024-02-28")
            .json()["$items"]] == [body["id"]]
    assert books.delete(f"/bank_transfers/{body['id']}").status_code == 204
    assert (balance_of(books, current), balance_of(books, savings)) == ("40.0", "-40.0")
    assert [g["id"] for g in books.get("/bank_transfers", deleted_since="2000-01-01").json()["$items"]] == [
        body["id"]]


def test_deposits_take_cash_in_hand_to_the_bank(books: Books) -> None:
    current, cash = books.bank(), books.bank("CASH_IN_HAND")
    made = books.post("/bank_deposits", {"bank_deposit": {
        "from_bank_account_id": cash, "to_bank_account_id": current, "date": "2024-02-01", "reference": "Takings",
        "cash_amount": 80, "cheque_amount": "20.50"}})
    assert made.status_code == 201, made.text
    body = made.json()
    assert list(body) == DEPOSIT_KEYS
    assert (body["total_amount"], body["transaction_type"]["id"]) == ("100.5", "DEPOSIT")
    assert (balance_of(books, current), balance_of(books, cash)) == ("100.5", "-100.5")

    def bad(**fields: Any) -> Any:
        return books.post("/bank_deposits", {"bank_deposit": {
            "from_bank_account_id": cash, "to_bank_account_id": current, "date": "2024-02-01", "reference": "R",
            "cash_amount": 10, **fields}})

    problem(bad(from_bank_account_id=current, to_bank_account_id=cash), "from_bank_account_id")
    problem(bad(total_amount=11), "total_amount")
    problem(bad(cash_amount=0), "cash_amount")
    problem(bad(reference=None), "reference")
    assert books.put(f"/bank_deposits/{body['id']}", {"bank_deposit": {"cash_amount": 1}}).status_code == 405
    assert books.get("/bank_deposits", from_date="2024-02-02").json()["$total"] == 0
    assert books.delete(f"/bank_deposits/{body['id']}").status_code == 204
    assert (balance_of(books, current), balance_of(books, cash)) == ("0.0", "0.0")


def test_bank_opening_balances(books: Books) -> None:
    current = books.bank()
    made = books.post("/bank_opening_balances", {"bank_opening_balance": {
        "bank_account_id": current, "date": "2023-12-31", "debit": "1000.00", "credit": 0}})
    assert made.status_code == 201, made.text
    body = made.json()
    assert list(body) == OPENING_KEYS
    assert body["transaction_type"]["id"] == "BANK_OPENING_BALANCE" and body["bank_account"]["id"] == current
    assert balance_of(books, current) == "1000.0"
    assert books.balance(role="OPENING_BALANCES") == D("-1000.00")
    problem(books.post("/bank_opening_balances", {"bank_opening_balance": {
        "bank_account_id": current, "date": "2023-12-31", "debit": 1, "credit": 0}}), "bank_account_id")
    cash = books.bank("CASH_IN_HAND")
    problem(books.post("/bank_opening_balances", {"bank_opening_balance": {
        "bank_account_id": cash, "date": "2023-12-31", "debit": 1, "credit": 1}}), "credit")
    problem(books.post("/bank_opening_balances", {"bank_opening_balance": {
        "bank_account_id": cash, "date": "2023-12-31", "debit": 0, "credit": 0}}), "debit")

    overdrawn = books.put(f"/bank_opening_balances/{body['id']}", {"bank_opening_balance": {"debit": 0,
                                                                                         "credit": 50}})
    assert overdrawn.status_code == 200, overdrawn.text
    assert balance_of(books, current) == "-50.0" and books.balance(role="OPENING_BALANCES") == D("50.00")
    assert [i["id"] for i in books.get("/bank_opening_balances", bank_account_id=current).json()["$items"]] == [
        body["id"]]
    assert books.get("/bank_opening_balances", bank_account_id=cash).json()["$total"] == 0
    assert books.delete(f"/bank_opening_balances/{body['id']}").status_code == 204
    assert balance_of(books, current) == "0.0"


def test_balance_is_the_sum_of_the_ledger_entries(books: Books) -> None:
    current, cash = books.bank(), books.bank("CASH_IN_HAND")
    customer = books.contact("CUSTOMER", name="Ada")
    invoice = books.document(customer, "300.00")
    books.created("/bank_opening_balances", "bank_opening_balance", {
        "bank_account_id": cash, "date": "2023-12-31", "debit": 500, "credit": 0})
    books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": cash,
        "date": "2024-01-15", "total_amount": 300, "allocated_artefacts": [{"artefact_id": invoice, "amount": 300}]})
    books.created("/bank_deposits", "bank_deposit", {
        "from_bank_account_id": cash, "to_bank_account_id": current, "date": "2024-01-16", "reference": "Banked",
        "cash_amount": 600})
    books.created("/bank_transfers", "bank_transfer", {
        "from_bank_account_id": current, "to_bank_account_id": cash, "date": "2024-01-17", "amount": 75})
    for bank_id, expected in ((current, "525.0"), (cash, "275.0")):
        shown = books.get(f"/bank_accounts/{bank_id}").json()
        assert shown["balance"] == expected
        assert books.balance(account_id=shown["ledger_account"]["id"]) == D(expected)


def test_banking_access_rules(books: Books, factory: Factory) -> None:
    assert books.client.get("/v3.1/bank_accounts").status_code == 401
    stranger = Books.open(books.client, factory)
    assert stranger.get(f"/bank_accounts/{books.bank()}").status_code == 404
    problem(stranger.post("/bank_transfers", {"bank_transfer": {
        "from_bank_account_id": books.bank(), "to_bank_account_id": stranger.bank(), "date": "2024-01-01",
        "amount": 1}}), "from_bank_account_id")
    owner = factory.user()
    business = factory.business(owner)
    read_only = factory.headers(owner, scope="readonly", business=business.id)
    denied = books.client.post("/v3.1/bank_accounts", headers=read_only, json={"bank_account": {
        "bank_account_type_id": "SAVINGS", "bank_account_details": {"account_name": "X"}}})
    assert denied.status_code == 403
