"""Contact payments, contact allocations, other payments, contact opening balances, unallocated artefacts.

Each scenario drives the real app over HTTP on SQLite and PostgreSQL and ends by checking the books:
Σ debits = Σ credits, and every contact's DEBTORS/CREDITORS balance equals what its open documents
(less payments on account and credit notes) still have outstanding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.books import Books, D
from tests.support.factories import Factory

PAYMENT_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "links", "transaction",
                "transaction_type", "deleted_at", "payment_method", "contact", "bank_account", "date", "net_amount",
                "tax_amount", "total_amount", "currency", "exchange_rate", "base_currency_net_amount",
                "base_currency_tax_amount", "base_currency_total_amount", "base_currency_currency_charge",
                "reference", "allocated_artefacts", "tax_rate", "payment_on_account", "editable"]
ON_ACCOUNT_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "contact_name", "contact_reference",
                   "contact", "date", "reference", "net_amount", "tax_amount", "total_amount", "outstanding_amount",
                   "currency", "exchange_rate", "base_currency_net_amount", "base_currency_tax_amount",
                   "base_currency_total_amount", "base_currency_outstanding_amount", "status"]
ALLOCATION_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "links", "transaction",
                   "transaction_type", "deleted_at", "date", "contact", "allocated_artefacts"]
OTHER_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "transaction", "transaction_type",
              "deleted_at", "base_currency_total_itc_amount", "total_itc_amount", "base_currency_total_itr_amount",
              "total_itr_amount", "part_recoverable", "payment_method", "contact", "bank_account",
              "tax_address_region", "date", "net_amount", "tax_amount", "total_amount", "reference", "payment_lines",
              "editable", "deletable", "withholding_tax_rate", "withholding_tax_amount"]
OTHER_LINE_KEYS = ["id", "displayed_as", "analysis_type_categories", "ledger_account", "details", "tax_rate",
                   "net_amount", "tax_amount", "total_amount", "tax_breakdown", "is_purchase_for_resale",
                   "trade_of_asset", "gst_amount", "pst_amount", "tax_recoverable"]
OPENING_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "transaction", "transaction_type",
                "deleted_at", "contact_opening_balance_type", "contact", "date", "reference", "details", "net_amount",
                "tax_rate", "tax_amount", "tax_breakdown", "total_amount", "currency", "exchange_rate",
                "base_currency_net_amount", "base_currency_tax_amount", "base_currency_tax_breakdown",
                "base_currency_total_amount"]


@pytest.fixture
def books(factory: Factory, client: TestClient) -> Iterator[Books]:
    opened = Books.open(client, factory)
    yield opened
    opened.check()


def receipt(books: Books, contact: str, total: str, *allocs: tuple[str, str] | tuple[str, str, str],
            kind: str = "CUSTOMER_RECEIPT", on: str = "2024-02-01", **extra: Any) -> Any:
    fields = {"transaction_type_id": kind, "contact_id": contact, "bank_account_id": books.bank(), "date": on,
              "total_amount": total, "allocated_artefacts": [
                  {"artefact_id": a[0], "amount": a[1], **({"discount": a[2]} if len(a) > 2 else {})}
                  for a in allocs], **extra}
    return books.post("/contact_payments", {"contact_payment": fields})


def problem(response: Any, source: str, status: int = 422) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body[0]["$source"] == source, body
    assert list(body[0]) == ["$severity", "$dataCode", "$message", "$source"]
    return str(body[0]["$message"])


def test_a_payment_cannot_settle_a_document_dated_after_it(books: Books) -> None:
    # An invoice of 15 March for 120.00; a receipt of 1 March cannot settle it (it would age nothing while the
    # control account already holds the credit): it is refused, nothing written, the invoice still owes 120.00.
    customer = books.contact("CUSTOMER")
    invoice = books.document(customer, "120.00", on=dt.date(2024, 3, 15))
    message = problem(receipt(books, customer, "120", (invoice, "120"), on="2024-03-01"),
                      "allocated_artefacts[0].artefact_id")
    assert "dated 2024-03-15, after 2024-03-01" in message
    assert books.get("/contact_payments").json()["$total"] == 0
    assert books.state(invoice) == ("UNPAID", D("120.00"))
    # The same day settles it.
    assert receipt(books, customer, "120", (invoice, "120"), on="2024-03-15").status_code == 201
    assert books.state(invoice) == ("PAID", D("0.00"))


def test_partial_then_full_receipt_moves_status_and_books(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Ada")
    invoice = books.document(customer, "120.00", tax="20.00")
    assert books.state(invoice) == ("UNPAID", D("120.00"))

    first = receipt(books, customer, 50, (invoice, "50.00"), reference="Part", payment_method_id="BANK_TRANSFER")
    assert first.status_code == 201, first.text
    body = first.json()
    assert list(body) == PAYMENT_KEYS
    assert body["transaction_type"] == {"id": "CUSTOMER_RECEIPT", "displayed_as": "Customer Receipt",
                                        "$path": "/transaction_types/CUSTOMER_RECEIPT"}
    assert body["total_amount"] == "50.0" and body["base_currency_total_amount"] == "50.0"
    assert body["currency"]["id"] == "GBP" and body["exchange_rate"] == "1.0"
    assert body["payment_method"]["id"] == "BANK_TRANSFER" and body["displayed_as"] == "Part"
    assert body["bank_account"]["displayed_as"] == "Current (1200)"
    assert body["contact"]["id"] == customer and body["payment_on_account"] is None
    assert [list(a) for a in body["allocated_artefacts"]] == [["id", "artefact", "amount", "discount"]]
    allocated = body["allocated_artefacts"][0]
    assert allocated["artefact"]["id"] == invoice and allocated["artefact"]["$path"] == f"/sales_invoices/{invoice}"
    assert (allocated["amount"], allocated["discount"]) == ("50.0", "0.0")
    assert body["transaction"]["$path"] == f"/transactions/{body['transaction']['id']}"
    assert books.state(invoice) == ("PART_PAID", D("70.00"))
    assert books.balance(role="DEBTORS", contact_id=customer) == D("70.00")
    books.check()

    second = receipt(books, customer, "70.00", (invoice, "70.00"))
    assert second.status_code == 201, second.text
    assert books.state(invoice) == ("PAID", D("0.00"))
    assert books.artefact(invoice).total_paid == D("120.00")
    assert books.balance(code=1200) == D("120.00")
    assert books.balance(role="DEBTORS", contact_id=customer) == D("0")
    one = books.get(f"/contact_payments/{body['id']}")
    assert one.status_code == 200 and one.json() == {**body, "updated_at": one.json()["updated_at"]}


def test_over_allocation_and_foreign_documents_are_refused(books: Books) -> None:
    customer, other = books.contact("CUSTOMER", name="Ada"), books.contact("CUSTOMER", name="Bob")
    invoice = books.document(customer, "120.00")
    stranger = books.document(other, "80.00")
    assert "outstanding" in problem(receipt(books, customer, 130, (invoice, "130.00")), "allocated_artefacts[0].amount")
    problem(receipt(books, customer, 200, (invoice, "100"), (stranger, "80")), "allocated_artefacts[1].artefact_id")
    problem(receipt(books, customer, 100, (invoice, "100"), (invoice, "10")), "allocated_artefacts[1].artefact_id")
    problem(receipt(books, customer, 10, (invoice, "20")), "total_amount")
    problem(receipt(books, customer, 10, ("f" * 32, "10")), "allocated_artefacts[0].artefact_id")
    problem(receipt(books, customer, 10, (invoice, "-5")), "allocated_artefacts[0].amount")
    problem(receipt(books, customer, 10, (invoice, "10.001")), "allocated_artefacts[0].amount")
    vendor = books.contact("VENDOR", name="Supplier")
    assert problem(receipt(books, vendor, 10), "contact_id") == "Couldn't find Customer."
    problem(receipt(books, customer, 10, bank_account_id="0" * 32), "bank_account_id")
    problem(receipt(books, "0" * 32, 10), "contact_id")
    problem(receipt(books, customer, 10, payment_method_id="BITCOIN"), "payment_method_id")
    problem(receipt(books, customer, 10, kind="CUSTOMER_GIFT"), "transaction_type_id")
    problem(receipt(books, customer, 10, exchange_rate="2"), "exchange_rate")
    problem(books.post("/contact_payments", {"contact_payment": {"contact_id": customer}}), "transaction_type_id")
    problem(books.post("/contact_payments", {"payment": {}}), "contact_payment")
    # Nothing was half-written.
    assert books.get("/contact_payments").json()["$total"] == 0
    assert books.state(invoice) == ("UNPAID", D("120.00"))


def test_payment_on_account_then_allocated_to_a_later_invoice(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Ada")
    response = receipt(books, customer, "200.00", reference="Deposit")
    assert response.status_code == 201, response.text
    payment = response.json()
    poa = payment["payment_on_account"]
    assert list(poa) == ON_ACCOUNT_KEYS
    assert (poa["total_amount"], poa["outstanding_amount"], poa["status"]["id"]) == ("200.0", "200.0", "UNPAID")
    assert poa["$path"] == f"/unallocated_artefacts/{poa['id']}" and poa["reference"] == "Deposit"
    assert books.balance(role="DEBTORS", contact_id=customer) == D("-200.00")
    books.check()
    listed = books.get("/unallocated_artefacts", contact_id=customer).json()
    assert [i["id"] for i in listed["$items"]] == [poa["id"]]

    invoice = books.document(customer, "150.00", on=dt.date(2024, 3, 1))
    allocation = books.post("/contact_allocations", {"contact_allocation": {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": customer, "date": "2024-03-02",
        "allocated_artefacts": [{"artefact_id": invoice, "amount": 150}, {"artefact_id": poa["id"], "amount": -150}]}})
    assert allocation.status_code == 201, allocation.text
    body = allocation.json()
    assert list(body) == ALLOCATION_KEYS
    assert [(a["artefact"]["id"], a["amount"]) for a in body["allocated_artefacts"]] == [
        (invoice, "150.0"), (poa["id"], "-150.0")]
    assert body["transaction_type"]["id"] == "CUSTOMER_ALLOCATION" and body["date"] == "2024-03-02"
    assert books.state(invoice) == ("PAID", D("0"))
    assert books.state(poa["id"]) == ("PART_PAID", D("50.00"))
    assert books.get(f"/contact_payments/{payment['id']}").json()["payment_on_account"]["outstanding_amount"] == "50.0"
    books.check()

    # The allocated payment on account pins its payment.
    problem(books.delete(f"/contact_payments/{payment['id']}"), "base")
    problem(books.put(f"/contact_payments/{payment['id']}", {"contact_payment": {"total_amount": 149}}),
            "total_amount")
    shrunk = books.put(f"/contact_payments/{payment['id']}", {"contact_payment": {"total_amount": 170}})
    assert shrunk.status_code == 200, shrunk.text
    assert (shrunk.json()["payment_on_account"]["total_amount"],
            shrunk.json()["payment_on_account"]["outstanding_amount"]) == ("170.0", "20.0")
    books.check()
    listing = books.get("/contact_allocations", contact_id=customer, transaction_type_id="CUSTOMER_ALLOCATION",
                        attributes="date")
    assert [i["date"] for i in listing.json()["$items"]] == ["2024-03-02"]
    assert books.get("/contact_allocations", transaction_type_id="VENDOR_ALLOCATION").json()["$total"] == 0

    assert books.delete(f"/contact_allocations/{body['id']}").status_code == 204
    assert books.state(invoice) == ("UNPAID", D("150.00"))
    assert books.get(f"/contact_allocations/{body['id']}").status_code == 404
    gone = books.get("/contact_allocations", deleted_since="2000-01-01").json()["$items"]
    assert [g["id"] for g in gone] == [body["id"]]
    books.check()
    # Now the payment may shrink: its payment on account follows.
    assert books.state(poa["id"]) == ("UNPAID", D("170.00"))
    resized = books.put(f"/contact_payments/{payment['id']}", {"contact_payment": {"total_amount": 120}})
    assert resized.status_code == 200, resized.text
    assert resized.json()["payment_on_account"]["total_amount"] == "120.0"
    assert books.balance(role="DEBTORS", contact_id=customer) == D("30.00")


def test_credit_note_allocated_against_an_invoice(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Ada")
    invoice = books.document(customer, "100.00")
    credit = books.document(customer, "40.00", kind="SALES_CREDIT_NOTE")

    def allocate(*items: tuple[str, Any], kind: str = "CUSTOMER_ALLOCATION") -> Any:
        return books.post("/contact_allocations", {"contact_allocation": {
            "transaction_type_id": kind, "contact_id": customer,
            "allocated_artefacts": [{"artefact_id": a, "amount": x} for a, x in items]}})

    problem(allocate((invoice, 40), (credit, -30)), "allocated_artefacts")
    problem(allocate((invoice, -40), (credit, 40)), "allocated_artefacts[0].amount")
    problem(allocate((invoice, 50), (credit, -50)), "allocated_artefacts[1].amount")
    problem(allocate((invoice, 40), (credit, -40), kind="VENDOR_ALLOCATION"), "contact_id")
    problem(allocate((invoice, 40)), "allocated_artefacts")
    made = allocate((invoice, 40), (credit, -40))
    assert made.status_code == 201, made.text
    assert books.state(invoice) == ("PART_PAID", D("60.00"))
    assert books.state(credit) == ("PAID", D("0"))
    assert books.balance(role="DEBTORS", contact_id=customer) == D("60.00")
    books.check()

    # PUT: allocate less; then the rest is paid by a receipt that also nets nothing else.
    changed = books.put(f"/contact_allocations/{made.json()['id']}", {"contact_allocation": {
        "allocated_artefacts": [{"artefact_id": invoice, "amount": 25}, {"artefact_id": credit, "amount": -25}]}})
    assert changed.status_code == 200, changed.text
    assert books.state(invoice) == ("PART_PAID", D("75.00"))
    assert books.state(credit) == ("PART_PAID", D("15.00"))
    # A receipt may settle invoices and take in a credit note (negative) at once.
    paid = receipt(books, customer, "60.00", (invoice, "75.00"), (credit, "-15.00"))
    assert paid.status_code == 201, paid.text
    assert [a["amount"] for a in paid.json()["allocated_artefacts"]] == ["75.0", "-15.0"]
    assert books.state(invoice) == ("PAID", D("0")) and books.state(credit) == ("PAID", D("0"))
    assert books.balance(code=1200) == D("60.00")


def test_refunds_settle_credit_notes(books: Books) -> None:
    customer, vendor = books.contact("CUSTOMER", name="Ada"), books.contact("VENDOR", name="Acme Supplies")
    credit = books.document(customer, "30.00", kind="SALES_CREDIT_NOTE")
    invoice = books.document(customer, "10.00")
    problem(receipt(books, customer, 30, (invoice, "10"), kind="CUSTOMER_REFUND"), "allocated_artefacts[0].amount")
    problem(receipt(books, customer, 40, (credit, "30"), kind="CUSTOMER_REFUND"), "total_amount")
    problem(receipt(books, customer, 30, (credit, "25", "5"), kind="CUSTOMER_REFUND"),
            "allocated_artefacts[0].discount")
    refund = receipt(books, customer, 30, (credit, "30"), kind="CUSTOMER_REFUND")
    assert refund.status_code == 201, refund.text
    assert books.state(credit) == ("PAID", D("0"))
    assert books.balance(code=1200) == D("-30.00")

    purchase_credit = books.document(vendor, "25.00", kind="PURCHASE_CREDIT_NOTE")
    back = receipt(books, vendor, 25, (purchase_credit, "25"), kind="VENDOR_REFUND")
    assert back.status_code == 201, back.text
    assert books.state(purchase_credit) == ("PAID", D("0"))
    assert books.balance(code=1200) == D("-5.00")
    assert books.balance(role="CREDITORS", contact_id=vendor) == D("0")
    assert books.state(invoice) == ("UNPAID", D("10.00"))


def test_discounts_post_to_discount_accounts(books: Books) -> None:
    customer, vendor = books.contact("CUSTOMER", name="Ada"), books.contact("VENDOR", name="Acme Supplies")
    invoice = books.document(customer, "100.00")
    paid = receipt(books, customer, "95.00", (invoice, "95.00", "5.00"))
    assert paid.status_code == 201, paid.text
    assert paid.json()["allocated_artefacts"][0]["discount"] == "5.0"
    assert books.state(invoice) == ("PAID", D("0"))
    assert books.artefact(invoice).total_discount_paid == D("5.00")
    assert books.balance(role="DISCOUNTS_ALLOWED") == D("5.00")

    bill = books.document(vendor, "200.00", kind="PURCHASE_INVOICE")
    payment = receipt(books, vendor, "190.00", (bill, "190.00", "10.00"), kind="VENDOR_PAYMENT")
    assert payment.status_code == 201, payment.text
    assert payment.json()["allocated_artefacts"][0]["artefact"]["$path"] == f"/purchase_invoices/{bill}"
    assert books.state(bill) == ("PAID", D("0"))
    assert books.balance(role="DISCOUNTS_RECEIVED") == D("-10.00")
    assert books.balance(code=1200) == D("-95.00")


def test_delete_payment_restores_unpaid(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Ada")
    invoice = books.document(customer, "80.00")
    made = receipt(books, customer, "80.00", (invoice, "80.00")).json()
    assert books.state(invoice) == ("PAID", D("0"))
    assert books.delete(f"/contact_payments/{made['id']}").status_code == 204
    assert books.state(invoice) == ("UNPAID", D("80.00"))
    assert books.artefact(invoice).last_paid is None
    assert books.get(f"/contact_payments/{made['id']}").status_code == 404
    assert books.delete(f"/contact_payments/{made['id']}").status_code == 404
    gone = books.get("/contact_payments", deleted_since="2000-01-01").json()["$items"]
    assert [g["id"] for g in gone] == [made["id"]]
    assert books.balance(code=1200) == D("0") and books.balance(role="DEBTORS", contact_id=customer) == D("80.00")


def test_update_payment_reposts_and_reallocates(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Ada")
    first, second = books.document(customer, "100.00"), books.document(customer, "50.00")
    made = receipt(books, customer, "100.00", (first, "100.00")).json()
    changed = books.put(f"/contact_payments/{made['id']}", {"contact_payment": {
        "total_amount": "130.00", "date": "2024-02-05",
        "allocated_artefacts": [{"artefact_id": first, "amount": 80}, {"artefact_id": second, "amount": 50}]}})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["date"] == "2024-02-05" and body["transaction"]["id"] != made["transaction"]["id"]
    assert books.state(first) == ("PART_PAID", D("20.00")) and books.state(second) == ("PAID", D("0"))
    assert books.balance(code=1200) == D("130.00")
    # Keeping the allocations while raising the total leaves the rest on account.
    more = books.put(f"/contact_payments/{made['id']}", {"contact_payment": {"total_amount": "140.00"}}).json()
    assert more["payment_on_account"]["total_amount"] == "10.0"
    assert [a["amount"] for a in more["allocated_artefacts"]] == ["80.0", "50.0"]
    assert books.balance(role="DEBTORS", contact_id=customer) == D("10.00")
    problem(books.put(f"/contact_payments/{made['id']}", {"contact_payment": {"bank_account_id": "1" * 32}}),
            "bank_account_id")
    back = books.put(f"/contact_payments/{made['id']}", {"contact_payment": {"total_amount": "130.00"}}).json()
    assert back["payment_on_account"] is None


def test_foreign_currency_receipt_posts_the_exchange_difference(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Yankee", currency_id="USD")
    # USD 120 invoiced at 1.20 USD per GBP: GBP 100 on DEBTORS.
    invoice = books.document(customer, "120.00", currency="USD", rate="1.2")
    # Multi-currency off: a receipt in USD is refused before anything else, and nothing is written.
    assert "Multi-currency is not enabled" in problem(receipt(books, customer, 120, (invoice, "120"),
                                                              exchange_rate="1.25"), "currency_id")
    assert books.get("/contact_payments").json()["$total"] == 0
    books.updated("/financial_settings", "financial_settings", {"multi_currency_enabled": True})
    problem(receipt(books, customer, 120, (invoice, "120")), "exchange_rate")
    problem(receipt(books, customer, 120, (invoice, "120"), currency_id="GBP"), "allocated_artefacts[0].artefact_id")
    half = receipt(books, customer, 60, (invoice, "60"), exchange_rate="1.25")
    assert half.status_code == 201, half.text
    body = half.json()
    assert (body["currency"]["id"], body["exchange_rate"], body["base_currency_total_amount"]) == ("USD", "1.25",
                                                                                                   "48.0")
    assert books.state(invoice) == ("PART_PAID", D("60.00"))
    rest = receipt(books, customer, 60, (invoice, "60"), exchange_rate="1.25")
    assert rest.status_code == 201, rest.text
    assert books.state(invoice) == ("PAID", D("0"))
    # Received GBP 96 for GBP 100 of debt: a GBP 4 exchange loss.
    assert books.balance(code=1200) == D("96.00")
    assert books.balance(role="EXCHANGE_GAIN_LOSS") == D("4.00")
    assert books.balance(role="DEBTORS", contact_id=customer) == D("0")


def test_other_payment_and_receipt_with_vat(books: Books) -> None:
    stationery, bank = books.accounts[7500], books.bank()
    supplier = books.contact("VENDOR", name="Paper Co")
    made = books.post("/other_payments", {"other_payment": {
        "transaction_type_id": "OTHER_PAYMENT", "date": "2024-02-10", "bank_account_id": bank,
        "contact_id": supplier, "reference": "Paper", "total_amount": 120, "payment_method_id": "CREDIT_DEBIT",
        "payment_lines": [{"ledger_account_id": stationery, "total_amount": 120, "tax_rate_id": "GB_STANDARD",
                           "details": "A4 paper"}]}})
    assert made.status_code == 201, made.text
    body = made.json()
    assert list(body) == OTHER_KEYS and list(body["payment_lines"][0]) == OTHER_LINE_KEYS
    line = body["payment_lines"][0]
    assert (line["net_amount"], line["tax_amount"], line["total_amount"]) == ("100.0", "20.0", "120.0")
    assert line["tax_rate"]["displayed_as"] == "Standard 20.00%"
    assert line["tax_breakdown"] == [{"tax_rate": line["tax_rate"], "percentage": "20.0", "amount": "20.0"}]
    assert (body["net_amount"], body["tax_amount"]) == ("100.0", "20.0")
    assert books.balance(account_id=stationery) == D("100.00")
    assert books.balance(role="PURCHASE_TAX") == D("20.00")
    assert books.balance(code=1200) == D("-120.00")

    income = books.accounts[4900]
    got = books.post("/other_payments", {"other_payment": {
        "transaction_type_id": "OTHER_RECEIPT", "date": "2024-02-11", "bank_account_id": bank, "total_amount": "60",
        "payment_lines": [{"ledger_account_id": income, "total_amount": 60, "net_amount": 50, "tax_amount": 10,
                           "tax_rate_id": "GB_STANDARD"}]}})
    assert got.status_code == 201, got.text
    assert books.balance(role="SALES_TAX") == D("-10.00") and books.balance(account_id=income) == D("-50.00")
    assert books.balance(code=1200) == D("-60.00")

    expenses = books.get("/other_payments", transaction_type_id="OTHER_PAYMENT").json()
    assert [i["id"] for i in expenses["$items"]] == [body["id"]]
    assert books.get("/other_payments", from_date="2024-02-11").json()["$total"] == 1
    assert books.get("/other_payments", contact_id=supplier).json()["$total"] == 1
    assert books.get("/other_payments", has_attachments="true").json()["$total"] == 0

    # Errors name the line field; nothing half-written.
    def bad(**line: Any) -> Any:
        return books.post("/other_payments", {"other_payment": {
            "transaction_type_id": "OTHER_PAYMENT", "date": "2024-02-10", "bank_account_id": bank,
            "total_amount": 10, "payment_lines": [{"ledger_account_id": stationery, "total_amount": 10, **line}]}})

    problem(bad(ledger_account_id=income), "payment_lines[0].ledger_account_id")
    problem(bad(tax_rate_id="XX"), "payment_lines[0].tax_rate_id")
    problem(bad(net_amount=5, tax_amount=1), "payment_lines[0].total_amount")
    problem(bad(total_amount=11), "total_amount")
    problem(books.post("/other_payments", {"other_payment": {
        "transaction_type_id": "OTHER_PAYMENT", "date": "2024-02-10", "total_amount": 10,
        "payment_lines": [{"ledger_account_id": stationery, "total_amount": 10}]}}), "bank_account_id")

    changed = books.put(f"/other_payments/{body['id']}", {"other_payment": {
        "total_amount": 60, "payment_lines": [{"ledger_account_id": stationery, "total_amount": 60,
                                               "tax_rate_id": "GB_ZERO"}]}})
    assert changed.status_code == 200, changed.text
    assert books.balance(account_id=stationery) == D("60.00") and books.balance(role="PURCHASE_TAX") == D("0")
    assert books.delete(f"/other_payments/{body['id']}").status_code == 204
    assert books.balance(account_id=stationery) == D("0") and books.balance(code=1200) == D("60.00")
    assert books.get(f"/contact_payments/{got.json()['id']}").status_code == 404


def test_contact_opening_balances(books: Books) -> None:
    customer, vendor = books.contact("CUSTOMER", name="Ada"), books.contact("VENDOR", name="Acme Supplies")
    made = books.post("/contact_opening_balances", {"contact_opening_balance": {
        "contact_opening_balance_type_id": "INVOICE", "contact_id": customer, "date": "2023-12-31",
        "reference": "OB-1", "total_amount": 300, "details": "Brought forward"}})
    assert made.status_code == 201, made.text
    body = made.json()
    assert list(body) == OPENING_KEYS
    assert body["transaction_type"]["id"] == "CUSTOMER_OPENING_BALANCE_INVOICE"
    assert body["contact_opening_balance_type"] == {"id": "INVOICE", "displayed_as": "Invoice",
                                                    "$path": "/contact_opening_balance_types/INVOICE"}
    assert books.balance(role="DEBTORS", contact_id=customer) == D("300.00")
    assert books.balance(role="OPENING_BALANCES") == D("-300.00")
    owed = books.created("/contact_opening_balances", "contact_opening_balance", {
        "contact_opening_balance_type_id": "CREDIT_NOTE", "contact_id": vendor, "date": "2023-12-31",
        "reference": "OB-2", "total_amount": "45.50"})
    assert owed["transaction_type"]["id"] == "VENDOR_OPENING_BALANCE_CREDIT_NOTE"
    assert books.balance(role="CREDITORS", contact_id=vendor) == D("45.50")
    books.check()

    problem(books.post("/contact_opening_balances", {"contact_opening_balance": {
        "contact_opening_balance_type_id": "INVOICE", "contact_id": customer, "date": "2023-12-31",
        "total_amount": 1}}), "reference")
    problem(books.post("/contact_opening_balances", {"contact_opening_balance": {
        "contact_opening_balance_type_id": "INVOICE", "contact_id": customer, "date": "2023-12-31",
        "reference": "X", "total_amount": 10, "transaction_type_id": "VENDOR_OPENING_BALANCE_INVOICE"}}), "contact_id")

    # Settled like an invoice.
    paid = receipt(books, customer, 100, (body["id"], "100"))
    assert paid.status_code == 201, paid.text
    assert paid.json()["allocated_artefacts"][0]["artefact"]["$path"] == f"/contact_opening_balances/{body['id']}"
    assert books.state(body["id"]) == ("PART_PAID", D("200.00"))
    problem(books.delete(f"/contact_opening_balances/{body['id']}"), "base")
    problem(books.put(f"/contact_opening_balances/{body['id']}", {"contact_opening_balance": {"total_amount": 50}}),
            "total_amount")
    raised = books.put(f"/contact_opening_balances/{body['id']}", {"contact_opening_balance": {"total_amount": 350}})
    assert raised.status_code == 200, raised.text
    assert books.state(body["id"]) == ("PART_PAID", D("250.00"))
    assert books.balance(role="DEBTORS", contact_id=customer) == D("250.00")

    customers = books.get("/contact_opening_balances", contact_type_id="CUSTOMER").json()
    assert [i["id"] for i in customers["$items"]] == [body["id"]]
    assert books.get("/contact_opening_balances", contact_id=vendor).json()["$items"][0]["id"] == owed["id"]
    types = books.get("/contact_opening_balance_types").json()
    assert [t["id"] for t in types["$items"]] == ["INVOICE", "CREDIT_NOTE"]
    assert books.get("/contact_opening_balance_types/CREDIT_NOTE").json()["displayed_as"] == "Credit Note"
    assert books.get("/contact_opening_balance_types/OTHER").status_code == 404
    assert books.delete(f"/contact_opening_balances/{owed['id']}").status_code == 204
    assert books.balance(role="CREDITORS", contact_id=vendor) == D("0")


def test_contact_payment_lists_filter_and_sort(books: Books) -> None:
    customer, vendor = books.contact("CUSTOMER", name="Ada"), books.contact("VENDOR", name="Acme Supplies")
    early = receipt(books, customer, 10, on="2024-01-05").json()
    late = receipt(books, customer, 20, on="2024-03-05").json()
    paid = receipt(books, vendor, 30, kind="VENDOR_PAYMENT", on="2024-02-05").json()
    assert paid["payment_on_account"]["$path"].startswith("/unallocated_artefacts/")

    def ids(**params: Any) -> list[str]:
        response = books.get("/contact_payments", **params)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["$items"]]

    assert ids() == [early["id"], late["id"], paid["id"]]
    assert ids(sort="date:desc") == [late["id"], paid["id"], early["id"]]
    assert ids(contact_id=vendor) == [paid["id"]]
    assert ids(transaction_type_id="CUSTOMER_RECEIPT") == [early["id"], late["id"]]
    assert ids(from_date="2024-02-01", to_date="2024-02-28") == [paid["id"]]
    assert ids(bank_account_id=books.bank()) == [early["id"], late["id"], paid["id"]]
    assert ids(bank_account_id=books.bank("CASH_IN_HAND")) == []
    assert books.get("/contact_payments", sort="amount").status_code == 400
    item = books.get("/contact_payments", attributes="total_amount", contact_id=vendor).json()["$items"][0]
    assert item == {"id": paid["id"], "displayed_as": "Supplier Payment", "$path": f"/contact_payments/{paid['id']}",
                    "total_amount": "30.0"}
    assert books.balance(role="CREDITORS", contact_id=vendor) == D("30.00")
    assert len(books.get("/unallocated_artefacts").json()["$items"]) == 3
    assert books.get(f"/unallocated_artefacts/{paid['payment_on_account']['id']}").status_code == 200


def test_access_rules(books: Books, factory: Factory) -> None:
    customer = books.contact("CUSTOMER", name="Ada")
    made = receipt(books, customer, 10).json()
    assert books.client.get("/v3.1/contact_payments").status_code == 401
    reader = factory.user()
    from ledgerd.tenancy.models import Business, Role

    factory.member(Business(id=books.business_id), reader, Role.READ_ONLY)
    headers = factory.headers(reader, business=books.business_id)
    assert books.client.get(f"/v3.1/contact_payments/{made['id']}", headers=headers).status_code == 200
    denied = books.client.delete(f"/v3.1/contact_payments/{made['id']}", headers=headers)
    assert denied.status_code == 403 and denied.json()[0]["$dataCode"] == "MultiUserAccessDenied"
    stranger = Books.open(books.client, factory)
    assert stranger.get(f"/contact_payments/{made['id']}").status_code == 404
    assert stranger.get(f"/unallocated_artefacts/{made['payment_on_account']['id']}").status_code == 404
    problem(receipt(stranger, stranger.contact("CUSTOMER"), 10, bank_account_id=books.bank()), "bank_account_id")


def test_foreign_payment_on_account_allocated_at_another_rate(books: Books) -> None:
    books.updated("/financial_settings", "financial_settings", {"multi_currency_enabled": True})
    customer = books.contact("CUSTOMER", name="Yankee", currency_id="USD")
    # USD 60 received on account at 1.25 (GBP 48), later set against USD 60 invoiced at 1.20 (GBP 50).
    paid = receipt(books, customer, 60, exchange_rate="1.25").json()
    poa = paid["payment_on_account"]
    assert (poa["currency"]["id"], poa["base_currency_total_amount"]) == ("USD", "48.0")
    invoice = books.document(customer, "60.00", currency="USD", rate="1.2")
    made = books.post("/contact_allocations", {"contact_allocation": {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": customer,
        "allocated_artefacts": [{"artefact_id": invoice, "amount": 60}, {"artefact_id": poa["id"], "amount": -60}]}})
    assert made.status_code == 201, made.text
    assert made.json()["date"] == books.factory.runtime.clock.now().date().isoformat()
    assert books.state(invoice) == ("PAID", D("0")) and books.state(poa["id"]) == ("PAID", D("0"))
    assert books.balance(role="EXCHANGE_GAIN_LOSS") == D("2.00")
    assert books.balance(role="DEBTORS", contact_id=customer) == D("0")
    gbp = books.document(customer, "10.00")
    problem(books.post("/contact_allocations", {"contact_allocation": {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": customer,
        "allocated_artefacts": [{"artefact_id": gbp, "amount": 10}, {"artefact_id": invoice, "amount": -10}]}}),
        "allocated_artefacts[1].artefact_id")


def test_supplier_payment_on_account_and_allocation(books: Books) -> None:
    vendor = books.contact("VENDOR", name="Acme Supplies")
    prepaid = receipt(books, vendor, 100, kind="VENDOR_PAYMENT").json()
    poa = prepaid["payment_on_account"]
    assert books.balance(role="CREDITORS", contact_id=vendor) == D("100.00")
    bill = books.document(vendor, "60.00", kind="PURCHASE_INVOICE")
    credit = books.document(vendor, "20.00", kind="PURCHASE_CREDIT_NOTE")
    made = books.created("/contact_allocations", "contact_allocation", {
        "transaction_type_id": "VENDOR_ALLOCATION", "contact_id": vendor, "date": "2024-02-02",
        "allocated_artefacts": [{"artefact_id": bill, "amount": 60}, {"artefact_id": poa["id"], "amount": -40},
                                {"artefact_id": credit, "amount": -20}]})
    assert [a["amount"] for a in made["allocated_artefacts"]] == ["60.0", "-40.0", "-20.0"]
    assert books.state(bill) == ("PAID", D("0")) and books.state(credit) == ("PAID", D("0"))
    assert books.state(poa["id"]) == ("PART_PAID", D("60.00"))
    assert books.balance(role="CREDITORS", contact_id=vendor) == D("60.00")
    assert books.get("/unallocated_artefacts", contact_id=vendor).json()["$total"] == 1
