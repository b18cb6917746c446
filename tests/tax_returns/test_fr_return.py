"""France's CA3 (tax_returns/ca3.py): a quarter worked by hand, drafted and filed.

The DGFiP's form 3310-CA3-SD: bases rounded to the euro, tax to the cent. Q1 2026, a business of the régime réel
normal filing quarterly:

* Sale 15 Jan: 1,000.40 at 20 % (TVA 200.08), 300.00 at 10 % (30.00), 200.00 at 5,5 % (11.00), 100.00 at
  2,1 % (2.10, a taux particulier: line 14, annex 3310 A).
* Avoir 5 Mar: 100.00 at 20 % (20.00): it reduces the period's sales and TVA at that rate (CGI art. 272).
* Sale 10 Feb of goods to a customer registered for VAT in another member state, exempt (CGI art. 262 ter I):
  livraison intracommunautaire, line F2.
* Purchase 1 Feb: 600.00 at 20 % (120.00); purchase 5 Feb of office equipment (218300): 2,000.00 at 20 %
  (400.00), TVA sur immobilisations, line 19.
* Purchase 20 Feb of goods from an EU supplier, autoliquidated: 1,000.00 at 20 % (200.00), an acquisition
  intracommunautaire (CGI art. 256 bis): line B2, taxed on line 08 and shown on line 17, deductible on line 20.
* Purchase 1 Mar of a service from an EU supplier, autoliquidated (CGI art. 283-2): 300.00 at 20 % (60.00): line
  A3, taxed on line 08, deductible on line 20.
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
    books = Books.open(client, factory, "FR")
    books.updated("/financial_settings", "financial_settings", {"tax_return_frequency_id": "QUARTERLY",
                                                                "tax_scheme_id": "STANDARD"})
    return books


def _purchase(books: Books, supplier: str, on: str, *lines: dict[str, Any], **extra: Any) -> None:
    books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": supplier, "date": on, "due_date": "2026-04-30", "vendor_reference": f"F-{on}",
        "invoice_lines": list(lines), **extra})


def _goods(line: dict[str, Any]) -> dict[str, Any]:
    return {**line, "eu_goods_services_type_id": "GOODS"}


def _quarter(books: Books) -> None:
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    eu_customer = books.contact("CUSTOMER", tax_treatment={"eu_tax_registered": True})
    eu_supplier = books.contact("VENDOR", tax_treatment={"eu_tax_registered": True})
    books.invoice("/sales_invoices", customer, "2026-01-15",
                  books.taxed_line(706000, "1000.40", "FR_STANDARD", "200.08"),
                  books.taxed_line(707000, "300.00", "FR_INTERMEDIATE", "30.00"),
                  books.taxed_line(707000, "200.00", "FR_REDUCED", "11.00"),
                  books.taxed_line(707000, "100.00", "FR_SUPER_REDUCED", "2.10"))
    books.created("/sales_credit_notes", "sales_credit_note", {
        "contact_id": customer, "date": "2026-03-05",
        "credit_note_lines": [books.taxed_line(706000, "100.00", "FR_STANDARD", "20.00")]})
    books.invoice("/sales_invoices", eu_customer, "2026-02-10",
                  _goods(books.taxed_line(707000, "500.00", "FR_EXEMPT", "0.00")))
    _purchase(books, supplier, "2026-02-01", books.taxed_line(607000, "600.00", "FR_STANDARD", "120.00"))
    _purchase(books, supplier, "2026-02-05", books.taxed_line(218300, "2000.00", "FR_STANDARD", "400.00"))
    _purchase(books, eu_supplier, "2026-02-20", _goods(books.taxed_line(607000, "1000.00", "FR_STANDARD", "200.00")),
              vat_reverse_charge=True)
    _purchase(books, eu_supplier, "2026-03-01", books.taxed_line(622600, "300.00", "FR_STANDARD", "60.00"),
              vat_reverse_charge=True)


# A1 = 1,000.40 - 100.00 + 300.00 + 200.00 + 100.00 = 1,500.40 -> 1,500.
# 08: base 900.40 (sales) + 1,000.00 (B2) + 300.00 (A3) = 2,200.40 -> 2,200; TVA 200.08 - 20.00 + 200.00 + 60.00
#     = 440.08. 16 = 440.08 + 30.00 + 11.00 + 2.10 = 483.18. 17 = 200.00.
# 19 = 400.00; 20 = 120.00 + 200.00 + 60.00 = 380.00; 23 = 780.00. 25 = 780.00 - 483.18 = 296.82 crédit, 28 = 0.
EXPECTED = {
    "ligne_A1": "1500", "ligne_A3": "300", "ligne_B2": "1000", "ligne_B4": "0", "ligne_E1": "0", "ligne_E2": "0",
    "ligne_F2": "500", "ligne_08_base": "2200", "ligne_08_taxe": "440.08", "ligne_9B_base": "300",
    "ligne_9B_taxe": "30.00", "ligne_09_base": "200", "ligne_09_taxe": "11.00", "ligne_14_base": "100",
    "ligne_14_taxe": "2.10", "ligne_5B": "0", "ligne_16": "483.18", "ligne_17": "200.00", "ligne_19": "400.00",
    "ligne_20": "380.00", "ligne_23": "780.00", "ligne_25": "296.82", "ligne_28": "0", "ligne_32": "0"}


def test_a_french_quarter(books: Books) -> None:
    _quarter(books)
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert (draft["gb"], draft["ie"], list(draft["fr"])) == (None, None, list(EXPECTED))
    assert {k: D(v) for k, v in draft["fr"].items()} == {k: D(v) for k, v in EXPECTED.items()}
    assert draft["tax_return_type"] == {"id": "CA3", "name": "Déclaration de TVA CA3"}
    assert D(draft["total_amount"]) == D("-296.82")
    response = books.post(f"/draft_tax_returns/{draft['id']}/submit")
    assert response.status_code == 201, response.text
    assert response.json()["fr"] == draft["fr"]
    # The crédit de TVA is owed to the business: 445510 (the liability) is a debit of 296.82.
    assert books.balance(role="TAX_LIABILITY") == D("296.82")
    assert (books.balance(role="SALES_TAX"), books.balance(role="PURCHASE_TAX")) == (D(0), D(0))
    books.check("EUR")
