"""The flat rate scheme (HMRC VAT Notice 733), on invoices and on the cash basis.

Box 1 is the business's flat rate percentage of its VAT-inclusive turnover: every supply, standard-rated,
zero-rated and exempt alike (supplies outside the scope of VAT, "No VAT", are not turnover). No input tax is
reclaimed except on capital goods bought for £2,000 or more, VAT included (ledgerd: the lines of a purchase on
fixed asset accounts): their VAT is box 4 and their net value box 7. Box 6 is the VAT-inclusive turnover.
Filing moves the VAT the documents charged off the VAT accounts; what they charged beyond the flat rate tax
(less the input tax not reclaimed) is the business's income (HMRC BIM31605), posted to other income.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from tests.support.books import Books, D, gb_boxes, problem
from tests.support.factories import Factory

Q1 = {"period_start_date": "2026-01-01", "period_end_date": "2026-03-31"}


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    return Books.open(client, factory)


def _scheme(books: Books, scheme: str) -> None:
    books.updated("/financial_settings", "financial_settings", {
        "tax_scheme_id": scheme, "flat_rate_tax_percentage": "14.5", "tax_number": "GB 123 4567 89"})


def _quarter(books: Books) -> dict[str, str]:
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    ids = {"customer": customer, "supplier": supplier}
    ids["standard"] = books.invoice("/sales_invoices", customer, "2026-01-15",
                                    books.taxed_line(4000, "1000.00", "GB_STANDARD", "200.00"))  # 1200.00 with VAT
    ids["zero"] = books.invoice("/sales_invoices", customer, "2026-02-02",
                                books.taxed_line(4000, "300.00", "GB_ZERO", "0.00"))             # 300.00
    ids["exempt"] = books.invoice("/sales_invoices", customer, "2026-02-20",
                                  books.taxed_line(4900, "150.00", "GB_EXEMPT", "0.00"),    # 150.00 (rent)
                                  books.taxed_line(4900, "50.00", "GB_NO_TAX", "0.00"))          # outside the scope
    # Ordinary costs: their VAT is not reclaimed under the scheme.
    books.invoice("/purchase_invoices", supplier, "2026-01-20",
                  books.taxed_line(5000, "400.00", "GB_STANDARD", "80.00"))
    # A computer for 3000.00 with VAT: capital goods of £2,000 or more.
    ids["capital"] = books.invoice("/purchase_invoices", supplier, "2026-02-05",
                                   books.taxed_line(30, "2500.00", "GB_STANDARD", "500.00"))
    # Furniture for 1800.00 with VAT: a fixed asset, but under £2,000.
    books.invoice("/purchase_invoices", supplier, "2026-03-01",
                  books.taxed_line(30, "1500.00", "GB_STANDARD", "300.00"))
    return ids


def test_a_flat_rate_quarter(books: Books) -> None:
    _scheme(books, "FLAT_RATE_INVOICE")
    _quarter(books)
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    # Turnover with VAT: 1200.00 + 300.00 (zero-rated) + 150.00 (exempt) = 1650.00; the 50.00 "No VAT" is out.
    # Box 1: 14.5% x 1650.00 = 239.25.  Box 6: 1650.
    # Box 4: the computer's 500.00 only (3000.00 >= 2000; the furniture's 1800.00 is under).  Box 7: its 2500.
    # Box 5: |239.25 - 500.00| = 260.75, to be repaid: total_amount -260.75.
    assert {k: D(v) for k, v in draft["gb"].items()} == gb_boxes(box_1="239.25", box_3="239.25", box_4="500.00",
                                                          box_5="260.75", box_6="1650", box_7="2500")
    assert D(draft["total_amount"]) == D("-260.75")

    assert books.post(f"/draft_tax_returns/{draft['id']}/submit").status_code == 201
    # The transfer: VAT on sales debited the 200.00 charged, VAT on purchases credited the 880.00 charged
    # (80 + 500 + 300), the liability debited the 260.75 repayable; the difference balances to other income
    # (4900): 880.00 - 200.00 - 260.75 = 419.25 debit, i.e. the flat rate surplus (200.00 charged - 239.25 due
    # = -39.25) less the 380.00 of input tax not reclaimed (80 + 300).
    assert (books.balance(code=2200), books.balance(code=2201), books.balance(code=2202)) == (
        D(0), D(0), D("260.75"))
    # 4900 also carries the exempt rent's 150.00 and the 50.00 "No VAT" credit: -200.00 + 419.25 = 219.25.
    assert books.balance(code=4900) == D("219.25")
    books.check()


def test_flat_rate_on_the_cash_basis(books: Books) -> None:
    _scheme(books, "FLAT_RATE_CASH")
    ids = _quarter(books)
    books.pay("CUSTOMER_RECEIPT", ids["customer"], "2026-03-10", ids["standard"], "600.00")   # half
    books.pay("CUSTOMER_RECEIPT", ids["customer"], "2026-03-11", ids["zero"], "300.00")      # all
    books.pay("VENDOR_PAYMENT", ids["supplier"], "2026-03-12", ids["capital"], "3000.00")     # all
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    # Turnover received: half of 1200.00 = 600.00 + 300.00 = 900.00 (the exempt invoice is unpaid).
    # Box 1: 14.5% x 900.00 = 130.50.  Box 4: the computer, paid in full: 500.00 (the £2,000 test is on the
    # purchase, 3000.00).  Box 5: |130.50 - 500.00| = 369.50.
    assert {k: D(v) for k, v in draft["gb"].items()} == gb_boxes(box_1="130.50", box_3="130.50", box_4="500.00",
                                                          box_5="369.50", box_6="900", box_7="2500")


def test_the_scheme_needs_its_percentage(books: Books) -> None:
    books.updated("/financial_settings", "financial_settings", {"tax_scheme_id": "FLAT_RATE_INVOICE"})
    problem(books.post("/draft_tax_returns", {"draft_tax_return": Q1}), 422, "RecordInvalid",
            "flat_rate_tax_percentage")
    assert books.get("/draft_tax_returns").json()["$total"] == 0
