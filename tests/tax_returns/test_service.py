"""VAT returns from the ledger, filed with a simulated HMRC: drafts, returns, obligations, income tax settings.

A worked UK quarter (January-March 2026) posted through the API: its nine boxes, HMRC's obligations before
and after filing, the VAT transfer filing posts, late entries in the next return, `paid` from payments to
the VAT liability account; then the refusals, an Irish VAT3, the period arithmetic and the wire shapes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from ledgerd.tax_returns import hmrc
from ledgerd.tax_returns.periods import Calendar
from tests.support.books import Books, D, gb_boxes, problem
from tests.support.factories import Factory

# The field order of Sage's 2026 DTOs (api-v3.1.md §1.3), then ledgerd's additions.
DRAFT_FIELDS = ["id", "displayed_as", "$path", "created_at", "updated_at", "tax_return_number", "period_start_date",
                "period_end_date", "total_amount", "paid", "status", "tax_return_type", "tax_return_id",
                "submitted_date"]
RETURN_FIELDS = DRAFT_FIELDS[:12]
OBLIGATION_FIELDS = ["start_date", "end_date", "due_date", "received_date", "hmrc_status", "period_key", "status"]
Q1 = {"period_start_date": "2026-01-01", "period_end_date": "2026-03-31"}


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    return Books.open(client, factory)


def _later(books: Books, clock: Clock, at: datetime) -> None:
    """Move the clock on; access tokens last five minutes, so the owner signs in again."""
    clock.freeze(at)
    books.headers = books.factory.headers(books.owner, business=books.business_id)


def _registered(books: Books, vrn: str = "GB 123 4567 89") -> None:
    books.updated("/financial_settings", "financial_settings", {"tax_number": vrn})


def _line(books: Books, code: int, net: str, rate: str, tax: str) -> dict[str, Any]:
    return {"description": f"{rate} {net}", "ledger_account_id": books.accounts[code], "quantity": 1,
            "unit_price": net, "tax_rate_id": rate, "tax_amount": tax}


def _sale(books: Books, customer: str, on: str, *lines: dict[str, Any]) -> None:
    books.created("/sales_invoices", "sales_invoice", {"contact_id": customer, "date": on,
                                                        "invoice_lines": list(lines)})


def _quarter(books: Books) -> None:
    """The worked quarter: VAT due 180.00, reclaimed 120.00; sales ex VAT 1300, purchases 630.55."""
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    _sale(books, customer, "2026-01-15", _line(books, 4000, "1000.00", "GB_STANDARD", "200.00"),
          _line(books, 4000, "100.00", "GB_ZERO", "0.00"), _line(books, 4000, "50.00", "GB_NO_TAX", "0.00"))
    _sale(books, customer, "2026-02-10", _line(books, 4000, "400.00", "GB_LOWER", "20.00"))
    books.created("/sales_credit_notes", "sales_credit_note", {
        "contact_id": customer, "date": "2026-03-05",
        "credit_note_lines": [_line(books, 4000, "200.00", "GB_STANDARD", "40.00")]})
    books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": supplier, "date": "2026-02-01", "due_date": "2026-03-03", "reference": "BILL-1",
        "vendor_reference": "V-1",
        "invoice_lines": [_line(books, 5000, "500.00", "GB_STANDARD", "100.00"),
                          _line(books, 5000, "30.55", "GB_EXEMPT", "0.00")]})
    books.created("/other_payments", "other_payment", {
        "transaction_type_id": "OTHER_PAYMENT", "date": "2026-03-10", "bank_account_id": books.bank(),
        "total_amount": "120.00", "payment_lines": [{"ledger_account_id": books.accounts[7500],
                                                      "total_amount": "120.00", "tax_rate_id": "GB_STANDARD"}]})
    # Next quarter's sale: no part of this one.
    _sale(books, customer, "2026-04-02", _line(books, 4000, "300.00", "GB_STANDARD", "60.00"))


def _decimals(boxes: dict[str, str]) -> dict[str, Decimal]:
    return {k: D(v) for k, v in boxes.items()}


def _file(books: Books, draft: dict[str, Any]) -> dict[str, Any]:
    """Submit a draft (no body needed); the filed return."""
    response = books.post(f"/draft_tax_returns/{draft['id']}/submit")
    assert response.status_code == 201, response.text
    filed: dict[str, Any] = response.json()
    return filed


def _obligations(books: Books, **query: str) -> list[dict[str, Any]]:
    response = books.post("/tax_returns/obligation_periods", {"obligation_period": query} if query else None)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["$items"]
    return items


# --- the worked quarter ---------------------------------------------------------------------------------------

def test_a_quarter_is_calculated_from_the_ledger(books: Books) -> None:
    _quarter(books)
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert list(draft) == [*DRAFT_FIELDS, "gb", "ie"]
    assert _decimals(draft["gb"]) == gb_boxes(box_1="180.00", box_3="180.00", box_4="120.00", box_5="60.00",
                                         box_6="1300", box_7="630")
    assert draft["ie"] is None
    assert (D(draft["total_amount"]), draft["paid"], draft["status"]) == (D("60.00"), False,
                                                                         {"id": "DRAFT", "name": "Draft"})
    assert draft["tax_return_type"] == {"id": "MTD_VAT", "name": "VAT Return (Making Tax Digital)"}
    assert (draft["tax_return_number"], draft["tax_return_id"], draft["submitted_date"]) == (None, None, None)
    assert draft["displayed_as"] == "2026-01-01 - 2026-03-31"
    assert books.get(draft["$path"]).json() == draft
    listed = books.get("/draft_tax_returns", attributes="all").json()
    assert [item["id"] for item in listed["$items"]] == [draft["id"]]


def test_filing_fulfils_the_obligation_and_moves_the_vat(books: Books, clock: Clock) -> None:
    _quarter(books)
    _registered(books)
    before = _obligations(books)
    assert [list(o) for o in before] == [OBLIGATION_FIELDS] * len(before)
    assert [(o["period_key"], o["start_date"], o["end_date"], o["due_date"], o["hmrc_status"], o["status"])
            for o in before] == [
        ("25A2", "2025-04-01", "2025-06-30", "2025-08-07", "O", "OVERDUE"),
        ("25A3", "2025-07-01", "2025-09-30", "2025-11-07", "O", "OVERDUE"),
        ("25A4", "2025-10-01", "2025-12-31", "2026-02-07", "O", "OVERDUE"),
        ("26A1", "2026-01-01", "2026-03-31", "2026-05-07", "O", "OVERDUE"),
        ("26A2", "2026-04-01", "2026-06-30", "2026-08-07", "O", "OPEN")]

    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    _later(books, clock, datetime(2026, 5, 21, 9, 30, tzinfo=UTC))
    filed = _file(books, draft)
    assert list(filed) == [*RETURN_FIELDS, "gb", "ie", "submission"]
    assert (filed["tax_return_number"], filed["status"], D(filed["total_amount"]), filed["paid"]) == (
        "1", {"id": "SUBMITTED", "name": "Submitted"}, D("60.00"), False)
    assert _decimals(filed["gb"]) == _decimals(draft["gb"])
    submission = filed["submission"]
    assert submission["period_key"] == "26A1" and submission["processing_date"] == "2026-05-21T09:30:00.000Z"
    assert len(submission["form_bundle_number"]) == 12 and submission["form_bundle_number"].isdigit()
    assert submission["charge_ref_number"] == f"XV{submission['form_bundle_number']}"
    assert submission["payment_indicator"] is None
    assert books.get(f"/tax_returns/{filed['id']}").json() == filed

    after = books.get(f"/draft_tax_returns/{draft['id']}").json()
    assert (after["status"]["id"], after["tax_return_number"], after["submitted_date"]) == ("SUBMITTED", "1",
                                                                                           "2026-05-21")
    legacy = books.get(f"/tax_returns/{filed['id']}", show_legacy_id="true").json()["legacy_id"]
    assert after["tax_return_id"] == legacy and isinstance(legacy, int)

    q1 = next(o for o in _obligations(books) if o["period_key"] == "26A1")
    assert (q1["hmrc_status"], q1["received_date"], q1["status"]) == ("F", "2026-05-21", "FULFILLED")
    assert [o["period_key"] for o in _obligations(books, status="F")] == ["26A1"]
    # Filing moved the quarter's VAT to the liability account; April's sale stays on VAT on sales.
    assert (books.balance(code=2200), books.balance(code=2201), books.balance(code=2202)) == (
        D("-60.00"), D(0), D("-60.00"))
    books.check()


def test_late_entries_go_to_the_next_return_and_payments_settle(books: Books, clock: Clock) -> None:
    _quarter(books)
    _registered(books)
    q1 = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    filed = _file(books, q1)
    # A sale dated in the filed quarter, entered after filing: it belongs to the next return.
    _sale(books, books.contact("CUSTOMER"), "2026-02-20", _line(books, 4000, "100.00", "GB_STANDARD", "20.00"))
    q2 = books.created("/draft_tax_returns", "draft_tax_return", {"period_start_date": "2026-04-01",
                                                                   "period_end_date": "2026-06-30"})
    assert _decimals(q2["gb"]) == gb_boxes(box_1="80.00", box_3="80.00", box_5="80.00", box_6="400")
    problem(books.post(f"/draft_tax_returns/{q2['id']}/submit"), 422, "RecordInvalid", "period_end_date")

    # Paying HMRC the first return's 60.00 settles it.
    books.created("/other_payments", "other_payment", {
        "transaction_type_id": "OTHER_PAYMENT", "date": "2026-05-25", "bank_account_id": books.bank(),
        "total_amount": "60.00", "payment_lines": [{"ledger_account_id": books.accounts[2202],
                                                     "total_amount": "60.00"}]})
    assert books.get(f"/tax_returns/{filed['id']}").json()["paid"] is True

    _later(books, clock, datetime(2026, 7, 3, 8, 0, tzinfo=UTC))
    second = _file(books, q2)
    assert (second["tax_return_number"], D(second["total_amount"]), second["paid"]) == ("2", D("80.00"), False)
    assert second["submission"]["period_key"] == "26A2"
    # The payment line on the liability account is in no box; both quarters' VAT now sits in the liability.
    assert books.balance(code=2200) == D(0) and books.balance(code=2202) == D("-80.00")
    listed = books.get("/tax_returns", sort="period_start_date:desc", attributes="tax_return_number").json()
    assert [item["tax_return_number"] for item in listed["$items"]] == ["2", "1"]


def test_a_period_is_filed_once(books: Books) -> None:
    _quarter(books)
    _registered(books)
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    problem(books.post("/draft_tax_returns", {"draft_tax_return": Q1}), 422, "RecordInvalid", "period_start_date")
    _file(books, draft)
    again = problem(books.post(f"/draft_tax_returns/{draft['id']}/submit"), 422, "RecordInvalid", "base")
    assert "already been submitted" in again["$message"]
    problem(books.post("/draft_tax_returns", {"draft_tax_return": Q1}), 422, "RecordInvalid", "period_start_date")
    problem(books.delete(f"/draft_tax_returns/{draft['id']}"), 422, "RecordInvalid", "base")
    assert len(books.get("/tax_returns").json()["$items"]) == 1


def test_hmrc_refuses_a_second_return_for_a_period(books: Books, clock: Clock) -> None:
    """The stand-in's own rules, as HMRC answers them (ledgerd never gets this far: it refuses first)."""
    calendar = Calendar("QUARTERLY", 3, "A", date(2026, 12, 31))
    body = {"periodKey": "26A1", "vatDueSales": D("10.00"), "vatDueAcquisitions": D(0), "totalVatDue": D("10.00"),
            "vatReclaimedCurrPeriod": D("4.00"), "netVatDue": D("6.00"), "totalValueSalesExVAT": D(50),
            "totalValuePurchasesExVAT": D(20), "totalValueGoodsSuppliedExVAT": D(0), "totalAcquisitionsExVAT": D(0),
            "finalised": True}

    def send(db: Any, **changes: Any) -> Any:
        try:
            return hmrc.submit_return(db, "123456789", calendar, {**body, **changes}, clock.now())
        except hmrc.HmrcError as error:
            return error

    assert books.tx(lambda db: send(db))["formBundleNumber"].isdigit()
    refusals = [books.tx(lambda db, c=c: send(db, **c)) for c in (
        {}, {"periodKey": "26A2"}, {"periodKey": "99Z9"}, {"finalised": False}, {"netVatDue": D("5.00")},
        {"totalVatDue": D("11.00")}, {"totalValueSalesExVAT": D("50.50")})]
    assert [(e.status, e.code) for e in refusals] == [
        (403, "DUPLICATE_SUBMISSION"), (403, "TAX_PERIOD_NOT_ENDED"), (400, "PERIOD_KEY_INVALID"),
        (403, "NOT_FINALISED"), (400, "VAT_NET_VALUE"), (400, "VAT_TOTAL_VALUE"), (400, "INVALID_MONETARY_AMOUNT")]


def test_a_draft_is_deleted(books: Books) -> None:
    draft = books.created("/draft_tax_returns", "draft_tax_return", {"period_start_date": "2026-07-01",
                                                                      "period_end_date": "2026-09-30"})
    assert D(draft["total_amount"]) == D(0) and _decimals(draft["gb"]) == gb_boxes()
    assert books.delete(f"/draft_tax_returns/{draft['id']}").status_code == 204
    problem(books.get(f"/draft_tax_returns/{draft['id']}"), 404, "RecordNotFound")
    gone = books.get("/draft_tax_returns", deleted_since="2026-05-19").json()["$items"]
    assert [item["id"] for item in gone] == [draft["id"]]
    # The period is free again.
    books.created("/draft_tax_returns", "draft_tax_return", {"period_start_date": "2026-07-01",
                                                             "period_end_date": "2026-09-30"})


# --- refusals -------------------------------------------------------------------------------------------------

def test_periods_must_be_the_business_periods(books: Books) -> None:
    for body, source in (({"period_start_date": "2026-01-02", "period_end_date": "2026-03-31"}, "period_start_date"),
                         ({"period_start_date": "2026-01-01", "period_end_date": "2026-02-28"}, "period_end_date"),
                         ({"period_start_date": "2026-01-01"}, "period_end_date"),
                         ({"period_start_date": "26/01/2026", "period_end_date": "2026-03-31"}, "period_start_date"),
                         ({"period_start_date": "0001-01-01", "period_end_date": "0001-03-31"}, "period_start_date")):
        problem(books.post("/draft_tax_returns", {"draft_tax_return": body}), 422, "RecordInvalid", source)
    problem(books.post("/draft_tax_returns", {"tax_return": Q1}), 422, "Validation", "draft_tax_return")
    # A monthly business files months.
    books.updated("/financial_settings", "financial_settings", {"tax_return_frequency_id": "MONTHLY"})
    problem(books.post("/draft_tax_returns", {"draft_tax_return": Q1}), 422, "RecordInvalid", "period_end_date")
    month = books.created("/draft_tax_returns", "draft_tax_return", {"period_start_date": "2026-02-01",
                                                                      "period_end_date": "2026-02-28"})
    assert month["displayed_as"] == "2026-02-01 - 2026-02-28"
    books.updated("/financial_settings", "financial_settings", {"tax_scheme_id": "NOT_REGISTERED"})
    problem(books.post("/draft_tax_returns", {"draft_tax_return": {"period_start_date": "2026-03-01",
                                                                   "period_end_date": "2026-03-31"}}),
            422, "RecordInvalid", "tax_scheme_id")


def test_hmrc_needs_the_vat_registration_number(books: Books) -> None:
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    problem(books.post(f"/draft_tax_returns/{draft['id']}/submit"), 422, "RecordInvalid", "tax_number")
    problem(books.post("/tax_returns/obligation_periods"), 422, "RecordInvalid", "tax_number")
    _registered(books, "12345")
    problem(books.post("/tax_returns/obligation_periods"), 422, "RecordInvalid", "tax_number")
    assert books.get(f"/draft_tax_returns/{draft['id']}").json()["status"]["id"] == "DRAFT"
    assert books.get("/tax_returns").json()["$total"] == 0


def test_obligation_queries_follow_hmrc_rules(books: Books) -> None:
    _registered(books)
    problem(books.post("/tax_returns/obligation_periods", {"obligation_period": {
        "from_date": "2024-01-01", "to_date": "2026-01-01"}}), 422, "RecordInvalid", "to_date")
    problem(books.post("/tax_returns/obligation_periods", {"obligation_period": {"status": "X"}}), 422,
            "RecordInvalid", "status")
    problem(books.post("/tax_returns/obligation_periods", {"period": {}}), 422, "Validation", "obligation_period")
    assert _obligations(books, status="F") == []
    assert [o["period_key"] for o in _obligations(books, from_date="2026-01-01", to_date="2026-12-31")] == [
        "26A1", "26A2"]  # periods not yet begun are not obligations yet


def test_unknown_and_foreign_records(books: Books, client: TestClient, factory: Factory) -> None:
    problem(books.get("/draft_tax_returns/" + "0" * 32), 404, "RecordNotFound")
    problem(books.get("/tax_returns/" + "0" * 32), 404, "RecordNotFound")
    problem(books.post("/draft_tax_returns/" + "0" * 32 + "/submit"), 404, "RecordNotFound")
    other = Books.open(client, factory)
    theirs = other.created("/draft_tax_returns", "draft_tax_return", Q1)
    problem(books.get(f"/draft_tax_returns/{theirs['id']}"), 404, "RecordNotFound")
    problem(books.delete(f"/draft_tax_returns/{theirs['id']}"), 404, "RecordNotFound")
    problem(books.put(f"/draft_tax_returns/{theirs['id']}", {"draft_tax_return": Q1}), 405, "MethodNotAllowed")


def test_served_where_sage_files_them(client: TestClient, factory: Factory, clock: Clock) -> None:
    ireland, america = Books.open(client, factory, "IE"), Books.open(client, factory, "US")
    for path, method in (("/draft_tax_returns", "GET"), ("/tax_returns", "GET"), ("/income_tax_settings", "GET"),
                         ("/tax_returns/obligation_periods", "POST")):
        response = america.client.request(method, f"/v3.1{path}", headers=america.headers)
        problem(response, 404, "RouteNotFound")
    assert ireland.get("/draft_tax_returns").status_code == 200
    problem(ireland.post("/tax_returns/obligation_periods"), 404, "RouteNotFound")
    problem(ireland.get("/income_tax_settings"), 404, "RouteNotFound")


# --- Ireland ------------------------------------------------------------------------------------------------

def test_an_irish_vat3(client: TestClient, factory: Factory, clock: Clock) -> None:
    clock.freeze(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    books = Books.open(client, factory, "IE")
    _sale(books, books.contact("CUSTOMER"), "2026-01-20", _line(books, 4000, "1000.00", "IE_STANDARD", "230.00"))
    books.created("/purchase_invoices", "purchase_invoice", {
        "contact_id": books.contact("VENDOR"), "date": "2026-02-03", "due_date": "2026-03-05",
        "reference": "B-1", "vendor_reference": "V-1",
        "invoice_lines": [_line(books, 5000, "200.00", "IE_STANDARD", "46.00")]})
    problem(books.post("/draft_tax_returns", {"draft_tax_return": Q1}), 422, "RecordInvalid", "period_end_date")
    draft = books.created("/draft_tax_returns", "draft_tax_return", {"period_start_date": "2026-01-01",
                                                                      "period_end_date": "2026-02-28"})
    assert draft["gb"] is None and draft["period_start_date"] == "2026-01-01"
    assert _decimals(draft["ie"]) == {"box_T1": D("230.00"), "box_T2": D("46.00"), "box_T3": D("184.00"),
                                      "box_T4": D(0), "box_E1": D(0), "box_E2": D(0), "box_ES1": D(0),
                                      "box_ES2": D(0), "box_PA1": D(0)}
    assert draft["tax_return_type"] == {"id": "VAT3", "name": "VAT3 Return"}
    filed = _file(books, draft)
    assert (D(filed["total_amount"]), filed["submission"], filed["gb"]) == (D("184.00"), None, None)
    assert books.balance(code=2202) == D("-184.00")


# --- income tax settings --------------------------------------------------------------------------------------

def test_income_tax_settings(books: Books, clock: Clock) -> None:
    shown = books.get("/income_tax_settings").json()
    assert shown == {"$path": "/income_tax_settings", "national_insurance_number": None,
                     "unique_tax_reference": None, "accounting_method": "cash", "quarterly_period_type": "standard",
                     "tax_year_start_date": "2026-04-06", "tax_year_end_date": "2027-04-05",
                     "updated_at": shown["updated_at"]}
    _later(books, clock, datetime(2026, 5, 22, 9, 0, tzinfo=UTC))
    changed = books.updated("/income_tax_settings", "income_tax_settings", {
        "national_insurance_number": "ab 12 34 56 c", "unique_tax_reference": "1234567890",
        "quarterly_period_type": "calendar"})
    assert (changed["national_insurance_number"], changed["unique_tax_reference"], changed["accounting_method"],
            changed["quarterly_period_type"], changed["updated_at"]) == (
        "AB123456C", "1234567890", "cash", "calendar", "2026-05-22T09:00:00Z")
    assert books.get("/income_tax_settings").json() == changed
    for field, value in (("national_insurance_number", "GB123456A"), ("unique_tax_reference", "12345"),
                         ("accounting_method", "barter")):
        problem(books.put("/income_tax_settings", {"income_tax_settings": {field: value}}), 422, "RecordInvalid",
                field)
    cleared = books.updated("/income_tax_settings", "income_tax_settings", {"unique_tax_reference": None,
                                                                            "accounting_method": None})
    assert (cleared["unique_tax_reference"], cleared["accounting_method"]) == (None, "cash")
