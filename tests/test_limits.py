"""The limits of docs/limits.md (ledgerd/limits.py), over HTTP on SQLite and PostgreSQL: numbers written in plain
ASCII digits, amounts and the daily balance ceiling, lines per document, dates and the dates derived from them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from starlette.testclient import TestClient

from ledgerd import limits
from tests.support.books import Books, problem
from tests.support.factories import Factory

# GB chart: 10 Freehold Property, 3000 Capital introduced, 4000 Sales - Products, 7100 Rent and Rates.
FREEHOLD, CAPITAL, SALES, RENT = 10, 3000, 4000, 7100


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def _invoice(books: Books, **changes: object) -> dict[str, object]:
    line = {"description": "Work", "ledger_account_id": books.accounts[SALES], "quantity": "1", "unit_price": "10",
            "tax_rate_id": "GB_ZERO"}
    body = {"contact_id": books.contact(), "date": "2024-03-01", "due_date": "2024-03-31", "invoice_lines": [line]}
    for key, value in changes.items():
        if key.startswith("line_"):
            line[key.removeprefix("line_")] = value
        elif value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


# --- the arithmetic -------------------------------------------------------------------------------------------


# --- how numbers are written ------------------------------------------------------------------------------------

@pytest.mark.parametrize("quantity", ["1_000", "\u0661\u0662", "\uff11\uff12", " 5", "5 ", "+-5", ".5", "5.", "1,000",
                                      "0x10", "NaN", "Infinity", "1e3.5", "\u22121"])
def test_quantities_are_plain_ascii_numbers(books: Books, quantity: str) -> None:
    response = books.post("/sales_invoices", {"sales_invoice": _invoice(books, line_quantity=quantity)})
    problem(response, 422, "RecordInvalid", "invoice_lines[0].quantity")


@pytest.mark.parametrize(("quantity", "stored"), [("1e3", "1000.0"), ("1.5E+1", "15.0"), ("+2", "2.0"),
                                                  ("-0", "0.0"), (3, "3.0"), (2.5, "2.5")])
def test_exponents_signs_and_json_numbers_are_numbers(books: Books, quantity: object, stored: str) -> None:
    invoice = books.created("/sales_invoices", "sales_invoice", _invoice(books, line_quantity=quantity))
    assert invoice["invoice_lines"][0]["quantity"] == stored


@pytest.mark.parametrize("raw", ["1_0", "\u0662", " 2", "2.0", "1e1"])
def test_integer_query_parameters_are_plain_digits(books: Books, raw: str) -> None:
    problem(books.get("/contacts", items_per_page=raw), 400, "InvalidParameter", "items_per_page")


def test_integer_fields_are_plain_digits(books: Books) -> None:
    problem(books.post("/contacts", {"contact": {"name": "Slow payer", "contact_type_ids": ["CUSTOMER"],
                                                 "credit_days": "3_0"}}), 422, "RecordInvalid", "credit_days")
    contact = books.created("/contacts", "contact", {"name": "Slow payer", "contact_type_ids": ["CUSTOMER"],
                                                     "credit_days": "30"})
    assert contact["credit_days"] == 30


# --- amounts ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", ["1e17", "10000000000", "10000000000.00", 1e17, "-1"])
def test_a_credit_limit_past_the_amount_limit_is_refused(books: Books, limit: object) -> None:
    response = books.post("/contacts", {"contact": {"name": "Big", "contact_type_ids": ["CUSTOMER"],
                                                    "credit_limit": limit}})
    problem(response, 422, "RecordInvalid", "credit_limit")


def test_the_largest_amount_is_accepted(books: Books) -> None:
    contact = books.created("/contacts", "contact", {"name": "Big", "contact_type_ids": ["CUSTOMER"],
                                                     "credit_limit": "9999999999.99"})
    assert contact["credit_limit"] == "9999999999.99"


def test_a_line_derived_past_the_amount_limit_is_refused(books: Books) -> None:
    # Each figure is within its own limit; their product is not.
    body = _invoice(books, line_quantity="100000", line_unit_price="100000")
    problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "RecordInvalid", "invoice_lines[0].unit_price")


def test_a_document_total_past_the_amount_limit_is_refused(books: Books) -> None:
    body = _invoice(books)
    line = {"description": "Big", "ledger_account_id": books.accounts[SALES], "quantity": "1",
            "unit_price": "6000000000", "tax_rate_id": "GB_ZERO"}
    body["invoice_lines"] = [line, dict(line)]  # each 6 x 10^9, together 1.2 x 10^10
    problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "RecordInvalid", "base")


def test_a_foreign_document_is_limited_in_base_currency_too(books: Books) -> None:
    books.updated("/financial_settings", "financial_settings", {"multi_currency_enabled": True})
    body = _invoice(books, currency_id="USD", exchange_rate="0.5", line_unit_price="6000000000")
    problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "RecordInvalid", "invoice_lines[0].unit_price")


# --- lines per document -------------------------------------------------------------------------------------------

def _journal_lines(books: Books, count: int, amount: str) -> list[dict[str, object]]:
    half = count // 2
    return ([{"ledger_account_id": books.accounts[FREEHOLD], "debit": amount, "credit": 0}] * half
            + [{"ledger_account_id": books.accounts[CAPITAL], "debit": 0, "credit": amount}] * (count - half))


def test_a_journal_takes_at_most_max_lines(books: Books) -> None:
    too_many = {"date": "2024-03-01", "reference": "Big", "journal_lines": _journal_lines(books, limits.MAX_LINES + 2,
                                                                                         "1.00")}
    problem(books.post("/journals", {"journal": too_many}), 422, "RecordInvalid", "journal_lines")
    most = {"date": "2024-03-01", "reference": "Big", "journal_lines": _journal_lines(books, limits.MAX_LINES, "1.00")}
    journal = books.created("/journals", "journal", most)
    assert len(journal["journal_lines"]) == limits.MAX_LINES and journal["total"] == "500.0"


def test_an_invoice_takes_at_most_max_lines(books: Books) -> None:
    body = _invoice(books)
    body["invoice_lines"] = body["invoice_lines"] * (limits.MAX_LINES + 1)  # type: ignore[operator]
    problem(books.post("/sales_invoices", {"sales_invoice": body}), 422, "RecordInvalid", "invoice_lines")


# --- the daily balance ceiling ------------------------------------------------------------------------------------

def test_the_ledger_refuses_a_posting_past_the_daily_ceiling(books: Books) -> None:
    """Journals of a thousand lines, each just under the amount limit, on one account and one day: three fit under
    the ceiling, a fourth is refused whole; what is left fits to the cent, and the books stay exact."""
    big = "19999999.99"  # x 500 lines = 9,999,999,995.00 per journal
    for number in range(3):
        books.created("/journals", "journal", {"date": "2024-03-01", "reference": f"Big {number}",
                                               "journal_lines": _journal_lines(books, 1000, big)})
    posted = Decimal("29999999985.00")
    assert books.balances() == {FREEHOLD: posted, CAPITAL: -posted}
    before = (books.get("/journals").json()["$total"], books.get("/ledger_entries").json()["$total"])

    fourth = books.post("/journals", {"journal": {"date": "2024-03-01", "reference": "Too much",
                                                  "journal_lines": _journal_lines(books, 1000, big)}})
    error = problem(fourth, 422, "RecordInvalid", "date")
    assert "30,000,000,000" in error["$message"]
    assert (books.get("/journals").json()["$total"], books.get("/ledger_entries").json()["$total"]) == before
    assert books.balances() == {FREEHOLD: posted, CAPITAL: -posted}

    # 14.99 fills the day to 29,999,999,999.99; one more cent is refused; another day takes it.
    books.journal("2024-03-01", (FREEHOLD, "14.99", 0), (CAPITAL, 0, "14.99"))
    problem(books.post("/journals", {"journal": {"date": "2024-03-01", "reference": "Cent", "journal_lines": [
        {"ledger_account_id": books.accounts[FREEHOLD], "debit": "0.01", "credit": 0},
        {"ledger_account_id": books.accounts[CAPITAL], "debit": 0, "credit": "0.01"}]}}), 422, "RecordInvalid",
        "date")
    books.journal("2024-03-02", (FREEHOLD, "0.01", 0), (CAPITAL, 0, "0.01"))

    full = Decimal("30000000000.00")
    trial = books.get("/trial_balance", from_date="2024-01-01", to_date="2024-12-31").json()
    assert trial["$totals"] == {"debit": "30000000000.0", "credit": "30000000000.0"}
    assert books.balances() == {FREEHOLD: full, CAPITAL: -full}
    books.check()


def test_a_transaction_is_limited_like_any_amount(books: Books) -> None:
    body = {"date": "2024-03-01", "reference": "Huge", "journal_lines": _journal_lines(books, 4, "6000000000.00")}
    problem(books.post("/journals", {"journal": body}), 422, "RecordInvalid", "base")


# --- dates ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value"), [("updated_or_created_since", "9999-12-31T23:59:59-14:00"),
                                             ("deleted_since", "0001-01-01T00:00:00+14:00"),
                                             ("updated_or_created_since", "1899-12-31"),
                                             ("from_date", "0001-01-01"), ("to_date", "10000-01-01")])
def test_instants_and_dates_out_of_range_name_their_parameter(books: Books, name: str, value: str) -> None:
    problem(books.get("/sales_invoices", **{name: value}), 400, "InvalidParameter", name)


def test_the_range_ends_are_accepted(books: Books) -> None:
    assert books.get("/sales_invoices", updated_or_created_since="9999-12-31T09:59:59-14:00").status_code == 200
    assert books.get("/sales_invoices", deleted_since="1900-01-01T00:00:00Z").status_code == 200
    assert books.get("/trial_balance", to_date="9999-12-31").status_code == 200
    assert books.get("/trial_balance", to_date="1900-01-01").status_code == 200


@pytest.mark.parametrize("path", ["/trial_balance?to_date=0001-01-01", "/trial_balance?from_date=1899-12-31",
                                  "/transactions?updated_to_date=0001-01-01"])
def test_ledger_reads_refuse_dates_out_of_range(books: Books, path: str) -> None:
    problem(books.client.get(f"/v3.1{path}", headers=books.headers), 400, "InvalidParameter")


def test_the_last_day_is_a_day_to_filter_on(books: Books) -> None:
    assert books.get("/transactions", updated_to_date="9999-12-31").status_code == 200


@pytest.mark.parametrize("report", ["profit_and_loss?to_date", "balance_sheet?date", "aged_debtors?date",
                                    "aged_creditors?date"])
def test_reports_refuse_dates_out_of_range(books: Books, report: str) -> None:
    response = books.client.get(f"/ledgerd/v1/reports/{report}=0001-01-01", headers=books.headers)
    problem(response, 400, "InvalidParameter", report.split("?")[1])
    last = books.client.get(f"/ledgerd/v1/reports/{report}=9999-12-31", headers=books.headers)
    assert last.status_code == 200, last.text


@pytest.mark.parametrize("day", ["1899-12-31", "0001-01-01", "10000-01-01"])
def test_body_dates_out_of_range_name_their_field(books: Books, day: str) -> None:
    problem(books.post("/sales_invoices", {"sales_invoice": _invoice(books, date=day)}), 422, "RecordInvalid", "date")


def test_a_due_date_derived_past_the_last_day_is_refused(books: Books) -> None:
    problem(books.post("/sales_invoices", {"sales_invoice": _invoice(books, date="9999-12-31", due_date=None)}),
            422, "RecordInvalid", "due_date")
    kept = books.created("/sales_invoices", "sales_invoice", _invoice(books, date="9999-12-31",
                                                                        due_date="9999-12-31"))
    assert kept["due_date"] == "9999-12-31"
    derived = books.created("/sales_invoices", "sales_invoice", _invoice(books, date="9999-12-01", due_date=None))
    assert derived["due_date"] == "9999-12-31"  # 30 days, the last day of the range


def test_accounts_cannot_start_on_the_first_day(books: Books) -> None:
    # Opening balances post the day before the accounts start.
    response = books.put("/financial_settings", {"financial_settings": {"accounts_start_date": "1900-01-01"}})
    problem(response, 422, "RecordInvalid", "accounts_start_date")


# --- field lengths --------------------------------------------------------------------------------------------------

def test_field_lengths_are_sages(books: Books) -> None:
    contact = {"name": "Lengths", "contact_type_ids": ["CUSTOMER"]}
    problem(books.post("/contacts", {"contact": {**contact, "reference": "Cust #12345"}}), 422, "RecordInvalid",
            "reference")  # Sage's Contact: maxLength 10
    books.created("/contacts", "contact", {**contact, "reference": "Cust #1234"})
    problem(books.post("/contacts", {"contact": {**contact, "main_address": {"address_line_1": "x" * 51}}}), 422,
            "RecordInvalid", "main_address.address_line_1")
    problem(books.post("/contacts", {"contact": {**contact, "main_address": {"postal_code": "x" * 11}}}), 422,
            "RecordInvalid", "main_address.postal_code")
    supplier = books.contact("VENDOR")
    bill = {"contact_id": supplier, "date": "2024-03-01", "due_date": "2024-03-31", "invoice_lines": [
        {"description": "Stock", "ledger_account_id": books.accounts[5000], "quantity": "1", "unit_price": "10",
         "tax_rate_id": "GB_ZERO"}]}
    problem(books.post("/purchase_invoices", {"purchase_invoice": {**bill, "vendor_reference": "x" * 32}}), 422,
            "RecordInvalid", "vendor_reference")
    note = _invoice(books, terms_and_conditions="x" * 5000)
    note["credit_note_lines"] = note.pop("invoice_lines")
    note.pop("due_date")
    made = books.created("/sales_credit_notes", "sales_credit_note", note)  # Sage's SalesCreditNote: 65,535
    assert len(made["terms_and_conditions"]) == 5000


def test_an_id_longer_than_an_id_names_nothing(books: Books) -> None:
    payment = books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": books.contact(), "bank_account_id": books.bank(),
        "date": "2024-03-20", "total_amount": "50.00", "payment_on_account": {"total_amount": "50.00"}})
    response = books.put(f"/contact_payments/{payment['id']}", {"contact_payment": {"contact_id": "x" * 33}})
    problem(response, 422, "RecordInvalid", "contact_id")


@pytest.mark.parametrize("value", ["\u00b2", "9" * 30, "-1", "1_2"])
def test_a_legacy_id_filter_is_a_plain_32_bit_number(books: Books, value: str) -> None:
    response = books.get("/attachments", legacy_attachment_context_id=value)
    if value in ("9" * 30, "-1"):
        assert response.status_code == 200 and response.json()["$total"] == 0, response.text
    else:
        problem(response, 400, "InvalidParameter", "legacy_attachment_context_id")
