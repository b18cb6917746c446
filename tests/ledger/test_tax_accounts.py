"""Each tax to its own account (ledger/tax_accounts.py), over HTTP on SQLite and PostgreSQL.

The rules the figures below follow:
* SKR03 keeps output and input tax apart per rate: 19 % on 1776 / 1576, 7 % on 1771 / 1571.
* Canada: GST/HST collected on 2200 and claimed (input tax credits) on 2210; BC PST collected on 2220 and
  never claimed on purchases (the PST Act gives no input credit: it is part of the cost); QST collected on
  2230 and claimed as input tax refunds on 2240. A combined rate splits per component, each component its
  percentage of the net to the cent, the last one the remainder (artefacts/compute.split).
* A ledger account with part-recoverable taxes (Sage Accounting Canada: meals and entertainment, 50 %) claims
  only that share; the rest is cost. A line with `tax_recoverable: false` claims nothing.
* US sales tax paid to a vendor is part of the cost (no input credit in US sales tax).
Entries are (nominal code, debit, credit), sorted by code.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.testclient import TestClient

from ledgerd.ledger.accounts import control
from ledgerd.ledger.tax_accounts import tax_account_ids
from tests.support.books import Books
from tests.support.factories import Factory

Z = Decimal("0.00")


def D(value: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


def _line(books: Books, code: int, price: str, rate: str, **extra: Any) -> dict[str, Any]:
    return {"description": f"Line {code}", "ledger_account_id": books.accounts[code], "quantity": "1",
            "unit_price": price, "tax_rate_id": rate, **extra}


def _invoice(books: Books, *lines: dict[str, Any]) -> list[tuple[int, Decimal, Decimal]]:
    customer = books.contact("CUSTOMER")
    made = books.created("/sales_invoices", "sales_invoice",
                         {"contact_id": customer, "date": "2025-03-03", "invoice_lines": list(lines)})
    return books.transaction(made["transaction"]["id"])[1]


def _bill(books: Books, *lines: dict[str, Any]) -> list[tuple[int, Decimal, Decimal]]:
    vendor = books.contact("VENDOR")
    made = books.created("/purchase_invoices", "purchase_invoice",
                         {"contact_id": vendor, "date": "2025-03-03", "due_date": "2025-04-02", "reference": "B-1",
                          "vendor_reference": "V-1",
                          "invoice_lines": list(lines)})
    return books.transaction(made["transaction"]["id"])[1]


def test_de_sale_posts_each_rate_to_its_own_output_account(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="DE")
    # 8400 at 19 %: 100.00 -> 19.00 on 1776; 8300 at 7 %: 50.00 -> 3.50 on 1771; Forderungen 1400: 172.50.
    entries = _invoice(books, _line(books, 8400, "100.00", "DE_STANDARD", tax_amount="19.00"),
                       _line(books, 8300, "50.00", "DE_REDUCED", tax_amount="3.50"))
    assert entries == [(1400, D("172.50"), Z), (1771, Z, D("3.50")), (1776, Z, D("19.00")),
                       (8300, Z, D("50.00")), (8400, Z, D("100.00"))]


def test_de_purchase_posts_each_rate_to_its_own_input_account(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="DE")
    # 3400 at 19 %: 200.00 -> 38.00 on 1576; 3300 at 7 %: 80.00 -> 5.60 on 1571; Verbindlichkeiten 1600: 323.60.
    entries = _bill(books, _line(books, 3400, "200.00", "DE_STANDARD", tax_amount="38.00"),
                    _line(books, 3300, "80.00", "DE_REDUCED", tax_amount="5.60"))
    assert entries == [(1571, D("5.60"), Z), (1576, D("38.00"), Z), (1600, Z, D("323.60")),
                       (3300, D("80.00"), Z), (3400, D("200.00"), Z)]
    # A return sums every output and every input account: the controls, the 7 % accounts and (input) 1588, the
    # import VAT paid at customs that the UStVA declares in Kz 62.
    output, inputs = books.tx(tax_account_ids)
    assert output == {books.accounts[1776], books.accounts[1771]}
    assert inputs == {books.accounts[1576], books.accounts[1571], books.accounts[1588]}
    assert books.tx(lambda db: control(db, "SALES_TAX").id) == books.accounts[1776]


def test_ca_bc_sale_posts_gst_and_pst_apart(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="CA")
    # 200.00 at GST & PST BC 12 % = 24.00: GST 5 % = 10.00 on 2200, PST 7 % = 14.00 on 2220; receivable 224.00.
    entries = _invoice(books, _line(books, 4000, "200.00", "CA_GST_PST_BC", tax_amount="24.00"))
    assert entries == [(1200, D("224.00"), Z), (2200, Z, D("10.00")), (2220, Z, D("14.00")),
                       (4000, Z, D("200.00"))]


def test_ca_qc_purchase_claims_gst_and_qst_on_their_own_accounts(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="CA")
    # 100.00 at GST & QST 14.975 % = 14.975 -> 14.98: GST 5 % = 5.00 on 2210 (ITC), QST the remainder
    # 14.98 - 5.00 = 9.98 on 2240 (ITR); payable 2000: 114.98.
    entries = _bill(books, _line(books, 6300, "100.00", "CA_GST_QST_QC", tax_amount="14.98"))
    assert entries == [(2000, Z, D("114.98")), (2210, D("5.00"), Z), (2240, D("9.98"), Z), (6300, D("100.00"), Z)]


def test_ca_pst_on_a_purchase_is_cost(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="CA")
    # 100.00 at GST & PST BC 12 % = 12.00: GST 5.00 claimed on 2210; PST 7.00 is not recoverable, so it is
    # debited to the line's account 6300 beside the net (100.00 + 7.00); payable 112.00.
    entries = _bill(books, _line(books, 6300, "100.00", "CA_GST_PST_BC", tax_amount="12.00"))
    assert entries == [(2000, Z, D("112.00")), (2210, D("5.00"), Z), (6300, D("7.00"), Z), (6300, D("100.00"), Z)]
    assert books.balance(code=6300) == D("107.00") and books.balance(code=2220) == Z


def test_ca_part_recoverable_account_claims_its_share(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="CA")
    meals = books.accounts[7100]
    books.updated(f"/ledger_accounts/{meals}", "ledger_account",
                  {"tax_recoverable": True, "recoverable_percentage": "50"})
    # 80.00 at GST & PST BC 12 % = 9.60: GST 4.00 of which 50 % = 2.00 claimed on 2210, 2.00 to cost;
    # PST 5.60 all cost. Meals 7100: 80.00 + 2.00 + 5.60 = 87.60; payable 89.60.
    entries = _bill(books, _line(books, 7100, "80.00", "CA_GST_PST_BC", tax_amount="9.60"))
    assert entries == [(2000, Z, D("89.60")), (2210, D("2.00"), Z), (7100, D("2.00"), Z), (7100, D("5.60"), Z),
                       (7100, D("80.00"), Z)]
    assert books.balance(code=7100) == D("87.60")


def test_ca_line_not_recoverable_claims_nothing(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="CA")
    vendor = books.contact("VENDOR")
    # 100.00 at GST 5 % = 5.00 on a line that is not tax recoverable: all 5.00 to 6300 (105.00), none on 2210.
    made = books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": vendor, "date": "2025-03-03", "due_date": "2025-04-02", "reference": "B-2",
        "vendor_reference": "V-2",
        "invoice_lines": [_line(books, 6300, "100.00", "CA_GST", tax_amount="5.00", tax_recoverable=False)]})
    assert made["invoice_lines"][0]["tax_recoverable"] is False
    assert books.transaction(made["transaction"]["id"])[1] == [(2000, Z, D("105.00")), (6300, D("5.00"), Z),
                                                               (6300, D("100.00"), Z)]
    assert books.balance(code=2210) == Z


def test_ca_other_payment_splits_a_combined_rate(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="CA")
    # 112.00 gross at GST & PST BC 12 %: tax 112 x 12 / 112 = 12.00, net 100.00; GST 100 x 5 % = 5.00 claimed
    # on 2210, PST the remainder 7.00 into 6300 (107.00); chequing 1010 credited 112.00.
    made = books.post("/other_payments", {"other_payment": {
        "transaction_type_id": "OTHER_PAYMENT", "date": "2025-03-03", "bank_account_id": books.bank(),
        "total_amount": "112.00", "payment_method_id": "CHECK",
        "payment_lines": [{"ledger_account_id": books.accounts[6300], "total_amount": "112.00",
                           "tax_rate_id": "CA_GST_PST_BC"}]}})
    assert made.status_code == 201, made.text
    assert books.balance(code=2210) == D("5.00") and books.balance(code=6300) == D("107.00")
    assert books.balance(code=1010) == D("-112.00") and books.balance(code=2220) == Z


def test_us_sales_tax_on_a_purchase_is_cost(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="US")
    rate = books.created("/tax_rates", "tax_rate", {"name": "State Sales Tax", "percentage": "8.0",
                                                    "agency": "State"})
    # 250.00 at 8 % = 20.00, all of it part of the cost: Office Supplies 6300 = 270.00; 2210 untouched.
    entries = _bill(books, _line(books, 6300, "250.00", rate["id"], tax_amount="20.00"))
    assert entries == [(2000, Z, D("270.00")), (6300, D("20.00"), Z), (6300, D("250.00"), Z)]
    assert books.balance(code=2210) == Z
