"""Spanish IRPF withheld on sales and purchase invoices (docs/decisions/spain.md).

Worked examples (Ley 35/2006 del IRPF art. 101 and its Reglamento art. 101: professionals' withholding is a
percentage of the fee, the "base de retención" being the net before IVA; PGC accounts 4730 and 4751):
* a sale of a 1,000.00 service at IVA 21% with 15% IRPF: IVA 1,000.00 x 21% = 210.00, total 1,210.00; withheld
  1,000.00 x 15% = 150.00 (on the net, not the IVA); the customer pays 1,210.00 - 150.00 = 1,060.00.
  Dr 4300 1,060.00, Dr 4730 150.00 / Cr 7050 1,000.00, Cr 4770 210.00 (1,210.00 each side).
* a purchase of a 500.00 service at IVA 21% with 15% withheld: IVA 105.00, total 605.00, withheld
  500.00 x 15% = 75.00; the supplier is paid 605.00 - 75.00 = 530.00.
  Dr 6230 500.00, Dr 4720 105.00 / Cr 4000 530.00, Cr 4751 75.00 (605.00 each side).
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.books import Books, D, problem
from tests.support.factories import Factory


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory, country="ES")


def _line(books: Books, code: int, price: str, tax: str) -> dict[str, Any]:
    return {"description": "Asesoría", "ledger_account_id": books.accounts[code], "quantity": "1",
            "unit_price": price, "tax_rate_id": "ES_STANDARD", "tax_amount": tax}


def _sale(books: Books, customer: str, **extra: Any) -> dict[str, Any]:
    return books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2026-03-02", "invoice_lines": [_line(books, 7050, "1000", "210.00")],
        **extra})


def _purchase(books: Books, supplier: str, **extra: Any) -> dict[str, Any]:
    return books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": supplier, "date": "2026-03-02", "due_date": "2026-04-01", "vendor_reference": "F-9",
        "invoice_lines": [_line(books, 6230, "500", "105.00")], **extra})


def _receipt(books: Books, contact: str, total: str, artefact_id: str, kind: str = "CUSTOMER_RECEIPT") -> Any:
    return books.post("/contact_payments", {"contact_payment": {
        "transaction_type_id": kind, "contact_id": contact, "bank_account_id": books.bank(), "date": "2026-03-20",
        "total_amount": total, "allocated_artefacts": [{"artefact_id": artefact_id, "amount": total}]}})


def test_a_sale_with_irpf_owes_the_total_less_the_withholding(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Estudio Norte SL")
    sale = _sale(books, customer, withholding_tax_rate="15")
    # 1,000.00 x 15% = 150.00 withheld; total 1,210.00 stays; outstanding 1,210.00 - 150.00 = 1,060.00.
    assert (sale["withholding_tax_rate"], sale["withholding_tax_amount"],
            sale["base_currency_withholding_tax_amount"]) == ("15.0", "150.0", "150.0")
    assert (D(sale["net_amount"]), D(sale["tax_amount"]), D(sale["total_amount"]), D(sale["outstanding_amount"]),
            D(sale["base_currency_outstanding_amount"])) == (
        D("1000"), D("210"), D("1210"), D("1060"), D("1060"))
    _, entries = books.transaction(sale["transaction"]["id"])
    assert entries == [(4300, D("1060.00"), D(0)), (4730, D("150.00"), D(0)), (4770, D(0), D("210.00")),
                       (7050, D(0), D("1000.00"))]
    # A full receipt of the 1,060.00 settles it: PAID, nothing outstanding, 4300 back to 0.
    paid = _receipt(books, customer, "1060.00", sale["id"])
    assert paid.status_code == 201, paid.text
    shown = books.get(f"/sales_invoices/{sale['id']}").json()
    assert (shown["status"]["id"], D(shown["outstanding_amount"]), D(shown["total_paid"]),
            D(shown["base_currency_outstanding_amount"])) == ("PAID", D(0), D("1060"), D(0))
    assert books.balance(code=4300) == D(0)
    assert books.balance(code=4730) == D("150.00")


def test_a_receipt_of_the_whole_total_is_refused(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    sale = _sale(books, customer, withholding_tax_rate="15")
    # 1,210.00 > the 1,060.00 outstanding.
    problem(_receipt(books, customer, "1210.00", sale["id"]), 422)


def test_a_purchase_with_irpf_posts_the_withholding_to_4751(books: Books) -> None:
    supplier = books.contact("VENDOR", name="Gestoría Sur")
    bill = _purchase(books, supplier, withholding_tax_rate="15", withholding_tax_amount="75.00")
    assert (bill["withholding_tax_rate"], bill["withholding_tax_amount"]) == ("15.0", "75.0")
    # 605.00 - 75.00 = 530.00 owed to the supplier.
    assert (D(bill["total_amount"]), D(bill["outstanding_amount"])) == (D("605"), D("530"))
    _, entries = books.transaction(bill["transaction"]["id"])
    assert entries == [(4000, D(0), D("530.00")), (4720, D("105.00"), D(0)), (4751, D(0), D("75.00")),
                       (6230, D("500.00"), D(0))]
    paid = _receipt(books, supplier, "530.00", bill["id"], kind="VENDOR_PAYMENT")
    assert paid.status_code == 201, paid.text
    assert books.get(f"/purchase_invoices/{bill['id']}").json()["status"]["id"] == "PAID"
    assert books.balance(code=4000) == D(0)
    books.check(base_currency="EUR")


def test_a_sent_amount_is_checked_like_tax(books: Books) -> None:
    supplier = books.contact("VENDOR")
    # Within 0.05 of 75.00: kept as sent; 75.10 is 0.10 off: refused with our figure.
    kept = _purchase(books, supplier, withholding_tax_rate="15", withholding_tax_amount="75.04")
    assert kept["withholding_tax_amount"] == "75.04"
    message = problem(books.post("/purchase_invoices", {"purchase_invoice": {
        "contact_id": supplier, "date": "2026-03-02", "due_date": "2026-04-01",
        "invoice_lines": [_line(books, 6230, "500", "105.00")], "withholding_tax_rate": "15",
        "withholding_tax_amount": "75.10"}}), 422, source="withholding_tax_amount")["$message"]
    assert "expected 75.00" in message


def test_the_business_default_rate_applies_to_new_sales_invoices(books: Books) -> None:
    assert books.put("/financial_settings", {"financial_settings": {"default_irpf_rate": 7}}).status_code == 200
    customer = books.contact("CUSTOMER")
    # 1,000.00 x 7% = 70.00; outstanding 1,210.00 - 70.00 = 1,140.00.
    sale = _sale(books, customer)
    assert (sale["withholding_tax_rate"], sale["withholding_tax_amount"], D(sale["outstanding_amount"])) == (
        "7.0", "70.0", D("1140"))
    # A rate of 0 sent opts out: nothing withheld.
    none = _sale(books, customer, withholding_tax_rate=0)
    assert D(none["outstanding_amount"]) == D("1210") and D(none["withholding_tax_amount"]) == D(0)


def test_an_edit_recomputes_the_withholding_and_reposts(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    sale = _sale(books, customer, withholding_tax_rate="15")
    # 2,000.00 at 21% = 420.00; 2,000.00 x 15% = 300.00; owed 2,420.00 - 300.00 = 2,120.00.
    edited = books.updated(f"/sales_invoices/{sale['id']}", "sales_invoice", {
        "invoice_lines": [_line(books, 7050, "2000", "420.00")]})
    assert (edited["withholding_tax_amount"], D(edited["outstanding_amount"])) == ("300.0", D("2120"))
    assert books.balance(code=4730) == D("300.00")
    assert books.balance(code=4300) == D("2120.00")


def test_documents_without_irpf_show_null(books: Books) -> None:
    sale = _sale(books, books.contact("CUSTOMER"))
    assert (sale["withholding_tax_rate"], sale["withholding_tax_amount"],
            sale["base_currency_withholding_tax_amount"]) == (None, None, None)


def test_withholding_is_refused_where_sage_has_none(books: Books, factory: Factory) -> None:
    # (Spain has no credit notes, its corrective invoices take IRPF; elsewhere the fields are refused.)
    german = Books.open(books.client, factory, country="DE")
    # 10.00 at 19% = 1.90.
    line = {"description": "x", "ledger_account_id": german.accounts[8400], "quantity": "1", "unit_price": "10",
            "tax_rate_id": "DE_STANDARD", "tax_amount": "1.90"}
    found = problem(german.post("/sales_invoices", {"sales_invoice": {
        "contact_id": german.contact("CUSTOMER"), "date": "2026-03-02", "withholding_tax_rate": "15",
        "invoice_lines": [line]}}), 422, source="withholding_tax_rate")["$message"]
    assert "ES" in found
    # GB: CIS withholding is not modelled; the fields are ignored as before.
    british = Books.open(books.client, factory, country="GB")
    made = british.created("/sales_invoices", "sales_invoice", {
        "contact_id": british.contact("CUSTOMER"), "date": "2026-03-02", "withholding_tax_rate": "20",
        "invoice_lines": [{"description": "x", "ledger_account_id": british.accounts[4000], "quantity": "1",
                           "unit_price": "10", "tax_rate_id": "GB_ZERO"}]})
    assert made["withholding_tax_rate"] is None



def test_a_foreign_currency_sale_settles_the_withholding_free_base(books: Books) -> None:
    books.updated("/financial_settings", "financial_settings", {"multi_currency_enabled": True})
    customer = books.contact("CUSTOMER", currency_id="USD")
    # 1,000.00 USD at 1.25 USD per EUR: net 800.00 EUR, IVA 210.00 USD = 168.00 EUR, total 1,210.00 USD = 968.00 EUR;
    # withheld 150.00 USD = 120.00 EUR; owed 1,060.00 USD = 968.00 - 120.00 = 848.00 EUR.
    sale = _sale(books, customer, currency_id="USD", exchange_rate="1.25", withholding_tax_rate="15")
    assert (sale["withholding_tax_amount"], sale["base_currency_withholding_tax_amount"]) == ("150.0", "120.0")
    assert (D(sale["outstanding_amount"]), D(sale["base_currency_outstanding_amount"])) == (D("1060"), D("848"))
    _, entries = books.transaction(sale["transaction"]["id"])
    assert entries == [(4300, D("848.00"), D(0)), (4730, D("120.00"), D(0)), (4770, D(0), D("168.00")),
                       (7050, D(0), D("800.00"))]
    # 530.00 USD (half) settles 848.00 x 530 / 1,060 = 424.00 EUR; the other 530.00 the last 424.00.
    for _ in range(2):
        paid = books.post("/contact_payments", {"contact_payment": {
            "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": books.bank(),
            "date": "2026-03-20", "total_amount": "530.00", "currency_id": "USD", "exchange_rate": "1.25",
            "allocated_artefacts": [{"artefact_id": sale["id"], "amount": "530.00"}]}})
        assert paid.status_code == 201, paid.text
    shown = books.get(f"/sales_invoices/{sale['id']}").json()
    assert (shown["status"]["id"], D(shown["base_currency_outstanding_amount"])) == ("PAID", D(0))
    assert books.balance(code=4300) == D(0)


def test_an_other_payment_withholds_irpf_from_what_the_bank_pays(books: Books) -> None:
    supplier = books.contact("VENDOR", name="Abogada Ruiz")
    # A 500.00 fee at IVA 21% (105.00), total 605.00, 15% IRPF = 75.00: the bank pays 605.00 - 75.00 = 530.00.
    made = books.post("/other_payments", {"other_payment": {
        "transaction_type_id": "OTHER_PAYMENT", "date": "2026-03-05", "bank_account_id": books.bank(),
        "contact_id": supplier, "total_amount": "605.00", "withholding_tax_rate": "15",
        "payment_lines": [{"ledger_account_id": books.accounts[6230], "total_amount": "605.00", "net_amount": "500.00",
                           "tax_amount": "105.00", "tax_rate_id": "ES_STANDARD"}]}})
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["withholding_tax_rate"], body["withholding_tax_amount"], D(body["total_amount"])) == (
        "15.0", "75.0", D("605"))
    _, entries = books.transaction(body["transaction"]["id"])
    assert entries == [(4720, D("105.00"), D(0)), (4751, D(0), D("75.00")), (5720, D(0), D("530.00")),
                       (6230, D("500.00"), D(0))]
    # 75.20 is 0.20 off 75.00: refused.
    wrong = books.put(f"/other_payments/{body['id']}", {"other_payment": {"withholding_tax_amount": "75.20"}})
    assert "expected 75.00" in problem(wrong, 422, source="withholding_tax_amount")["$message"]


def test_a_quote_shows_its_withholding_and_the_invoice_made_from_it_keeps_the_rate(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    quote = books.created("/sales_quotes", "sales_quote", {
        "contact_id": customer, "date": "2026-03-02", "expiry_date": "2026-04-01", "withholding_tax_rate": "15",
        "quote_lines": [_line(books, 7050, "1000", "210.00")]})
    # As the invoice: 1,000.00 x 15% = 150.00 withheld; the quote posts nothing.
    assert (quote["withholding_tax_rate"], quote["withholding_tax_amount"]) == ("15.0", "150.0")
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2026-03-05", "original_quote_estimate_id": quote["id"]})
    # The invoice inherits 15% from the quote and withholds 150.00: outstanding 1,210.00 - 150.00 = 1,060.00.
    assert (invoice["withholding_tax_rate"], invoice["withholding_tax_amount"], D(invoice["outstanding_amount"])) \
        == ("15.0", "150.0", D("1060"))
    second = books.created("/sales_quotes", "sales_quote", {
        "contact_id": customer, "date": "2026-03-02", "expiry_date": "2026-04-01", "withholding_tax_rate": "7",
        "quote_lines": [_line(books, 7050, "200", "42.00")]})
    # 200.00 x 7% = 14.00 (Spain has quotes, not estimates).
    assert second["withholding_tax_amount"] == "14.0"


def test_a_corrective_invoice_withholds_at_its_originals_rate_on_the_difference(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    sale = _sale(books, customer, withholding_tax_rate="15")
    reduced = books.created("/sales_corrective_invoices", "sales_corrective_invoice", {
        "original_invoice_id": sale["id"], "corrective_reason_code_id": "R1", "date": "2026-03-10",
        "invoice_lines": [_line(books, 7050, "-200", "-42.00")]})
    # The correction takes the original's 15%: -200.00 x 15% = -30.00 withheld; total -242.00, and the customer's
    # debt falls by -242.00 - (-30.00) = -212.00. Ledger: Cr 4300 212.00, Cr 4730 30.00 / Dr 7050 200.00,
    # Dr 4770 42.00 (242.00 each side).
    assert (reduced["withholding_tax_rate"], D(reduced["withholding_tax_amount"]), D(reduced["total_amount"])) == (
        "15.0", D("-30"), D("-242"))
    _, entries = books.transaction(reduced["transaction"]["id"])
    assert entries == [(4300, D(0), D("212.00")), (4730, D(0), D("30.00")), (4770, D("42.00"), D(0)),
                       (7050, D("200.00"), D(0))]
    # The customer owes 1,060.00 - 212.00 = 848.00: the books and the contact's balance agree.
    books.check(base_currency="EUR")
