"""Spanish corrective invoices (sales and purchase) over HTTP, with their effect on the ledger.

Worked example used throughout (ES, IVA general 21%): the original sales invoice is 2 x 100.00 = 200.00 +
42.00 IVA = 242.00 (Dr 4300 clientes 242.00 / Cr 7000 ventas 200.00 / Cr 4770 IVA repercutido 42.00).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from ledgerd.artefacts.models import Artefact
from ledgerd.ledger.models import Transaction
from tests.support import reference
from tests.support.books import Books, problem
from tests.support.factories import Factory

D = Decimal
SALES = "/sales_corrective_invoices"
PURCHASES = "/purchase_corrective_invoices"


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory, country="ES")


def _line(books: Books, code: int, quantity: str, unit_price: str, tax: str, rate: str = "ES_STANDARD",
          description: str = "Consultoría") -> dict[str, Any]:
    return {"description": description, "ledger_account_id": books.accounts[code], "quantity": quantity,
            "unit_price": unit_price, "tax_rate_id": rate, "tax_amount": tax}


def _invoice(books: Books, customer: str, **extra: Any) -> dict[str, Any]:
    return books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-03-01", "invoice_lines": [_line(books, 7000, "2", "100", "42.00")],
        **extra})


def _correction(books: Books, original: dict[str, Any], *lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"original_invoice_id": original["id"], "corrective_reason_code_id": "R1", "date": "2024-03-10",
            "invoice_lines": list(lines), **extra}


def _bill(books: Books, vendor: str) -> dict[str, Any]:
    # 4 x 50.00 = 200.00 + 42.00 IVA soportado = 242.00.
    return books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": vendor, "date": "2024-03-01", "due_date": "2024-03-31", "reference": "FRA-77",
        "vendor_reference": "PROV-2024-77", "invoice_lines": [_line(books, 6000, "4", "50", "42.00")]})


def _counts(books: Books) -> tuple[int, int]:
    return books.tx(lambda db: (db.scalar(select(func.count()).select_from(Artefact)) or 0,
                                db.scalar(select(func.count()).select_from(Transaction)) or 0))


def _in_definition_order(keys: list[str], definition: str) -> None:
    """Every key is in Sage's definition, and in its order."""
    order = list(reference.definitions()[definition]["properties"])
    assert [k for k in keys if k not in order] == []
    assert keys == sorted(keys, key=order.index)


def test_a_reducing_correction_posts_like_a_credit_note(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Librería Sol")
    original = _invoice(books, customer)
    # -1 x 50.00 = -50.00, IVA -10.50: the customer owes 60.50 less.
    made = books.created(SALES, "sales_corrective_invoice", _correction(
        books, original, _line(books, 7000, "1", "-50", "-10.50"), details="Precio mal aplicado"))

    assert (made["displayed_as"], made["invoice_number_prefix"], made["invoice_number"]) == ("SCI-1", "SCI-", "SCI-1")
    assert (made["net_amount"], made["tax_amount"], made["total_amount"]) == ("-50.0", "-10.5", "-60.5")
    assert (made["outstanding_amount"], made["status"]["id"]) == ("-60.5", "UNPAID")
    assert made["original_invoice"] == {"id": original["id"], "displayed_as": "SI-1",
                                         "$path": f"/sales_invoices/{original['id']}", "links": []}
    assert (made["original_invoice_number"], made["original_invoice_date"]) == ("SI-1", "2024-03-01")
    assert made["corrective_reason_code"]["id"] == "R1"
    assert made["corrective_reason_code"]["$path"] == "/corrective_reason_codes/R1"
    assert made["contact"]["id"] == customer and made["details"] == "Precio mal aplicado"
    assert made["transaction_type"]["id"] == "SALES_CORRECTIVE_INVOICE"
    assert made["due_date"] == "2024-04-09" and made["currency"]["id"] == "EUR"

    _, entries = books.transaction(made["transaction"]["id"])
    assert entries == [(4300, D(0), D("60.50")), (4770, D("10.50"), D(0)), (7000, D("50.00"), D(0))]
    assert books.balance(role="DEBTORS", contact_id=customer) == D("181.50")
    assert books.balances() == {4300: D("181.50"), 4770: D("-31.50"), 7000: D("-150.00")}
    books.check("EUR")
    assert books.get(f"{SALES}/{made['id']}").json() == made


def test_an_increasing_correction_posts_like_an_invoice(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    original = _invoice(books, customer)
    made = books.created(SALES, "sales_corrective_invoice", _correction(
        books, original, _line(books, 7000, "1", "20", "4.20")))
    assert (made["total_amount"], made["outstanding_amount"]) == ("24.2", "24.2")
    _, entries = books.transaction(made["transaction"]["id"])
    assert entries == [(4300, D("24.20"), D(0)), (4770, D(0), D("4.20")), (7000, D(0), D("20.00"))]
    assert books.balance(role="DEBTORS", contact_id=customer) == D("266.20")
    books.check("EUR")
    # The next number follows in the invoice settings.
    assert books.get("/invoice_settings").json()["next_sales_corrective_invoice_number"] == 2


def test_wire_order_follows_the_definitions(books: Books) -> None:
    customer, vendor = books.contact("CUSTOMER"), books.contact("VENDOR")
    sale = books.created(SALES, "sales_corrective_invoice", _correction(
        books, _invoice(books, customer), _line(books, 7000, "1", "-10", "-2.10")))
    _in_definition_order(list(sale), "SalesCorrectiveInvoice")
    _in_definition_order(list(sale["invoice_lines"][0]), "SalesInvoiceLineItem")
    purchase = books.created(PURCHASES, "purchase_corrective_invoice", {
        "original_invoice_id": _bill(books, vendor)["id"], "date": "2024-03-05",
        "invoice_lines": [_line(books, 6000, "1", "-10", "-2.10")]})
    _in_definition_order(list(purchase), "PurchaseCorrectiveInvoice")
    _in_definition_order(list(purchase["invoice_lines"][0]), "PurchaseInvoiceLineItem")
    shown = books.get(f"{PURCHASES}/{purchase['id']}", show_payments_allocations="true").json()
    _in_definition_order(list(shown), "PurchaseCorrectiveInvoice")
    assert shown["payments_allocations"] == []


def test_purchase_correction_reduces_what_is_owed(books: Books) -> None:
    vendor = books.contact("VENDOR", name="Papelera del Norte")
    bill = _bill(books, vendor)
    made = books.created(PURCHASES, "purchase_corrective_invoice", {
        "original_invoice_id": bill["id"], "date": "2024-03-05", "reference": "RECT-1",
        "vendor_reference": "PROV-R-1", "invoice_lines": [_line(books, 6000, "-1", "50", "-10.50")]})
    assert (made["displayed_as"], made["total_amount"], made["outstanding_amount"]) == ("RECT-1", "-60.5", "-60.5")
    assert (made["original_invoice_number"], made["original_invoice"]["id"]) == ("PROV-2024-77", bill["id"])
    _, entries = books.transaction(made["transaction"]["id"])
    assert entries == [(4000, D("60.50"), D(0)), (4720, D(0), D("10.50")), (6000, D(0), D("50.00"))]
    assert books.balance(role="CREDITORS", contact_id=vendor) == D("-181.50")
    books.check("EUR")

    # DELETE of a posted purchase correction voids it and keeps it (204), as for purchase invoices.
    assert books.delete(f"{PURCHASES}/{made['id']}").status_code == 204
    kept = books.get(f"{PURCHASES}/{made['id']}").json()
    assert (kept["status"]["id"], kept["outstanding_amount"]) == ("VOID", "0.0")
    assert books.balance(role="CREDITORS", contact_id=vendor) == D("-242.00")
    books.check("EUR")


def test_the_original_must_exist_be_issued_and_be_the_contacts(books: Books, factory: Factory) -> None:
    customer, other = books.contact("CUSTOMER"), books.contact("CUSTOMER")
    original = _invoice(books, customer)
    draft = _invoice(books, customer, status_id="DRAFT")
    # A purchase invoice is not a sales invoice (Spain has no sales credit notes: corrections replace them).
    bill = _bill(books, books.contact("VENDOR"))
    foreign = Books.open(books.client, factory, country="ES")
    elsewhere = _invoice(foreign, foreign.contact("CUSTOMER"))
    before = _counts(books)
    line = _line(books, 7000, "1", "-10", "-2.10")

    def refused(attrs: dict[str, Any], source: str, status: int = 422) -> str:
        found = problem(books.post(SALES, {"sales_corrective_invoice": attrs}), status, source=source)
        return found["$message"]

    assert refused({"date": "2024-03-10", "corrective_reason_code_id": "R1", "invoice_lines": [line]},
                   "original_invoice_id") == "Field required"
    for missing in ("nothing", draft["id"], bill["id"], elsewhere["id"]):
        refused(_correction(books, {"id": missing}, line), "original_invoice_id")
    assert "another contact" in refused(_correction(books, original, line, contact_id=other), "original_invoice_id")
    refused(_correction(books, original, line, corrective_reason_code_id=None), "corrective_reason_code_id")
    refused(_correction(books, original, line, corrective_reason_code_id="R9"), "corrective_reason_code_id")
    refused(_correction(books, original, line, date="2024-02-28"), "date")
    refused(_correction(books, original, line, currency_id="USD", exchange_rate="1.1"), "currency_id")
    refused(_correction(books, original, {**line, "tax_amount": "-5.00"}), "invoice_lines[0].tax_amount")
    # 242.00 - 300.00 - 63.00 would leave the original below zero.
    assert "below zero" in refused(_correction(books, original, _line(books, 7000, "1", "-300", "-63.00")), "base")
    problem(books.post(SALES, {"sales_corrective_invoice": "nope"}), 422, "Validation", "sales_corrective_invoice")
    # Nothing half-written: no document, no number, no transaction.
    assert _counts(books) == before
    assert books.get("/invoice_settings").json()["next_sales_corrective_invoice_number"] == 1


def test_corrections_add_up_against_their_original(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    original = _invoice(books, customer)
    first = books.created(SALES, "sales_corrective_invoice", _correction(
        books, original, _line(books, 7000, "1", "-150", "-31.50")))
    # 242.00 - 181.50 leaves 60.50: taking 100.00 + 21.00 more is refused, 50.00 + 10.50 is not.
    problem(books.post(SALES, {"sales_corrective_invoice": _correction(
        books, original, _line(books, 7000, "1", "-100", "-21.00"))}), 422, source="base")
    books.created(SALES, "sales_corrective_invoice", _correction(
        books, original, _line(books, 7000, "1", "-50", "-10.50")))
    assert books.balance(role="DEBTORS", contact_id=customer) == D(0)
    # Voiding the first correction frees its share again.
    voided = books.delete(f"{SALES}/{first['id']}", void_reason="Duplicada")
    assert voided.status_code == 200 and voided.json()["status"]["id"] == "VOID"
    assert books.balance(role="DEBTORS", contact_id=customer) == D("181.50")
    books.check("EUR")


def test_edits_repost_and_keep_the_link(books: Books) -> None:
    customer, other = books.contact("CUSTOMER"), books.contact("CUSTOMER")
    original = _invoice(books, customer)
    made = books.created(SALES, "sales_corrective_invoice", _correction(
        books, original, _line(books, 7000, "1", "-50", "-10.50")))
    line = made["invoice_lines"][0]
    edited = books.updated(f"{SALES}/{made['id']}", "sales_corrective_invoice", {
        "corrective_reason_code_id": "R4", "notes": "Segunda revisión",
        "invoice_lines": [{"id": line["id"], "unit_price": "-80", "tax_amount": "-16.80"}]})
    assert (edited["total_amount"], edited["corrective_reason_code"]["id"]) == ("-96.8", "R4")
    assert edited["original_invoice"]["id"] == original["id"] and edited["notes"] == "Segunda revisión"
    assert books.balance(role="DEBTORS", contact_id=customer) == D("145.20")
    books.check("EUR")

    problem(books.put(f"{SALES}/{made['id']}", {"sales_corrective_invoice": {"contact_id": other}}), 422,
            source="original_invoice_id")
    problem(books.put(f"{SALES}/{made['id']}", {"sales_corrective_invoice": {"invoice_lines": [
        {"id": line["id"], "unit_price": "-300", "tax_amount": "-63.00"}]}}), 422, source="base")
    problem(books.put(f"{SALES}/{made['id']}", {"sales_corrective_invoice": {"corrective_reason_code_id": "X"}}),
            422, source="corrective_reason_code_id")
    assert books.get(f"{SALES}/{made['id']}").json()["total_amount"] == "-96.8"


def test_void_rules_for_corrections_and_their_original(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    original = _invoice(books, customer)
    made = books.created(SALES, "sales_corrective_invoice", _correction(
        books, original, _line(books, 7000, "1", "-50", "-10.50")))
    # The original cannot go while a live correction points at it.
    problem(books.delete(f"/sales_invoices/{original['id']}", void_reason="Error"), 422, source="base")
    problem(books.delete(f"{SALES}/{made['id']}"), 422, source="void_reason")
    voided = books.delete(f"{SALES}/{made['id']}", void_reason="Emitida por error").json()
    assert (voided["status"]["id"], voided["void_reason"], voided["outstanding_amount"]) == \
        ("VOID", "Emitida por error", "0.0")
    problem(books.put(f"{SALES}/{made['id']}", {"sales_corrective_invoice": {"notes": "x"}}), 422, source="base")
    assert books.delete(f"/sales_invoices/{original['id']}", void_reason="Error").status_code == 200
    assert books.balances() == {}
    books.check("EUR")


def test_drafts_are_numbered_and_posted_on_release(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    original = _invoice(books, customer)
    draft = books.created(SALES, "sales_corrective_invoice", _correction(
        books, original, _line(books, 7000, "1", "-50", "-10.50"), status_id="DRAFT"))
    assert (draft["invoice_number"], draft["transaction"], draft["status"]["id"]) == ("", None, "DRAFT")
    assert books.balance(role="DEBTORS", contact_id=customer) == D("242.00")
    released = books.post(f"{SALES}/{draft['id']}/release")
    assert released.status_code == 201
    assert (released.json()["invoice_number"], released.json()["status"]["id"]) == ("SCI-1", "UNPAID")
    assert books.balance(role="DEBTORS", contact_id=customer) == D("181.50")
    books.check("EUR")

    other = books.created(SALES, "sales_corrective_invoice", _correction(
        books, original, _line(books, 7000, "1", "-1", "-0.21"), status_id="DRAFT"))
    assert books.delete(f"{SALES}/{other['id']}").status_code == 204
    deleted = books.get(SALES, deleted_since="2000-01-01").json()["$items"]
    assert [item["id"] for item in deleted] == [other["id"]]


def test_foreign_currency_corrections_use_the_original_rate(books: Books) -> None:
    books.updated("/financial_settings", "financial_settings", {"multi_currency_enabled": True})
    customer = books.contact("CUSTOMER", currency_id="USD")
    # 200.00 USD + 42.00 at 1.25 USD per EUR: 160.00 + 33.60 = 193.60 EUR.
    original = _invoice(books, customer, currency_id="USD", exchange_rate="1.25")
    made = books.created(SALES, "sales_corrective_invoice", _correction(
        books, original, _line(books, 7000, "1", "-50", "-10.50")))
    assert (made["currency"]["id"], made["exchange_rate"]) == ("USD", "1.25")
    assert (made["base_currency_total_amount"], made["base_currency_outstanding_amount"]) == ("-48.4", "-48.4")
    assert books.balance(role="DEBTORS", contact_id=customer) == D("145.20")
    books.check("EUR")


def test_lists_filter_and_search(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Ferretería Luna")
    vendor = books.contact("VENDOR")
    original = _invoice(books, customer)
    made = books.created(SALES, "sales_corrective_invoice", _correction(
        books, original, _line(books, 7000, "1", "-5", "-1.05"), reference="REF-9"))
    _bill(books, vendor)
    listed = books.get(SALES, contact_id=customer, search="luna", attributes="original_invoice").json()
    assert listed["$total"] == 1
    assert listed["$items"][0] == {"id": made["id"], "displayed_as": "SCI-1", "$path": f"{SALES}/{made['id']}",
                                   "original_invoice": made["original_invoice"]}
    assert books.get(SALES, search="ref-9", status_id="UNPAID", sort="due_date:desc").json()["$total"] == 1
    assert books.get(PURCHASES).json()["$total"] == 0
    # The original invoice's own list is unaffected.
    assert books.get("/sales_invoices").json()["$total"] == 1
