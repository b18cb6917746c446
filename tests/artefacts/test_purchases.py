"""Purchase invoices and credit notes over HTTP, with their effect on the ledger (figures checked by hand)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.books import Books
from tests.support.factories import Factory

D = Decimal

# The swagger's PurchaseInvoice properties in order, less the conditional ones (deleted_at, detailed tax
# analysis, payments_allocations unless asked for, corrections).
PURCHASE_INVOICE_KEYS = [
    "id", "displayed_as", "$path", "created_at", "updated_at", "links", "editable", "vat_reverse_charge",
    "transaction", "transaction_type", "postponed_accounting", "import", "vat_exempt_consignment", "is_cis",
    "cis_applicable_amount", "base_currency_cis_applicable_amount", "total_after_cis_deduction",
    "base_currency_total_after_cis_deduction", "has_cis_labour", "has_cis_materials", "contact",
    "base_currency_total_itc_amount", "total_itc_amount", "base_currency_total_itr_amount", "total_itr_amount",
    "part_recoverable", "contact_name", "contact_reference", "date", "due_date", "reference", "vendor_reference",
    "notes", "total_quantity", "net_amount", "tax_amount", "total_amount", "payments_allocations_total_amount",
    "payments_allocations_total_discount", "total_paid", "outstanding_amount", "currency", "exchange_rate",
    "inverse_exchange_rate", "base_currency_net_amount", "base_currency_tax_amount", "base_currency_total_amount",
    "base_currency_outstanding_amount", "status", "void_reason", "invoice_lines", "tax_analysis", "last_paid",
    "tax_address_region", "withholding_tax_rate", "withholding_tax_amount", "base_currency_withholding_tax_amount",
    "tax_reconciled", "migrated", "tax_calculation_method"]
PURCHASE_LINE_KEYS = [
    "id", "displayed_as", "is_purchase_for_resale", "description", "product", "service", "ledger_account",
    "trade_of_asset", "quantity", "unit_price", "net_amount", "tax_rate", "tax_amount", "tax_breakdown",
    "total_amount", "base_currency_unit_price", "unit_price_includes_tax", "base_currency_net_amount",
    "base_currency_tax_amount", "base_currency_tax_breakdown", "base_currency_total_amount", "eu_goods_services_type",
    "gst_amount", "pst_amount", "tax_recoverable"]


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def _problem(response: Any, status: int, source: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    found = [p for p in response.json() if p["$source"] == source]
    assert found, response.json()
    return dict(found[0])


def _line(books: Books, code: int, description: str, quantity: str, unit_price: str, rate: str | None,
          tax: str | None = None) -> dict[str, Any]:
    line: dict[str, Any] = {"description": description, "ledger_account_id": books.accounts[code],
                            "quantity": quantity, "unit_price": unit_price}
    if rate:
        line["tax_rate_id"] = rate
    if tax is not None:
        line["tax_amount"] = tax
    return line


def _bill(books: Books, vendor: str, **extra: Any) -> dict[str, Any]:
    """Stock 12 x 8.75 = 105.00 at 20% (21.00); broadband 1 x 35.99 at 20% (7.198 -> 7.20); a book 1 x 14.99
    zero-rated. Net 155.98, tax 28.20, total 184.18."""
    return {"contact_id": vendor, "date": "2024-04-02", "due_date": "2024-05-02", "reference": "BILL-1042",
            "vendor_reference": "INV-88123",
            "invoice_lines": [_line(books, 5000, "Stock", "12", "8.75", "GB_STANDARD", "21.00"),
                              _line(books, 7502, "Broadband", "1", "35.99", "GB_STANDARD", "7.20"),
                              _line(books, 7502, "Manual", "1", "14.99", "GB_ZERO")],
            **extra}


def test_purchase_invoice_totals_and_ledger(books: Books) -> None:
    vendor = books.contact("VENDOR", name="Acme Supplies")
    bill = books.created("/purchase_invoices", "purchase_invoice", _bill(books, vendor))
    assert list(bill) == PURCHASE_INVOICE_KEYS
    assert all(list(line) == PURCHASE_LINE_KEYS for line in bill["invoice_lines"])
    assert (bill["displayed_as"], bill["reference"], bill["vendor_reference"]) == ("BILL-1042", "BILL-1042",
                                                                                 "INV-88123")
    assert bill["transaction_type"]["id"] == "PURCHASE_INVOICE" and bill["status"]["id"] == "UNPAID"
    assert (bill["net_amount"], bill["tax_amount"], bill["total_amount"]) == ("155.98", "28.2", "184.18")
    assert (bill["outstanding_amount"], bill["total_quantity"]) == ("184.18", "14.0")
    assert [(line["net_amount"], line["tax_amount"]) for line in bill["invoice_lines"]] == \
        [("105.0", "21.0"), ("35.99", "7.2"), ("14.99", "0.0")]
    # Dr Cost of sales 105.00, Dr Telephone 35.99 + 14.99, Dr VAT on purchases 28.20 / Cr Creditors 184.18.
    tx, entries = books.transaction(bill["transaction"]["id"])
    assert (tx.transaction_type_id, tx.reference, tx.origin_type) == ("PURCHASE_INVOICE", "BILL-1042",
                                                                      "purchase_invoices")
    assert entries == sorted([(2100, D(0), D("184.18")), (5000, D("105.00"), D(0)), (7502, D("35.99"), D(0)),
                              (7502, D("14.99"), D(0)), (2201, D("21.00"), D(0)), (2201, D("7.20"), D(0))])
    assert books.balances() == {2100: D("-184.18"), 5000: D("105.00"), 7502: D("50.98"), 2201: D("28.20")}


def test_purchase_credit_note_reverses_the_sides(books: Books) -> None:
    vendor = books.contact("VENDOR")
    note = books.created("/purchase_credit_notes", "purchase_credit_note", {
        "contact_id": vendor, "date": "2024-04-10", "vendor_reference": "CN-5",
        "credit_note_lines": [_line(books, 5000, "Damaged", "2", "8.75", "GB_STANDARD", "3.50")]})
    assert note["displayed_as"] == "CN-5" and note["transaction_type"]["id"] == "PURCHASE_CREDIT_NOTE"
    assert "due_date" not in note and note["total_amount"] == "21.0"
    _tx, entries = books.transaction(note["transaction"]["id"])
    assert entries == sorted([(2100, D("21.00"), D(0)), (5000, D(0), D("17.50")), (2201, D(0), D("3.50"))])


def test_supplier_rules(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    response = books.post("/purchase_invoices", {"purchase_invoice": _bill(books, customer)})
    assert _problem(response, 422, "contact_id")["$message"] == "Couldn't find Supplier."
    vendor = books.contact("VENDOR")
    body = _bill(books, vendor)
    del body["due_date"]
    body["invoice_lines"][0]["ledger_account_id"] = books.accounts[4000]  # a sales account
    del body["invoice_lines"][1]["quantity"]
    response = books.post("/purchase_invoices", {"purchase_invoice": body})
    assert _problem(response, 422, "due_date")["$message"] == "Field required"
    body["due_date"] = "2024-05-02"
    response = books.post("/purchase_invoices", {"purchase_invoice": body})
    assert "cannot be used in expenses" in _problem(response, 422, "invoice_lines[0].ledger_account_id")["$message"]
    _problem(response, 422, "invoice_lines[1].quantity")
    both = books.contact("CUSTOMER", "VENDOR")
    assert books.created("/purchase_invoices", "purchase_invoice", _bill(books, both))["contact"]["id"] == both
    assert books.delete("/purchase_invoices/nope").status_code == 404


def test_purchase_drafts_release_and_delete(books: Books) -> None:
    vendor = books.contact("VENDOR")
    draft = books.created("/purchase_invoices", "purchase_invoice", _bill(books, vendor, status_id="DRAFT"))
    assert draft["transaction"] is None and books.transactions() == []
    response = books.post(f"/purchase_invoices/{draft['id']}/release")
    assert response.status_code == 201 and response.json()["status"]["id"] == "UNPAID"
    assert books.balances()[2100] == D("-184.18")

    other = books.created("/purchase_invoices", "purchase_invoice", _bill(books, vendor, status_id="DRAFT"))
    assert books.delete(f"/purchase_invoices/{other['id']}").status_code == 204
    assert books.get(f"/purchase_invoices/{other['id']}").status_code == 404
    assert [i["id"] for i in books.get("/purchase_invoices", deleted_since="2000-01-01").json()["$items"]] == \
        [other["id"]]


def test_deleting_a_posted_purchase_invoice_voids_it(books: Books) -> None:
    vendor = books.contact("VENDOR")
    bill = books.created("/purchase_invoices", "purchase_invoice", _bill(books, vendor))
    response = books.delete(f"/purchase_invoices/{bill['id']}")
    assert response.status_code == 204 and response.content == b""
    kept = books.get(f"/purchase_invoices/{bill['id']}").json()
    assert (kept["status"]["id"], kept["outstanding_amount"], kept["editable"]) == ("VOID", "0.0", False)
    assert books.balances() == {}
    debits, credits = books.totals()
    assert debits == credits == D("368.36")
    assert books.delete(f"/purchase_invoices/{bill['id']}").status_code == 422


def test_editing_a_purchase_invoice_reposts(books: Books) -> None:
    vendor = books.contact("VENDOR")
    bill = books.created("/purchase_invoices", "purchase_invoice", _bill(books, vendor))
    stock = bill["invoice_lines"][0]
    # Only the stock line stays, now 10 x 8.75 = 87.50 at 20% = 17.50.
    edited = books.updated(f"/purchase_invoices/{bill['id']}", "purchase_invoice", {
        "vendor_reference": "INV-88123-A",
        "invoice_lines": [{"id": stock["id"], "quantity": "10", "tax_amount": "17.50"}]})
    assert (edited["total_amount"], edited["vendor_reference"]) == ("105.0", "INV-88123-A")
    assert books.balances() == {2100: D("-105.00"), 5000: D("87.50"), 2201: D("17.50")}
    assert len(books.transactions()) == 3


def test_purchase_lists(books: Books) -> None:
    vendor = books.contact("VENDOR", name="Paper Mill")
    first = books.created("/purchase_invoices", "purchase_invoice", _bill(books, vendor))
    second = books.created("/purchase_invoices", "purchase_invoice", _bill(books, vendor, reference="BILL-2",
                                                                       vendor_reference="X-1", date="2024-04-20"))
    listed = books.get("/purchase_invoices", search="x-1").json()
    assert [i["id"] for i in listed["$items"]] == [second["id"]] and listed["$items"][0]["displayed_as"] == "BILL-2"
    assert [i["id"] for i in books.get("/purchase_invoices", search="paper", sort="date:desc").json()["$items"]] \
        == [second["id"], first["id"]]
    assert books.get("/purchase_invoices", status_id="UNPAID", contact_id=vendor).json()["$total"] == 2
    shown = books.get(f"/purchase_invoices/{first['id']}", show_payments_allocations="true").json()
    assert shown["payments_allocations"] == []
    assert books.get("/purchase_credit_notes", sort="due_date").status_code == 400
