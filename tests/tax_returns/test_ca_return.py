"""Canada's GST/HST return (tax_returns/gst34.py): a quarter worked by hand, drafted and filed.

The CRA's GST34: line 101 in whole dollars, tax to the cent; PST is the province's, not on it. Q1 2026, a
quarterly filer in Ontario:

* Sale 15 Jan: 1,000.00 at HST 13 % (130.00). Sale 20 Jan into British Columbia: 500.00 at GST & PST 12 %: GST
  25.00 (5 %) and PST 35.00 (7 %, to 2220 PST Payable). Sale 25 Jan: 200.00 zero-rated (an export).
* Credit note 5 Mar: 100.00 at HST 13 % (13.00).
* Purchase 1 Feb: 400.00 at HST 13 % (52.00), claimed as an ITC. Purchase 10 Feb in BC: 300.00 at GST & PST:
  GST 15.00 claimed; PST 21.00 is not recoverable and is part of the cost.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from tests.support.books import Books, D
from tests.support.factories import Factory

Q1 = {"period_start_date": "2026-01-01", "period_end_date": "2026-03-31"}


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    books = Books.open(client, factory, "CA")
    books.updated("/financial_settings", "financial_settings", {"tax_return_frequency_id": "QUARTERLY"})
    return books


def _quarter(books: Books) -> None:
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    books.invoice("/sales_invoices", customer, "2026-01-15", books.taxed_line(4000, "1000.00", "CA_HST_ON", "130.00"))
    books.invoice("/sales_invoices", customer, "2026-01-20", books.taxed_line(4000, "500.00", "CA_GST_PST_BC", "60.00"))
    books.invoice("/sales_invoices", customer, "2026-01-25", books.taxed_line(4000, "200.00", "CA_ZERO", "0.00"))
    books.created("/sales_credit_notes", "sales_credit_note", {
        "contact_id": customer, "date": "2026-03-05",
        "credit_note_lines": [books.taxed_line(4000, "100.00", "CA_HST_ON", "13.00")]})
    for on, line in (("2026-02-01", books.taxed_line(5000, "400.00", "CA_HST_ON", "52.00")),
                     ("2026-02-10", books.taxed_line(6300, "300.00", "CA_GST_PST_BC", "36.00"))):
        books.created("/purchase_invoices", "purchase_invoice", {
            "contact_id": supplier, "date": on, "due_date": "2026-04-30", "vendor_reference": f"B-{on}",
            "invoice_lines": [line]})


# 101 = 1,000.00 + 500.00 + 200.00 - 100.00 = 1,600. 103 = 105 = 130.00 + 25.00 - 13.00 = 142.00 (not the PST).
# 106 = 108 = 52.00 + 15.00 = 67.00. 109 = 142.00 - 67.00 = 75.00.
EXPECTED = {"line_101": "1600", "line_103": "142.00", "line_105": "142.00", "line_106": "67.00",
            "line_108": "67.00", "line_109": "75.00"}


def test_a_canadian_quarter(books: Books) -> None:
    _quarter(books)
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert (draft["gb"], draft["ie"], list(draft["ca"])) == (None, None, list(EXPECTED))
    assert {k: D(v) for k, v in draft["ca"].items()} == {k: D(v) for k, v in EXPECTED.items()}
    assert draft["tax_return_type"] == {"id": "GST34", "name": "GST/HST Return"}
    assert D(draft["total_amount"]) == D("75.00")
    response = books.post(f"/draft_tax_returns/{draft['id']}/submit")
    assert response.status_code == 201, response.text
    assert response.json()["ca"] == draft["ca"]
    # 2250 GST/HST Owing takes the net tax; the GST/HST accounts are cleared; the PST stays owed to BC.
    assert books.balance(code=2250) == D("-75.00")
    assert (books.balance(code=2200), books.balance(code=2210), books.balance(code=2220)) == (D(0), D(0), D("-35.00"))
    books.check("CAD")
