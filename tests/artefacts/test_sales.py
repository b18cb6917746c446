"""Sales invoices, credit notes, quotes and estimates over HTTP, with their effect on the ledger.

Worked examples are checked by hand in the comments; every figure is asserted to the penny.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.api.fields import Fields, Many
from ledgerd.api.resources import artefact_wire as wire
from ledgerd.api.resources import document_fields
from ledgerd.api.resources.artefact_wire import Batch, Shape, load_page
from ledgerd.artefacts.kinds import BY_KIND, SALES_INVOICE
from ledgerd.artefacts.models import Allocation, Artefact
from ledgerd.clock import Clock
from ledgerd.runtime import Runtime
from tests.support.books import Books
from tests.support.factories import Factory

D = Decimal

# §5.1(a): the real SalesInvoice response's keys, in order.
RECORDED_INVOICE_KEYS = [
    "id", "displayed_as", "$path", "created_at", "updated_at", "links", "editable", "vat_reverse_charge",
    "tax_calculation_method", "destination_consignment", "destination_vat_rates_in_use", "transaction",
    "transaction_type", "is_cis", "cis_applicable_amount", "base_currency_cis_applicable_amount",
    "total_after_cis_deduction", "base_currency_total_after_cis_deduction", "has_cis_labour", "has_cis_materials",
    "contact", "invoice_number_prefix", "invoice_number", "contact_name", "contact_reference", "date", "due_date",
    "reference", "main_address_free_form", "main_address", "delivery_address_free_form", "delivery_address", "notes",
    "terms_and_conditions", "shipping_net_amount", "shipping_tax_rate", "shipping_tax_amount",
    "shipping_tax_breakdown", "shipping_total_amount", "net_amount", "tax_amount", "total_amount",
    "payments_allocations_total_amount", "payments_allocations_total_discount", "total_paid", "outstanding_amount",
    "currency", "exchange_rate", "inverse_exchange_rate", "base_currency_shipping_net_amount",
    "base_currency_shipping_tax_amount", "base_currency_shipping_tax_breakdown",
    "base_currency_shipping_total_amount", "total_quantity", "total_discount_amount",
    "base_currency_total_discount_amount", "base_currency_net_amount", "base_currency_tax_amount",
    "base_currency_total_amount", "base_currency_outstanding_amount", "status", "sent", "sent_by_email",
    "void_reason", "invoice_lines", "tax_analysis", "last_paid", "original_quote_estimate", "tax_address_region",
    "delivery_performance_date", "withholding_tax_rate", "withholding_tax_amount",
    "base_currency_withholding_tax_amount", "tax_reconciled", "migrated", "pas_payment_submission"]
RECORDED_LINE_KEYS = [
    "id", "displayed_as", "description", "product", "service", "ledger_account", "trade_of_asset", "quantity",
    "unit_price", "net_amount", "tax_rate", "tax_amount", "tax_breakdown", "total_amount", "base_currency_unit_price",
    "unit_price_includes_tax", "base_currency_net_amount", "base_currency_tax_amount", "base_currency_tax_breakdown",
    "base_currency_total_amount", "eu_goods_services_type", "discount_amount", "base_currency_discount_amount",
    "discount_percentage", "eu_sales_description"]
ADDRESS_KEYS = ["id", "displayed_as", "$path", "address_line_1", "address_line_2", "city", "postal_code", "country",
                "address_type", "region", "country_group"]


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def _problem(response: Any, status: int, source: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list), body
    found = [p for p in body if p["$source"] == source]
    assert found, body
    assert list(found[0]) == ["$severity", "$dataCode", "$message", "$source"]
    return dict(found[0])


def _line(books: Books, code: int, description: str, quantity: str, unit_price: str, rate: str | None,
          tax: str | None = None, **extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"description": description, "ledger_account_id": books.accounts[code],
                            "quantity": quantity, "unit_price": unit_price, **extra}
    if rate:
        line["tax_rate_id"] = rate
    if tax is not None:
        line["tax_amount"] = tax
    return line


def _mixed_invoice(books: Books, customer: str, **extra: Any) -> dict[str, Any]:
    """The worked example: three lines at 20%, 5% and 0%, plus shipping at 20%.

    1. 3 x 125.50 = 376.50 at 20% -> tax 75.30, total 451.80 (account 4000)
    2. 2 x 19.99 = 39.98 - discount 2.00 = 37.98 at 5% -> tax 1.899 -> 1.90, total 39.88 (account 4900)
    3. 4 x 2.345 = 9.38 at 0% -> tax 0 (omitted, allowed for a zero rate), total 9.38 (account 4000)
    Shipping 12.50 at 20% -> 2.50.
    Net 376.50 + 37.98 + 9.38 + 12.50 = 436.36; tax 75.30 + 1.90 + 2.50 = 79.70; total 516.06.
    """
    return {"contact_id": customer, "date": "2024-03-15", "reference": "PO-77",
            "invoice_lines": [
                _line(books, 4000, "Consulting", "3", "125.50", "GB_STANDARD", "75.30"),
                _line(books, 4900, "Books", "2", "19.99", "GB_LOWER", "1.90", discount_amount="2.00"),
                _line(books, 4000, "Food", "4", "2.345", "GB_ZERO"),
            ],
            "shipping_net_amount": "12.50", "shipping_tax_rate_id": "GB_STANDARD", **extra}


def _breakdown(rate: str, label: str, percentage: str, amount: str) -> list[dict[str, Any]]:
    return [{"tax_rate": {"id": rate, "displayed_as": label, "$path": f"/tax_rates/{rate}"},
             "percentage": percentage, "amount": amount}]


def test_mixed_rate_invoice_totals_and_ledger(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Hartfield Books", reference="HART01",
                             main_address={"address_line_1": "79 Hartfield Rd", "city": "London",
                                           "postal_code": "SW19 3ES", "country_id": "GB"})
    invoice = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))

    assert invoice["displayed_as"] == "SI-1"
    assert invoice["invoice_number_prefix"] == "SI-" and invoice["invoice_number"] == "SI-1"
    assert invoice["$path"] == f"/sales_invoices/{invoice['id']}"
    assert invoice["contact"] == {"id": customer, "displayed_as": "Hartfield Books (HART01)",
                                  "$path": f"/contacts/{customer}"}
    assert invoice["contact_name"] == "Hartfield Books" and invoice["contact_reference"] == "HART01"
    assert invoice["due_date"] == "2024-04-14"  # 30 days from the invoice settings
    assert invoice["main_address_free_form"] == "79 Hartfield Rd\nLondon\nSW19 3ES"
    assert list(invoice["main_address"]) == ADDRESS_KEYS
    assert invoice["main_address"]["address_type"]["id"] == "SALES"
    assert invoice["status"] == {"id": "UNPAID", "displayed_as": "Unpaid", "$path": "/artefact_statuses/UNPAID"}
    assert invoice["transaction_type"] == {"id": "SALES_INVOICE", "displayed_as": "Sales Invoice",
                                           "$path": "/transaction_types/SALES_INVOICE"}
    assert invoice["currency"]["id"] == "GBP" and invoice["exchange_rate"] == "1.0"
    expected = {
        "shipping_net_amount": "12.5", "shipping_tax_amount": "2.5", "shipping_total_amount": "15.0",
        "net_amount": "436.36", "tax_amount": "79.7", "total_amount": "516.06", "outstanding_amount": "516.06",
        "total_paid": "0.0", "total_quantity": "9.0", "total_discount_amount": "2.0",
        "base_currency_net_amount": "436.36", "base_currency_tax_amount": "79.7",
        "base_currency_total_amount": "516.06", "base_currency_outstanding_amount": "516.06",
        "base_currency_shipping_net_amount": "12.5", "base_currency_shipping_tax_amount": "2.5",
        "base_currency_total_discount_amount": "2.0", "last_paid": "", "void_reason": None,
    }
    assert {k: invoice[k] for k in expected} == expected
    assert invoice["shipping_tax_breakdown"] == _breakdown("GB_STANDARD", "Standard 20.00%", "20.0", "2.5")

    first, second, third = invoice["invoice_lines"]
    assert (first["net_amount"], first["tax_amount"], first["total_amount"]) == ("376.5", "75.3", "451.8")
    assert first["tax_breakdown"] == _breakdown("GB_STANDARD", "Standard 20.00%", "20.0", "75.3")
    assert (second["net_amount"], second["tax_amount"], second["total_amount"]) == ("37.98", "1.9", "39.88")
    assert (second["discount_amount"], second["discount_percentage"]) == ("2.0", "5.0")
    assert second["tax_rate"] == {"id": "GB_LOWER", "displayed_as": "Lower Rate 5.00%",
                                  "$path": "/tax_rates/GB_LOWER"}
    assert (third["net_amount"], third["tax_amount"], third["total_amount"]) == ("9.38", "0.0", "9.38")
    assert third["unit_price"] == "2.345"
    assert third["ledger_account"]["displayed_as"] == "Sales - Products (4000)"

    assert invoice["tax_analysis"] == [
        {"tax_rate": {"id": "GB_STANDARD", "displayed_as": "Standard 20.00%", "$path": "/tax_rates/GB_STANDARD"},
         "net_amount": "389.0", "tax_amount": "77.8", "total_amount": "466.8", "goods_amount": "0.0",
         "service_amount": "0.0"},
        {"tax_rate": {"id": "GB_LOWER", "displayed_as": "Lower Rate 5.00%", "$path": "/tax_rates/GB_LOWER"},
         "net_amount": "37.98", "tax_amount": "1.9", "total_amount": "39.88", "goods_amount": "0.0",
         "service_amount": "0.0"},
        {"tax_rate": {"id": "GB_ZERO", "displayed_as": "Zero Rated 0.00%", "$path": "/tax_rates/GB_ZERO"},
         "net_amount": "9.38", "tax_amount": "0.0", "total_amount": "9.38", "goods_amount": "0.0",
         "service_amount": "0.0"},
    ]

    # Dr Debtors 516.06 / Cr Sales 376.50 + 9.38 / Cr Other income 37.98 / Cr VAT 79.70 / Cr Carriage 12.50.
    tx, entries = books.transaction(invoice["transaction"]["id"])
    assert invoice["transaction"] == {"id": tx.id, "displayed_as": "", "$path": f"/transactions/{tx.id}"}
    assert tx.transaction_type_id == "SALES_INVOICE" and tx.reference == "SI-1"
    assert (tx.origin_type, tx.origin_id, tx.contact_id) == ("sales_invoices", invoice["id"], customer)
    assert entries == sorted([
        (1100, D("516.06"), D(0)), (4000, D(0), D("376.50")), (4000, D(0), D("9.38")), (4900, D(0), D("37.98")),
        (2200, D(0), D("75.30")), (2200, D(0), D("1.90")), (2200, D(0), D("2.50")), (4905, D(0), D("12.50"))])
    assert books.balances() == {1100: D("516.06"), 4000: D("-385.88"), 4900: D("-37.98"), 2200: D("-79.70"),
                                4905: D("-12.50")}


def test_full_invoice_key_order_matches_the_recorded_response(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    created = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    invoice = books.get(f"/sales_invoices/{created['id']}").json()
    assert list(invoice) == RECORDED_INVOICE_KEYS
    assert all(list(line) == RECORDED_LINE_KEYS for line in invoice["invoice_lines"])
    assert invoice == created


# --- tax_amount rules -------------------------------------------------------------------------------------

def test_tax_amount_is_required_for_a_rate_above_zero(books: Books) -> None:
    customer = books.contact()
    body = _mixed_invoice(books, customer)
    del body["invoice_lines"][0]["tax_amount"]
    problem = _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422,
                       "invoice_lines[0].tax_amount")
    assert problem["$dataCode"] == "RecordInvalid"
    assert "required" in problem["$message"] and "75.30" in problem["$message"]


def test_a_wrong_tax_amount_is_refused_with_the_expected_figure(books: Books) -> None:
    customer = books.contact()
    body = _mixed_invoice(books, customer)
    body["invoice_lines"][1]["tax_amount"] = "3.50"  # 5% of 37.98 is 1.90
    body["invoice_lines"][0]["tax_amount"] = "70.00"  # 20% of 376.50 is 75.30
    response = books.post("/sales_invoices", {"sales_invoice": body})
    assert "expected 1.90" in _problem(response, 422, "invoice_lines[1].tax_amount")["$message"]
    assert "expected 75.30" in _problem(response, 422, "invoice_lines[0].tax_amount")["$message"]
    # A zero-rated line may not carry tax; a VAT-registered business's line without a rate is refused outright.
    body = _mixed_invoice(books, customer)
    body["invoice_lines"][2]["tax_amount"] = "1.00"
    response = books.post("/sales_invoices", {"sales_invoice": body})
    _problem(response, 422, "invoice_lines[2].tax_amount")
    body["invoice_lines"].append(_line(books, 4000, "Untaxed", "1", "10", None, "2.00"))
    _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "invoice_lines[3].tax_rate_id")
    assert books.transactions() == []


def test_a_tax_amount_within_tolerance_is_kept_as_sent(books: Books) -> None:
    customer = books.contact()
    body = _mixed_invoice(books, customer)
    body["invoice_lines"][0]["tax_amount"] = "75.34"  # 4p off: a per-unit rounding in the client's system
    invoice = books.created("/sales_invoices", "sales_invoice", body)
    assert invoice["invoice_lines"][0]["tax_amount"] == "75.34"
    assert (invoice["tax_amount"], invoice["total_amount"]) == ("79.74", "516.1")
    assert books.balances()[2200] == D("-79.74")


def test_a_tax_amount_further_than_a_rounding_difference_is_refused_however_large_the_line(books: Books) -> None:
    customer = books.contact()
    # 1 x 1,000,000.00 at 20%: ours is 200,000.00. 198,000.01 is 1,999.99 away (under 1% of the tax, which was
    # once enough); one unit allows a rounding difference of 0.05, so 200,000.05 stands and 198,000.01 does not.
    body = {"contact_id": customer, "date": "2024-03-01",
            "invoice_lines": [_line(books, 4000, "Plant", "1", "1000000", "GB_STANDARD", "198000.01")]}
    refused = _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "invoice_lines[0].tax_amount")
    assert "expected 200000.00" in refused["$message"]
    assert books.transactions() == []
    body["invoice_lines"][0]["tax_amount"] = "200000.05"
    invoice = books.created("/sales_invoices", "sales_invoice", body)
    assert (invoice["tax_amount"], invoice["total_amount"]) == ("200000.05", "1200000.05")
    # 400 x 2.49 at 20%: net 996.00, ours 199.20. Per unit 2.49 x 20% = 0.498 -> 0.50, x 400 = 200.00: 0.80 away,
    # within half a cent per unit (400 x 0.005 = 2.00); 201.21 is 2.01 away and refused.
    body["invoice_lines"] = [_line(books, 4000, "Pens", "400", "2.49", "GB_STANDARD", "200.00")]
    assert books.created("/sales_invoices", "sales_invoice", body)["tax_amount"] == "200.0"
    body["invoice_lines"][0]["tax_amount"] = "201.21"
    assert "expected 199.20" in _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422,
                                         "invoice_lines[0].tax_amount")["$message"]


@pytest.mark.parametrize("rate", ["GB_ZERO", "GB_EXEMPT", "GB_NO_TAX"])
def test_a_zero_percent_line_takes_no_tax(books: Books, rate: str) -> None:
    customer = books.contact()
    # 0.03 on a 10.00 line at 0% was once within the 0.05 tolerance and reached VAT on sales (box 1).
    body = {"contact_id": customer, "date": "2024-03-01",
            "invoice_lines": [_line(books, 4000, "Untaxed", "1", "10", rate, "0.03")]}
    refused = _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "invoice_lines[0].tax_amount")
    assert f"must be 0 for tax rate {rate} (0%)" in refused["$message"]
    assert books.transactions() == []
    body["invoice_lines"][0]["tax_amount"] = "0"
    invoice = books.created("/sales_invoices", "sales_invoice", body)
    assert (invoice["tax_amount"], invoice["total_amount"]) == ("0.0", "10.0")
    assert 2200 not in books.balances()


def test_a_vat_registered_business_gives_every_sales_line_a_rate(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory)
    customer = books.contact()
    body = {"contact_id": customer, "date": "2024-03-01",
            "invoice_lines": [_line(books, 4000, "Rated", "1", "10", "GB_STANDARD", "2.00"),
                              _line(books, 4000, "Unrated", "1", "10", None)]}
    # A GB business on the STANDARD scheme: a line without a rate would stay out of box 6.
    for path, wrapper, key in (("/sales_invoices", "sales_invoice", "invoice_lines"),
                               ("/sales_credit_notes", "sales_credit_note", "credit_note_lines"),
                               ("/sales_quotes", "sales_quote", "quote_lines")):
        attrs = {k: v for k, v in body.items() if k != "invoice_lines"} | {key: body["invoice_lines"]}
        if wrapper == "sales_quote":
            attrs["expiry_date"] = "2024-03-31"
        refused = _problem(books.post(path, {wrapper: attrs}), 422, f"{key}[1].tax_rate_id")
        assert "needs a tax rate" in refused["$message"]
    assert books.transactions() == []
    # An edit that sends a line without a rate is refused the same way; one that leaves the lines alone is not.
    invoice = books.created("/sales_invoices", "sales_invoice", {**body, "invoice_lines": body["invoice_lines"][:1]})
    _problem(books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": {"invoice_lines": [
        {"id": invoice["invoice_lines"][0]["id"], "tax_rate_id": None}]}}), 422, "invoice_lines[0].tax_rate_id")
    assert books.updated(f"/sales_invoices/{invoice['id']}", "sales_invoice", {"notes": "n"})["notes"] == "n"
    # Shipping charged on a sale is a supply too (box 6): without a rate it is refused, with one it is taken.
    shipping = _problem(books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": {
        "shipping_net_amount": "5.00"}}), 422, "shipping_tax_rate_id")
    assert shipping["$message"].startswith("Shipping of a VAT-registered business needs a tax rate")
    shipped = books.updated(f"/sales_invoices/{invoice['id']}", "sales_invoice", {
        "shipping_net_amount": "5.00", "shipping_tax_rate_id": "GB_STANDARD", "shipping_tax_amount": "1.00"})
    # 10.00 + 2.00 on the line, 5.00 + 1.00 (20% of 5.00) on shipping: 18.00.
    assert shipped["total_amount"] == "18.0"
    # Purchases keep lines without a rate (a supplier's bill may carry no VAT at all).
    supplier = books.contact("VENDOR")
    purchase = books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": supplier, "date": "2024-03-01", "due_date": "2024-03-31",
        "invoice_lines": [_line(books, 5000, "Unrated", "1", "10", None)]})
    assert purchase["total_amount"] == "10.0"
    # Not registered (NOT_REGISTERED scheme), the same sales invoice is taken: 10.00 + 10.00 + tax 2.00 = 22.00.
    books.updated("/financial_settings", "financial_settings", {"tax_scheme_id": "NOT_REGISTERED"})
    assert books.created("/sales_invoices", "sales_invoice", body)["total_amount"] == "22.0"
    # A US business charges sales tax, not VAT: its lines may go without a rate.
    us = Books.open(client, factory, country="US")
    us_customer = us.contact()
    sold = us.created("/sales_invoices", "sales_invoice", {"contact_id": us_customer, "date": "2024-03-01",
                      "invoice_lines": [_line(us, 4000, "Unrated", "1", "10", None)]})
    assert sold["total_amount"] == "10.0"


def test_a_vat_inclusive_line_totals_the_gross_price(books: Books) -> None:
    customer = books.contact()
    # 1 x 0.99 gross at 20%: 0.99 / 1.2 = 0.825 -> net 0.83; the tax is what the gross leaves, 0.99 - 0.83 = 0.16
    # (0.83 x 20% = 0.166 -> 0.17 once made the total 1.00). 4 x 11.99 gross = 47.96 / 1.2 = 39.9666… -> 39.97;
    # tax 47.96 - 39.97 = 7.99. The client sends the VAT fraction of its gross for the second line, 47.96 / 6 =
    # 7.9933… -> 7.99, the same figure.
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-03-01",
        "invoice_lines": [_line(books, 4000, "Pen", "1", "0.99", "GB_STANDARD", "0.16", unit_price_includes_tax=True),
                          _line(books, 4000, "Ink", "4", "11.99", "GB_STANDARD", "7.99",
                                unit_price_includes_tax=True)]})
    first, second = invoice["invoice_lines"]
    assert (first["net_amount"], first["tax_amount"], first["total_amount"]) == ("0.83", "0.16", "0.99")
    assert (second["net_amount"], second["tax_amount"], second["total_amount"]) == ("39.97", "7.99", "47.96")
    # Net 0.83 + 39.97 = 40.80; tax 0.16 + 7.99 = 8.15; total 0.99 + 47.96 = 48.95, what the customer pays.
    assert (invoice["net_amount"], invoice["tax_amount"], invoice["total_amount"]) == ("40.8", "8.15", "48.95")
    assert books.balances() == {1100: D("48.95"), 4000: D("-40.80"), 2200: D("-8.15")}
    # A client that works the first line's tax as 0.99 x 20/120 = 0.165 -> 0.17 is within the tolerance: its tax
    # stands and the net is what the gross leaves, 0.99 - 0.17 = 0.82; the total is still 0.99.
    other = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-03-01",
        "invoice_lines": [_line(books, 4000, "Pen", "1", "0.99", "GB_STANDARD", "0.17", unit_price_includes_tax=True)]})
    line = other["invoice_lines"][0]
    assert (line["net_amount"], line["tax_amount"], line["total_amount"]) == ("0.82", "0.17", "0.99")


def test_shipping_tax_is_computed_and_a_tax_inclusive_price_is_split(books: Books) -> None:
    customer = books.contact()
    # 2 x 60.00 gross at 20% = 120.00 gross -> net 100.00, tax 20.00.
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-03-01",
        "invoice_lines": [_line(books, 4000, "Gross", "2", "60", "GB_STANDARD", "20.00",
                                unit_price_includes_tax=True)],
        "shipping_net_amount": "9.99", "shipping_tax_rate_id": "GB_LOWER"})
    line = invoice["invoice_lines"][0]
    assert (line["unit_price"], line["unit_price_includes_tax"]) == ("60.0", True)
    assert (line["net_amount"], line["tax_amount"], line["total_amount"]) == ("100.0", "20.0", "120.0")
    # Shipping 9.99 at 5% = 0.4995 -> 0.50.
    assert (invoice["shipping_tax_amount"], invoice["shipping_total_amount"]) == ("0.5", "10.49")
    assert (invoice["net_amount"], invoice["tax_amount"], invoice["total_amount"]) == ("109.99", "20.5", "130.49")


def test_combined_rates_are_broken_down_and_posted_per_component(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="CA")
    customer = books.contact()
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-05-01",
        "invoice_lines": [_line(books, 4010, "Design", "1", "250.25", "CA_GST_PST_BC", "30.03")]})
    line = invoice["invoice_lines"][0]
    # 250.25 x 12% = 30.03: GST 5% = 12.5125 -> 12.51, PST 7% takes the rest, 17.52 (17.5175 -> 17.52).
    assert line["tax_rate"]["displayed_as"] == "GST & PST 12.00%"
    assert [(p["tax_rate"]["id"], p["tax_rate"]["displayed_as"], p["percentage"], p["amount"])
            for p in line["tax_breakdown"]] == [("CA_GST", "GST 5.00%", "5.0", "12.51"),
                                                 ("CA_PST_BC", "PST 7.00%", "7.0", "17.52")]
    _tx, entries = books.transaction(invoice["transaction"]["id"])
    # GST on 2200 (GST/HST collected), PST on its own account 2220 (PST Payable): ledger/tax_accounts.py.
    assert entries == sorted([(1200, D("280.28"), D(0)), (4010, D(0), D("250.25")), (2200, D(0), D("12.51")),
                              (2220, D(0), D("17.52"))])


# --- foreign currency -----------------------------------------------------------------------------------

def test_foreign_currency_invoice_balances_exactly(books: Books) -> None:
    books.updated("/financial_settings", "financial_settings", {"multi_currency_enabled": True})
    customer = books.contact("CUSTOMER", currency_id="USD")
    # exchange_rate = USD per GBP, so base = USD / 1.17, each component rounded on its own:
    #   99.99 -> 85.46, tax 20.00 -> 17.09, 0.07 -> 0.06, tax 0.01 -> 0.01, shipping 5.55 -> 4.74, its tax 1.11
    #   -> 0.95; the debtors line is their sum, 108.31 (converting the 126.73 total would give 108.32).
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-06-03", "exchange_rate": "1.17",
        "invoice_lines": [_line(books, 4000, "Widgets", "3", "33.33", "GB_STANDARD", "20.00"),
                          _line(books, 4000, "Stickers", "1", "0.07", "GB_STANDARD", "0.01")],
        "shipping_net_amount": "5.55", "shipping_tax_rate_id": "GB_STANDARD"})
    assert invoice["currency"] == {"id": "USD", "displayed_as": "US Dollar (USD)", "$path": "/currencies/USD"}
    assert (invoice["exchange_rate"], invoice["inverse_exchange_rate"]) == ("1.17", "0.854701")
    assert (invoice["net_amount"], invoice["tax_amount"], invoice["total_amount"]) == ("105.61", "21.12", "126.73")
    assert (invoice["base_currency_net_amount"], invoice["base_currency_tax_amount"],
            invoice["base_currency_total_amount"]) == ("90.26", "18.05", "108.31")
    assert invoice["base_currency_outstanding_amount"] == "108.31"
    assert (invoice["base_currency_shipping_net_amount"], invoice["base_currency_shipping_tax_amount"],
            invoice["base_currency_shipping_total_amount"]) == ("4.74", "0.95", "5.69")
    widgets = invoice["invoice_lines"][0]
    assert (widgets["base_currency_unit_price"], widgets["base_currency_net_amount"],
            widgets["base_currency_tax_amount"], widgets["base_currency_total_amount"]) == \
        ("28.487179", "85.46", "17.09", "102.55")
    assert widgets["base_currency_tax_breakdown"][0]["amount"] == "17.09"
    tx, entries = books.transaction(invoice["transaction"]["id"])
    assert tx.total == D("108.31") and tx.total_in_transaction_currency == D("126.73")
    assert entries == sorted([(1100, D("108.31"), D(0)), (4000, D(0), D("85.46")), (4000, D(0), D("0.06")),
                              (2200, D(0), D("17.09")), (2200, D(0), D("0.01")), (4905, D(0), D("4.74")),
                              (2200, D(0), D("0.95"))])
    debits, credits = books.totals()
    assert debits == credits == D("108.31")


def test_foreign_currency_needs_a_rate_and_a_known_currency(books: Books) -> None:
    customer = books.contact()
    body = {"contact_id": customer, "date": "2024-06-03", "currency_id": "USD",
            "invoice_lines": [_line(books, 4000, "Widgets", "1", "10", "GB_ZERO")]}
    # Multi-currency off (a new business's default): no document in another currency than GBP, even with a rate.
    off = books.post("/sales_invoices", {"sales_invoice": {**body, "exchange_rate": "1.25"}})
    assert "Multi-currency is not enabled" in _problem(off, 422, "currency_id")["$message"]
    assert books.get("/sales_invoices").json()["$total"] == 0
    books.updated("/financial_settings", "financial_settings", {"multi_currency_enabled": True})
    _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "exchange_rate")
    body["currency_id"] = "XYZ"
    _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "currency_id")
    # inverse_exchange_rate alone is enough: 1 / 0.8 = 1.25 USD per GBP, 10 USD -> 8 GBP.
    body.update(currency_id="USD", inverse_exchange_rate="0.8")
    invoice = books.created("/sales_invoices", "sales_invoice", body)
    assert (invoice["exchange_rate"], invoice["base_currency_total_amount"]) == ("1.25", "8.0")


# --- drafts, release, numbering ---------------------------------------------------------------------------

def test_drafts_post_nothing_until_released(books: Books) -> None:
    customer = books.contact()
    draft = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer, status_id="DRAFT"))
    assert draft["status"]["id"] == "DRAFT" and draft["transaction"] is None
    assert (draft["invoice_number"], draft["displayed_as"]) == ("", "")
    assert draft["outstanding_amount"] == "516.06"
    assert books.transactions() == []
    edited = books.updated(f"/sales_invoices/{draft['id']}", "sales_invoice", {"notes": "still a draft"})
    assert edited["transaction"] is None and books.transactions() == []

    released = books.post(f"/sales_invoices/{draft['id']}/release")
    assert released.status_code == 201, released.text
    body = released.json()
    assert (body["status"]["id"], body["invoice_number"], body["notes"]) == ("UNPAID", "SI-1", "still a draft")
    assert books.balances()[1100] == D("516.06")
    _problem(books.post(f"/sales_invoices/{draft['id']}/release"), 422, "status")


def test_numbers_are_sequential_and_skip_nothing(books: Books) -> None:
    customer = books.contact()
    first = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer, status_id="DRAFT"))
    bad = _mixed_invoice(books, customer)
    bad["invoice_lines"][0]["tax_amount"] = "1.00"
    _problem(books.post("/sales_invoices", {"sales_invoice": bad}), 422, "invoice_lines[0].tax_amount")
    second = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    note = books.created("/sales_credit_notes", "sales_credit_note", {
        "contact_id": customer, "date": "2024-03-20",
        "credit_note_lines": [_line(books, 4000, "Return", "1", "10", "GB_ZERO")]})
    assert [first["invoice_number"], second["invoice_number"], note["credit_note_number"]] == \
        ["SI-1", "SI-2", "SCN-1"]


def test_numbers_stay_gap_free_under_concurrent_requests(books: Books, runtime: Any) -> None:
    from ledgerd.app import create_app
    from tests.conftest import PUBLIC_URL

    customer = books.contact()
    good = {"sales_invoice": _mixed_invoice(books, customer)}
    bad = {"sales_invoice": {**_mixed_invoice(books, customer), "contact_id": "0" * 32}}
    statuses: list[int] = []

    def worker(body: dict[str, Any]) -> None:
        with TestClient(create_app(runtime=runtime), base_url=PUBLIC_URL) as own:
            for _ in range(2):
                statuses.append(own.post("/v3.1/sales_invoices", json=body, headers=books.headers).status_code)

    threads = [threading.Thread(target=worker, args=(bad if i == 2 else good,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 8 + [422] * 2
    numbers = books.factory.tx(lambda db: sorted(db.scalars(select(Artefact.number).where(
        Artefact.business_id == books.business_id, Artefact.kind == "SALES_INVOICE"))))
    assert numbers == list(range(1, 9))


# --- void, delete -------------------------------------------------------------------------------------------

def test_void_reverses_the_transaction(books: Books) -> None:
    customer = books.contact()
    invoice = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    _problem(books.delete(f"/sales_invoices/{invoice['id']}"), 422, "void_reason")
    response = books.delete(f"/sales_invoices/{invoice['id']}", void_reason="Raised in error")
    assert response.status_code == 200, response.text
    voided = response.json()
    assert voided["status"]["id"] == "VOID" and voided["void_reason"] == "Raised in error"
    assert (voided["outstanding_amount"], voided["base_currency_outstanding_amount"]) == ("0.0", "0.0")
    assert voided["total_amount"] == "516.06" and voided["editable"] is False
    assert books.get(f"/sales_invoices/{invoice['id']}").json()["status"]["id"] == "VOID"
    # Trial balance: every account back to zero, debits equal credits, the original kept and mirrored.
    assert books.balances() == {}
    debits, credits = books.totals()
    assert debits == credits == D("516.06") * 2
    original, mirror = books.transactions()
    assert original.deleted and mirror.deleted and mirror.reverses_id == original.id
    assert mirror.date == original.date
    _problem(books.delete(f"/sales_invoices/{invoice['id']}", void_reason="again"), 422, "base")
    _problem(books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": {"notes": "x"}}), 422,
             "base")


def test_deleting_a_draft_removes_it(books: Books) -> None:
    customer = books.contact()
    draft = books.created("/sales_credit_notes", "sales_credit_note", {
        "contact_id": customer, "date": "2024-03-20", "status_id": "DRAFT",
        "credit_note_lines": [_line(books, 4000, "Return", "1", "10", "GB_ZERO")]})
    response = books.delete(f"/sales_credit_notes/{draft['id']}")
    assert response.status_code == 204 and response.content == b""
    assert books.get(f"/sales_credit_notes/{draft['id']}").status_code == 404
    gone = books.get("/sales_credit_notes", deleted_since="2000-01-01").json()["$items"]
    assert [item["id"] for item in gone] == [draft["id"]] and "deleted_at" in gone[0]


def _allocate(books: Books, artefact_id: str, amount: str, on: str = "2024-04-01") -> None:
    """What a payment or a contact allocation leaves behind (the payments package's rows), for setup."""
    import datetime as dt

    from ledgerd.artefacts import status
    from ledgerd.db.records import bind_clock
    from ledgerd.payments.models import ContactAllocation

    def run(db: Any) -> None:
        bind_clock(db, books.factory.runtime.clock)
        artefact = db.get(Artefact, artefact_id)
        group = ContactAllocation(business_id=books.business_id, transaction_type_id="CUSTOMER_ALLOCATION",
                                  contact_id=artefact.contact_id, date=dt.date.fromisoformat(on))
        db.add(group)
        db.flush()
        db.add(Allocation(business_id=books.business_id, artefact_id=artefact_id, contact_allocation_id=group.id,
                          date=dt.date.fromisoformat(on), amount=D(amount), discount=D(0),
                          base_currency_amount=D(amount)))
        db.flush()
        status.refresh(db, artefact)

    books.factory.tx(run)


def test_documents_with_allocations_cannot_be_voided_or_cut_below_them(books: Books) -> None:
    customer = books.contact()
    invoice = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    _allocate(books, invoice["id"], "500.00")
    shown = books.get(f"/sales_invoices/{invoice['id']}", show_payments_allocations="true").json()
    assert shown["status"]["id"] == "PART_PAID" and shown["last_paid"] == "2024-04-01"
    assert (shown["outstanding_amount"], shown["total_paid"], shown["payments_allocations_total_amount"]) == \
        ("16.06", "500.0", "500.0")
    assert list(shown)[list(shown).index("tax_analysis") + 1] == "payments_allocations"
    [allocation] = shown["payments_allocations"]
    assert (allocation["date"], allocation["amount"], allocation["type"]) == ("2024-04-01", "500.0",
                                                                              "Customer Allocation")
    assert "payments_allocations" not in books.get(f"/sales_invoices/{invoice['id']}").json()
    _problem(books.delete(f"/sales_invoices/{invoice['id']}", void_reason="x"), 422, "base")
    smaller = {"invoice_lines": [_line(books, 4000, "Consulting", "1", "100", "GB_STANDARD", "20.00")]}
    problem = _problem(books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": smaller}), 422,
                       "base")
    assert "500.00" in problem["$message"]
    other = books.contact()
    _problem(books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": {"contact_id": other}}),
             422, "contact_id")
    # Even an edit that keeps the total above the allocations waits for them to be removed (Sage: unallocate a paid
    # or part-paid invoice before editing it; docs/decisions/period-locks.md); notes need no unallocation.
    more = books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": {"shipping_net_amount": "20.00"}})
    assert "unallocate" in _problem(more, 422, "base")["$message"]
    body = books.updated(f"/sales_invoices/{invoice['id']}", "sales_invoice", {"notes": "Part paid"})
    assert (body["total_amount"], body["outstanding_amount"], body["status"]["id"]) == ("516.06", "16.06",
                                                                                      "PART_PAID")


# --- edits --------------------------------------------------------------------------------------------------

def test_editing_a_posted_invoice_reverses_and_reposts(books: Books) -> None:
    customer = books.contact()
    invoice = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    consulting, _books_line, food = invoice["invoice_lines"]
    # Update the first line (5 x 125.50 = 627.50, tax 125.50), drop the second, keep the third as it was,
    # add a new one; no shipping.
    edited = books.updated(f"/sales_invoices/{invoice['id']}", "sales_invoice", {
        "shipping_net_amount": "0",
        "invoice_lines": [{"id": consulting["id"], "quantity": "5", "tax_amount": "125.50"},
                          {"id": food["id"]},
                          _line(books, 4900, "Extra", "1", "50", "GB_STANDARD", "10.00")]})
    assert [line["description"] for line in edited["invoice_lines"]] == ["Consulting", "Food", "Extra"]
    assert edited["invoice_lines"][0]["id"] == consulting["id"] and edited["invoice_lines"][1]["id"] == food["id"]
    # Net 627.50 + 9.38 + 50 = 686.88; tax 125.50 + 10 = 135.50; total 822.38.
    assert (edited["net_amount"], edited["tax_amount"], edited["total_amount"]) == ("686.88", "135.5", "822.38")
    assert edited["invoice_number"] == "SI-1" and edited["outstanding_amount"] == "822.38"
    assert books.balances() == {1100: D("822.38"), 4000: D("-636.88"), 4900: D("-50.00"), 2200: D("-135.50")}
    original, mirror, current = books.transactions()
    assert original.deleted and mirror.deleted and not current.deleted
    assert edited["transaction"]["id"] == current.id
    # A changed line must restate its tax; an edit of the notes leaves the ledger alone.
    _problem(books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": {
        "invoice_lines": [{"id": consulting["id"], "quantity": "6"}]}}), 422, "invoice_lines[0].tax_amount")
    _problem(books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": {
        "invoice_lines": [{"id": "f" * 32}]}}), 422, "invoice_lines[0].id")
    noted = books.updated(f"/sales_invoices/{invoice['id']}", "sales_invoice", {"notes": "Thanks!"})
    assert noted["notes"] == "Thanks!" and len(books.transactions()) == 3


def test_moving_the_date_moves_the_posting(books: Books) -> None:
    customer = books.contact()
    invoice = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    moved = books.updated(f"/sales_invoices/{invoice['id']}", "sales_invoice", {"date": "2024-03-31"})
    assert (moved["date"], moved["due_date"]) == ("2024-03-31", "2024-04-14")
    assert moved["transaction"]["id"] != invoice["transaction"]["id"]
    tx, _ = books.transaction(moved["transaction"]["id"])
    assert str(tx.date) == "2024-03-31"
    _problem(books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": {"date": "2024-05-01"}}),
             422, "due_date")


# --- credit notes -----------------------------------------------------------------------------------------

def test_credit_note_posts_the_mirror_of_an_invoice(books: Books) -> None:
    customer = books.contact()
    note = books.created("/sales_credit_notes", "sales_credit_note", {
        "contact_id": customer, "date": "2024-03-20", "original_invoice_date": "2024-03-15",
        "credit_note_lines": [_line(books, 4000, "Returned", "2", "125.50", "GB_STANDARD", "50.20")],
        "shipping_net_amount": "5", "shipping_tax_rate_id": "GB_STANDARD"})
    assert (note["displayed_as"], note["credit_note_number_prefix"]) == ("SCN-1", "SCN-")
    assert note["original_invoice_date"] == "2024-03-15"
    assert note["transaction_type"]["id"] == "SALES_CREDIT_NOTE"
    # 251.00 + 50.20 + 5.00 + 1.00 = 307.20 credited to the customer.
    assert (note["net_amount"], note["tax_amount"], note["total_amount"]) == ("256.0", "51.2", "307.2")
    _tx, entries = books.transaction(note["transaction"]["id"])
    assert entries == sorted([(1100, D(0), D("307.20")), (4000, D("251.00"), D(0)), (2200, D("50.20"), D(0)),
                              (4905, D("5.00"), D(0)), (2200, D("1.00"), D(0))])
    keys = list(note)
    assert keys[keys.index("shipping_tax_breakdown") + 1] == "total_quantity"
    assert keys[-3:] == ["withholding_tax_rate", "withholding_tax_amount", "base_currency_withholding_tax_amount"]
    voided = books.delete(f"/sales_credit_notes/{note['id']}", void_reason="Wrong customer")
    assert voided.status_code == 200 and voided.json()["status"]["id"] == "VOID"
    assert books.balances() == {}


# --- quotes and estimates -------------------------------------------------------------------------------------

def _quote(books: Books, customer: str, kind: str = "quote") -> dict[str, Any]:
    return books.created(f"/sales_{kind}s", f"sales_{kind}", {
        "contact_id": customer, "date": "2024-02-01", "expiry_date": "2024-03-01", "reference": "Q-REF",
        f"{kind}_lines": [_line(books, 4000, "Consulting", "3", "125.50", "GB_STANDARD", "75.30")],
        "shipping_net_amount": "10", "shipping_tax_rate_id": "GB_STANDARD"})


def test_quotes_post_nothing_and_become_invoices(books: Books) -> None:
    customer = books.contact()
    quote = _quote(books, customer)
    assert (quote["displayed_as"], quote["quote_number_prefix"]) == ("SQ-1", "SQ-")
    assert quote["status"] == {"id": "PENDING", "displayed_as": "Pending"}
    assert quote["total_amount"] == "463.8" and quote["invoice"] is None
    assert "transaction" not in quote and quote["quote_lines"][0]["analysis_type_categories"] == []
    assert quote["profit_analysis"]["total"] == {"description": "", "total_cost": "0.0", "total_sale": "376.5",
                                                 "profit": "376.5", "profit_percentage": "100.0"}
    assert books.transactions() == []

    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-02-10", "original_quote_estimate_id": quote["id"]})
    assert invoice["original_quote_estimate"] == {"id": quote["id"], "displayed_as": "SQ-1",
                                                  "$path": f"/sales_quotes/{quote['id']}", "links": []}
    assert (invoice["reference"], invoice["total_amount"], invoice["invoice_number"]) == ("Q-REF", "463.8", "SI-1")
    assert [line["description"] for line in invoice["invoice_lines"]] == ["Consulting"]
    assert books.balances()[1100] == D("463.80")
    quote = books.get(f"/sales_quotes/{quote['id']}").json()
    assert quote["status"]["id"] == "INVOICED" and quote["editable"] is False
    assert quote["invoice"]["id"] == invoice["id"]
    again = {"contact_id": customer, "date": "2024-02-10", "original_quote_estimate_id": quote["id"]}
    _problem(books.post("/sales_invoices", {"sales_invoice": again}), 422, "original_quote_estimate_id")
    _problem(books.put(f"/sales_quotes/{quote['id']}", {"sales_quote": {"notes": "x"}}), 422, "base")
    # Voiding the invoice gives the quote back.
    books.delete(f"/sales_invoices/{invoice['id']}", void_reason="Customer changed their mind")
    assert books.get(f"/sales_quotes/{quote['id']}").json()["status"]["id"] == "PENDING"


def test_estimates_are_numbered_apart_edited_and_deleted(books: Books) -> None:
    customer = books.contact()
    estimate = _quote(books, customer, "estimate")
    assert (estimate["estimate_number"], estimate["status"]["id"]) == ("SE-1", "PENDING")
    keys = list(estimate)
    assert keys[keys.index("sent_by_email") + 1] == "estimate_lines" and keys[-1] == "invoice"
    accepted = books.updated(f"/sales_estimates/{estimate['id']}", "sales_estimate", {"status_id": "ACCEPTED"})
    assert accepted["status"] == {"id": "ACCEPTED", "displayed_as": "Accepted"}
    response = books.delete(f"/sales_estimates/{estimate['id']}")
    assert response.status_code == 204
    assert books.get(f"/sales_estimates/{estimate['id']}").status_code == 404
    body = {"contact_id": customer, "date": "2024-02-01", "estimate_lines": [
        {"description": "x", "ledger_account_id": books.accounts[4000], "unit_price": "1"}]}
    _problem(books.post("/sales_estimates", {"sales_estimate": body}), 422, "expiry_date")
    body["expiry_date"] = "2024-03-01"
    _problem(books.post("/sales_estimates", {"sales_estimate": body}), 422, "estimate_lines[0].quantity")
    body["estimate_lines"][0]["quantity"] = "1"
    body["expiry_date"] = "2024-01-31"
    _problem(books.post("/sales_estimates", {"sales_estimate": body}), 422, "expiry_date")
    assert books.transactions() == []


# --- validation -------------------------------------------------------------------------------------------------

def test_required_fields_and_references(books: Books) -> None:
    response = books.post("/sales_invoices", {"sales_invoice": {}})
    for source in ("contact_id", "date", "invoice_lines"):
        assert _problem(response, 422, source)["$message"] == "Field required"
    _problem(books.post("/sales_invoices", {"invoice": {}}), 422, "sales_invoice")
    vendor = books.contact("VENDOR")
    body = _mixed_invoice(books, vendor)
    problem = _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "contact_id")
    assert problem["$message"] == "Couldn't find Customer."
    customer = books.contact()
    body = _mixed_invoice(books, customer)
    body["invoice_lines"][0]["ledger_account_id"] = books.accounts[5000]  # an expense account
    body["invoice_lines"][1]["tax_rate_id"] = "GB_NOPE"
    body["invoice_lines"][2]["product_id"] = "a" * 32
    body["invoice_lines"].append({"description": "no price", "ledger_account_id": books.accounts[4000]})
    response = books.post("/sales_invoices", {"sales_invoice": body})
    assert "cannot be used in sales" in _problem(response, 422, "invoice_lines[0].ledger_account_id")["$message"]
    _problem(response, 422, "invoice_lines[1].tax_rate_id")
    _problem(response, 422, "invoice_lines[2].product_id")
    _problem(response, 422, "invoice_lines[3].unit_price")
    body = _mixed_invoice(books, customer, due_date="2024-03-01", status_id="PAID")
    _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "status_id")
    body = _mixed_invoice(books, customer, due_date="2024-03-01")
    _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "due_date")
    body = _mixed_invoice(books, customer)
    body["invoice_lines"][0]["quantity"] = "1.0000001"
    _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "invoice_lines[0].quantity")
    body = {"contact_id": customer, "date": "2024-03-01",
            "invoice_lines": [_line(books, 4000, "Refund", "1", "-10", "GB_ZERO")]}
    _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "base")
    assert books.transactions() == []


def test_access_is_checked(books: Books, factory: Factory) -> None:
    customer = books.contact()
    invoice = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    assert books.client.get("/v3.1/sales_invoices").status_code == 401
    outsider = factory.user()
    factory.business(outsider)
    response = books.client.get(f"/v3.1/sales_invoices/{invoice['id']}", headers=factory.headers(outsider))
    assert response.status_code == 404 and response.json()[0]["$dataCode"] == "RecordNotFound"
    reader = factory.headers(books.owner, scope="readonly", business=books.business_id)
    assert books.client.get(f"/v3.1/sales_invoices/{invoice['id']}", headers=reader).status_code == 200
    response = books.client.post("/v3.1/sales_invoices", headers=reader,
                                 json={"sales_invoice": _mixed_invoice(books, customer)})
    assert response.status_code == 403
    assert books.get("/sales_invoices/nope").status_code == 404


# --- lists ----------------------------------------------------------------------------------------------------

def test_list_filters_search_and_sort(books: Books, clock: Any) -> None:
    alice = books.contact(name="Alice Antiques")
    bob = books.contact(name="Bob Bicycles")
    first = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, alice, date="2024-01-10",
                                                                          due_date="2024-03-01"))
    second = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, bob, reference="ORDER-9",
                                                                           date="2024-02-10", due_date="2024-02-20"))
    draft = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, bob, status_id="DRAFT",
                                                                         date="2024-03-10"))

    def ids(**params: Any) -> list[str]:
        response = books.get("/sales_invoices", **params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["$items"]]

    assert ids() == [first["id"], second["id"], draft["id"]]
    assert list(books.get("/sales_invoices").json()["$items"][0]) == ["id", "displayed_as", "$path"]
    assert ids(contact_id=bob) == [second["id"], draft["id"]]
    assert ids(status_id="draft") == [draft["id"]]
    assert ids(from_date="2024-02-01", to_date="2024-02-29") == [second["id"]]
    assert ids(search="si-2") == [second["id"]]
    assert ids(search="order-9") == [second["id"]]
    assert ids(search="antiq") == [first["id"]]
    assert ids(sort="due_date:desc") == [draft["id"], first["id"], second["id"]]
    assert ids(sort="date:desc") == [draft["id"], second["id"], first["id"]]
    assert ids(has_attachments="true") == [] and len(ids(has_attachments="false")) == 3
    assert books.get("/sales_invoices", sort="expiry_date").status_code == 400
    full = books.get("/sales_invoices", attributes="total_amount,status").json()["$items"][0]
    assert list(full) == ["id", "displayed_as", "$path", "total_amount", "status"]
    assert ids(updated_or_created_since="2999-01-01") == []
    assert books.get("/sales_credit_notes").json()["$total"] == 0
    assert books.get("/sales_quotes", sort="expiry_date").status_code == 200


def _item(books: Books, item_type: str, description: str, cost_price: str) -> str:
    from ledgerd.catalog.models import CatalogItem
    from ledgerd.db.records import bind_clock

    def run(db: Any) -> str:
        bind_clock(db, books.factory.runtime.clock)
        item = CatalogItem(business_id=books.business_id, item_type=item_type, description=description,
                           cost_price=D(cost_price))
        db.add(item)
        db.flush()
        return str(item.id)

    return books.factory.tx(run)


def test_catalog_items_on_lines_and_quote_profit(books: Books) -> None:
    customer = books.contact()
    chair = _item(books, "PRODUCT", "Chair", "40")
    fitting = _item(books, "SERVICE", "Fitting", "0")
    lines = [_line(books, 4000, "Chair", "3", "2", "GB_ZERO", product_id=chair),
             _line(books, 4000, "Fitting", "1", "30", "GB_ZERO", service_id=fitting)]
    quote = books.created("/sales_quotes", "sales_quote", {"contact_id": customer, "date": "2024-02-01",
                                                      "expiry_date": "2024-02-29", "quote_lines": lines})
    first, second = quote["quote_lines"]
    assert first["product"] == {"id": chair, "displayed_as": "Chair", "$path": f"/products/{chair}"}
    assert second["service"] == {"id": fitting, "displayed_as": "Fitting", "$path": f"/services/{fitting}"}
    # The chairs cost 3 x 40 = 120 and sell for 6: profit -114, -1900%; in all 120 cost, 36 sold, -233%.
    assert quote["profit_analysis"] == {
        "total": {"description": "", "total_cost": "120.0", "total_sale": "36.0", "profit": "-84.0",
                  "profit_percentage": "-233.0"},
        "line_breakdown": [
            {"description": "Chair", "total_cost": "120.0", "total_sale": "6.0", "profit": "-114.0",
             "profit_percentage": "-1900.0"},
            {"description": "Fitting", "total_cost": "0.0", "total_sale": "30.0", "profit": "30.0",
             "profit_percentage": "100.0"}]}
    bad = [_line(books, 4000, "Chair", "1", "2", "GB_ZERO", service_id=chair)]
    response = books.post("/sales_quotes", {"sales_quote": {
        "contact_id": customer, "date": "2024-02-01", "expiry_date": "2024-02-29", "quote_lines": bad}})
    _problem(response, 422, "quote_lines[0].service_id")


def test_edge_cases_of_edits_and_amounts(books: Books) -> None:
    customer = books.contact()
    invoice = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    _problem(books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": {"invoice_lines": []}}),
             422, "invoice_lines")
    _problem(books.put(f"/sales_invoices/{invoice['id']}", {"sales_invoice": {"exchange_rate": 2}}),
             422, "exchange_rate")
    body = {"contact_id": customer, "date": "2024-03-01",
            "invoice_lines": [_line(books, 4000, "Huge", "999999999", "999999999", "GB_ZERO")]}
    _problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "invoice_lines[0].unit_price")
    # A pro-forma is a draft by another name: no number, no posting, released like a draft.
    proforma = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer, status_id="PRO_FORMA"))
    assert proforma["status"]["id"] == "PRO_FORMA" and proforma["transaction"] is None
    released = books.post(f"/sales_invoices/{proforma['id']}/release").json()
    assert released["invoice_number"] == "SI-2"
    # Changing the contact re-snapshots name and address; a removed line disappears.
    other = books.contact("CUSTOMER", name="New Owner", main_address={"address_line_1": "2 Lane"})
    moved = books.updated(f"/sales_invoices/{invoice['id']}", "sales_invoice", {
        "contact_id": other, "invoice_lines": [{"id": invoice["invoice_lines"][2]["id"]}]})
    assert (moved["contact_name"], moved["main_address"]["address_line_1"]) == ("New Owner", "2 Lane")
    assert [line["description"] for line in moved["invoice_lines"]] == ["Food"]
    tx, _ = books.transaction(moved["transaction"]["id"])
    assert tx.contact_id == other
    addressed = books.updated(f"/sales_invoices/{invoice['id']}", "sales_invoice", {
        "main_address": {"address_line_1": "3 Way", "city": "Leeds", "country_id": "GB"},
        "delivery_address": {"address_line_1": "Dock 4", "postal_code": "LS1 1AA"}})
    assert addressed["main_address"]["id"] == moved["main_address"]["id"]
    assert (addressed["main_address_free_form"], addressed["delivery_address_free_form"]) == \
        ("3 Way\nLeeds", "Dock 4\nLS1 1AA")
    assert addressed["delivery_address"]["address_type"]["id"] == "DELIVERY"
    assert addressed["transaction"] == moved["transaction"]  # addresses do not touch the ledger
    assert books.balances()[1100] == D("516.06") + D("9.38") + D("15.00")


def test_posting_an_invoice_compiles_no_statement_anew(books: Books, runtime: Runtime) -> None:
    """Every statement of a second invoice comes from SQLAlchemy's compiled cache: a statement without a
    cache key (a multi-row `values([...])` insert, say) is compiled again on every request."""
    customer = books.contact("CUSTOMER")
    uncached: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if context is not None and context.compiled is not None and context.cache_hit != context.cache_hit.CACHE_HIT:
            uncached.append(f"{context.cache_hit.name}: {statement[:80]}")

    books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    event.listen(runtime.engine, "before_cursor_execute", seen)
    try:
        books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))
    finally:
        event.remove(runtime.engine, "before_cursor_execute", seen)
    assert uncached == []


def test_the_wire_superset_holds_every_declared_key(books: Books, clock: Clock) -> None:
    """Every kind's declaration, and its lines', can be picked from the values a document is presented from;
    sales invoices and every kind's lines are a subsequence of them, so `Shape` copies rather than picks."""
    customer = books.contact("CUSTOMER")
    invoice_id = books.created("/sales_invoices", "sales_invoice", _mixed_invoice(books, customer))["id"]

    def supersets(db: Session) -> tuple[list[str], list[str]]:
        [doc] = load_page(db, select(Artefact).where(Artefact.id == invoice_id))
        batch = Batch(db, [doc], clock.now().date(), payments=True)
        return list(wire._values(batch, SALES_INVOICE, doc, True)), list(wire._line(batch, doc, doc.lines[0]))

    ordered_document, ordered_line = books.tx(supersets)
    document, line = set(ordered_document), set(ordered_line)
    # Named after the kind (an invoice's `invoice_number`, a quote's `quote_lines`), or added by corrections.
    own = {"corrective_reason_code", "original_invoice", "original_invoice_number", "details"}
    for kind, fields in document_fields.BY_KIND.items():
        lines = fields[BY_KIND[kind].lines_key]
        assert isinstance(lines, Many) and isinstance(lines.item, Fields)
        missing = {k for k in set(fields.keys) - document - own if not k.endswith(("_number", "_prefix", "_lines"))}
        assert missing == set(), kind
        assert set(lines.item.keys) - line == set(), kind
    for fields, superset in ((document_fields.SALES_INVOICE, ordered_document),
                             (document_fields.SALES_LINE, ordered_line), (document_fields.QUOTE_LINE, ordered_line),
                             (document_fields.PURCHASE_LINE, ordered_line)):
        for full in (True, False):
            shape = Shape(fields, full)
            shape(dict.fromkeys(superset))
            assert shape._drop is not None, (fields.keys, full)
