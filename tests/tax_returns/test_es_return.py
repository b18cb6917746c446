"""Spain's modelo 303 (tax_returns/modelo303.py): a quarter worked by hand, drafted and filed.

The AEAT's form, amounts in euros and cents. Q1 2026, the default quarterly periods of a Spanish business:

* Sale 15 Jan: 1,000.00 at 21 % (IVA 210.00), 200.00 at 10 % (20.00), 100.00 at 4 % (4.00).
* Sale 20 Jan to a retailer under the recargo de equivalencia: 500.00 at 21 % + 5.2 % (Ley 37/1992 art. 161):
  IVA 105.00 and recargo 26.00 on one line.
* Corrective invoice 10 Mar of the first sale: -100.00 at 21 % (-21.00): art. 80, casillas 14/15.
* Purchase 1 Feb: 400.00 at 21 % (84.00): IVA soportado en operaciones interiores corrientes, 28/29.
* Purchase 5 Feb of equipment (2170, a fixed asset): 1,000.00 at 21 % (210.00): bienes de inversión, 30/31.
* Purchase 20 Feb of goods from an EU supplier under the reverse charge: 800.00 at 21 % (168.00), an
  adquisición intracomunitaria (art. 15): devengada in 10/11 and deducible in 36/37 (art. 92).
* IRPF withheld on a service sale (15 %) is no part of the 303: it goes to modelo 111 (docs).
"""

from __future__ import annotations

from datetime import UTC, datetime
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
    return Books.open(client, factory, "ES")


def _purchase(books: Books, supplier: str, on: str, *lines: dict[str, Any], **extra: Any) -> None:
    books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": supplier, "date": on, "due_date": "2026-04-30", "vendor_reference": f"F-{on}",
        "invoice_lines": list(lines), **extra})


def _quarter(books: Books) -> None:
    customer, retailer, supplier = books.contact("CUSTOMER"), books.contact("CUSTOMER"), books.contact("VENDOR")
    eu_supplier = books.contact("VENDOR", tax_treatment={"eu_tax_registered": True})
    sale = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2026-01-15",
        "invoice_lines": [books.taxed_line(7000, "1000.00", "ES_STANDARD", "210.00"),
                          books.taxed_line(7000, "200.00", "ES_REDUCED", "20.00"),
                          books.taxed_line(7000, "100.00", "ES_SUPER_REDUCED", "4.00")]})
    books.invoice("/sales_invoices", retailer, "2026-01-20",
                  books.taxed_line(7000, "500.00", "ES_STANDARD_WITH_RE", "131.00"))
    books.created("/sales_corrective_invoices", "sales_corrective_invoice", {
        "original_invoice_id": sale["id"], "corrective_reason_code_id": "R1", "date": "2026-03-10",
        "invoice_lines": [books.taxed_line(7000, "-100.00", "ES_STANDARD", "-21.00")]})
    _purchase(books, supplier, "2026-02-01", books.taxed_line(6000, "400.00", "ES_STANDARD", "84.00"))
    _purchase(books, supplier, "2026-02-05", books.taxed_line(2170, "1000.00", "ES_STANDARD", "210.00"))
    _purchase(books, eu_supplier, "2026-02-20", {**books.taxed_line(6000, "800.00", "ES_STANDARD", "168.00"),
                                                  "eu_goods_services_type_id": "GOODS"}, vat_reverse_charge=True)
    # A service sold with 15 % IRPF withheld (a net of 0.00 at 21 % would be no sale): 1,000.00 + 210.00 IVA,
    # less 150.00 IRPF; only the IVA and the base reach the 303.
    books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2026-03-20", "withholding_tax_rate": "15.00",
        "invoice_lines": [books.taxed_line(7050, "1000.00", "ES_STANDARD", "210.00")]})


# 07 = 1,000.00 + 500.00 (the recargo line's base) + 1,000.00 (the IRPF sale) = 2,500.00;
# 09 = 210.00 + 105.00 + 210.00 = 525.00. 22/24: the recargo's base 500.00 and cuota 26.00 (500 x 5.2 %).
# 27 = 03 + 06 + 09 + 11 + 13 + 15 + 18 + 21 + 24 + 26 = 4.00 + 20.00 + 525.00 + 168.00 - 21.00 + 26.00 = 722.00.
# 45 = 29 + 31 + 37 + 39 + 41 = 84.00 + 210.00 + 168.00 = 462.00. 46 = 71 = 722.00 - 462.00 = 260.00.
EXPECTED = {
    "casilla_01": "100.00", "casilla_03": "4.00", "casilla_04": "200.00", "casilla_06": "20.00",
    "casilla_07": "2500.00", "casilla_09": "525.00", "casilla_10": "800.00", "casilla_11": "168.00",
    "casilla_12": "0", "casilla_13": "0", "casilla_14": "-100.00", "casilla_15": "-21.00", "casilla_16": "0",
    "casilla_18": "0", "casilla_19": "0", "casilla_21": "0", "casilla_22": "500.00", "casilla_24": "26.00",
    "casilla_25": "0", "casilla_26": "0", "casilla_27": "722.00", "casilla_28": "400.00", "casilla_29": "84.00",
    "casilla_30": "1000.00", "casilla_31": "210.00", "casilla_36": "800.00", "casilla_37": "168.00",
    "casilla_38": "0", "casilla_39": "0", "casilla_40": "0", "casilla_41": "0", "casilla_45": "462.00",
    "casilla_46": "260.00", "casilla_71": "260.00"}


def test_a_spanish_quarter(books: Books) -> None:
    _quarter(books)
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert (draft["gb"], draft["ie"], list(draft["es"])) == (None, None, list(EXPECTED))
    assert {k: D(v) for k, v in draft["es"].items()} == {k: D(v) for k, v in EXPECTED.items()}
    assert draft["tax_return_type"] == {"id": "MODELO_303", "name": "Modelo 303 IVA Autoliquidación"}
    assert D(draft["total_amount"]) == D("260.00")
    response = books.post(f"/draft_tax_returns/{draft['id']}/submit")
    assert response.status_code == 201, response.text
    assert response.json()["es"] == draft["es"]
    # Filing moves IVA repercutido (4770) and soportado (4720) to the liability; IRPF stays on 4730.
    assert books.balance(role="TAX_LIABILITY") == D("-260.00")
    assert (books.balance(code=4770), books.balance(code=4720), books.balance(code=4730)) == (D(0), D(0), D(150))
    debits, credits = books.totals()
    assert debits == credits
