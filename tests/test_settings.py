"""Financial and invoice settings over HTTP: region defaults, PUT, validation, numbering (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from ledgerd.db.tenancy import bind_business
from ledgerd.settings import service
from ledgerd.tenancy.models import Role
from tests.support.books import Books, problem
from tests.support.factories import Factory

FINANCIAL_KEYS = ["$path", "year_end_date", "year_end_lockdown_date", "accounting_type", "accounts_start_date",
                  "base_currency", "multi_currency_enabled", "use_live_exchange_rates", "mtd_activation_status",
                  "mtd_connected", "mtd_authenticated_date", "tax_scheme", "tax_return_frequency", "tax_number",
                  "general_tax_number", "tax_office", "default_irpf_rate", "flat_rate_tax_percentage",
                  "recoverable_percentage", "sales_tax_calculation", "purchase_tax_calculation", "updated_at",
                  "postponed_accounting", "destination_vat"]
INVOICE_KEYS = ["$path", "next_invoice_number", "next_credit_note_number", "separate_invoice_credit_note_numbering",
                "sales_invoice_number_prefix", "sales_credit_note_number_prefix", "invoice_terms_and_conditions",
                "default_note_on_invoice", "default_note_on_credit_note", "default_note_on_estimate",
                "default_note_on_quote", "next_quote_number", "quote_number_prefix", "estimate_number_prefix",
                "quote_default_days_to_expiry", "estimate_default_days_to_expiry", "quote_terms_and_conditions",
                "estimate_terms_and_conditions", "delivery_note_terms_and_conditions", "delivery_note_show_signature",
                "delivery_note_show_picked", "delivery_note_show_notes", "delivery_note_show_contact_details",
                "quick_entry_prefix", "late_payment_percentage", "prompt_payment_percentage",
                "show_auto_entrepreneur", "show_insurance", "insurer", "insurance_area", "insurance_type",
                "insurance_text", "payment_bank_account", "sales_corrective_invoice_number_prefix",
                "next_sales_corrective_invoice_number", "document_headings", "line_item_titles", "footer_details",
                "print_contact_details", "print_statements", "customer_credit_days", "vendor_credit_days",
                "customer_credit_terms", "vendor_credit_terms", "updated_at"]


@pytest.fixture
def frozen(clock: Clock) -> Iterator[Clock]:
    clock.freeze(datetime(2024, 6, 15, 12, tzinfo=UTC))
    yield clock


@pytest.fixture
def books(client: TestClient, factory: Factory, frozen: Clock) -> Books:
    return Books.open(client, factory)


def _financial(books: Books, **changes: Any) -> Any:
    return books.put("/financial_settings", {"financial_settings": changes})


def _invoice(books: Books, **changes: Any) -> Any:
    return books.put("/invoice_settings", {"invoice_settings": changes})


def test_financial_settings_defaults(books: Books) -> None:
    settings = books.get("/financial_settings").json()
    assert list(settings) == FINANCIAL_KEYS
    assert settings["$path"] == "/financial_settings"
    assert settings["year_end_date"] == "2024-12-31" and settings["accounting_type"] == "accrual"
    assert settings["base_currency"] == {"id": "GBP", "displayed_as": "Pound Sterling (GBP)",
                                         "$path": "/currencies/GBP"}
    assert settings["tax_return_frequency"] == {"id": "QUARTERLY", "displayed_as": "Quarterly",
                                                "$path": "/tax_return_frequencies/QUARTERLY"}
    assert settings["mtd_activation_status"] == "mtd_unavailable" and settings["default_irpf_rate"] == "0.0"
    assert settings["updated_at"] == "2024-06-15T12:00:00Z"


def test_financial_settings_update(books: Books, frozen: Clock) -> None:
    frozen.advance(timedelta(minutes=2))  # tokens live five minutes
    response = _financial(books, year_end_date="2025-03-31", year_end_lockdown_date="2024-03-31",
                          accounting_type="cash", accounts_start_date="2024-04-01", tax_number="GB123456789",
                          tax_scheme_id="STANDARD", tax_return_frequency_id="MONTHLY", flat_rate_tax_percentage=16.5,
                          sales_tax_calculation="cash", multi_currency_enabled=True, destination_vat=True,
                          mtd_connected=True, unknown_attribute=1)
    assert response.status_code == 200, response.text
    settings = response.json()
    assert list(settings) == FINANCIAL_KEYS
    assert (settings["year_end_date"], settings["year_end_lockdown_date"], settings["accounts_start_date"]) == (
        "2025-03-31", "2024-03-31", "2024-04-01")
    assert settings["accounting_type"] == "cash" and settings["tax_number"] == "GB123456789"
    assert settings["tax_scheme"]["id"] == "STANDARD" and settings["tax_return_frequency"]["id"] == "MONTHLY"
    assert settings["flat_rate_tax_percentage"] == "16.5" and settings["sales_tax_calculation"] == "cash"
    assert settings["multi_currency_enabled"] is True and settings["destination_vat"] is True
    assert settings["mtd_connected"] is False
    assert settings["updated_at"] == "2024-06-15T12:02:00Z"
    assert books.get("/financial_settings").json() == settings
    # The financial year now runs April to March.
    def year(on: date) -> tuple[date, date]:
        def run(db: Any) -> tuple[date, date]:
            bind_business(db, books.business.id)
            return service.financial_year(db, on)

        return books.factory.tx(run)

    assert year(date(2024, 6, 15)) == (date(2024, 4, 1), date(2025, 3, 31))
    assert year(date(2024, 3, 31)) == (date(2023, 4, 1), date(2024, 3, 31))
    # Nullable fields can be cleared.
    cleared = _financial(books, year_end_lockdown_date=None, tax_number=None).json()
    assert cleared["year_end_lockdown_date"] is None and cleared["tax_number"] is None


def test_credit_notes_take_invoice_numbers_when_not_numbered_separately(books: Books) -> None:
    _invoice(books, separate_invoice_credit_note_numbering=False, next_invoice_number=20)
    customer = books.contact()

    def document(path: str, wrapper: str, lines: str) -> dict[str, Any]:
        return books.created(path, wrapper, {"contact_id": customer, "date": "2024-06-10", lines: [{
            "description": "Goods", "ledger_account_id": books.accounts[4000], "quantity": "1",
            "unit_price": "10", "tax_rate_id": "GB_ZERO"}]})

    invoice = document("/sales_invoices", "sales_invoice", "invoice_lines")
    note = document("/sales_credit_notes", "sales_credit_note", "credit_note_lines")
    # The credit note draws from the invoices' sequence, with its own prefix.
    assert (invoice["invoice_number"], note["credit_note_number"]) == ("SI-20", "SCN-21")
    settings = books.get("/invoice_settings").json()
    assert settings["next_invoice_number"] == settings["next_credit_note_number"] == 22
    # Moving the credit notes' number moves the sequence they share.
    moved = _invoice(books, next_credit_note_number=30).json()
    assert moved["next_invoice_number"] == moved["next_credit_note_number"] == 30


@pytest.mark.parametrize(("changes", "source"), [
    ({"year_end_date": "2024-13-01"}, "year_end_date"),
    ({"year_end_lockdown_date": "2025-01-01"}, "year_end_lockdown_date"),
    ({"accounting_type": "barter"}, "accounting_type"),
    ({"base_currency_id": "XXX"}, "base_currency_id"),
    ({"tax_scheme_id": "MADE_UP"}, "tax_scheme_id"),
    ({"tax_return_frequency_id": "HOURLY"}, "tax_return_frequency_id"),
    ({"flat_rate_tax_percentage": 101}, "flat_rate_tax_percentage"),
    ({"sales_tax_calculation": "never"}, "sales_tax_calculation"),
])
def test_financial_settings_validation(books: Books, changes: dict[str, Any], source: str) -> None:
    before = books.get("/financial_settings").json()
    problem(_financial(books, **changes), 422, "RecordInvalid", source)
    assert books.get("/financial_settings").json() == before


def test_base_currency_is_fixed_once_there_are_transactions(books: Books) -> None:
    assert _financial(books, base_currency_id="eur").json()["base_currency"]["id"] == "EUR"
    assert _financial(books, base_currency_id="GBP").status_code == 200
    books.journal("2024-01-01", (10, 5, 0), (3000, 0, 5))
    problem(_financial(books, base_currency_id="EUR"), 422, "RecordInvalid", "base_currency_id")
    assert _financial(books, base_currency_id="GBP").status_code == 200


def test_invoice_settings_defaults_and_update(books: Books, frozen: Clock) -> None:
    settings = books.get("/invoice_settings").json()
    assert list(settings) == INVOICE_KEYS
    assert (settings["next_invoice_number"], settings["next_credit_note_number"], settings["next_quote_number"]) == (
        1, 1, 1)
    assert settings["sales_invoice_number_prefix"] == "SI-" and settings["quote_number_prefix"] == "SQ-"
    assert settings["customer_credit_days"] == 30 and settings["customer_credit_terms"] == "date_from_invoice"
    assert list(settings["document_headings"]) == ["sales_invoice", "sales_credit_note", "sales_corrective_invoice",
                                                   "sales_quote", "sales_estimate", "pro_forma", "remittance_advice",
                                                   "statement", "delivery_note"]
    assert list(settings["print_contact_details"])[-1] == "default_delivery_address"
    assert settings["sales_corrective_invoice_number_prefix"] is None
    assert settings["next_sales_corrective_invoice_number"] is None
    bank = books.accounts[1200]
    bank_account_id = books.factory.tx(lambda db: _bank_account_id(db, bank))

    frozen.advance(timedelta(minutes=3))
    response = _invoice(books, sales_invoice_number_prefix="INV-", next_invoice_number=100, next_quote_number=7,
                        invoice_terms_and_conditions="Pay within 30 days.", customer_credit_terms="month_end_invoice",
                        vendor_credit_days=45, payment_bank_account_id=bank_account_id,
                        document_headings={"sales_invoice": "Tax Invoice"},
                        print_contact_details={"website": False, "default_delivery_address": "NONE"},
                        sales_corrective_invoice_number_prefix="IGNORED")
    assert response.status_code == 200, response.text
    updated = response.json()
    assert list(updated) == INVOICE_KEYS
    assert (updated["next_invoice_number"], updated["next_quote_number"], updated["next_credit_note_number"]) == (
        100, 7, 1)
    assert updated["sales_invoice_number_prefix"] == "INV-" and updated["vendor_credit_days"] == 45
    assert updated["customer_credit_terms"] == "month_end_invoice"
    assert updated["document_headings"]["sales_invoice"] == "Tax Invoice"
    assert updated["document_headings"]["sales_quote"] == "Sales Quote"
    assert updated["print_contact_details"]["website"] is False
    assert updated["print_contact_details"]["telephone"] is True
    assert updated["print_contact_details"]["default_delivery_address"] == "NONE"
    assert updated["payment_bank_account"] == {"id": bank_account_id, "displayed_as": "Current (1200)",
                                               "$path": f"/bank_accounts/{bank_account_id}"}
    assert updated["sales_corrective_invoice_number_prefix"] is None
    assert updated["updated_at"] == "2024-06-15T12:03:00Z"
    assert books.get("/invoice_settings").json() == updated
    # Numbers move forward only; credit notes share the invoice sequence when not numbered separately.
    problem(_invoice(books, next_invoice_number=50), 422, "RecordInvalid", "next_invoice_number")
    shared = _invoice(books, separate_invoice_credit_note_numbering=False).json()
    assert shared["next_credit_note_number"] == 100


def _bank_account_id(db: Any, ledger_account_id: str) -> str:
    from sqlalchemy import select

    from ledgerd.banking.models import BankAccount

    found = db.scalar(select(BankAccount.id).where(BankAccount.ledger_account_id == ledger_account_id))
    assert found is not None
    return str(found)


def test_document_numbers_are_taken_in_order(books: Books) -> None:
    _invoice(books, next_invoice_number=10, sales_invoice_number_prefix="X-")

    def take(kind: str) -> tuple[str, int]:
        def run(db: Any) -> tuple[str, int]:
            bind_business(db, books.business.id)
            return service.take_number(db, kind)

        return books.factory.tx(run)

    assert take("SALES_INVOICE") == ("X-", 10)
    assert take("SALES_INVOICE") == ("X-", 11)
    assert take("SALES_CREDIT_NOTE") == ("SCN-", 1)
    assert take("SALES_QUOTE") == ("SQ-", 1)
    assert take("SALES_ESTIMATE") == ("SE-", 1)
    assert books.get("/invoice_settings").json()["next_invoice_number"] == 12

    # Stored under the region seed's key, where document code reads it directly.
    def stored(db: Any) -> dict[str, Any]:
        bind_business(db, books.business.id)
        return dict(service.row(db).invoice)

    assert books.factory.tx(stored)["sales_invoice_prefix"] == "X-"


@pytest.mark.parametrize(("changes", "source"), [
    ({"sales_invoice_number_prefix": "TOOLONG"}, "sales_invoice_number_prefix"),
    ({"quote_number_prefix": "1234567"}, "quote_number_prefix"),
    ({"next_invoice_number": 0}, "next_invoice_number"),
    ({"customer_credit_days": -1}, "customer_credit_days"),
    ({"customer_credit_terms": "month_end_payment"}, "customer_credit_terms"),
    ({"invoice_terms_and_conditions": "x" * 2001}, "invoice_terms_and_conditions"),
    ({"payment_bank_account_id": "0" * 32}, "payment_bank_account_id"),
    ({"insurer_id": "0" * 32}, "insurer_id"),
    ({"print_contact_details": {"default_delivery_address": "SOMEWHERE"}},
     "print_contact_details.default_delivery_address"),
])
def test_invoice_settings_validation(books: Books, changes: dict[str, Any], source: str) -> None:
    before = books.get("/invoice_settings").json()
    problem(_invoice(books, **changes), 422, "RecordInvalid", source)
    assert books.get("/invoice_settings").json() == before


def test_settings_access(books: Books, client: TestClient, factory: Factory) -> None:
    reader = factory.user()
    factory.member(books.business, reader, Role.READ_ONLY)
    headers = factory.headers(reader, business=books.business.id)
    assert client.get("/v3.1/financial_settings", headers=headers).status_code == 200
    problem(client.put("/v3.1/invoice_settings", headers=headers, json={"invoice_settings": {}}), 403,
            "MultiUserAccessDenied")
    problem(client.get("/v3.1/invoice_settings"), 401, "AuthorizationFailure")
    problem(books.put("/financial_settings", {"settings": {}}), 422, "Validation", "financial_settings")
    assert client.post("/v3.1/financial_settings", headers=books.headers, json={}).status_code == 405


def test_region_defaults(client: TestClient, factory: Factory, frozen: Clock) -> None:
    spain = Books.open(client, factory, country="ES")
    invoice = spain.get("/invoice_settings").json()
    assert invoice["sales_corrective_invoice_number_prefix"] == "SCI-"
    assert invoice["next_sales_corrective_invoice_number"] == 1
    financial = spain.get("/financial_settings").json()
    assert financial["base_currency"]["id"] == "EUR" and financial["mtd_activation_status"] is None
    us = Books.open(client, factory, country="US")
    assert us.get("/financial_settings").json()["tax_return_frequency"] is None
    problem(_financial(us, tax_return_frequency_id="QUARTERLY"), 422, "RecordInvalid", "tax_return_frequency_id")
    problem(_financial(us, tax_scheme_id="STANDARD"), 422, "RecordInvalid", "tax_scheme_id")
