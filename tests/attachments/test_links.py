"""Attachments seen from the records they belong to, on SQLite and PostgreSQL: the `has_attachments` filters of
documents, quick entries, other payments and transactions, and `number_of_attachments` on transactions.

A transaction's attachments are those `/attachments` shows on it: the ones naming it (`transaction_id`), and
those of its origin record while the record stands on it (an edited invoice's reversed transaction has none).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.books import Books
from tests.support.factories import Factory

FILE = base64.b64encode(b"%PDF-1.4 receipt").decode()


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Iterator[Books]:
    opened = Books.open(client, factory)
    yield opened
    opened.check()


def attach(books: Books, **context: Any) -> dict[str, Any]:
    return books.created("/attachments", "attachment", {"file": FILE, "file_name": "receipt.pdf",
                                                        "mime_type": "application/pdf", **context})


def to(type_id: str, record: dict[str, Any]) -> dict[str, str]:
    return {"attachment_context_type_id": type_id, "attachment_context_id": record["id"]}


def ids(books: Books, path: str, has: str) -> set[str]:
    return {item["id"] for item in books.get(path, has_attachments=has, items_per_page=200).json()["$items"]}


def line(books: Books, code: int = 4000) -> dict[str, Any]:
    return {"description": "Work", "ledger_account_id": books.accounts[code], "quantity": "1", "unit_price": "50",
            "tax_rate_id": "GB_ZERO"}


def sales_invoice(books: Books, customer: str) -> dict[str, Any]:
    return books.created("/sales_invoices", "sales_invoice", {"contact_id": customer, "date": "2024-03-01",
                                                              "invoice_lines": [line(books)]})


def test_document_lists_filter_by_their_own_attachments(books: Books) -> None:
    customer, supplier = books.contact(), books.contact("VENDOR")
    with_file, without = sales_invoice(books, customer), sales_invoice(books, customer)
    attach(books, **to("SALES_INVOICE", with_file))
    assert ids(books, "/sales_invoices", "true") == {with_file["id"]}
    assert ids(books, "/sales_invoices", "false") == {without["id"]}
    # A file on the contact is not a file on its invoices.
    attach(books, attachment_context_type_id="CONTACT", attachment_context_id=customer)
    assert ids(books, "/sales_invoices", "true") == {with_file["id"]}

    quote = books.created("/sales_quotes", "sales_quote", {"contact_id": customer, "date": "2024-03-01",
                                                           "expiry_date": "2024-04-01", "quote_lines": [line(books)]})
    purchase = books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": supplier, "date": "2024-03-01", "due_date": "2024-03-31", "vendor_reference": "P-1",
        "invoice_lines": [line(books, 5000)]})
    entry = books.created("/purchase_quick_entries", "purchase_quick_entry", {
        "quick_entry_type_id": "INVOICE", "contact_id": supplier, "date": "2024-03-01", "reference": "QE-1",
        "ledger_account_id": books.accounts[5000], "net_amount": "10", "tax_rate_id": "GB_ZERO"})
    for path, type_id, record in (("/sales_quotes", "SALES_QUOTE", quote),
                                  ("/purchase_invoices", "PURCHASE_INVOICE", purchase),
                                  ("/purchase_quick_entries", "PURCHASE_QUICK_ENTRY", entry)):
        assert ids(books, path, "true") == set() and ids(books, path, "false") == {record["id"]}
        attachment = attach(books, **to(type_id, record))
        assert ids(books, path, "true") == {record["id"]} and ids(books, path, "false") == set()
        assert books.delete(attachment["$path"]).status_code == 204
        assert ids(books, path, "true") == set()
    assert books.get("/sales_invoices", has_attachments="maybe").status_code == 400


def test_other_payments_filter_by_their_attachments(books: Books) -> None:
    bank = books.bank()

    def payment() -> dict[str, Any]:
        return books.created("/other_payments", "other_payment", {
            "transaction_type_id": "OTHER_PAYMENT", "date": "2024-02-10", "bank_account_id": bank,
            "total_amount": 12, "payment_lines": [{"ledger_account_id": books.accounts[7500], "total_amount": 12,
                                                   "tax_rate_id": "GB_ZERO"}]})

    first, second = payment(), payment()
    attach(books, **to("OTHER_PAYMENT", second))
    assert ids(books, "/other_payments", "true") == {second["id"]}
    assert ids(books, "/other_payments", "false") == {first["id"]}
    # Deleting the payment takes its attachment with it.
    assert books.delete(second["$path"]).status_code == 204
    assert ids(books, "/other_payments", "true") == set()


def test_transactions_count_what_attachments_show(books: Books) -> None:
    customer = books.contact()
    invoice = sales_invoice(books, customer)
    journal = books.journal("2024-03-02", (7100, 5, 0), (3000, 0, 5))

    def counts() -> dict[str, str]:
        items = books.get("/transactions", attributes="number_of_attachments", items_per_page=200).json()["$items"]
        return {item["id"]: item["number_of_attachments"] for item in items}

    posted = invoice["transaction"]["id"]
    assert set(counts().values()) == {"0"} and ids(books, "/transactions", "true") == set()
    on_invoice = attach(books, **to("SALES_INVOICE", invoice))
    attach(books, **to("SALES_INVOICE", invoice))
    named = attach(books, transaction_id=journal["transaction"]["id"])
    assert on_invoice["transaction"]["id"] == posted
    shown = counts()
    assert (shown[posted], shown[journal["transaction"]["id"]]) == ("2", "1")
    assert books.get(f"/transactions/{posted}").json()["number_of_attachments"] == "2"
    assert ids(books, "/transactions", "true") == {posted, journal["transaction"]["id"]}
    assert ids(books, "/transactions", "false") == set(shown) - {posted, journal["transaction"]["id"]}

    # Editing the invoice re-posts it: its attachments follow the standing transaction.
    books.updated(invoice["$path"], "sales_invoice", {"invoice_lines": [{**line(books), "unit_price": "60"}]})
    standing = books.get(invoice["$path"]).json()["transaction"]["id"]
    assert standing != posted
    assert books.get(on_invoice["$path"]).json()["transaction"]["id"] == standing
    shown = counts()
    assert (shown[posted], shown[standing]) == ("0", "2")
    assert ids(books, "/transactions", "true") == {standing, journal["transaction"]["id"]}
    assert books.delete(named["$path"]).status_code == 204
    assert counts()[journal["transaction"]["id"]] == "0"
