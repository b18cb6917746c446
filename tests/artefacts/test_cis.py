"""The UK Construction Industry Scheme on documents (docs/decisions/cis.md).

HMRC (CIS340, "Construction Industry Scheme: a guide for contractors and subcontractors"; CISR13070; COG909250):
the contractor deducts from the labour part of a payment only, never from the direct cost of materials nor from
VAT, at 20% for a registered subcontractor, 30% for one not registered and 0% for one with gross payment status.

Worked examples (a contractor business buying from a CIS-registered subcontractor; lines: labour on 5001
flagged CIS labour, materials on 5002 flagged CIS materials):
* standard VAT: labour 1,000.00 + materials 400.00 = net 1,400.00; VAT 20% = 200.00 + 80.00 = 280.00; total
  1,680.00. Deduction 20% x 1,000.00 = 200.00 (not on the 400.00 materials, not on the 280.00 VAT); the
  subcontractor is owed 1,680.00 - 200.00 = 1,480.00.
  Dr 5001 1,000.00, Dr 5002 400.00, Dr 2201 280.00 / Cr 2100 1,480.00, Cr 2503 200.00 (1,680.00 each side).
* under the domestic reverse charge (the usual case between VAT-registered CIS parties): the VAT 280.00 is
  self-accounted (Dr 2201 / Cr 2200), the document's total is the net 1,400.00, the deduction is still
  200.00 and the subcontractor is owed 1,400.00 - 200.00 = 1,200.00.
* unregistered (30%): 1,000.00 x 30% = 300.00; owed 1,680.00 - 300.00 = 1,380.00.
* gross payment status (0%): nothing deducted; owed the full 1,680.00.
The subcontractor side (a subcontractor business invoicing a CIS-registered contractor, its own rate 20%): labour
1,000.00 on 4010 + materials 400.00 on 4000 under the domestic reverse charge: total 1,400.00 (no VAT posted),
the contractor will deduct 200.00: Dr 1100 1,200.00, Dr 1132 200.00 / Cr 4010 1,000.00, Cr 4000 400.00.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.books import Books, D, problem
from tests.support.factories import Factory

CONTRACTOR = {"contractor": True, "unique_tax_reference": "1234567890", "accounts_office_reference": "123PA00012345",
              "paye_reference": "123/A12345"}
SUBCONTRACTOR = {"subcontractor": True, "unique_tax_reference": "1234567890"}


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    books = Books.open(client, factory)
    for code, flag in ((5001, "cis_labour"), (5002, "cis_materials"), (4010, "cis_labour"),
                       (4000, "cis_materials")):
        books.updated(f"/ledger_accounts/{books.accounts[code]}", "ledger_account", {flag: True})
    return books


def _settings(books: Books, **attrs: Any) -> None:
    response = books.put("/cis_settings", {"cis_settings": attrs})
    assert response.status_code == 200, response.text


def _subcontractor(books: Books, rate: str | None = None) -> str:
    settings = {"registered_cis_name": "Brick & Co", "subcontractor_verification_number": "V1234567890"}
    if rate is not None:
        settings["deduction_rate_id"] = rate
    return books.contact("VENDOR", name="Brick & Co", cis_registered=True, cis_settings=settings)


def _line(books: Books, code: int, net: str, tax: str) -> dict[str, Any]:
    return {"description": f"Work {code}", "ledger_account_id": books.accounts[code], "quantity": 1,
            "unit_price": net, "tax_rate_id": "GB_STANDARD", "tax_amount": tax}


def _bill(books: Books, supplier: str, path: str = "/purchase_invoices", wrapper: str = "purchase_invoice",
          labour: str = "1000.00", materials: str = "400.00", **extra: Any) -> dict[str, Any]:
    lines_key = "invoice_lines" if wrapper == "purchase_invoice" else "credit_note_lines"
    labour_tax, materials_tax = (str((D(x) * D("0.2")).quantize(D("0.01"))) for x in (labour, materials))
    return books.created(path, wrapper, {
        "contact_id": supplier, "date": "2026-03-02", "due_date": "2026-04-01", "vendor_reference": "CIS-1",
        lines_key: [_line(books, 5001, labour, labour_tax), _line(books, 5002, materials, materials_tax)], **extra})


def _entries(books: Books, document: dict[str, Any]) -> list[tuple[int, Any, Any]]:
    """The document's entries summed per account (tax posts one entry per line), by nominal code."""
    sums: dict[int, list[Any]] = {}
    for code, debit, credit in books.transaction(document["transaction"]["id"])[1]:
        held = sums.setdefault(code, [D(0), D(0)])
        held[0] += debit
        held[1] += credit
    return [(code, debit, credit) for code, (debit, credit) in sorted(sums.items())]


def test_a_contractor_deducts_20_percent_of_the_labour_only(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    supplier = _subcontractor(books)
    bill = _bill(books, supplier)
    # Labour 1,000.00 x 20% = 200.00; materials and VAT are not part of it; 1,680.00 - 200.00 = 1,480.00.
    assert (bill["is_cis"], bill["has_cis_labour"], bill["has_cis_materials"]) == (True, True, True)
    assert (D(bill["cis_applicable_amount"]), D(bill["base_currency_cis_applicable_amount"])) == (D(1000), D(1000))
    assert (bill["withholding_tax_rate"], D(bill["withholding_tax_amount"])) == ("20.0", D(200))
    assert (D(bill["total_amount"]), D(bill["total_after_cis_deduction"]),
            D(bill["base_currency_total_after_cis_deduction"]), D(bill["outstanding_amount"])) == (
        D(1680), D(1480), D(1480), D(1480))
    assert _entries(books, bill) == [(2100, D(0), D("1480.00")), (2201, D("280.00"), D(0)),
                                     (2503, D(0), D("200.00")), (5001, D("1000.00"), D(0)),
                                     (5002, D("400.00"), D(0))]
    # Paying the subcontractor the 1,480.00 settles the invoice; the 200.00 owed to HMRC is now for the tax month
    # of the payment: it moves from 2503 Withheld to 2502 Realised (the payment tests below).
    _pay(books, supplier, bill, "1480.00")
    shown = books.get(f"/purchase_invoices/{bill['id']}").json()
    assert (shown["status"]["id"], D(shown["outstanding_amount"])) == ("PAID", D(0))
    assert books.balance(code=2100) == D(0)
    assert (books.balance(code=2503), books.balance(code=2502)) == (D(0), D("-200.00"))


def _pay(books: Books, contact: str, document: dict[str, Any], amount: str, *,
         kind: str = "VENDOR_PAYMENT") -> dict[str, Any]:
    return books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": kind, "contact_id": contact, "bank_account_id": books.bank(), "date": "2026-03-20",
        "total_amount": amount, "allocated_artefacts": [{"artefact_id": document["id"], "amount": amount}]})


def _cis_balances(books: Books, withheld: int = 2503, realised: int = 2502) -> tuple[Any, Any]:
    return books.balance(code=withheld), books.balance(code=realised)


def test_a_payment_moves_the_deduction_from_withheld_to_realised(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    supplier = _subcontractor(books)
    bill = _bill(books, supplier)  # total 1,680.00, deduction 200.00, payable 1,480.00
    payment = _pay(books, supplier, bill, "1480.00")
    # The payment's own transaction: Cr bank 1,480.00, Dr 2100 1,480.00; the whole deduction paid: Dr 2503 200.00 /
    # Cr 2502 200.00.
    assert books.transaction(payment["transaction"]["id"])[1] == [
        (1200, D(0), D("1480.00")), (2100, D("1480.00"), D(0)), (2502, D(0), D("200.00")), (2503, D("200.00"), D(0))]
    assert _cis_balances(books) == (D(0), D("-200.00"))
    books.check()


def test_part_payments_move_their_share_the_last_the_remainder(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    supplier = _subcontractor(books)
    bill = _bill(books, supplier)  # deduction 200.00 of a payable 1,480.00
    # 500.00 paid: 200.00 x 500.00 / 1,480.00 = 67.5676 -> 67.57 realised, 132.43 still withheld.
    first = _pay(books, supplier, bill, "500.00")
    assert _cis_balances(books) == (D("-132.43"), D("-67.57"))
    # The last 980.00 moves the remainder: 200.00 - 67.57 = 132.43, whatever 980/1,480 rounds to.
    second = _pay(books, supplier, bill, "980.00")
    assert _cis_balances(books) == (D(0), D("-200.00"))
    # Deleting the first payment takes its 67.57 back to Withheld; deleting the second restores the 200.00.
    assert books.delete(f"/contact_payments/{first['id']}").status_code == 204
    assert _cis_balances(books) == (D("-67.57"), D("-132.43"))
    # The first payment entered again at 370.00: settled before it 980.00, running totals 200 x 1,350 / 1,480 =
    # 182.4324 -> 182.43 less 200 x 980 / 1,480 = 132.4324 -> 132.43: 50.00 moves; 17.57 stays withheld.
    again = _pay(books, supplier, bill, "370.00")
    assert _cis_balances(books) == (D("-17.57"), D("-182.43"))
    # Edited to the 500.00 left: the edit takes back its 50.00 and moves the rest, 200.00 - 132.43 = 67.57.
    books.updated(f"/contact_payments/{again['id']}", "contact_payment", {
        "total_amount": "500.00", "allocated_artefacts": [{"artefact_id": bill["id"], "amount": "500.00"}]})
    assert _cis_balances(books) == (D(0), D("-200.00"))
    for made in (again, second):
        assert books.delete(f"/contact_payments/{made['id']}").status_code == 204
    assert _cis_balances(books) == (D("-200.00"), D(0))
    books.check()


def test_a_credit_note_allocation_moves_both_documents_shares(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    supplier = _subcontractor(books)
    bill = _bill(books, supplier)  # deduction 200.00 of a payable 1,480.00: Cr 2503 200.00
    # Labour 250.00 credited: deduction 50.00 of a payable 250.00: Dr 2503 50.00.
    note = _bill(books, supplier, "/purchase_credit_notes", "purchase_credit_note", labour="250.00",
                 materials="0.00")
    assert _cis_balances(books) == (D("-150.00"), D(0))
    allocation = books.created("/contact_allocations", "contact_allocation", {
        "transaction_type_id": "VENDOR_ALLOCATION", "contact_id": supplier, "date": "2026-03-10",
        "allocated_artefacts": [{"artefact_id": bill["id"], "amount": "250.00"},
                                {"artefact_id": note["id"], "amount": "-250.00"}]})
    # The invoice's share: 200.00 x 250.00 / 1,480.00 = 33.7838 -> 33.78, Dr 2503 / Cr 2502; the credit note is
    # settled whole: its 50.00 the other way, Cr 2503 / Dr 2502. Net: Cr 2503 16.22, Dr 2502 16.22.
    assert books.transaction(allocation["transaction"]["id"])[1] == [
        (2100, D(0), D("250.00")), (2100, D("250.00"), D(0)), (2502, D(0), D("33.78")), (2502, D("50.00"), D(0)),
        (2503, D(0), D("50.00")), (2503, D("33.78"), D(0))]
    assert _cis_balances(books) == (D("-166.22"), D("16.22"))
    # Paying the 1,230.00 left moves the invoice's remaining 200.00 - 33.78 = 166.22: the net deduction of
    # 200.00 - 50.00 = 150.00 is all realised.
    _pay(books, supplier, bill, "1230.00")
    assert _cis_balances(books) == (D(0), D("-150.00"))
    books.check()


def test_the_deduction_of_a_paid_document_cannot_change(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    supplier = _subcontractor(books)
    bill = _bill(books, supplier)
    _pay(books, supplier, bill, "500.00")
    problem(books.put(f"/purchase_invoices/{bill['id']}", {"purchase_invoice": {"invoice_lines": [
        _line(books, 5001, "900.00", "180.00"), _line(books, 5002, "400.00", "80.00")]}}), 422, source="base")
    # What leaves the CIS figures alone may still change.
    assert books.updated(f"/purchase_invoices/{bill['id']}", "purchase_invoice",
                         {"notes": "Phase 1"})["notes"] == "Phase 1"


def test_the_domestic_reverse_charge_leaves_the_deduction_on_the_labour(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    bill = _bill(books, _subcontractor(books), vat_reverse_charge=True)
    # Total = net 1,400.00 (the VAT is self-accounted); 1,400.00 - 200.00 = 1,200.00 owed.
    assert (D(bill["total_amount"]), D(bill["withholding_tax_amount"]), D(bill["total_after_cis_deduction"])) == (
        D(1400), D(200), D(1200))
    assert _entries(books, bill) == [(2100, D(0), D("1200.00")), (2200, D(0), D("280.00")),
                                     (2201, D("280.00"), D(0)), (2503, D(0), D("200.00")),
                                     (5001, D("1000.00"), D(0)), (5002, D("400.00"), D(0))]


def test_the_supplier_rate_unregistered_and_gross(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    # Unregistered: 1,000.00 x 30% = 300.00; 1,680.00 - 300.00 = 1,380.00.
    unregistered = _bill(books, _subcontractor(books, "GB_CIS_UNREGISTERED"))
    assert (unregistered["withholding_tax_rate"], D(unregistered["withholding_tax_amount"]),
            D(unregistered["total_after_cis_deduction"])) == ("30.0", D(300), D(1380))
    # Gross payment status: CIS, nothing deducted, the full 1,680.00 owed and no entry on 2503.
    gross = _bill(books, _subcontractor(books, "GB_CIS_GROSS"))
    assert (gross["is_cis"], gross["withholding_tax_rate"], D(gross["withholding_tax_amount"]),
            D(gross["total_after_cis_deduction"])) == (True, "0.0", D(0), D(1680))
    assert 2503 not in [code for code, _, _ in _entries(books, gross)]


def test_pence_are_rounded_half_up(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    # 333.33 x 20% = 66.666 -> 66.67.
    bill = _bill(books, _subcontractor(books), labour="333.33", materials="0.00")
    assert (D(bill["cis_applicable_amount"]), D(bill["withholding_tax_amount"])) == (D("333.33"), D("66.67"))
    # A materials line (here of 0.00) still marks the document as having CIS materials.
    assert (bill["has_cis_labour"], bill["has_cis_materials"]) == (True, True)


def test_a_credit_note_reverses_the_deduction(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    # Labour 250.00 returned: 250.00 x 20% = 50.00; VAT 50.00; total 300.00; the supplier's debt falls by 250.00.
    note = _bill(books, _subcontractor(books), "/purchase_credit_notes", "purchase_credit_note", labour="250.00",
                 materials="0.00")
    assert (note["is_cis"], D(note["withholding_tax_amount"]), D(note["total_after_cis_deduction"])) == (
        True, D(50), D(250))
    assert _entries(books, note) == [(2100, D("250.00"), D(0)), (2201, D(0), D("50.00")),
                                     (2503, D("50.00"), D(0)), (5001, D(0), D("250.00"))]


def test_a_sent_rate_or_amount_is_checked(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    supplier = _subcontractor(books)
    kept = _bill(books, supplier, withholding_tax_rate="20", withholding_tax_amount="200.00")
    assert D(kept["withholding_tax_amount"]) == D(200)
    body = {"contact_id": supplier, "date": "2026-03-02", "due_date": "2026-04-01",
            "invoice_lines": [_line(books, 5001, "1000.00", "200.00")]}
    problem(books.post("/purchase_invoices", {"purchase_invoice": {**body, "withholding_tax_rate": "30"}}), 422,
            source="withholding_tax_rate")
    message = problem(books.post("/purchase_invoices", {"purchase_invoice": {
        **body, "withholding_tax_amount": "210.00"}}), 422, source="withholding_tax_amount")["$message"]
    assert "expected 200.00" in message


def test_an_edit_refigures_the_deduction(books: Books) -> None:
    _settings(books, **CONTRACTOR)
    bill = _bill(books, _subcontractor(books))
    # Labour now 500.00: 500.00 x 20% = 100.00; total 500 + 400 + 180 VAT = 1,080.00; owed 980.00.
    changed = books.updated(f"/purchase_invoices/{bill['id']}", "purchase_invoice", {"invoice_lines": [
        _line(books, 5001, "500.00", "100.00"), _line(books, 5002, "400.00", "80.00")]})
    assert (D(changed["withholding_tax_amount"]), D(changed["total_after_cis_deduction"])) == (D(100), D(980))
    assert (2503, D(0), D("100.00")) in _entries(books, changed)


def test_a_subcontractor_is_owed_the_total_less_the_contractors_deduction(books: Books) -> None:
    _settings(books, **SUBCONTRACTOR)  # its own rate: registered, 20%
    customer = books.contact("CUSTOMER", name="Main Contractor Ltd", cis_registered=True)
    sale = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2026-03-02", "vat_reverse_charge": True,
        "invoice_lines": [{**_line(books, 4010, "1000.00", "200.00")}, {**_line(books, 4000, "400.00", "80.00")}]})
    assert (sale["is_cis"], sale["withholding_tax_rate"], D(sale["cis_applicable_amount"])) == (True, "20.0", D(1000))
    # Total 1,400.00 (reverse charge: no VAT posted); 1,400.00 - 200.00 = 1,200.00 owed by the contractor.
    assert (D(sale["total_amount"]), D(sale["total_after_cis_deduction"]), D(sale["outstanding_amount"])) == (
        D(1400), D(1200), D(1200))
    assert _entries(books, sale) == [(1100, D("1200.00"), D(0)), (1132, D("200.00"), D(0)),
                                     (4000, D(0), D("400.00")), (4010, D(0), D("1000.00"))]
    # The contractor pays the 1,200.00: the 200.00 it deducted is realised (Dr 1131 / Cr 1132); a part payment of
    # 300.00 first moves 200.00 x 300.00 / 1,200.00 = 50.00.
    first = _pay(books, customer, sale, "300.00", kind="CUSTOMER_RECEIPT")
    assert _cis_balances(books, 1132, 1131) == (D("150.00"), D("50.00"))
    _pay(books, customer, sale, "900.00", kind="CUSTOMER_RECEIPT")
    assert _cis_balances(books, 1132, 1131) == (D(0), D("200.00"))
    assert books.delete(f"/contact_payments/{first['id']}").status_code == 204
    assert _cis_balances(books, 1132, 1131) == (D("50.00"), D("150.00"))
    books.check()


def test_documents_that_are_not_cis_are_unchanged(books: Books) -> None:
    supplier = _subcontractor(books)
    # The business is not a contractor: nothing is deducted, the CIS figures are null as before.
    bill = _bill(books, supplier)
    assert (bill["is_cis"], bill["cis_applicable_amount"], bill["total_after_cis_deduction"],
            bill["withholding_tax_rate"], D(bill["outstanding_amount"])) == (False, None, None, None, D(1680))
    # A contractor buying from a supplier that is not CIS registered: not CIS either.
    _settings(books, **CONTRACTOR)
    plain = _bill(books, books.contact("VENDOR"))
    assert (plain["is_cis"], plain["withholding_tax_amount"]) == (False, None)
    assert 2503 not in [code for code, _, _ in _entries(books, plain)]


def test_contacts_carry_their_cis_details(books: Books) -> None:
    supplier = _subcontractor(books, "GB_CIS_UNREGISTERED")
    shown = books.get(f"/contacts/{supplier}").json()
    assert shown["cis_registered"] is True
    assert shown["cis_settings"] == {
        "registered_cis_name": "Brick & Co", "subcontractor_verification_number": "V1234567890",
        "deduction_rate": {"id": "GB_CIS_UNREGISTERED", "displayed_as": "CIS Unregistered 30.00%",
                           "$path": "/tax_rates/GB_CIS_UNREGISTERED"}}
    # Without a rate of its own a registered contact suffers the registered rate; others show null.
    plain = books.get(f"/contacts/{books.contact('VENDOR', cis_registered=True)}").json()
    assert plain["cis_settings"]["deduction_rate"]["id"] == "GB_CIS_REGISTERED"
    assert books.get(f"/contacts/{books.contact('VENDOR')}").json()["cis_settings"] is None
    problem(books.post("/contacts", {"contact": {"name": "X", "contact_type_ids": ["VENDOR"], "cis_registered": True,
                                                 "cis_settings": {"deduction_rate_id": "GB_STANDARD"}}}), 422,
            source="cis_settings.deduction_rate_id")
    problem(books.post("/contacts", {"contact": {"name": "X", "contact_type_ids": ["VENDOR"], "cis_settings": {
        "subcontractor_verification_number": "12345"}}}), 422)


def test_ledger_account_flags(books: Books) -> None:
    shown = books.get(f"/ledger_accounts/{books.accounts[5001]}").json()
    assert (shown["cis_labour"], shown["cis_materials"]) == (True, False)
    problem(books.put(f"/ledger_accounts/{books.accounts[5001]}", {"ledger_account": {"cis_materials": True}}), 422,
            source="cis_materials")
    problem(books.put(f"/ledger_accounts/{books.accounts[1100]}", {"ledger_account": {"cis_labour": True}}), 422,
            source="cis_labour")


def test_other_countries_refuse_cis(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="ES")
    problem(books.post("/contacts", {"contact": {"name": "X", "contact_type_ids": ["VENDOR"],
                                                 "cis_registered": True}}), 422, source="cis_registered")
    account = next(iter(books.accounts.values()))
    problem(books.put(f"/ledger_accounts/{account}", {"ledger_account": {"cis_labour": True}}), 422,
            source="cis_labour")
