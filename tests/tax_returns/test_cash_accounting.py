"""Cash accounting: VAT is due when it is paid (HMRC VAT Notice 731), and Revenue's moneys received basis.

Under the scheme, output VAT is due when a customer pays and input VAT is reclaimed when the business pays its
supplier; a part-paid invoice brings only the paid share of its VAT, and of its net value to boxes 6 and 7
(ledgerd: the share of its total the payment settles, rounded to the penny as running totals). A payment in the
next period, or one dated in a filed period but entered later, comes in the next return.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from tests.support.books import Books, D, gb_boxes
from tests.support.factories import Factory

Q1 = {"period_start_date": "2026-01-01", "period_end_date": "2026-03-31"}
Q2 = {"period_start_date": "2026-04-01", "period_end_date": "2026-06-30"}


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    opened = Books.open(client, factory)
    opened.updated("/financial_settings", "financial_settings", {"tax_scheme_id": "CASH",
                                                                 "tax_number": "GB 123 4567 89"})
    return opened


def _boxes(draft: dict[str, Any]) -> dict[str, Decimal]:
    return {k: D(v) for k, v in draft["gb"].items()}


def _quarter(books: Books) -> dict[str, str]:
    """January-March 2026 on the cash basis; the ids of what later payments settle."""
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    s1 = books.invoice("/sales_invoices", customer, "2026-01-10",
                       books.taxed_line(4000, "1000.00", "GB_STANDARD", "200.00"))  # total 1200.00
    s2 = books.invoice("/sales_invoices", customer, "2026-02-01",
                       books.taxed_line(4000, "300.00", "GB_STANDARD", "60.00"),
                       books.taxed_line(4000, "100.00", "GB_ZERO", "0.00"))         # total 460.00
    s3 = books.invoice("/sales_invoices", customer, "2026-03-20",
                       books.taxed_line(4000, "500.00", "GB_STANDARD", "100.00"))   # total 600.00, unpaid
    p1 = books.invoice("/purchase_invoices", supplier, "2026-01-20",
                       books.taxed_line(5000, "800.00", "GB_STANDARD", "160.00"))   # total 960.00
    books.invoice("/purchase_invoices", supplier, "2026-02-10",
                  books.taxed_line(5000, "200.00", "GB_STANDARD", "40.00"))         # total 240.00, unpaid
    books.pay("CUSTOMER_RECEIPT", customer, "2026-02-15", s1, "600.00")  # half of S1
    books.pay("CUSTOMER_RECEIPT", customer, "2026-03-01", s2, "460.00")  # all of S2
    books.pay("VENDOR_PAYMENT", supplier, "2026-03-05", p1, "100.00")    # 100/960 of P1
    # A purchase paid on the spot: cash the day it is made (net 100.00, VAT 20.00).
    books.created("/other_payments", "other_payment", {
        "transaction_type_id": "OTHER_PAYMENT", "date": "2026-03-10", "bank_account_id": books.bank(),
        "total_amount": "120.00", "payment_lines": [{"ledger_account_id": books.accounts[7500],
                                                      "total_amount": "120.00", "tax_rate_id": "GB_STANDARD"}]})
    # Next quarter: the rest of S1, and the rest of P1.
    books.pay("CUSTOMER_RECEIPT", customer, "2026-04-10", s1, "600.00")
    books.pay("VENDOR_PAYMENT", supplier, "2026-05-01", p1, "860.00")
    return {"customer": customer, "s3": s3}


def test_a_quarter_counts_what_was_paid(books: Books) -> None:
    _quarter(books)
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    # Box 1: S1 half paid (600/1200): 200.00 x 1/2 = 100.00; S2 paid in full: 60.00; S3 unpaid: 0 -> 160.00.
    # Box 6: 1000.00 x 1/2 = 500.00 + S2's 300.00 + 100.00 zero-rated = 900.00 -> 900.
    # Box 4: P1 100.00 of 960.00 paid: 160.00 x 100/960 = 16.666… -> 16.67; the other payment's 20.00;
    #        P2 unpaid -> 36.67.
    # Box 7: P1 800.00 x 100/960 = 83.333… -> 83.33 + 100.00 = 183.33 -> 183 (whole pounds).
    # Box 5: 160.00 - 36.67 = 123.33.  (On the invoice basis box 1 would be 360.00 and box 4 220.00.)
    assert _boxes(draft) == gb_boxes(box_1="160.00", box_3="160.00", box_4="36.67", box_5="123.33", box_6="900",
                                box_7="183")
    assert D(draft["total_amount"]) == D("123.33")


def test_filing_moves_the_paid_vat_and_later_payments_come_next(books: Books) -> None:
    ids = _quarter(books)
    q1 = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert books.post(f"/draft_tax_returns/{q1['id']}/submit").status_code == 201
    # The transfer moves only the paid VAT: VAT on sales keeps the unpaid 100.00 of S1 and S3's 100.00
    # (charged 200 + 60 + 100 = 360.00, moved 160.00 -> -200.00); VAT on purchases keeps 160 + 40 + 20 - 36.67
    # = 183.33; the liability is the return's 123.33.
    assert (books.balance(code=2200), books.balance(code=2201), books.balance(code=2202)) == (
        D("-200.00"), D("183.33"), D("-123.33"))

    # A receipt dated in the filed quarter, entered after filing: half of S3 (300 of 600), a late entry.
    books.pay("CUSTOMER_RECEIPT", ids["customer"], "2026-03-25", ids["s3"], "300.00")
    q2 = books.created("/draft_tax_returns", "draft_tax_return", Q2)
    # Box 1: the rest of S1 (600/1200 more): 200.00 x 2/2 - 100.00 = 100.00; S3 half: 100.00 x 1/2 = 50.00
    #        -> 150.00.  Box 6: 500.00 + 250.00 = 750.
    # Box 4: P1 now paid in full: 160.00 - 16.67 (already reclaimed) = 143.33 (running totals: the two shares add
    #        up to the invoice's 160.00 exactly).  Box 7: 800.00 - 83.33 = 716.67 -> 716.
    # Box 5: 150.00 - 143.33 = 6.67.
    assert _boxes(q2) == gb_boxes(box_1="150.00", box_3="150.00", box_4="143.33", box_5="6.67", box_6="750",
                             box_7="716")
    books.check()


def test_an_irish_business_on_the_moneys_received_basis(client: TestClient, factory: Factory,
                                                        clock: Clock) -> None:
    """Revenue's cash receipts basis (VAT Consolidation Act 2010 s86) concerns sales only: input VAT stays on
    the invoice basis."""
    clock.freeze(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    books = Books.open(client, factory, "IE")
    books.updated("/financial_settings", "financial_settings", {"tax_scheme_id": "CASH"})
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    sale = books.invoice("/sales_invoices", customer, "2026-01-20",
                         books.taxed_line(4000, "1000.00", "IE_STANDARD", "230.00"))  # total 1230.00
    books.invoice("/purchase_invoices", supplier, "2026-02-03",
                  books.taxed_line(5000, "200.00", "IE_STANDARD", "46.00"))          # unpaid
    books.pay("CUSTOMER_RECEIPT", customer, "2026-02-20", sale, "615.00")  # half
    draft = books.created("/draft_tax_returns", "draft_tax_return", {"period_start_date": "2026-01-01",
                                                                      "period_end_date": "2026-02-28"})
    # T1: 230.00 x 615/1230 = 115.00; T2: the unpaid purchase's 46.00 all the same (invoice basis);
    # T3: 115.00 - 46.00 = 69.00.
    assert {k: D(v) for k, v in draft["ie"].items() if k in ("box_T1", "box_T2", "box_T3", "box_T4")} == {
        "box_T1": D("115.00"), "box_T2": D("46.00"), "box_T3": D("69.00"), "box_T4": D(0)}


def test_a_credit_note_set_against_an_invoice(books: Books) -> None:
    """No money moves when a credit note is allocated to an invoice: the two shares cancel out, and the VAT due
    is that of what the customer paid."""
    customer = books.contact("CUSTOMER")
    invoice = books.invoice("/sales_invoices", customer, "2026-01-10",
                            books.taxed_line(4000, "500.00", "GB_STANDARD", "100.00"))  # total 600.00
    credit = str(books.created("/sales_credit_notes", "sales_credit_note", {
        "contact_id": customer, "date": "2026-01-20",
        "credit_note_lines": [books.taxed_line(4000, "100.00", "GB_STANDARD", "20.00")]})["id"])  # total 120.00
    books.created("/contact_allocations", "contact_allocation", {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": customer, "date": "2026-01-25",
        "allocated_artefacts": [{"artefact_id": invoice, "amount": 120}, {"artefact_id": credit, "amount": -120}]})
    books.pay("CUSTOMER_RECEIPT", customer, "2026-02-05", invoice, "480.00")
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    # The invoice is settled in full (120/600 by the credit note, 480/600 paid): 100.00 VAT, 500.00 net; the
    # credit note in full (120/120): -20.00 VAT, -100.00 net.  Box 1: 80.00 (the VAT in the 480.00 received);
    # box 6: 400.
    assert _boxes(draft) == gb_boxes(box_1="80.00", box_3="80.00", box_5="80.00", box_6="400")


def test_invoices_declared_before_joining_the_scheme_count_once(books: Books) -> None:
    """An invoice declared on the invoice basis (the business joined cash accounting after filing it) brings
    nothing when it is paid later (VAT Notice 731: VAT already accounted for is not accounted for again)."""
    books.updated("/financial_settings", "financial_settings", {"tax_scheme_id": "STANDARD"})
    customer = books.contact("CUSTOMER")
    invoice = books.invoice("/sales_invoices", customer, "2026-02-10",
                            books.taxed_line(4000, "1000.00", "GB_STANDARD", "200.00"))
    q1 = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert D(q1["gb"]["box_1"]) == D("200.00")  # the invoice basis
    assert books.post(f"/draft_tax_returns/{q1['id']}/submit").status_code == 201
    books.updated("/financial_settings", "financial_settings", {"tax_scheme_id": "CASH"})
    books.pay("CUSTOMER_RECEIPT", customer, "2026-04-15", invoice, "1200.00")
    # A cash sale in April still counts: 50.00 net, 10.00 VAT.
    books.created("/other_payments", "other_payment", {
        "transaction_type_id": "OTHER_RECEIPT", "date": "2026-04-20", "bank_account_id": books.bank(),
        "total_amount": "60.00", "payment_lines": [{"ledger_account_id": books.accounts[4900], "total_amount": "60.00",
                                                    "net_amount": "50.00", "tax_amount": "10.00",
                                                    "tax_rate_id": "GB_STANDARD"}]})
    q2 = books.created("/draft_tax_returns", "draft_tax_return", Q2)
    assert _boxes(q2) == gb_boxes(box_1="10.00", box_3="10.00", box_5="10.00", box_6="50")
