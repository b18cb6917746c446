"""API v2's endpoints v3.1 has no equivalent for (auth-and-legacy §7.4: "not supported yet"), served from the same
books: `period_types`, `sales_invoices/summary` and `summary`, read through signed v2 calls with figures worked out
by hand from a few documents (docs/legacy-v2.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from tests.legacy.test_v2_resources import diagnoses, v31
from tests.legacy.v2_client import V2
from tests.support.books import Books
from tests.support.factories import Factory


@pytest.fixture
def v2(client: TestClient, factory: Factory, frozen: Clock) -> V2:  # 15 June 2024
    return V2.open(Books.open(client, factory))


def _invoice(books: Books, customer: str, on: str, due: str, net: str, tax: str, **more: Any) -> str:
    return str(books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": on, "due_date": due, **more, "invoice_lines": [{
            "description": "Work", "ledger_account_id": books.accounts[4000], "quantity": 1, "unit_price": net,
            "tax_rate_id": "GB_STANDARD", "tax_amount": tax}]})["id"])


def _receipt(books: Books, customer: str, bank: str, on: str, invoice: str, amount: str) -> None:
    books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": bank, "date": on,
        "total_amount": amount, "allocated_artefacts": [{"artefact_id": invoice, "amount": amount}]})


@pytest.fixture
def documents(v2: V2) -> str:
    """On 15 June 2024: an overdue invoice (120.00, due 31 May), one part paid (240.00, 40.00 paid, due 10 July),
    one paid on 5 June (60.00), a draft (36.00), an overdue purchase invoice (96.00). Returns the bank account."""
    books = v2.books
    customer, supplier = books.contact(name="Ada"), books.contact("VENDOR", name="Supplies Ltd")
    bank = books.bank()
    _invoice(books, customer, "2024-05-01", "2024-05-31", "100.00", "20.00")
    part_paid = _invoice(books, customer, "2024-06-10", "2024-07-10", "200.00", "40.00")
    paid = _invoice(books, customer, "2024-06-01", "2024-07-01", "50.00", "10.00")
    _invoice(books, customer, "2024-06-14", "2024-07-14", "30.00", "6.00", status_id="DRAFT")
    books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": supplier, "date": "2024-06-02", "due_date": "2024-06-09", "vendor_reference": "S-1",
        "invoice_lines": [{"description": "Paper", "ledger_account_id": books.accounts[5000], "quantity": 1,
                           "unit_price": "80.00", "tax_rate_id": "GB_STANDARD", "tax_amount": "16.00"}]})
    _receipt(books, customer, bank, "2024-06-12", part_paid, "40.00")
    _receipt(books, customer, bank, "2024-06-05", paid, "60.00")
    return bank


def test_period_types_are_v1s_rate_frequencies_with_their_integer_ids(v2: V2) -> None:
    listed = v2.ok(v2.get("/accounts/v2/period_types"))
    assert {k: v for k, v in listed.items() if k != "$resources"} == {
        "$totalResults": 7, "$startIndex": 0, "$itemsPerPage": 20}
    assert listed["$resources"][:2] == [{"id": 1, "name": "Annually", "$key": 1}, {"id": 2, "name": "Daily", "$key": 2}]
    assert [p["name"] for p in listed["$resources"]] == [
        "Annually", "Daily", "Hourly", "Monthly", "Quarterly", "Weekly", "Fixed Rate"]
    assert v2.ok(v2.get("/accounts/v2/period_types/3")) == {"id": 3, "name": "Hourly", "$key": 3}
    page = v2.ok(v2.get("/accounts/v2/period_types", **{"$startIndex": 5, "$itemsPerPage": 5}))
    assert (page["$totalResults"], [p["id"] for p in page["$resources"]]) == (7, [6, 7])
    assert diagnoses(v2.get("/accounts/v2/period_types/8"), 404)[0]["$dataCode"] == "RecordNotFound"
    assert diagnoses(v2.call("POST", "/accounts/v2/period_types", [("period_type[name]", "x")]), 405)


def test_the_sales_invoice_summary_counts_drafts_unpaid_overdue_and_paid(v2: V2, documents: str) -> None:
    summary = v2.ok(v2.get("/accounts/v2/sales_invoices/summary"))
    assert (summary["date"], summary["to_date"]) == ("2024-06-15", "2024-06-15")
    assert summary["currency"]["displayed_as"] == "Pound Sterling (GBP)" and isinstance(summary["currency"]["id"], int)
    assert summary["drafts"] == {"count": 1, "total_amount": "36.0"}
    # 120.00 overdue and 240.00 with 200.00 left: 360.00 invoiced, 320.00 owed
    assert summary["unpaid"] == {"count": 2, "total_amount": "360.0", "outstanding_amount": "320.0"}
    assert summary["overdue"] == {"count": 1, "total_amount": "120.0", "outstanding_amount": "120.0"}
    assert summary["paid"] == {"count": 1, "total_amount": "60.0"}
    # settled on 5 June: outside a period from 6 June
    later = v2.ok(v2.get("/accounts/v2/sales_invoices/summary", from_date="2024-06-06"))
    assert (later["from_date"], later["paid"], later["unpaid"]["count"]) == ("2024-06-06",
                                                                            {"count": 0, "total_amount": "0.0"}, 2)
    problem = diagnoses(v2.get("/accounts/v2/sales_invoices/summary", from_date="2024-07-01"), 400)[0]
    assert (problem["$dataCode"], problem["$source"]) == ("InvalidParameter", "from_date")


def test_the_summary_is_the_dashboard_of_the_same_books(v2: V2, documents: str) -> None:
    summary = v2.ok(v2.get("/accounts/v2/summary"))
    assert summary["date"] == "2024-06-15"
    settings = v2.ok(v2.get("/accounts/v2/financial_settings"))
    assert summary["financial_year"]["end_date"] == settings["year_end_date"]
    banks = {b["bank_account"]["id"]: b["balance"] for b in summary["bank_accounts"]}
    ours = v2.ok(v2.get("/accounts/v2/bank_accounts"))["$resources"]
    paid_into = v31(v2, f"/bank_accounts/{documents}")["legacy_id"]
    assert set(banks) == {b["id"] for b in ours}
    assert banks[paid_into] == "100.0"  # 40.00 + 60.00 received
    assert all(balance == "0.0" for key, balance in banks.items() if key != paid_into)
    assert summary["debtors"] == {"total": "320.0", "overdue": "120.0"}
    assert summary["creditors"] == {"total": "96.0", "overdue": "96.0"}
    # posted nets: 100 + 200 + 50 of sales (the draft posts nothing), 80 of purchases
    assert (summary["sales"], summary["expenses"], summary["profit"]) == ("350.0", "80.0", "270.0")


def test_the_summaries_follow_the_clock_and_answer_only_get(v2: V2, documents: str, frozen: Clock) -> None:
    frozen.freeze(datetime(2024, 7, 11, 12, tzinfo=UTC))  # the part-paid invoice is now overdue too
    v2.renew()  # a v2 token lives 60 minutes
    summary = v2.ok(v2.get("/accounts/v2/sales_invoices/summary"))
    assert summary["overdue"] == {"count": 2, "total_amount": "360.0", "outstanding_amount": "320.0"}
    assert diagnoses(v2.call("POST", "/accounts/v2/summary"), 405)
    assert diagnoses(v2.get("/accounts/v2/summary/1"), 404)[0]["$dataCode"] == "RouteNotFound"
