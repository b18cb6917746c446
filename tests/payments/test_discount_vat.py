"""Prompt-payment discounts reduce VAT where VAT is due on the consideration actually received
(docs/decisions/vat-treatments.md).

The UK since 1 April 2015 (VATA 1994 Sch. 6 para. 4; Revenue and Customs Brief 49 (2014)) and the EU (Directive
2006/112/EC arts. 79 and 90; in Germany §17 UStG for Skonto): a discount taken off a document's gross is split
over its rates by each rate's share of the gross, and within a rate into net and VAT by the rate's tax share. The
net goes to the discount account and the VAT comes off output (sales) or input (purchases) tax, each entry with
its rate, so boxes 1/4 and 6/7 go down. Canadian sales taxes are not reduced: the whole discount stays a discount.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from tests.support.books import Books, D
from tests.support.factories import Factory

# Books opened by a test, with their base currency.
Opened = list[tuple[Books, str]]
Q1 = {"period_start_date": "2026-01-01", "period_end_date": "2026-03-31"}


@pytest.fixture
def opened(client: TestClient, factory: Factory, clock: Clock) -> Iterator[Opened]:
    """Books opened by the test (any country), each checked at the end: balanced, contacts match documents."""
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    made: Opened = []
    yield made
    for books, currency in made:
        books.check(currency)


def _open(opened: Opened, client: TestClient, factory: Factory, country: str, currency: str) -> Books:
    books = Books.open(client, factory, country=country)
    opened.append((books, currency))
    return books


def _document(books: Books, contact: str, code: int, *lines: tuple[str, str, str], sales: bool = True) -> str:
    path, wrapper = ("/sales_invoices", "sales_invoice") if sales else ("/purchase_invoices", "purchase_invoice")
    attrs: dict[str, Any] = {"contact_id": contact, "date": "2026-02-01", "invoice_lines": [
        {"description": f"{rate} {net}", "ledger_account_id": books.accounts[code], "quantity": 1, "unit_price": net,
         "tax_rate_id": rate, "tax_amount": tax} for net, rate, tax in lines]}
    if not sales:
        attrs.update(due_date="2026-03-03", vendor_reference="B-1")
    return str(books.created(path, wrapper, attrs)["id"])


def _pay(books: Books, contact: str, document: str, amount: str, discount: str, *, sales: bool = True) -> str:
    paid = books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": "CUSTOMER_RECEIPT" if sales else "VENDOR_PAYMENT", "contact_id": contact,
        "bank_account_id": books.bank(), "date": "2026-02-20", "total_amount": amount,
        "allocated_artefacts": [{"artefact_id": document, "amount": amount, "discount": discount}]})
    assert books.state(document) == ("PAID", D(0))
    return str(paid["transaction"]["id"])


def _boxes(books: Books) -> dict[str, Decimal]:
    """The quarter's nonzero boxes (the draft deleted again, so the quarter can be calculated once more)."""
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert books.delete(draft["$path"]).status_code == 204
    return {name: D(value) for name, value in draft["gb"].items() if D(value)}


def test_a_uk_receipt_with_a_discount_reduces_output_vat(opened: Opened, client: TestClient,
                                                         factory: Factory) -> None:
    books = _open(opened, client, factory, "GB", "GBP")
    customer = books.contact("CUSTOMER")
    invoice = _document(books, customer, 4000, ("100.00", "GB_STANDARD", "20.00"))
    # 120.00 invoiced, 108.00 received with a 12.00 prompt-payment discount: the consideration is 108.00, of which
    # VAT 108 x 20/120 = 18.00. So of the 12.00: VAT 12 x 20/120 = 2.00, net 10.00.
    receipt = _pay(books, customer, invoice, "108.00", "12.00")
    # Dr bank 108.00, Dr 4009 discounts allowed 10.00, Dr 2200 VAT on sales 2.00 / Cr 1100 debtors 120.00.
    assert books.transaction(receipt)[1] == [(1100, D(0), D("120.00")), (1200, D("108.00"), D(0)),
                                             (2200, D("2.00"), D(0)), (4009, D("10.00"), D(0))]
    # Box 1 = 20.00 - 2.00 = 18.00 (= 20% of the 90.00 kept); box 6 = 100 - 10 = 90.
    assert _boxes(books) == {"box_1": D(18), "box_3": D(18), "box_5": D(18), "box_6": D(90)}


def test_a_uk_payment_with_a_discount_reduces_input_vat(opened: Opened, client: TestClient,
                                                        factory: Factory) -> None:
    books = _open(opened, client, factory, "GB", "GBP")
    supplier = books.contact("VENDOR")
    bill = _document(books, supplier, 5000, ("200.00", "GB_STANDARD", "40.00"), sales=False)
    # 240.00 billed, 228.00 paid with a 12.00 discount: only the VAT paid is input tax, so 12 x 40/240 = 2.00 of
    # it comes off; the net 10.00 is a discount received.
    payment = _pay(books, supplier, bill, "228.00", "12.00", sales=False)
    # Dr 2100 creditors 240.00 / Cr bank 228.00, Cr 5009 discounts received 10.00, Cr 2201 VAT on purchases 2.00.
    assert books.transaction(payment)[1] == [(1200, D(0), D("228.00")), (2100, D("240.00"), D(0)),
                                             (2201, D(0), D("2.00")), (5009, D(0), D("10.00"))]
    # Box 4 = 40.00 - 2.00 = 38.00; box 7 = 200 - 10 = 190; box 5 = 38.00 repayable.
    assert _boxes(books) == {"box_4": D(38), "box_5": D(38), "box_7": D(190)}


def test_a_discount_is_split_over_the_rates_by_share(opened: Opened, client: TestClient,
                                                     factory: Factory) -> None:
    books = _open(opened, client, factory, "GB", "GBP")
    customer = books.contact("CUSTOMER")
    invoice = _document(books, customer, 4000, ("100.00", "GB_STANDARD", "20.00"), ("100.00", "GB_LOWER", "5.00"))
    # 225.00 invoiced (120.00 standard, 105.00 reduced); a 4% discount of 9.00. Standard share 9 x 120/225 = 4.80,
    # VAT 4.80 x 20/120 = 0.80, net 4.00; reduced share the rest, 4.20, VAT 4.20 x 5/105 = 0.20, net 4.00.
    receipt = _pay(books, customer, invoice, "216.00", "9.00")
    # Output VAT down 0.80 + 0.20 = 1.00; discounts allowed 4.00 + 4.00 = 8.00.
    assert books.transaction(receipt)[1] == [
        (1100, D(0), D("225.00")), (1200, D("216.00"), D(0)), (2200, D("0.20"), D(0)), (2200, D("0.80"), D(0)),
        (4009, D("4.00"), D(0)), (4009, D("4.00"), D(0))]
    # Box 1 = 25.00 - 1.00 = 24.00; box 6 = 200 - 8 = 192.
    assert _boxes(books) == {"box_1": D(24), "box_3": D(24), "box_5": D(24), "box_6": D(192)}


def test_german_skonto_reduces_the_tax(opened: Opened, client: TestClient, factory: Factory) -> None:
    books = _open(opened, client, factory, "DE", "EUR")
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    # Sale of 1,000.00 + 19% USt 190.00 = 1,190.00, paid less 2% Skonto = 23.80 (§17(1) UStG: the taxable amount
    # falls): USt 23.80 x 19/119 = 3.80, net 20.00.
    invoice = _document(books, customer, 8400, ("1000.00", "DE_STANDARD", "190.00"))
    receipt = _pay(books, customer, invoice, "1166.20", "23.80")
    # Dr bank 1,166.20, Dr 8736 gewährte Skonti 20.00, Dr 1776 Umsatzsteuer 3.80 / Cr 1400 Forderungen 1,190.00.
    entries = books.transaction(receipt)[1]
    assert [row for row in entries if row[0] in (1400, 1776, 8736)] == [
        (1400, D(0), D("1190.00")), (1776, D("3.80"), D(0)), (8736, D("20.00"), D(0))]
    # Umsatzsteuer owed: 190.00 - 3.80 = 186.20 (19% of the 980.00 received net).
    assert books.balance(code=1776) == D("-186.20")
    # Purchase of 500.00 + 19% Vorsteuer 95.00 = 595.00, paid less 3% Skonto = 17.85: Vorsteuer 17.85 x 19/119
    # = 2.85 comes off (§17(1) sentence 2 UStG), net 15.00 to erhaltene Skonti.
    bill = _document(books, supplier, 3400, ("500.00", "DE_STANDARD", "95.00"), sales=False)
    payment = _pay(books, supplier, bill, "577.15", "17.85", sales=False)
    entries = books.transaction(payment)[1]
    assert [row for row in entries if row[0] in (1576, 1600, 3736)] == [
        (1576, D(0), D("2.85")), (1600, D("595.00"), D(0)), (3736, D(0), D("15.00"))]
    # Vorsteuer kept: 95.00 - 2.85 = 92.15.
    assert books.balance(code=1576) == D("92.15")


def test_skonto_at_the_reduced_rate_comes_off_its_own_account(opened: Opened, client: TestClient,
                                                              factory: Factory) -> None:
    books = _open(opened, client, factory, "DE", "EUR")
    customer = books.contact("CUSTOMER")
    # Sale of 100.00 + 7% USt 7.00 = 107.00, posted to SKR03 1771 (Umsatzsteuer 7%); paid less 2% Skonto = 2.14:
    # USt 2.14 x 7/107 = 0.14, net 2.00. The 0.14 comes off 1771, where the sale's 7% went, not 1776.
    invoice = _document(books, customer, 8300, ("100.00", "DE_REDUCED", "7.00"))
    receipt = _pay(books, customer, invoice, "104.86", "2.14")
    entries = books.transaction(receipt)[1]
    assert [row for row in entries if row[0] in (1771, 1776, 8736)] == [
        (1771, D("0.14"), D(0)), (8736, D("2.00"), D(0))]
    assert books.balance(code=1771) == D("-6.86") and books.balance(code=1776) == D(0)


def test_canadian_sales_tax_keeps_the_whole_discount(opened: Opened, client: TestClient,
                                                     factory: Factory) -> None:
    books = _open(opened, client, factory, "CA", "CAD")
    customer = books.contact("CUSTOMER")
    invoice = _document(books, customer, 4000, ("100.00", "CA_GST", "5.00"))
    # 105.00 invoiced, 99.75 received with a 5.25 discount: ledgerd leaves GST alone in Canada, so all 5.25 is a
    # discount allowed and the GST account still holds the 5.00 charged.
    _pay(books, customer, invoice, "99.75", "5.25")
    assert books.balance(role="DISCOUNTS_ALLOWED") == D("5.25")
    assert books.balance(role="SALES_TAX") == D("-5.00")
