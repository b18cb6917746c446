"""France's TVA sur les encaissements (CGI art. 269-2-c; tax_returns/cash.py, schemes.py): services are taxed when
paid, goods when invoiced, unless the business opted for the débits (`sales_tax_calculation` "invoice").

Q1 2026, a business of the régime réel normal filing quarterly, on the law's default (encaissements):

* Invoice 10 Jan: a service of 1,000.00 at 20 % (TVA 200.00), total 1,200.00; 600.00 received 15 Feb: half of
  it, base 500.00 and TVA 100.00, on line 08.
* Invoice 20 Jan: goods 500.00 at 10 % (TVA 50.00), unpaid: all of it on line 9B (goods: on delivery).
* Invoice 1 Feb, on one account: goods 1,000.00 at 20 % (200.00) and a service of 500.00 at 20 % (100.00), total
  1,800.00; 900.00 received 1 Mar (half): the goods whole (1,000.00, 200.00) and half the service (250.00, 50.00).
* Invoice 10 Mar: a service of 300.00 at 20 % (60.00), received in full 5 Apr: nothing in Q1, all in Q2.

Q1: 08 base 500.00 + 1,000.00 + 250.00 = 1,750; TVA 100.00 + 200.00 + 50.00 = 350.00. 9B base 500, TVA 50.00.
A1 = 1,750 + 500 = 2,250; 16 = 28 = 400.00. Q2: 08 base 300, TVA 60.00 (the service paid 5 Apr); the first
invoice's unpaid half and the third's stay until paid.
On the débits the same quarter declares every invoice: 08 base 1,000 + 1,500 + 300 = 2,800, TVA 560.00.
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

Q1 = {"period_start_date": "2026-01-01", "period_end_date": "2026-03-31"}
Q2 = {"period_start_date": "2026-04-01", "period_end_date": "2026-06-30"}
SHOWN = ("ligne_A1", "ligne_08_base", "ligne_08_taxe", "ligne_9B_base", "ligne_9B_taxe", "ligne_16", "ligne_28")


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 7, 10, 10, 0, tzinfo=UTC))
    books = Books.open(client, factory, "FR")
    books.updated("/financial_settings", "financial_settings", {"tax_return_frequency_id": "QUARTERLY",
                                                                "tax_scheme_id": "STANDARD"})
    return books


def _service(line: dict[str, Any]) -> dict[str, Any]:
    return {**line, "eu_goods_services_type_id": "SERVICES"}


def _quarter(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    first = books.invoice("/sales_invoices", customer, "2026-01-10",
                          _service(books.taxed_line(706000, "1000.00", "FR_STANDARD", "200.00")))
    books.invoice("/sales_invoices", customer, "2026-01-20", books.taxed_line(707000, "500.00", "FR_INTERMEDIATE",
                                                                              "50.00"))
    mixed = books.invoice("/sales_invoices", customer, "2026-02-01",
                          books.taxed_line(706000, "1000.00", "FR_STANDARD", "200.00"),
                          _service(books.taxed_line(706000, "500.00", "FR_STANDARD", "100.00")))
    late = books.invoice("/sales_invoices", customer, "2026-03-10",
                         _service(books.taxed_line(706000, "300.00", "FR_STANDARD", "60.00")))
    books.pay("CUSTOMER_RECEIPT", customer, "2026-02-15", first, "600.00")
    books.pay("CUSTOMER_RECEIPT", customer, "2026-03-01", mixed, "900.00")
    books.pay("CUSTOMER_RECEIPT", customer, "2026-04-05", late, "360.00")


def _shown(draft: dict[str, Any]) -> dict[str, Decimal]:
    return {name: D(draft["fr"][name]) for name in SHOWN}


def _expected(a1: str, base_08: str, tax_08: str, base_9b: str, tax_9b: str, due: str) -> dict[str, Decimal]:
    return dict(zip(SHOWN, (D(a1), D(base_08), D(tax_08), D(base_9b), D(tax_9b), D(due), D(due)), strict=True))


def test_services_are_taxed_when_paid(books: Books) -> None:
    _quarter(books)
    q1 = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert _shown(q1) == _expected("2250", "1750", "350.00", "500", "50.00", "400.00")
    assert D(q1["total_amount"]) == D("400.00")
    assert books.post(f"/draft_tax_returns/{q1['id']}/submit").status_code == 201
    # 445710 keeps the TVA still to be received: 100.00 + 50.00 + 60.00.
    assert (books.balance(role="TAX_LIABILITY"), books.balance(role="SALES_TAX")) == (D("-400.00"), D("-210.00"))
    q2 = books.created("/draft_tax_returns", "draft_tax_return", Q2)
    assert _shown(q2) == _expected("300", "300", "60.00", "0", "0", "60.00")
    books.check("EUR")


def test_the_option_for_the_debits(books: Books) -> None:
    books.updated("/financial_settings", "financial_settings", {"sales_tax_calculation": "invoice"})
    _quarter(books)
    q1 = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert _shown(q1) == _expected("3300", "2800", "560.00", "500", "50.00", "610.00")
