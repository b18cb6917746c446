"""ledgerd's reports (`/ledgerd/v1/reports/…`): profit and loss, balance sheet, aged debtors and creditors,
from ledger entries posted with the real posting core and documents written directly (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.artefacts.models import Allocation, Artefact
from ledgerd.clock import Clock
from ledgerd.db.records import bind_clock
from ledgerd.db.tenancy import bind_business
from ledgerd.ledger.models import LedgerAccount, LedgerEntry, Transaction
from ledgerd.ledger.posting import Line, post, reverse
from ledgerd.tenancy.models import Business, Role
from tests.support.books import Books as ApiBooks
from tests.support.factories import Factory

REPORTS = "/ledgerd/v1/reports"
GBP = {"id": "GBP", "displayed_as": "Pound Sterling (GBP)", "$path": "/currencies/GBP"}
D = Decimal


@dataclass
class Books:
    factory: Factory
    business_id: str
    headers: dict[str, str]
    accounts: dict[int, str]

    def tx(self, fn: Any) -> Any:
        def run(db: Session) -> Any:
            bind_business(db, self.business_id)
            bind_clock(db, self.factory.runtime.clock)
            return fn(db)

        return self.factory.tx(run)

    def post(self, on: str, *entries: tuple[int, str, str]) -> str:
        """Post (nominal code, debit, credit) lines on a day; returns the transaction id."""
        lines = [Line(self.accounts[code], debit=D(dr), credit=D(cr)) for code, dr, cr in entries]
        return str(self.tx(lambda db: post(db, business_id=self.business_id, transaction_type_id="JOURNAL",
                                           on=date.fromisoformat(on), lines=lines).id))

    def document(self, kind: str, contact_id: str, on: str, due: str | None, total: str, *, status: str = "UNPAID",
                 base_total: str | None = None, currency: str = "GBP", paid: tuple[tuple[str, str], ...] = ()) -> str:
        """An artefact with allocations `paid` = ((day, amount), …); outstanding as `refresh` would leave it."""
        def run(db: Session) -> str:
            settled = sum((D(amount) for _, amount in paid), D(0))
            artefact = Artefact(business_id=self.business_id, kind=kind, contact_id=contact_id,
                                date=date.fromisoformat(on), due_date=date.fromisoformat(due) if due else None,
                                currency_id=currency, status_id=status, total_amount=D(total),
                                base_currency_total_amount=D(base_total or total),
                                outstanding_amount=D(total) - settled,
                                exchange_rate=(D(total) / D(base_total or total)).quantize(D("0.000001")))
            db.add(artefact)
            db.flush()
            for day, amount in paid:
                db.add(Allocation(business_id=self.business_id, artefact_id=artefact.id,
                                  date=date.fromisoformat(day), amount=D(amount)))
            db.flush()
            return artefact.id

        return str(self.tx(run))


def _books(factory: Factory, name: str = "Acme Ltd") -> Books:
    owner = factory.user()
    business = factory.business(owner, name=name)

    def accounts(db: Session) -> dict[int, str]:
        bind_business(db, business.id)
        return {code: id_ for id_, code in db.execute(select(LedgerAccount.id, LedgerAccount.nominal_code))}

    return Books(factory, business.id, factory.headers(owner, business=business.id), factory.tx(accounts))


@pytest.fixture
def books(factory: Factory) -> Books:
    return _books(factory)


def _get(client: TestClient, books: Books, path: str) -> dict[str, Any]:
    response = client.get(f"{REPORTS}/{path}", headers=books.headers)
    assert response.status_code == 200, response.text
    assert response.headers["X-Business"] == books.business_id
    body: dict[str, Any] = response.json()
    return body


def _history(books: Books) -> None:
    books.post("2023-06-01", (1200, "1000", "0"), (3000, "0", "1000"))  # capital introduced
    books.post("2023-07-01", (1100, "500", "0"), (4000, "0", "500"))  # last year's sale
    books.post("2024-02-10", (1100, "120", "0"), (4000, "0", "100"), (2200, "0", "20"))  # sale with VAT
    books.post("2024-03-05", (1200, "50", "0"), (4900, "0", "50"))  # other income
    books.post("2024-03-15", (7500, "30", "0"), (1200, "0", "30"))  # office costs
    books.post("2024-04-01", (5000, "40", "0"), (2100, "0", "40"))  # cost of sales on credit
    books.post("2025-01-05", (1100, "999", "0"), (4000, "0", "999"))  # next year
    mistake = books.post("2024-05-01", (7100, "75", "0"), (1200, "0", "75"))
    books.tx(lambda db: reverse(db, db.get(Transaction, mistake)))


def _amounts(section: dict[str, Any]) -> dict[int, str]:
    return {a["nominal_code"]: a["amount"] for t in section["ledger_account_types"] for a in t["ledger_accounts"]}


def test_profit_and_loss(client: TestClient, books: Books) -> None:
    _history(books)
    report = _get(client, books, "profit_and_loss?from_date=2024-01-01&to_date=2024-12-31")
    assert list(report) == ["from_date", "to_date", "currency", "income", "expenditure", "net_profit"]
    assert (report["from_date"], report["to_date"], report["currency"]) == ("2024-01-01", "2024-12-31", GBP)
    income, expenditure = report["income"], report["expenditure"]
    assert (income["total"], expenditure["total"], report["net_profit"]) == ("150.0", "70.0", "80.0")
    assert [(t["ledger_account_type"]["id"], t["total"]) for t in income["ledger_account_types"]] == [
        ("SALES", "100.0"), ("OTHER_INCOME", "50.0")]
    assert [(t["ledger_account_type"]["id"], t["total"]) for t in expenditure["ledger_account_types"]] == [
        ("DIRECT_EXPENSES", "40.0"), ("OVERHEADS", "30.0")]
    sales = income["ledger_account_types"][0]["ledger_accounts"][0]
    assert sales == {"ledger_account": {"id": books.accounts[4000], "displayed_as": "Sales - Products (4000)",
                                        "$path": f"/ledger_accounts/{books.accounts[4000]}"},
                     "nominal_code": 4000, "name": "Sales - Products", "amount": "100.0"}
    assert 7100 not in _amounts(expenditure)  # the reversed posting nets to nothing
    # Default period: the financial year to date (GB year ends 31 December).
    assert _get(client, books, "profit_and_loss?to_date=2024-03-10")["net_profit"] == "150.0"
    assert _get(client, books, "profit_and_loss?from_date=2023-01-01&to_date=2025-12-31")["net_profit"] == "1579.0"
    empty = _get(client, books, "profit_and_loss?from_date=2022-01-01&to_date=2022-12-31")
    assert (empty["net_profit"], empty["income"]["ledger_account_types"]) == ("0.0", [])


def test_reports_follow_the_business_financial_year_and_base_currency(frozen: Clock, client: TestClient,
                                                                      books: Books) -> None:
    _history(books)
    changed = client.put("/v3.1/financial_settings", headers=books.headers,
                         json={"financial_settings": {"year_end_date": "2024-03-31"}})
    assert changed.status_code == 200, changed.text
    # The year that contains the day, by the rule financial settings use: on 15 June 2024 the current year
    # (from 1 January 2024) is shortened to end on 31 March 2024, and the next ones run April to March.
    assert _get(client, books, "balance_sheet?to_date=2024-03-31")["financial_year_start"] == "2024-01-01"
    assert _get(client, books, "balance_sheet?to_date=2024-04-01")["financial_year_start"] == "2024-04-01"
    assert _get(client, books, "profit_and_loss?to_date=2024-03-10")["from_date"] == "2024-01-01"
    assert _get(client, books, "profit_and_loss?to_date=2023-07-01")["from_date"] == "2023-01-01"
    assert _get(client, books, "balance_sheet?to_date=2024-03-31")["currency"]["id"] == "GBP"


def test_balance_sheet_balances_with_earnings(client: TestClient, books: Books) -> None:
    _history(books)
    report = _get(client, books, "balance_sheet?to_date=2024-12-31")
    assert list(report) == ["date", "financial_year_start", "currency", "assets", "liabilities", "equity",
                            "total_assets", "total_liabilities_and_equity"]
    assert (report["date"], report["financial_year_start"]) == ("2024-12-31", "2024-01-01")
    assert _amounts(report["assets"]) == {1100: "620.0", 1200: "1020.0"}
    assert _amounts(report["liabilities"]) == {2100: "40.0", 2200: "20.0"}
    assert _amounts(report["equity"]) == {3000: "1000.0"}
    equity = report["equity"]
    assert (equity["profit_brought_forward"], equity["current_year_earnings"], equity["total"]) == (
        "500.0", "80.0", "1580.0")
    assert report["total_assets"] == report["total_liabilities_and_equity"] == "1640.0"
    # Every day balances, whatever the mix of years.
    for day in ("2023-06-01", "2023-12-31", "2024-01-01", "2024-03-31", "2025-06-30"):
        sheet = _get(client, books, f"balance_sheet?date={day}")
        assert sheet["total_assets"] == sheet["total_liabilities_and_equity"], day
        assert D(sheet["total_assets"]) == D(sheet["assets"]["total"])
    assert _get(client, books, "balance_sheet?date=2023-12-31")["equity"]["current_year_earnings"] == "500.0"
    assert _get(client, books, "balance_sheet?date=2025-01-05")["equity"]["profit_brought_forward"] == "580.0"


def test_aged_debtors_buckets_by_days_past_due(client: TestClient, books: Books) -> None:
    a = _contact(client, books, "Alpha", "CUSTOMER")
    b = _contact(client, books, "Beta", "CUSTOMER")
    supplier = _contact(client, books, "Cedar", "VENDOR")
    inv = "SALES_INVOICE"
    books.document(inv, a, "2024-06-01", "2024-07-15", "100")  # not yet due
    books.document(inv, a, "2024-05-01", "2024-05-31", "200",  # 30 days, paid 50 by the day (25 after)
                   status="PART_PAID", paid=(("2024-06-20", "50"), ("2024-07-05", "25")))
    books.document(inv, a, "2024-04-01", "2024-05-01", "300")  # 60 days
    books.document(inv, a, "2024-03-01", "2024-04-01", "400")  # 90 days
    books.document(inv, a, "2024-03-01", "2024-03-31", "500")  # 91 days
    books.document("SALES_CREDIT_NOTE", a, "2024-06-25", None, "30")  # no due date: 5 days old
    books.document(inv, a, "2024-06-01", "2024-06-01", "80", status="PAID", paid=(("2024-06-01", "80"),))
    books.document(inv, a, "2024-06-01", "2024-06-01", "1000", status="VOID")
    books.document(inv, a, "2024-06-01", "2024-06-01", "1000", status="DRAFT")
    books.document(inv, a, "2024-07-01", "2024-07-01", "1000")  # after the report date
    books.document(inv, b, "2024-06-01", "2024-06-30", "100", base_total="79.99", currency="USD",
                   status="PART_PAID", paid=(("2024-06-15", "50"),))  # due today: current, 50 USD → 40.00 GBP
    books.document("PURCHASE_INVOICE", supplier, "2024-06-01", "2024-06-29", "250")
    report = _get(client, books, "aged_debtors?date=2024-06-30")
    assert list(report) == ["date", "currency", "buckets", "contacts", "totals"]
    assert report["buckets"] == ["current", "days_1_30", "days_31_60", "days_61_90", "days_91_plus"]
    alpha, beta = report["contacts"]
    assert list(alpha) == ["contact", "name", "reference", "current", "days_1_30", "days_31_60", "days_61_90",
                           "days_91_plus", "total"]
    assert alpha["contact"]["$path"] == f"/contacts/{a}" and alpha["name"] == "Alpha"
    assert [alpha[k] for k in (*report["buckets"], "total")] == ["100.0", "120.0", "300.0", "400.0", "500.0", "1420.0"]
    assert [beta[k] for k in (*report["buckets"], "total")] == ["40.0", "0.0", "0.0", "0.0", "0.0", "40.0"]
    assert report["totals"] == {"current": "140.0", "days_1_30": "120.0", "days_31_60": "300.0",
                                "days_61_90": "400.0", "days_91_plus": "500.0", "total": "1460.0"}
    # Later, the 25 paid on 5 July counts and the July invoice joins.
    later = _get(client, books, "aged_debtors?date=2024-07-10")["contacts"][0]
    assert later["total"] == "2395.0"
    creditors = _get(client, books, "aged_creditors?date=2024-06-30")
    assert [(c["name"], c["days_1_30"], c["total"]) for c in creditors["contacts"]] == [("Cedar", "250.0", "250.0")]
    assert _get(client, books, "aged_creditors?date=2024-05-31")["contacts"] == []


def _contact(client: TestClient, books: Books, name: str, kind: str) -> str:
    response = client.post("/v3.1/contacts", json={"contact": {"name": name, "contact_type_ids": [kind]}},
                           headers=books.headers)
    assert response.status_code == 201, response.text
    contact_id: str = response.json()["id"]
    return contact_id


def test_reports_stay_inside_their_business(client: TestClient, books: Books, factory: Factory) -> None:
    other = _books(factory, "Other Ltd")
    books.post("2024-02-01", (1200, "10", "0"), (4000, "0", "10"))
    other.post("2024-02-01", (1200, "70", "0"), (4000, "0", "70"))
    customer = _contact(client, other, "Zed", "CUSTOMER")
    other.document("SALES_INVOICE", customer, "2024-01-01", "2024-01-31", "90", paid=(("2024-01-10", "5"),))
    assert _get(client, books, "profit_and_loss?from_date=2024-01-01&to_date=2024-12-31")["net_profit"] == "10.0"
    assert _get(client, other, "profit_and_loss?from_date=2024-01-01&to_date=2024-12-31")["net_profit"] == "70.0"
    assert _get(client, books, "balance_sheet?date=2024-12-31")["total_assets"] == "10.0"
    assert _get(client, books, "aged_debtors?date=2024-06-30")["contacts"] == []
    assert _get(client, other, "aged_debtors?date=2024-06-30")["totals"]["days_91_plus"] == "85.0"


def test_report_parameters_and_access(client: TestClient, books: Books, factory: Factory) -> None:
    assert client.get(f"{REPORTS}/profit_and_loss").status_code == 401
    for query, source in (("profit_and_loss?to_date=2024-13-01", "to_date"),
                          ("profit_and_loss?from_date=2024-02-01&to_date=2024-01-01", "from_date"),
                          ("balance_sheet?date=yesterday", "date"), ("aged_debtors?date=1/2/2024", "date")):
        response = client.get(f"{REPORTS}/{query}", headers=books.headers)
        assert response.status_code == 400, response.text
        assert [(p["$dataCode"], p["$source"]) for p in response.json()] == [("InvalidParameter", source)]
    today = factory.runtime.clock.now().date().isoformat()
    assert _get(client, books, "balance_sheet")["date"] == today
    assert _get(client, books, "aged_creditors")["date"] == today
    assert _get(client, books, "profit_and_loss")["to_date"] == today
    business = factory.tx(lambda db: db.get(Business, books.business_id))
    assert business is not None
    reader, outsider = factory.user(), factory.user()
    factory.member(business, reader, Role.READ_ONLY)
    factory.member(business, outsider, Role.NO_ACCESS)
    assert client.get(f"{REPORTS}/balance_sheet", headers=factory.headers(reader, business=business.id)
                      ).status_code == 200
    response = client.get(f"{REPORTS}/balance_sheet", headers=factory.headers(outsider, business=business.id))
    assert response.status_code == 403 and response.json()[0]["$dataCode"] == "MultiUserAccessDenied"
    assert client.post(f"{REPORTS}/balance_sheet", headers=books.headers).status_code == 405


def _api(client: TestClient, books: Books, path: str, wrapper: str, body: dict[str, Any]) -> Any:
    return client.post(f"/v3.1{path}", json={wrapper: body}, headers=books.headers)


def _debtors_control(books: Books, on: str) -> Decimal:
    """Σ debit - Σ credit on the debtors control account (1100) up to `on`, from the ledger entries."""
    def run(db: Session) -> Decimal:
        rows = db.execute(select(LedgerEntry.debit, LedgerEntry.credit).where(
            LedgerEntry.ledger_account_id == books.accounts[1100], LedgerEntry.date <= date.fromisoformat(on))).all()
        return sum((debit - credit for debit, credit in rows), D(0))

    result: Decimal = books.tx(run)
    return result


def test_aged_debtors_agree_with_the_control_account_when_a_receipt_comes_first(client: TestClient,
                                                                                books: Books) -> None:
    # A customer pays 120.00 on 1 March for an invoice raised on 15 March (100.00 + 20.00 VAT). The receipt cannot
    # settle an invoice dated after it (payments/documents.open_document): it waits on account and is allocated on
    # 20 March. On every day, aged debtors total what the debtors control account holds.
    customer = _contact(client, books, "Early Payer", "CUSTOMER")
    invoice = _api(client, books, "/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-03-15", "invoice_lines": [{
            "description": "Work", "ledger_account_id": books.accounts[4000], "quantity": 1, "unit_price": "100.00",
            "tax_rate_id": "GB_STANDARD", "tax_amount": "20.00"}]})
    assert invoice.status_code == 201, invoice.text
    bank = client.get("/v3.1/bank_accounts", headers=books.headers).json()["$items"][0]["id"]
    receipt = {"transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": bank,
               "date": "2024-03-01", "total_amount": "120.00"}
    refused = _api(client, books, "/contact_payments", "contact_payment", {
        **receipt, "allocated_artefacts": [{"artefact_id": invoice.json()["id"], "amount": "120.00"}]})
    assert refused.status_code == 422, refused.text
    assert refused.json()[0]["$source"] == "allocated_artefacts[0].artefact_id"
    assert "dated 2024-03-15, after 2024-03-01" in refused.json()[0]["$message"]
    paid = _api(client, books, "/contact_payments", "contact_payment", receipt)
    assert paid.status_code == 201, paid.text
    on_account = paid.json()["payment_on_account"]["id"]
    allocation = {"transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": customer, "allocated_artefacts": [
        {"artefact_id": invoice.json()["id"], "amount": 120}, {"artefact_id": on_account, "amount": -120}]}
    # An allocation dated 10 March is before the invoice too.
    early = _api(client, books, "/contact_allocations", "contact_allocation", {**allocation, "date": "2024-03-10"})
    assert early.status_code == 422, early.text
    made = _api(client, books, "/contact_allocations", "contact_allocation", {**allocation, "date": "2024-03-20"})
    assert made.status_code == 201, made.text
    # 10 March: the 120.00 on account, a credit 9 days old (1 to 30 days); the control account is 120.00 in credit.
    # 16 March: invoice 120.00 - 120.00 on account = 0. 20 March: allocated, nothing open.
    for on, total in (("2024-03-10", "-120.00"), ("2024-03-16", "0.00"), ("2024-03-20", "0.00")):
        report = _get(client, books, f"aged_debtors?date={on}")
        assert D(report["totals"]["total"]) == D(total) == _debtors_control(books, on), on
    assert _get(client, books, "aged_debtors?date=2024-03-10")["totals"]["days_1_30"] == "-120.0"


# --- sales tax by jurisdiction ----------------------------------------------------------------------------------

def test_sales_tax_liability_by_jurisdiction(client: TestClient, factory: Factory) -> None:
    """A US business's own rates: a state rate alone, and a combined state + county + city rate whose tax posts per
    component (each agency its own jurisdiction)."""
    books = ApiBooks.open(client, factory, country="US")
    state = books.created("/tax_rates", "tax_rate", {"name": "California", "percentage": "6.0", "agency": "CA"})
    combined = books.created("/tax_rates", "tax_rate", {"name": "Los Angeles", "component_tax_rate": [
        {"name": "California state", "agency": "CA", "percentage": "6.0"},
        {"name": "LA County", "agency": "Los Angeles County", "percentage": "2.25"},
        {"name": "LA City", "agency": "City of Los Angeles", "percentage": "1.25"}]})
    customer = books.contact("CUSTOMER")
    # Sale 1 (June): 1,000.00 at the state rate: 6 % = 60.00.
    books.invoice("/sales_invoices", customer, "2026-06-10", books.taxed_line(4000, "1000.00", state["id"], "60.00"))
    # Sale 2 (June): 400.00 in Los Angeles: 6 % = 24.00 + 2.25 % = 9.00 + 1.25 % = 5.00, 38.00 in all.
    books.invoice("/sales_invoices", customer, "2026-06-20", books.taxed_line(4000, "400.00", combined["id"], "38.00"))
    # Sale 3 (July, after the period): 500.00 at the state rate, 30.00: not in June's report.
    books.invoice("/sales_invoices", customer, "2026-07-02", books.taxed_line(4000, "500.00", state["id"], "30.00"))
    answer = client.get(f"{REPORTS}/sales_tax_liability", params={"from_date": "2026-06-01", "to_date": "2026-06-30"},
                        headers=books.headers)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["from_date"] == "2026-06-01" and report["to_date"] == "2026-06-30"
    found = {j["tax_rate"]["displayed_as"]: (j["agency"], D(j["taxable_sales"]), D(j["tax_collected"]))
             for j in report["jurisdictions"]}
    assert found == {
        "California": ("CA", D("1000.00"), D("60.00")),
        "California state": ("CA", D("400.00"), D("24.00")),
        "LA County": ("Los Angeles County", D("400.00"), D("9.00")),
        "LA City": ("City of Los Angeles", D("400.00"), D("5.00")),
    }
    # Owed for June: 60.00 + 38.00 = 98.00, what Sales Tax Payable (2200) was credited in June.
    assert D(report["total_tax_collected"]) == D("98.00") == -books.balance(code=2200) - D("30.00")
