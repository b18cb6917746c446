"""Closed periods over HTTP (periods/service.py, docs/decisions/period-locks.md): the year end lockdown date, the
accounts start date and documents on a submitted VAT return, for every kind of posting.

The worked books: a GB business on the standard VAT scheme, clock at 3 August 2026, year end 31 December, lockdown
date 30 June 2026. 15 June is in the locked period, 10 July is open. Each refusal is a 422 in Sage's error shape
with `$source` the date field, and leaves nothing written: the ledger holds exactly the transactions it held.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from tests.support.books import Books, D, problem
from tests.support.factories import Factory

LOCK, LOCKED_DAY, OPEN_DAY = "2026-06-30", "2026-06-15", "2026-07-10"
SALES, PURCHASES, FREEHOLD, STATIONERY, CAPITAL = 4000, 5000, 10, 7500, 3000


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 8, 3, 9, 0, tzinfo=UTC))
    return Books.open(client, factory)


def _settings(books: Books, **attrs: Any) -> None:
    books.updated("/financial_settings", "financial_settings", attrs)


def _line(books: Books, code: int = SALES, price: str = "100.00", rate: str = "GB_STANDARD",
          tax: str = "20.00") -> dict[str, Any]:
    return {"description": "Work", "ledger_account_id": books.accounts[code], "quantity": 1, "unit_price": price,
            "tax_rate_id": rate, "tax_amount": tax}


def _count(books: Books) -> int:
    return len(books.transactions())


# --- every kind of posting, dated on a day ---------------------------------------------------------------------
# Each maker does what it needs before the lock is set (contacts, bank accounts, documents to allocate) and
# returns the request that posts: (method, path, body).
Request = tuple[str, str, Any]


def _document(path: str, wrapper: str, lines_key: str, contact_type: str, code: int) -> Callable[[Books, str],
                                                                                               Request]:
    def make(books: Books, on: str) -> Request:
        contact = books.contact(contact_type)
        extra = {"vendor_reference": "V-1"} if contact_type == "VENDOR" else {}
        if wrapper == "purchase_invoice":
            extra["due_date"] = on
        return "POST", path, {wrapper: {"contact_id": contact, "date": on, lines_key: [_line(books, code)],
                                        **extra}}
    return make


def _quick_entry(path: str, wrapper: str, contact_type: str, code: int) -> Callable[[Books, str], Request]:
    def make(books: Books, on: str) -> Request:
        return "POST", path, {wrapper: {
            "quick_entry_type_id": "INVOICE", "contact_id": books.contact(contact_type), "date": on, "reference": "QE",
            "ledger_account_id": books.accounts[code], "net_amount": "100.00", "tax_rate_id": "GB_STANDARD",
            "tax_amount": "20.00"}}
    return make


def _contact_payment(type_id: str, contact_type: str) -> Callable[[Books, str], Request]:
    def make(books: Books, on: str) -> Request:
        return "POST", "/contact_payments", {"contact_payment": {
            "transaction_type_id": type_id, "contact_id": books.contact(contact_type), "bank_account_id": books.bank(),
            "date": on, "total_amount": "50.00"}}
    return make


def _other_payment(type_id: str, code: int) -> Callable[[Books, str], Request]:
    def make(books: Books, on: str) -> Request:
        return "POST", "/other_payments", {"other_payment": {
            "transaction_type_id": type_id, "date": on, "bank_account_id": books.bank(), "total_amount": "120.00",
            "payment_lines": [{"ledger_account_id": books.accounts[code], "total_amount": "120.00",
                               "tax_rate_id": "GB_STANDARD"}]}}
    return make


def _allocation(books: Books, on: str) -> Request:
    # An invoice of 120.00 and a credit note of 120.00, both dated 1 June (before the lock was set).
    customer = books.contact("CUSTOMER")
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2026-06-01", "invoice_lines": [_line(books)]})
    credit = books.created("/sales_credit_notes", "sales_credit_note", {
        "contact_id": customer, "date": "2026-06-01", "credit_note_lines": [_line(books)]})
    return "POST", "/contact_allocations", {"contact_allocation": {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": customer, "date": on,
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": 120},
                                {"artefact_id": credit["id"], "amount": -120}]}}


def _journal(books: Books, on: str) -> Request:
    return "POST", "/journals", {"journal": {"date": on, "reference": "J", "journal_lines": [
        {"ledger_account_id": books.accounts[FREEHOLD], "debit": 10, "credit": 0},
        {"ledger_account_id": books.accounts[CAPITAL], "debit": 0, "credit": 10}]}}


def _opening_journal(books: Books, on: str) -> Request:
    return "POST", "/opening_balance_journals", {"opening_balance_journal": {"date": on, "reference": "OB",
                                                                             "journal_lines": [
        {"ledger_account_id": books.accounts[FREEHOLD], "debit": 10, "credit": 0},
        {"ledger_account_id": books.accounts[CAPITAL], "debit": 0, "credit": 10}]}}


def _transfer(books: Books, on: str) -> Request:
    return "POST", "/bank_transfers", {"bank_transfer": {
        "from_bank_account_id": books.bank(), "to_bank_account_id": books.bank("CASH_IN_HAND"), "date": on,
        "amount": "25.00"}}


def _deposit(books: Books, on: str) -> Request:
    return "POST", "/bank_deposits", {"bank_deposit": {
        "from_bank_account_id": books.bank("CASH_IN_HAND"), "to_bank_account_id": books.bank(), "date": on,
        "reference": "Takings", "cash_amount": 30}}


def _bank_opening(books: Books, on: str) -> Request:
    return "POST", "/bank_opening_balances", {"bank_opening_balance": {
        "bank_account_id": books.bank(), "date": on, "debit": "1000.00", "credit": 0}}


def _contact_opening(books: Books, on: str) -> Request:
    return "POST", "/contact_opening_balances", {"contact_opening_balance": {
        "contact_opening_balance_type_id": "INVOICE", "contact_id": books.contact("CUSTOMER"), "date": on,
        "reference": "OB-1", "total_amount": 300}}


def _release(books: Books, on: str) -> Request:
    draft = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": books.contact("CUSTOMER"), "date": on, "status_id": "DRAFT", "invoice_lines": [_line(books)]})
    return "POST", f"/sales_invoices/{draft['id']}/release", None


POSTINGS: dict[str, Callable[[Books, str], Request]] = {
    "sales invoice": _document("/sales_invoices", "sales_invoice", "invoice_lines", "CUSTOMER", SALES),
    "sales credit note": _document("/sales_credit_notes", "sales_credit_note", "credit_note_lines", "CUSTOMER", SALES),
    "purchase invoice": _document("/purchase_invoices", "purchase_invoice", "invoice_lines", "VENDOR", PURCHASES),
    "purchase credit note": _document("/purchase_credit_notes", "purchase_credit_note", "credit_note_lines", "VENDOR",
                                      PURCHASES),
    "released draft": _release,
    "sales quick entry": _quick_entry("/sales_quick_entries", "sales_quick_entry", "CUSTOMER", SALES),
    "purchase quick entry": _quick_entry("/purchase_quick_entries", "purchase_quick_entry", "VENDOR", PURCHASES),
    "customer receipt": _contact_payment("CUSTOMER_RECEIPT", "CUSTOMER"),
    "supplier payment": _contact_payment("VENDOR_PAYMENT", "VENDOR"),
    "contact allocation": _allocation,
    "other payment": _other_payment("OTHER_PAYMENT", STATIONERY),
    "other receipt": _other_payment("OTHER_RECEIPT", SALES),
    "journal": _journal,
    "bank transfer": _transfer,
    "bank deposit": _deposit,
    "bank opening balance": _bank_opening,
    "contact opening balance": _contact_opening,
    "opening balance journal": _opening_journal,
}


def _send(books: Books, request: Request) -> Any:
    method, path, body = request
    return books.post(path, body) if method == "POST" else books.put(path, body)


@pytest.mark.parametrize("kind", list(POSTINGS))
def test_every_posting_dated_in_the_locked_period_is_refused(books: Books, kind: str) -> None:
    request = POSTINGS[kind](books, LOCKED_DAY)
    _settings(books, year_end_lockdown_date=LOCK)
    before = _count(books)
    refused = problem(_send(books, request), 422, "RecordInvalid", "date")
    assert refused["$message"] == (f"The date {LOCKED_DAY} is on or before the year end lockdown date ({LOCK}): "
                                   "transactions in a locked period cannot be created, edited, voided or deleted.")
    # Nothing half-written: no transaction, and the record itself rolled back with it.
    assert _count(books) == before
    if kind == "released draft":
        assert books.get(request[1].removesuffix("/release")).json()["status"]["id"] == "DRAFT"
    else:
        assert books.get(request[1]).json()["$total"] == 0
    books.check()


def test_the_lockdown_date_itself_is_locked_and_the_next_day_is_open(books: Books) -> None:
    _settings(books, year_end_lockdown_date=LOCK)
    customer = books.contact("CUSTOMER")
    on_the_day = books.post("/sales_invoices", {"sales_invoice": {"contact_id": customer, "date": LOCK,
                                                                  "invoice_lines": [_line(books)]}})
    problem(on_the_day, 422, "RecordInvalid", "date")
    made = books.created("/sales_invoices", "sales_invoice", {"contact_id": customer, "date": "2026-07-01",
                                                              "invoice_lines": [_line(books)]})
    # 100.00 net + 20.00 VAT: debtors 120.00.
    assert made["total_amount"] == "120.0" and books.balance(role="DEBTORS") == D("120.00")


@pytest.mark.parametrize("kind", list(POSTINGS))
def test_every_posting_in_the_open_period_is_accepted(books: Books, kind: str) -> None:
    request = POSTINGS[kind](books, OPEN_DAY)
    _settings(books, year_end_lockdown_date=LOCK)
    before = _count(books)
    response = _send(books, request)
    assert response.status_code in (200, 201), response.text
    assert _count(books) > before
    books.check()


def test_ledger_account_opening_balances_stand_in_the_locked_period(books: Books) -> None:
    # Accounts start 1 January 2026: opening balances are dated the day before, 31 December 2025, which the
    # lockdown date of 30 June 2026 covers.
    _settings(books, accounts_start_date="2026-01-01", year_end_lockdown_date=LOCK)
    before = _count(books)
    refused = books.post("/ledger_account_opening_balances", {"ledger_account_opening_balance": {
        "ledger_account_id": books.accounts[30], "debit": "500.00", "credit": 0}})
    assert "2025-12-31 is on or before the year end lockdown date" in problem(refused, 422, "RecordInvalid",
                                                                              "date")["$message"]
    assert _count(books) == before


# --- changing what stands in the locked period -----------------------------------------------------------------

def _posted(books: Books, kind: str) -> tuple[str, str]:
    """A record of `kind` posted on 15 June, before the lock is set: (its path, the wrapper)."""
    method, path, body = POSTINGS[kind](books, LOCKED_DAY)
    response = _send(books, (method, path, body))
    assert response.status_code == 201, response.text
    return f"{path}/{response.json()['id']}", next(iter(body))


DELETABLE = ["sales invoice", "purchase invoice", "sales credit note", "purchase credit note", "sales quick entry",
             "purchase quick entry", "customer receipt", "supplier payment", "contact allocation", "other payment",
             "journal", "bank transfer", "bank deposit", "bank opening balance", "contact opening balance",
             "opening balance journal"]


@pytest.mark.parametrize("kind", DELETABLE)
def test_voiding_or_deleting_in_the_locked_period_is_refused(books: Books, kind: str) -> None:
    path, _ = _posted(books, kind)
    _settings(books, year_end_lockdown_date=LOCK)
    before = _count(books)
    read = books.get(path).json()
    refused = problem(books.delete(path, void_reason="Mistake"), 422, "RecordInvalid")
    assert "year end lockdown date" in refused["$message"]
    # Nothing changed: no reversal, and the record reads as before.
    assert _count(books) == before
    after = books.get(path).json()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in read.items() if
                                                                     k != "updated_at"}
    books.check()


def test_an_invoice_in_the_locked_period_keeps_its_figures_but_takes_notes(books: Books) -> None:
    path, wrapper = _posted(books, "sales invoice")
    _settings(books, year_end_lockdown_date=LOCK)
    before = _count(books)
    # A new price (150.00 + 30.00 VAT) would reverse the 15 June transaction: refused.
    priced = books.put(path, {wrapper: {"invoice_lines": [_line(books, price="150.00", tax="30.00")]}})
    assert "year end lockdown date" in problem(priced, 422, "RecordInvalid", "date")["$message"]
    # Moving it out of the locked period reverses it there too: refused.
    problem(books.put(path, {wrapper: {"date": OPEN_DAY}}), 422, "RecordInvalid", "date")
    # Notes leave the ledger alone.
    noted = books.updated(path, wrapper, {"notes": "Delivered by hand"})
    assert noted["notes"] == "Delivered by hand" and noted["total_amount"] == "120.0"
    assert _count(books) == before and books.balance(role="DEBTORS") == D("120.00")


def test_payment_and_transfer_edits_in_the_locked_period_are_refused(books: Books) -> None:
    payment, _ = _posted(books, "other payment")
    transfer, _ = _posted(books, "bank transfer")
    _settings(books, year_end_lockdown_date=LOCK)
    before = _count(books)
    problem(books.put(payment, {"other_payment": {"date": OPEN_DAY}}), 422, "RecordInvalid")
    problem(books.put(transfer, {"bank_transfer": {"amount": "30.00"}}), 422, "RecordInvalid")
    assert _count(books) == before


# --- the accounts start date -------------------------------------------------------------------------------------

def test_nothing_but_opening_balances_before_the_accounts_start(books: Books) -> None:
    _settings(books, accounts_start_date="2026-01-01")
    customer = books.contact("CUSTOMER")
    before = _count(books)
    early = books.post("/sales_invoices", {"sales_invoice": {"contact_id": customer, "date": "2025-12-15",
                                                             "invoice_lines": [_line(books)]}})
    assert problem(early, 422, "RecordInvalid", "date")["$message"] == (
        "The date 2025-12-15 is before the accounts start date (2026-01-01); only opening balances are dated "
        "before it.")
    problem(_send(books, _journal(books, "2025-12-31")), 422, "RecordInvalid", "date")
    assert _count(books) == before
    # Opening balances: a customer's outstanding invoice keeps its own date (30 November 2025); a ledger
    # account's is dated the day before the start (31 December 2025); so is an opening balance journal.
    books.created("/contact_opening_balances", "contact_opening_balance", {
        "contact_opening_balance_type_id": "INVOICE", "contact_id": customer, "date": "2025-11-30",
        "reference": "OB-1", "total_amount": 300})
    books.created("/ledger_account_opening_balances", "ledger_account_opening_balance", {
        "ledger_account_id": books.accounts[30], "debit": "500.00", "credit": 0})
    _send(books, _opening_journal(books, "2025-12-31"))
    # The first day of the books is open: 120.00 more owed, 420.00 in all.
    books.created("/sales_invoices", "sales_invoice", {"contact_id": customer, "date": "2026-01-01",
                                                       "invoice_lines": [_line(books)]})
    assert books.balance(role="DEBTORS") == D("420.00")
    books.check()


# --- documents on a submitted VAT return -------------------------------------------------------------------------

FILED = ("This sales invoice is included on a submitted VAT return, so it cannot be edited, voided or deleted; "
         "reverse it with a credit note instead.")


@pytest.fixture
def filed(books: Books, clock: Clock) -> dict[str, str]:
    """Q1 2026 filed on 20 May with one sales invoice of 10 February, 100.00 + 20.00 VAT, paid in full on 20
    February, and an other payment for stationery of 10 February, 100.00 + 20.00 VAT: box 1 = 20.00, box 4 = 20.00,
    box 6 = 100, box 7 = 100."""
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    books.headers = books.factory.headers(books.owner, business=books.business_id)
    _settings(books, tax_number="GB 123 4567 89")
    customer = books.contact("CUSTOMER")
    invoice = books.created("/sales_invoices", "sales_invoice", {"contact_id": customer, "date": "2026-02-10",
                                                                 "invoice_lines": [_line(books)]})
    receipt = books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": books.bank(),
        "date": "2026-02-20", "total_amount": "120.00",
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": "120.00"}]})
    other = _send(books, _other_payment("OTHER_PAYMENT", STATIONERY)(books, "2026-02-10"))
    assert other.status_code == 201, other.text
    draft = books.created("/draft_tax_returns", "draft_tax_return", {"period_start_date": "2026-01-01",
                                                                      "period_end_date": "2026-03-31"})
    response = books.post(f"/draft_tax_returns/{draft['id']}/submit")
    assert response.status_code == 201, response.text
    return {"customer": customer, "invoice": invoice["id"], "receipt": receipt["id"], "return": response.json()["id"],
            "other_payment": other.json()["id"]}


def test_a_filed_invoice_cannot_be_edited_voided_or_deleted(books: Books, filed: dict[str, str]) -> None:
    path = f"/sales_invoices/{filed['invoice']}"
    before = _count(books)
    # The price (150.00 + 30.00), the date (into the next year), void: each refused with Sage's remedy, even though
    # the invoice is paid as well (the return comes first).
    priced = books.put(path, {"sales_invoice": {"invoice_lines": [_line(books, price="150.00", tax="30.00")]}})
    assert problem(priced, 422, "RecordInvalid", "base")["$message"] == FILED
    assert problem(books.put(path, {"sales_invoice": {"date": "2027-01-05",
                                                                  "due_date": "2027-02-04"}}), 422)["$message"] == FILED
    assert problem(books.delete(path, void_reason="Wrong"), 422, "RecordInvalid", "base")["$message"] == FILED
    # A reference or notes leave the ledger alone.
    assert books.updated(path, "sales_invoice", {"notes": "Thanks"})["notes"] == "Thanks"
    assert _count(books) == before
    invoice = books.get(path).json()
    assert (invoice["total_amount"], invoice["date"], invoice["status"]["id"]) == ("120.0", "2026-02-10", "PAID")


def test_other_filed_postings_keep_their_transaction(books: Books, filed: dict[str, str]) -> None:
    # An other payment of 10 March for stationery, 100.00 + 20.00 VAT, would have been on Q1; entered after filing
    # it is not (the return took what it counted), so it can still go. One of 10 February that the return took
    # cannot.
    late = _send(books, _other_payment("OTHER_PAYMENT", STATIONERY)(books, "2026-03-10"))
    assert late.status_code == 201, late.text
    assert books.delete(f"/other_payments/{late.json()['id']}").status_code == 204
    before = _count(books)
    taken = filed["other_payment"]
    refused = problem(books.delete(f"/other_payments/{taken}"), 422, "RecordInvalid", "base")
    assert refused["$message"] == ("This transaction is included on a submitted VAT return, so it cannot be edited, "
                                   "voided or deleted; post a correcting entry instead.")
    problem(books.put(f"/other_payments/{taken}", {"other_payment": {"total_amount": "60.00", "payment_lines": [
        {"ledger_account_id": books.accounts[STATIONERY], "total_amount": "60.00", "tax_rate_id": "GB_STANDARD"}]}}),
        422, "RecordInvalid", "base")
    assert _count(books) == before
    assert books.get(f"/other_payments/{taken}").json()["total_amount"] == "120.0"


def test_the_credit_note_route_keeps_the_return_and_the_ledger_right(books: Books, filed: dict[str, str]) -> None:
    filed_return = books.get(f"/tax_returns/{filed['return']}").json()
    # Sage's remedy: a credit note of 100.00 + 20.00 dated 10 April, in the next quarter.
    credit = books.created("/sales_credit_notes", "sales_credit_note", {
        "contact_id": filed["customer"], "date": "2026-04-10", "credit_note_lines": [_line(books)]})
    assert credit["total_amount"] == "120.0"
    # The filed return is as it was.
    assert books.get(f"/tax_returns/{filed['return']}").json() == filed_return
    # Ledger: filing moved Q1's 20.00 output VAT to the VAT liability; the credit note debits 20.00 back to sales
    # tax (reclaimed on Q2's return) and leaves the customer owed 120.00 (debtors: +120 invoice - 120 receipt -
    # 120 credit note = -120.00).
    assert books.balance(role="SALES_TAX") == D("20.00")
    assert books.balance(role="DEBTORS", contact_id=filed["customer"]) == D("-120.00")
    q2 = books.created("/draft_tax_returns", "draft_tax_return", {"period_start_date": "2026-04-01",
                                                                   "period_end_date": "2026-06-30"})
    assert D(q2["gb"]["box_1"]) == D("-20.00") and D(q2["gb"]["box_6"]) == D("-100")
    books.check()


# --- a paid document is unallocated before it changes -------------------------------------------------------------

def test_a_paid_invoice_is_unallocated_before_its_figures_change(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    invoice = books.created("/sales_invoices", "sales_invoice", {"contact_id": customer, "date": OPEN_DAY,
                                                                 "invoice_lines": [_line(books)]})
    path = f"/sales_invoices/{invoice['id']}"
    receipt = books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": books.bank(),
        "date": OPEN_DAY, "total_amount": "50.00",
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": "50.00"}]})
    before = _count(books)
    # Part paid (50.00 of 120.00): a new price of 150.00 + 30.00 is refused until the receipt is unallocated.
    priced = books.put(path, {"sales_invoice": {"invoice_lines": [_line(books, price="150.00", tax="30.00")]}})
    assert "unallocate" in problem(priced, 422, "RecordInvalid", "base")["$message"]
    assert _count(books) == before
    assert books.updated(path, "sales_invoice", {"reference": "PO-7"})["reference"] == "PO-7"
    # Unallocated: the receipt becomes a payment on account and the invoice may change.
    books.updated(f"/contact_payments/{receipt['id']}", "contact_payment", {"allocated_artefacts": []})
    changed = books.updated(path, "sales_invoice", {"invoice_lines": [_line(books, price="150.00", tax="30.00")]})
    # 150.00 + 30.00 = 180.00 owed, less the 50.00 on account: debtors 130.00.
    assert changed["total_amount"] == "180.0"
    assert books.balance(role="DEBTORS") == D("130.00")
    books.check()


def test_a_corrective_invoice_in_the_locked_period_is_refused(client: TestClient, factory: Factory) -> None:
    # Spain: an invoice of 1 June, 2 x 100.00 + 21% IVA 42.00 = 242.00; lock at 30 June; a correction of -50.00
    # (IVA -10.50) dated 15 June is refused, one dated 10 July is accepted: the customer owes 242.00 - 60.50 = 181.50.
    books = Books.open(client, factory, country="ES")
    customer = books.contact("CUSTOMER")
    line = {"description": "Consultoría", "ledger_account_id": books.accounts[7000], "quantity": "2",
            "unit_price": "100", "tax_rate_id": "ES_STANDARD", "tax_amount": "42.00"}
    original = books.created("/sales_invoices", "sales_invoice", {"contact_id": customer, "date": "2026-06-01",
                                                                  "invoice_lines": [line]})
    _settings(books, year_end_lockdown_date=LOCK)
    before = _count(books)
    correction = {"original_invoice_id": original["id"], "corrective_reason_code_id": "R1", "date": LOCKED_DAY,
                  "invoice_lines": [{**line, "quantity": "1", "unit_price": "-50", "tax_amount": "-10.50"}]}
    refused = books.post("/sales_corrective_invoices", {"sales_corrective_invoice": correction})
    assert "year end lockdown date" in problem(refused, 422, "RecordInvalid", "date")["$message"]
    assert _count(books) == before and books.get("/sales_corrective_invoices").json()["$total"] == 0
    books.created("/sales_corrective_invoices", "sales_corrective_invoice", {**correction, "date": OPEN_DAY})
    assert books.balance(role="DEBTORS") == D("181.50")
    books.check("EUR")
