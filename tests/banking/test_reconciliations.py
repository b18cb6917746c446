"""Bank reconciliations and the (simulated) bank feed over HTTP, on SQLite and PostgreSQL.

The bank account's movements are made through the real endpoints (opening balance, receipts, other payments)
and every figure is checked by hand; reconciling never writes to the ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support import reference
from tests.support.books import Books, problem
from tests.support.factories import Factory

PATH = "/bank_reconciliations"


@pytest.fixture
def books(factory: Factory, client: TestClient) -> Iterator[Books]:
    opened = Books.open(client, factory)
    yield opened
    opened.check()


def reconcile(books: Books, statement_date: str, balance: str, expect: int = 201, **extra: Any) -> dict[str, Any]:
    return books.created(PATH, "bank_reconciliation", {"bank_account_id": books.bank(),
                                                       "statement_date": statement_date,
                                                       "statement_end_balance": balance, **extra}, expect)


def money_in(books: Books, on: str, amount: str) -> str:
    """A customer's payment on account into the current account; returns the payment id."""
    customer = books.contact("CUSTOMER")
    return str(books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": books.bank(),
        "date": on, "total_amount": amount})["id"])


def money_out(books: Books, on: str, amount: str) -> None:
    books.created("/other_payments", "other_payment", {
        "transaction_type_id": "OTHER_PAYMENT", "date": on, "bank_account_id": books.bank(), "total_amount": amount,
        "payment_lines": [{"ledger_account_id": books.accounts[7500], "total_amount": amount}]})


def january(books: Books) -> None:
    """Opening balance 1000 on 1 Jan, 200 in on 10 Jan, 50 out on 20 Jan, 75 in on 5 Feb."""
    books.created("/bank_opening_balances", "bank_opening_balance", {
        "bank_account_id": books.bank(), "date": "2024-01-01", "debit": "1000", "credit": "0"})
    money_in(books, "2024-01-10", "200")
    money_out(books, "2024-01-20", "50")
    money_in(books, "2024-02-05", "75")


def figures(rec: dict[str, Any]) -> tuple[str, ...]:
    return tuple(rec[k] for k in ("starting_balance", "total_received", "total_paid", "reconciled_balance",
                                  "closing_balance", "balance_difference"))


def test_wire_order_and_a_clean_reconciliation(books: Books) -> None:
    january(books)
    ledger = books.totals()
    rec = reconcile(books, "2024-01-31", "1150.00", reference="Statement 1")
    assert list(rec) == list(reference.definitions()["BankReconciliation"]["properties"])
    assert (rec["displayed_as"], rec["$path"], rec["statement_date"]) == ("Statement 1", f"{PATH}/{rec['id']}",
                                                                         "2024-01-31")
    assert rec["bank_account"] == {"id": books.bank(), "displayed_as": "Current (1200)",
                                   "$path": f"/bank_accounts/{books.bank()}"}
    assert figures(rec) == ("0.0", "1200.0", "50.0", "1150.0", "1150.0", "0.0")
    assert rec["status"] == {"id": "RECONCILED", "displayed_as": "Reconciled"}
    assert books.totals() == ledger, "reconciling posts nothing"
    assert books.get(f"{PATH}/{rec['id']}").json() == rec


def test_the_next_statement_starts_where_the_last_ended(books: Books) -> None:
    january(books)
    first = reconcile(books, "2024-01-31", "1150")
    money_in(books, "2024-01-15", "30")  # back-dated into the reconciled month: the next statement takes it
    second = reconcile(books, "2024-02-29", "1255")
    assert figures(second) == ("1150.0", "105.0", "0.0", "1255.0", "1255.0", "0.0")
    assert second["displayed_as"] == "Bank Reconciliation 2024-02-29"
    assert books.get(f"{PATH}/{first['id']}").json() == first, "a finished reconciliation keeps its figures"
    early = reconcile(books, "2024-01-30", "0", expect=422)
    assert early[0]["$source"] == "statement_date" and "2024-02-29" in early[0]["$message"]
    listed = books.get(PATH, bank_account_id=books.bank(), attributes="status").json()["$items"]
    assert [(i["id"], i["status"]["id"]) for i in listed] == [(first["id"], "RECONCILED"),
                                                              (second["id"], "RECONCILED")]
    assert books.get(PATH, bank_account_id="0" * 32).json()["$total"] == 0


def test_a_statement_that_does_not_agree_is_saved_for_later(books: Books) -> None:
    january(books)
    draft = reconcile(books, "2024-01-31", "1100")
    assert draft["status"] == {"id": "PARTIALLY_RECONCILED", "displayed_as": "Partially Reconciled"}
    assert figures(draft)[-1] == "-50.0"
    other = reconcile(books, "2024-01-31", "1150", expect=422)
    assert other[0]["$source"] == "bank_account_id", "one statement in progress per account"
    path = f"{PATH}/{draft['id']}"
    refused = books.put(path, {"bank_reconciliation": {"status_id": "RECONCILED"}})
    assert "-50" in problem(refused, 422, "RecordInvalid", "statement_end_balance")["$message"]
    # The missing 50 is booked; the next save sees it (a partial reconciliation is figured on every save).
    money_out(books, "2024-01-25", "50")
    kept = books.updated(path, "bank_reconciliation", {"reference": "Jan"})
    assert (kept["status"]["id"], kept["total_paid"], kept["balance_difference"]) == \
        ("PARTIALLY_RECONCILED", "100.0", "0.0")
    done = books.updated(path, "bank_reconciliation", {"status_id": "RECONCILED"})
    assert (done["status"]["id"], done["reconciled_balance"], done["reference"]) == ("RECONCILED", "1100.0", "Jan")
    asked = reconcile(books, "2024-02-29", "1175", status_id="PARTIALLY_RECONCILED")
    assert (asked["status"]["id"], asked["balance_difference"]) == ("PARTIALLY_RECONCILED", "0.0")
    problem(books.post(PATH, {"bank_reconciliation": {"bank_account_id": books.bank(), "statement_end_balance": "0",
                                                      "status_id": "RECONCILED"}}), 422, "RecordInvalid")


def test_finished_reconciliations_are_final_but_the_latest_can_be_reopened(books: Books) -> None:
    january(books)
    first = reconcile(books, "2024-01-31", "1150")
    second = reconcile(books, "2024-02-29", "1225")
    path = f"{PATH}/{second['id']}"
    problem(books.put(path, {"bank_reconciliation": {"statement_end_balance": "1"}}), 422, "RecordInvalid",
            "statement_end_balance")
    problem(books.put(path, {"bank_reconciliation": {"statement_date": "2024-03-01"}}), 422, "RecordInvalid",
            "statement_date")
    assert books.updated(path, "bank_reconciliation", {"reference": "Feb", "statement_end_balance": "1225.00",
                                                       "status_id": "reconciled"})["reference"] == "Feb"
    problem(books.put(f"{PATH}/{first['id']}", {"bank_reconciliation": {"status_id": "PARTIALLY_RECONCILED"}}),
            422, "RecordInvalid", "status_id")
    reopened = books.updated(path, "bank_reconciliation", {"status_id": "PARTIALLY_RECONCILED",
                                                           "statement_date": "2024-03-31"})
    assert (reopened["status"]["id"], reopened["total_received"]) == ("PARTIALLY_RECONCILED", "75.0")
    again = books.updated(path, "bank_reconciliation", {"status_id": "RECONCILED"})
    assert figures(again) == ("1150.0", "75.0", "0.0", "1225.0", "1225.0", "0.0")


def test_deleted_payments_cancel_out(books: Books) -> None:
    january(books)
    gone = money_in(books, "2024-01-12", "999")
    assert books.delete(f"/contact_payments/{gone}").status_code == 204
    rec = reconcile(books, "2024-01-31", "1150")
    assert figures(rec) == ("0.0", "1200.0", "50.0", "1150.0", "1150.0", "0.0")
    # Deleting a payment the bank already showed: its reversal is what the next statement shows.
    shown = money_in(books, "2024-02-10", "40")
    reconcile(books, "2024-02-29", "1265")
    assert books.delete(f"/contact_payments/{shown}").status_code == 204
    march = reconcile(books, "2024-03-31", "1225")
    assert figures(march) == ("1265.0", "0.0", "40.0", "1225.0", "1225.0", "0.0")


def test_validation(books: Books) -> None:
    problem(books.post(PATH, {"bank_reconciliation": {}}), 422, "RecordInvalid", "bank_account_id")
    problem(books.post(PATH, {"bank_reconciliation": {"bank_account_id": "0" * 32}}), 422, "RecordInvalid",
            "bank_account_id")
    problem(books.post(PATH, {"bank_reconciliation": {"bank_account_id": books.bank(), "status_id": "DONE"}}), 422,
            "RecordInvalid", "status_id")
    problem(books.post(PATH, {"bank_reconciliation": {"bank_account_id": books.bank(),
                                                      "statement_end_balance": "1.001"}}),
            422, "RecordInvalid", "statement_end_balance")
    # Nothing sent but the account: dated today, against a zero statement balance; nothing to reconcile.
    today = books.created(PATH, "bank_reconciliation", {"bank_account_id": books.bank(), "total_paid": "999"})
    assert (today["statement_date"], today["status"]["id"], today["total_paid"]) == \
        (books.factory.runtime.clock.now().date().isoformat(), "RECONCILED", "0.0")
    assert books.delete(f"{PATH}/{today['id']}").status_code == 405
    problem(books.get(f"{PATH}/{'0' * 32}"), 404, "RecordNotFound")


def test_bank_feed_is_simulated_locally(books: Books, client: TestClient, factory: Factory) -> None:
    bank = books.bank()
    response = books.get(f"/bank_accounts/{bank}/bank_feed")
    assert response.status_code == 200 and response.headers["X-Business"] == books.business_id
    assert response.json() == {"id": bank, "displayed_as": "Current (1200) (local bank feed)",
                               "$path": f"/bank_accounts/{bank}/bank_feed"}
    assert list(response.json()) == list(reference.definitions()["Base"]["properties"])
    problem(books.get(f"/bank_accounts/{'0' * 32}/bank_feed"), 404, "RecordNotFound")
    stranger = Books.open(client, factory)
    problem(stranger.get(f"/bank_accounts/{bank}/bank_feed"), 404, "RecordNotFound")
