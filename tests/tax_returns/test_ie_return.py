"""Ireland's VAT3 (tax_returns/figures.ie_boxes): a period worked by hand, with the trade boxes and PA1.

Revenue's notes ("How do you complete a VAT3 return?", revenue.ie): E1 the value of goods sent to customers in
other EU countries, E2 of goods received from suppliers there, ES1 of services supplied to customers there, ES2
of services received from suppliers there; PA1 (the Tax and Duty Manual "VAT - Postponed Accounting", eBrief
050/21) the customs value of goods imported under postponed accounting, whose VAT is in T1 and in T2. Values
without VAT. January-February 2026, an Irish business's default bi-monthly period:

* Sale 10 Jan, domestic: 1,000.00 at 23 % (tax 230.00): T1.
* Sale 15 Jan to a customer registered for VAT in another member state: goods 2,000.00 zero-rated (E1) and
  services 800.00 zero-rated (ES1).
* Credit note 20 Feb to that customer: goods 500.00 zero-rated: E1 = 2,000.00 - 500.00 = 1,500.00.
* Sale 25 Jan, domestic: services 300.00 zero-rated: no trade box (the customer is at home).
* Purchase 3 Feb, domestic: 200.00 at 23 % (tax 46.00): T2.
* Purchase 5 Feb from an EU supplier, self-accounted (`vat_reverse_charge`): goods 1,000.00 at 23 % (tax 230.00,
  E2) and services 400.00 at 23 % (tax 92.00, ES2); their VAT in T1 and in T2.
* Purchase 12 Feb from outside the EU under postponed accounting: goods 1,500.00 at 23 % (tax 345.00): PA1, and
  345.00 in T1 and in T2.
* A March sale: no part of the period.

T1 = 230.00 + 230.00 + 92.00 + 345.00 = 897.00; T2 = 46.00 + 230.00 + 92.00 + 345.00 = 713.00; T3 = 184.00.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from tests.support.books import Books, D
from tests.support.factories import Factory

PERIOD = {"period_start_date": "2026-01-01", "period_end_date": "2026-02-28"}
EXPECTED = {"box_T1": "897.00", "box_T2": "713.00", "box_T3": "184.00", "box_T4": "0", "box_E1": "1500.00",
            "box_E2": "1000.00", "box_ES1": "800.00", "box_ES2": "400.00", "box_PA1": "1500.00"}


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    return Books.open(client, factory, "IE")


def _line(books: Books, code: int, net: str, rate: str, tax: str, kind: str | None = None) -> dict[str, Any]:
    line = books.taxed_line(code, net, rate, tax)
    return {**line, "eu_goods_services_type_id": kind} if kind else line


def _period(books: Books) -> None:
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    eu_customer = books.contact("CUSTOMER", tax_treatment={"eu_tax_registered": True})
    eu_supplier = books.contact("VENDOR", tax_treatment={"eu_tax_registered": True})
    importer = books.contact("VENDOR", tax_treatment={"rest_of_world_tax": True})
    books.invoice("/sales_invoices", customer, "2026-01-10", _line(books, 4000, "1000.00", "IE_STANDARD", "230.00"))
    books.invoice("/sales_invoices", eu_customer, "2026-01-15",
              _line(books, 4100, "2000.00", "IE_ZERO", "0.00", "GOODS"),
              _line(books, 4010, "800.00", "IE_ZERO", "0.00", "SERVICES"))
    books.invoice("/sales_credit_notes", eu_customer, "2026-02-20",
              _line(books, 4100, "500.00", "IE_ZERO", "0.00", "GOODS"))
    books.invoice("/sales_invoices", customer, "2026-01-25",
              _line(books, 4010, "300.00", "IE_ZERO", "0.00", "SERVICES"))
    books.invoice("/purchase_invoices", supplier, "2026-02-03", _line(books, 5000, "200.00", "IE_STANDARD", "46.00"))
    books.invoice("/purchase_invoices", eu_supplier, "2026-02-05",
              _line(books, 5000, "1000.00", "IE_STANDARD", "230.00", "GOODS"),
              _line(books, 5001, "400.00", "IE_STANDARD", "92.00", "SERVICES"), vat_reverse_charge=True)
    books.invoice("/purchase_invoices", importer, "2026-02-12",
              _line(books, 5000, "1500.00", "IE_STANDARD", "345.00"), postponed_accounting=True)
    books.invoice("/sales_invoices", eu_customer, "2026-03-02",
              _line(books, 4100, "900.00", "IE_ZERO", "0.00", "GOODS"))


def _decimals(boxes: dict[str, str]) -> dict[str, Decimal]:
    return {k: D(v) for k, v in boxes.items()}


def test_an_irish_period_with_trade_boxes(books: Books) -> None:
    _period(books)
    draft = books.created("/draft_tax_returns", "draft_tax_return", PERIOD)
    # Sage's IEBoxData keys in its order, then ledgerd's PA1.
    assert list(draft["ie"]) == list(EXPECTED)
    assert _decimals(draft["ie"]) == _decimals(EXPECTED)
    assert D(draft["total_amount"]) == D("184.00")
    filed = books.post(f"/draft_tax_returns/{draft['id']}/submit")
    assert filed.status_code == 201, filed.text
    assert _decimals(filed.json()["ie"]) == _decimals(EXPECTED)
    # 2202 VAT liability owes Revenue 184.00; the self-accounted VAT cancels out.
    assert books.balance(code=2202) == D("-184.00")
    books.check("EUR")
