"""Germany's Umsatzsteuer-Voranmeldung (tax_returns/ustva.py): a quarter worked by hand, drafted and filed.

The BMF's form (Vordruckmuster USt 1 A): bases in whole euros (cents dropped), tax to the cent. Q1 2026, the
default quarterly periods of a German business:

* Sale 15 Jan: 1,000.60 at 19 % (tax 190.11: 1,000.60 x 19 % = 190.114) and 500.00 at 7 % (tax 35.00).
* Credit note 5 Mar: 200.00 at 19 % (tax 38.00). §17(1) UStG: the change reduces the period's Kz 81 and its tax.
* Sale 10 Feb to a customer registered for VAT in another member state: goods 2,000.00, tax-free (§4 Nr. 1b,
  §6a UStG): Kz 41.
* Sale 12 Feb: 300.00 exempt (§4 Nr. 8 ff. UStG): Kz 48.
* Sale 18 Feb to that EU customer: a service of 700.00, taxed where the customer is (§3a(2) UStG): Kz 21.
* Payment 25 Feb to customs of 380.00 Einfuhrumsatzsteuer on 1588 (§15(1) Nr. 2 UStG): Kz 62 = 380.00.
* Purchase 1 Feb: 400.00 at 19 % (tax 76.00) and 100.00 at 7 % (tax 7.00): Vorsteuer, Kz 66 = 83.00.
* Purchase 20 Feb from an EU supplier under the reverse charge, goods 1,500.00 at 19 %: an intra-Community
  acquisition (§1a UStG), Kz 89 = 1,500, its tax 285.00, deductible (§15(1) Nr. 3 UStG), Kz 61 = 285.00.
* Purchase 1 Mar from an EU supplier under the reverse charge, a service of 600.00 at 19 %: §13b(1) UStG,
  Kz 46 = 600, Kz 47 = 114.00, deductible (§15(1) Nr. 4 UStG), Kz 67 = 114.00.
* An April sale: no part of the quarter.
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


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    return Books.open(client, factory, "DE")


def _line(books: Books, code: int, net: str, rate: str, tax: str, goods: bool = False) -> dict[str, Any]:
    line = books.taxed_line(code, net, rate, tax)
    return {**line, "eu_goods_services_type_id": "GOODS"} if goods else line


def _quarter(books: Books) -> None:
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    eu_customer = books.contact("CUSTOMER", tax_treatment={"eu_tax_registered": True})
    eu_supplier = books.contact("VENDOR", tax_treatment={"eu_tax_registered": True})
    books.invoice("/sales_invoices", customer, "2026-01-15", _line(books, 8400, "1000.60", "DE_STANDARD", "190.11"),
              _line(books, 8300, "500.00", "DE_REDUCED", "35.00"))
    books.invoice("/sales_credit_notes", customer, "2026-03-05",
              _line(books, 8400, "200.00", "DE_STANDARD", "38.00"))
    books.invoice("/sales_invoices", eu_customer, "2026-02-10",
              _line(books, 8125, "2000.00", "DE_EXEMPT", "0.00", goods=True))
    books.invoice("/sales_invoices", customer, "2026-02-12", _line(books, 8100, "300.00", "DE_EXEMPT", "0.00"))
    books.invoice("/sales_invoices", eu_customer, "2026-02-18",
              {**_line(books, 8100, "700.00", "DE_EXEMPT", "0.00"), "eu_goods_services_type_id": "SERVICES"})
    books.created("/other_payments", "other_payment", {
        "transaction_type_id": "OTHER_PAYMENT", "date": "2026-02-25", "bank_account_id": books.bank(),
        "total_amount": "380.00", "payment_lines": [{
            "ledger_account_id": books.accounts[1588], "total_amount": "380.00", "net_amount": "380.00",
            "tax_amount": "0.00", "tax_rate_id": "DE_NO_TAX"}]})
    books.invoice("/purchase_invoices", supplier, "2026-02-01", _line(books, 3400, "400.00", "DE_STANDARD", "76.00"),
              _line(books, 3300, "100.00", "DE_REDUCED", "7.00"))
    books.invoice("/purchase_invoices", eu_supplier, "2026-02-20",
              _line(books, 3400, "1500.00", "DE_STANDARD", "285.00", goods=True), vat_reverse_charge=True)
    books.invoice("/purchase_invoices", eu_supplier, "2026-03-01",
              _line(books, 4950, "600.00", "DE_STANDARD", "114.00"), vat_reverse_charge=True)
    books.invoice("/sales_invoices", customer, "2026-04-02", _line(books, 8400, "300.00", "DE_STANDARD", "57.00"))


# Kz 81 = 1,000.60 - 200.00 = 800.60 -> 800; its tax 190.11 - 38.00 = 152.11. Kz 86 = 500, tax 35.00.
# Kz 83 = tax owed 152.11 + 35.00 + 285.00 + 114.00 = 586.11 less input tax 83.00 + 285.00 + 114.00 = 482.00
#       = 104.11 (the acquisition's and §13b tax cancel out: 152.11 + 35.00 - 83.00), less the import VAT
#       380.00 = -275.89, a surplus.
EXPECTED = {
    "kz_81": "800", "kz_81_steuer": "152.11", "kz_86": "500", "kz_86_steuer": "35.00", "kz_35": "0", "kz_36": "0",
    "kz_41": "2000", "kz_43": "0", "kz_48": "300", "kz_60": "0", "kz_21": "700", "kz_89": "1500",
    "kz_89_steuer": "285.00", "kz_93": "0", "kz_93_steuer": "0", "kz_91": "0", "kz_46": "600", "kz_47": "114.00",
    "kz_84": "0", "kz_85": "0",
    "kz_66": "83.00", "kz_61": "285.00", "kz_62": "380.00", "kz_67": "114.00", "kz_83": "-275.89"}


def _decimals(boxes: dict[str, str]) -> dict[str, Decimal]:
    return {k: D(v) for k, v in boxes.items()}


def test_a_german_quarter(books: Books) -> None:
    _quarter(books)
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert (draft["gb"], draft["ie"]) == (None, None)
    assert list(draft["de"]) == list(EXPECTED)
    assert _decimals(draft["de"]) == {k: D(v) for k, v in EXPECTED.items()}
    assert draft["tax_return_type"] == {"id": "USTVA", "name": "Umsatzsteuer-Voranmeldung"}
    assert D(draft["total_amount"]) == D("-275.89")
    assert books.get(draft["$path"]).json() == draft


def test_filing_moves_each_rate_account_to_the_liability(books: Books) -> None:
    _quarter(books)
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    response = books.post(f"/draft_tax_returns/{draft['id']}/submit")
    assert response.status_code == 201, response.text
    filed = response.json()
    assert (_decimals(filed["de"]), filed["submission"]) == ({k: D(v) for k, v in EXPECTED.items()}, None)
    assert books.get(f"/tax_returns/{filed['id']}").json()["de"] == filed["de"]
    # 1780 Umsatzsteuer-Vorauszahlungen is owed 275.89 by the Finanzamt; the 19 % and 7 % accounts and 1588 are
    # cleared of the quarter (1776 keeps the April sale's 57.00).
    assert books.balance(code=1780) == D("275.89")
    assert (books.balance(code=1771), books.balance(code=1571), books.balance(code=1576),
            books.balance(code=1588)) == (D(0), D(0), D(0), D(0))
    assert books.balance(code=1776) == D("-57.00")
    books.check("EUR")
