"""Self-accounted VAT on documents: the reverse charge and postponed import VAT accounting (docs/decisions/
vat-treatments.md).

The business accounts for the VAT itself: the supplier is owed the net, the VAT is both output tax (box 1) and
input tax (box 4), so none is paid. Where it lands on the UK return:
* a service bought from abroad: box 1 and box 4 the VAT, box 6 and box 7 the net (HMRC VAT Notice 741A, the
  reverse charge);
* the domestic reverse charge for construction, as the customer: box 1 and box 4 the VAT, box 7 the net, not box 6;
  as the supplier: box 6 the net and no VAT (HMRC "VAT domestic reverse charge for building and construction
  services");
* postponed import VAT: box 1 and box 4 the VAT, box 7 the net (HMRC "Complete your VAT Return to account for
  import VAT").
A German §13b UStG purchase posts the same way; its entries name the treatment a UStVA sorts into Kz 46/47 (EU
supplier) or Kz 84/85.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from ledgerd.ledger.models import LedgerEntry
from tests.support.books import Books, D, problem
from tests.support.factories import Factory

Q1 = {"period_start_date": "2026-01-01", "period_end_date": "2026-03-31"}


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    return Books.open(client, factory)


def _purchase(books: Books, supplier: str, net: str, rate: str, tax: str, code: int = 5000,
              **flags: Any) -> dict[str, Any]:
    return books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": supplier, "date": "2026-02-01", "due_date": "2026-03-03", "vendor_reference": "RC-1",
        "invoice_lines": [{"description": "Work", "ledger_account_id": books.accounts[code], "quantity": 1,
                           "unit_price": net, "tax_rate_id": rate, "tax_amount": tax}], **flags})


def _boxes(books: Books) -> dict[str, Decimal]:
    """The quarter's nonzero boxes (the draft deleted again, so the quarter can be calculated once more)."""
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert books.delete(draft["$path"]).status_code == 204
    return {name: D(value) for name, value in draft["gb"].items() if D(value)}


def _treatments(books: Books, transaction_id: str) -> list[tuple[int, Decimal, Decimal, str | None]]:
    """The transaction's entries as (nominal code, debit, credit, treatment), sorted."""
    codes = {v: k for k, v in books.accounts.items()}

    def run(db: Session) -> list[tuple[int, Decimal, Decimal, str | None]]:
        entries = db.scalars(select(LedgerEntry).where(LedgerEntry.transaction_id == transaction_id))
        return sorted((codes[e.ledger_account_id], e.debit, e.credit, e.tax_treatment) for e in entries)

    return books.tx(run)


def test_a_service_bought_from_abroad_is_self_accounted(books: Books) -> None:
    supplier = books.contact("VENDOR", tax_treatment={"rest_of_world_tax": True})
    # 1,000.00 of consultancy from a supplier outside the UK at the standard rate: VAT 20% x 1,000.00 = 200.00,
    # shown on the document, not owed to the supplier: the total is the net, 1,000.00.
    bill = _purchase(books, supplier, "1000.00", "GB_STANDARD", "200.00", vat_reverse_charge=True)
    assert (bill["vat_reverse_charge"], bill["postponed_accounting"]) == (True, False)
    assert (D(bill["net_amount"]), D(bill["tax_amount"]), D(bill["total_amount"])) == (D(1000), D(200), D(1000))
    assert D(bill["outstanding_amount"]) == D(1000)
    assert D(bill["invoice_lines"][0]["total_amount"]) == D(1000)
    # Dr purchases 1,000.00, Dr VAT on purchases 200.00 / Cr VAT on sales 200.00, Cr creditors 1,000.00.
    rc = "REVERSE_CHARGE_ABROAD"
    assert _treatments(books, bill["transaction"]["id"]) == [
        (2100, D(0), D("1000.00"), None), (2200, D(0), D("200.00"), rc), (2201, D("200.00"), D(0), rc),
        (5000, D("1000.00"), D(0), rc)]
    assert books.balance(role="CREDITORS", contact_id=supplier) == D("-1000.00")
    # Box 1 = box 4 = 200.00, so box 5 = 0; the net is a supply to itself (box 6) and a purchase (box 7).
    assert _boxes(books) == {"box_1": D(200), "box_3": D(200), "box_4": D(200), "box_6": D(1000), "box_7": D(1000)}


def test_the_domestic_reverse_charge_on_both_sides(books: Books) -> None:
    builder, client = books.contact("VENDOR"), books.contact("CUSTOMER")
    # Buying 500.00 of construction services under the domestic reverse charge: VAT 20% x 500.00 = 100.00 both
    # ways; the subcontractor is owed 500.00.
    bill = _purchase(books, builder, "500.00", "GB_STANDARD", "100.00", vat_reverse_charge=True)
    drc = "REVERSE_CHARGE_DOMESTIC"
    assert _treatments(books, bill["transaction"]["id"]) == [
        (2100, D(0), D("500.00"), None), (2200, D(0), D("100.00"), drc), (2201, D("100.00"), D(0), drc),
        (5000, D("500.00"), D(0), drc)]
    # Selling 2,000.00 of construction services under it: the VAT (20% = 400.00) is shown for the customer to
    # account for; the customer owes 2,000.00 and no VAT is posted.
    sale = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": client, "date": "2026-03-01", "vat_reverse_charge": True,
        "invoice_lines": [{"description": "Build", "ledger_account_id": books.accounts[4000], "quantity": 1,
                           "unit_price": "2000.00", "tax_rate_id": "GB_STANDARD", "tax_amount": "400.00"}]})
    assert (D(sale["tax_amount"]), D(sale["total_amount"]), sale["vat_reverse_charge"]) == (D(400), D(2000), True)
    assert _treatments(books, sale["transaction"]["id"]) == [
        (1100, D("2000.00"), D(0), None), (4000, D(0), D("2000.00"), drc)]
    # Box 1 = box 4 = 100.00 (the purchase); box 6 = 2,000 (the sale, without VAT); box 7 = 500 (not box 6).
    assert _boxes(books) == {"box_1": D(100), "box_3": D(100), "box_4": D(100), "box_6": D(2000), "box_7": D(500)}


def test_postponed_import_vat_is_on_the_return(books: Books) -> None:
    supplier = books.contact("VENDOR", tax_treatment={"rest_of_world_tax": True, "is_importer": True})
    # Goods of 800.00 imported with postponed accounting: import VAT 20% x 800.00 = 160.00 on the return, not paid
    # at the border; the supplier is owed 800.00.
    bill = _purchase(books, supplier, "800.00", "GB_STANDARD", "160.00", postponed_accounting=True)
    assert (bill["postponed_accounting"], bill["vat_reverse_charge"], D(bill["total_amount"])) == (True, False,
                                                                                                  D(800))
    piva = "POSTPONED_IMPORT"
    assert _treatments(books, bill["transaction"]["id"]) == [
        (2100, D(0), D("800.00"), None), (2200, D(0), D("160.00"), piva), (2201, D("160.00"), D(0), piva),
        (5000, D("800.00"), D(0), piva)]
    # Box 1 = box 4 = 160.00; box 7 = 800; box 6 untouched.
    assert _boxes(books) == {"box_1": D(160), "box_3": D(160), "box_4": D(160), "box_7": D(800)}


def test_a_credit_note_under_the_reverse_charge_takes_it_back(books: Books) -> None:
    supplier = books.contact("VENDOR", tax_treatment={"rest_of_world_tax": True})
    _purchase(books, supplier, "1000.00", "GB_STANDARD", "200.00", vat_reverse_charge=True)
    # A credit of 250.00 under the same treatment: VAT 20% x 250.00 = 50.00 off both boxes 1 and 4, 250 off 6 and 7.
    note = books.created("/purchase_credit_notes", "purchase_credit_note", {
        "contact_id": supplier, "date": "2026-02-20", "vendor_reference": "RC-CN", "vat_reverse_charge": True,
        "credit_note_lines": [{"description": "Refund", "ledger_account_id": books.accounts[5000], "quantity": 1,
                               "unit_price": "250.00", "tax_rate_id": "GB_STANDARD", "tax_amount": "50.00"}]})
    assert D(note["total_amount"]) == D(250)
    # 200 - 50 = 150 in boxes 1 and 4; 1,000 - 250 = 750 in boxes 6 and 7.
    assert _boxes(books) == {"box_1": D(150), "box_3": D(150), "box_4": D(150), "box_6": D(750), "box_7": D(750)}


def test_dropping_the_flag_reposts_ordinary_vat(books: Books) -> None:
    supplier = books.contact("VENDOR")
    bill = _purchase(books, supplier, "500.00", "GB_STANDARD", "100.00", vat_reverse_charge=True)
    changed = books.updated(f"/purchase_invoices/{bill['id']}", "purchase_invoice", {"vat_reverse_charge": False})
    # Ordinary VAT again: the supplier is owed 500.00 + 100.00 = 600.00, input tax 100.00, no output tax.
    assert (changed["vat_reverse_charge"], D(changed["total_amount"])) == (False, D(600))
    assert _treatments(books, changed["transaction"]["id"]) == [
        (2100, D(0), D("600.00"), None), (2201, D("100.00"), D(0), None), (5000, D("500.00"), D(0), None)]
    assert _boxes(books) == {"box_4": D(100), "box_5": D(100), "box_7": D(500)}


def test_the_flags_where_they_do_not_apply(books: Books, client: TestClient, factory: Factory) -> None:
    supplier, customer = books.contact("VENDOR"), books.contact("CUSTOMER")
    line = {"description": "x", "ledger_account_id": books.accounts[5000], "quantity": 1, "unit_price": "10.00",
            "tax_rate_id": "GB_STANDARD", "tax_amount": "2.00"}
    both = books.post("/purchase_invoices", {"purchase_invoice": {
        "contact_id": supplier, "date": "2026-02-01", "due_date": "2026-03-03", "invoice_lines": [line],
        "vat_reverse_charge": True, "postponed_accounting": True}})
    problem(both, 422, source="postponed_accounting")
    sale = books.post("/sales_invoices", {"sales_invoice": {
        "contact_id": customer, "date": "2026-02-01", "postponed_accounting": True,
        "invoice_lines": [{**line, "ledger_account_id": books.accounts[4000]}]}})
    problem(sale, 422, source="postponed_accounting")
    american = Books.open(client, factory, country="US")
    vendor = american.contact("VENDOR")
    refused = american.post("/purchase_invoices", {"purchase_invoice": {
        "contact_id": vendor, "date": "2026-02-01", "due_date": "2026-03-03", "vat_reverse_charge": True,
        "invoice_lines": [{"description": "x", "ledger_account_id": american.accounts[5000], "quantity": 1,
                           "unit_price": "10.00"}]}})
    assert "GB" in problem(refused, 422, source="vat_reverse_charge")["$message"]
    # A flag sent false is always accepted.
    _purchase(books, supplier, "10.00", "GB_STANDARD", "2.00", vat_reverse_charge=False, postponed_accounting=False)


def test_a_german_section_13b_purchase(client: TestClient, factory: Factory, clock: Clock) -> None:
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    books = Books.open(client, factory, country="DE")
    supplier = books.contact("VENDOR", tax_treatment={"eu_tax_registered": True})
    # A service of 1,000.00 from a business elsewhere in the EU (§13b(1) UStG): the German recipient owes the
    # tax, 19% x 1,000.00 = 190.00, and deducts it (§15(1) Nr. 4 UStG); the supplier is owed 1,000.00.
    bill = _purchase(books, supplier, "1000.00", "DE_STANDARD", "190.00", code=3400, vat_reverse_charge=True)
    assert (D(bill["tax_amount"]), D(bill["total_amount"])) == (D(190), D(1000))
    # Dr 3400 Wareneingang 1,000.00, Dr 1576 Vorsteuer 190.00 / Cr 1776 Umsatzsteuer 190.00, Cr 1600 1,000.00;
    # the entries name the EU reverse charge (Kz 46/47 of the UStVA).
    eu = "REVERSE_CHARGE_EU"
    assert _treatments(books, bill["transaction"]["id"]) == [
        (1576, D("190.00"), D(0), eu), (1600, D(0), D("1000.00"), None), (1776, D(0), D("190.00"), eu),
        (3400, D("1000.00"), D(0), eu)]
    # No tax is paid: Vorsteuer and Umsatzsteuer cancel out.
    assert books.balance(code=1576) + books.balance(code=1776) == D(0)
    # A German builder's §13b(2) Nr. 4 service: the domestic reverse charge (Kz 84/85).
    builder = books.contact("VENDOR")
    local = _purchase(books, builder, "100.00", "DE_STANDARD", "19.00", code=3400, vat_reverse_charge=True)
    assert {row[3] for row in _treatments(books, local["transaction"]["id"]) if row[0] != 1600} == {
        "REVERSE_CHARGE_DOMESTIC"}
    books.check("EUR")
