"""Settings over HTTP (SQLite and PostgreSQL): financial and invoice settings (region defaults, PUT, validation,
numbering); business, CIS, DATEV, e-mail and migration settings, tax determinations, hosted payment settings and
migrated tax returns (Sage's key order, region defaults, PUT round trips, validation and roles)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.api.resources.hosted_payment_settings import online_payment_enabled
from ledgerd.artefacts.models import Artefact
from ledgerd.clock import Clock
from ledgerd.db.tenancy import bind_business
from ledgerd.settings import service
from ledgerd.tenancy.models import Role
from tests.support import reference
from tests.support.books import Books, problem
from tests.support.factories import Factory

FINANCIAL_KEYS = ["$path", "year_end_date", "year_end_lockdown_date", "accounting_type", "accounts_start_date",
                  "base_currency", "multi_currency_enabled", "use_live_exchange_rates", "mtd_activation_status",
                  "mtd_connected", "mtd_authenticated_date", "tax_scheme", "tax_return_frequency", "tax_number",
                  "general_tax_number", "tax_office", "default_irpf_rate", "flat_rate_tax_percentage",
                  "recoverable_percentage", "sales_tax_calculation", "purchase_tax_calculation", "updated_at",
                  "postponed_accounting", "destination_vat", "tax_return_period_end_month"]
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

REGIONS = ("GB", "IE", "FR", "ES", "DE", "CA", "US")
SINGLETONS = {"/business_settings": "BusinessSettings", "/cis_settings": "CisSettings",
              "/datev_settings": "DatevSettings", "/email_settings": "EmailSettings", "/migrations": "Migration"}
# Where a singleton is not offered everywhere: the country its tests use.
COUNTRY = {"/datev_settings": "DE"}
WRAPPERS = {"/business_settings": "business_settings", "/cis_settings": "cis_settings",
            "/datev_settings": "datev_settings", "/email_settings": "email_settings", "/migrations": "migrations"}


def keys(definition: str) -> list[str]:
    return list(reference.definitions()[definition]["properties"])


@pytest.fixture
def books(client: TestClient, factory: Factory, frozen: Clock) -> Books:
    return Books.open(client, factory)


def _financial(books: Books, **changes: Any) -> Any:
    return books.put("/financial_settings", {"financial_settings": changes})


def _invoice(books: Books, **changes: Any) -> Any:
    return books.put("/invoice_settings", {"invoice_settings": changes})


def _year(books: Books, on: date) -> tuple[date, date]:
    """The business's financial year containing `on`."""
    def run(db: Any) -> tuple[date, date]:
        bind_business(db, books.business.id)
        return service.financial_year(db, on)

    return books.factory.tx(run)


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


def test_the_flat_rate_percentage_goes_with_the_flat_rate_scheme(books: Books) -> None:
    # 16.5% is HMRC's rate for limited-cost traders; it means something only on a flat rate scheme.
    flat = _financial(books, tax_scheme_id="FLAT_RATE_CASH", flat_rate_tax_percentage=16.5).json()
    assert (flat["tax_scheme"]["id"], flat["flat_rate_tax_percentage"]) == ("FLAT_RATE_CASH", "16.5")
    # Another flat rate scheme keeps it.
    assert _financial(books, tax_scheme_id="FLAT_RATE_INVOICE").json()["flat_rate_tax_percentage"] == "16.5"
    # Back to the standard scheme: cleared, and it stays cleared when read again.
    standard = _financial(books, tax_scheme_id="STANDARD").json()
    assert (standard["tax_scheme"]["id"], standard["flat_rate_tax_percentage"]) == ("STANDARD", None)
    assert books.get("/financial_settings").json()["flat_rate_tax_percentage"] is None
    # One sent with the standard scheme is not kept either.
    assert _financial(books, flat_rate_tax_percentage=12).json()["flat_rate_tax_percentage"] is None


def test_financial_settings_update(books: Books, frozen: Clock) -> None:
    frozen.advance(timedelta(minutes=2))  # tokens live five minutes
    response = _financial(books, year_end_date="2025-03-31", year_end_lockdown_date="2024-03-31",
                          accounting_type="cash", accounts_start_date="2024-04-01", tax_number="GB123456789",
                          tax_scheme_id="FLAT_RATE_INVOICE", tax_return_frequency_id="MONTHLY",
                          flat_rate_tax_percentage=16.5,
                          sales_tax_calculation="cash", multi_currency_enabled=True, destination_vat=True,
                          mtd_connected=True, unknown_attribute=1)
    assert response.status_code == 200, response.text
    settings = response.json()
    assert list(settings) == FINANCIAL_KEYS
    assert (settings["year_end_date"], settings["year_end_lockdown_date"], settings["accounts_start_date"]) == (
        "2025-03-31", "2024-03-31", "2024-04-01")
    assert settings["accounting_type"] == "cash" and settings["tax_number"] == "GB123456789"
    assert settings["tax_scheme"]["id"] == "FLAT_RATE_INVOICE" and settings["tax_return_frequency"]["id"] == "MONTHLY"
    assert settings["flat_rate_tax_percentage"] == "16.5" and settings["sales_tax_calculation"] == "cash"
    assert settings["multi_currency_enabled"] is True and settings["destination_vat"] is True
    assert settings["mtd_connected"] is False
    assert settings["updated_at"] == "2024-06-15T12:02:00Z"
    assert books.get("/financial_settings").json() == settings
    # The current year (January 2024 on) now ends on 31 March 2025; the next ones run April to March.
    assert _year(books, date(2024, 6, 15)) == (date(2024, 1, 1), date(2025, 3, 31))
    assert _year(books, date(2025, 4, 1)) == (date(2025, 4, 1), date(2026, 3, 31))
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


# --- changing the year end -----------------------------------------------------------------------------------

def _report(books: Books, name: str, **query: str) -> dict[str, Any]:
    response = books.client.get(f"/ledgerd/v1/reports/{name}", params=query, headers=books.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_later_year_end_extends_the_current_year(books: Books) -> None:
    """Today is 15 June 2024, in the year 1 January - 31 December 2024. Moving the year end to 31 March 2025
    makes that year fifteen months long (its start stays 1 January 2024, as Companies House lets a company
    extend its accounting reference period); the years after run April to March, those before stay calendar
    years."""
    books.journal("2023-11-01", (10, "50", "0"), (4000, "0", "50"))   # last year's sale
    books.journal("2024-02-10", (10, "100", "0"), (4000, "0", "100"))  # January-March 2024
    books.journal("2025-02-01", (10, "30", "0"), (4000, "0", "30"))    # the extended year's last quarter
    changed = _financial(books, year_end_date="2025-03-31")
    assert changed.status_code == 200, changed.text
    assert changed.json()["year_end_date"] == "2025-03-31"
    assert _year(books, date(2024, 2, 10)) == (date(2024, 1, 1), date(2025, 3, 31))
    assert _year(books, date(2025, 3, 31)) == (date(2024, 1, 1), date(2025, 3, 31))
    assert _year(books, date(2025, 4, 1)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert _year(books, date(2023, 11, 1)) == (date(2023, 1, 1), date(2023, 12, 31))
    assert _year(books, date(2022, 6, 1)) == (date(2022, 1, 1), date(2022, 12, 31))

    # Profit and loss for the year to date: both sales of the extended year, 100 + 30 = 130 (the January-March
    # 2024 sale is this year's, not moved into retained earnings).
    pnl = _report(books, "profit_and_loss", to_date="2025-03-31")
    assert (pnl["from_date"], pnl["net_profit"]) == ("2024-01-01", "130.0")
    # Balance sheet at the extended year's end: last year's 50 brought forward, this year's 130 current.
    sheet = _report(books, "balance_sheet", date="2025-03-31")
    assert sheet["financial_year_start"] == "2024-01-01"
    assert (sheet["equity"]["profit_brought_forward"], sheet["equity"]["current_year_earnings"]) == ("50.0", "130.0")
    # The day after, all 180 is brought forward into the new April-March year.
    after = _report(books, "balance_sheet", date="2025-04-01")
    assert (after["financial_year_start"], after["equity"]["profit_brought_forward"],
            after["equity"]["current_year_earnings"]) == ("2025-04-01", "180.0", "0.0")
    # The quarterly VAT periods do not move with the year end: they keep ending in December (and March, June,
    # September), now said by the period end month.
    assert changed.json()["tax_return_period_end_month"] == 12


def test_an_earlier_year_end_shortens_the_current_year(books: Books) -> None:
    assert _financial(books, year_end_date="2024-09-30").status_code == 200
    assert _year(books, date(2024, 6, 15)) == (date(2024, 1, 1), date(2024, 9, 30))
    assert _year(books, date(2024, 10, 1)) == (date(2024, 10, 1), date(2025, 9, 30))
    # Changed again while that year runs: it is the same year (from 1 January 2024) that changes.
    assert _financial(books, year_end_date="2025-06-30").status_code == 200
    assert _year(books, date(2024, 6, 15)) == (date(2024, 1, 1), date(2025, 6, 30))
    assert _year(books, date(2025, 7, 1)) == (date(2025, 7, 1), date(2026, 6, 30))
    assert _year(books, date(2023, 12, 31)) == (date(2023, 1, 1), date(2023, 12, 31))


def test_a_changed_year_runs_18_months_at_most(books: Books) -> None:
    before = books.get("/financial_settings").json()
    # From 1 January 2024, 18 months end on 30 June 2025.
    too_long = problem(_financial(books, year_end_date="2025-07-31"), 422, "RecordInvalid", "year_end_date")
    assert "18 months" in too_long["$message"] and "2025-06-30" in too_long["$message"]
    # A year end before the current year's first day would leave days in no year.
    problem(_financial(books, year_end_date="2023-12-31"), 422, "RecordInvalid", "year_end_date")
    assert books.get("/financial_settings").json() == before
    assert _year(books, date(2024, 6, 15)) == (date(2024, 1, 1), date(2024, 12, 31))
    assert _financial(books, year_end_date="2025-06-30").status_code == 200
    assert _year(books, date(2024, 6, 15)) == (date(2024, 1, 1), date(2025, 6, 30))


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


def _put(books: Books, path: str, **changes: Any) -> Any:
    return books.put(path, {WRAPPERS[path]: changes})


# --- key order ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SINGLETONS)
def test_singletons_follow_sages_key_order(client: TestClient, factory: Factory, frozen: Clock, path: str) -> None:
    books = Books.open(client, factory, country=COUNTRY.get(path, "GB"))
    body = books.get(path).json()
    assert list(body) == keys(SINGLETONS[path])
    assert list(_put(books, path).json()) == keys(SINGLETONS[path])


def test_nested_objects_follow_sages_key_order(client: TestClient, factory: Factory, frozen: Clock) -> None:
    gb = Books.open(client, factory)
    settings = _put(gb, "/business_settings", business_type_id="SOLE_TRADER").json()
    assert list(settings["default_ledger_accounts"]) == keys("DefaultLedgerAccounts")
    assert list(settings["business_type"]) == keys("BusinessType")
    assert list(books_email := gb.get("/email_settings").json()["default_messages"][0]) == keys("DefaultMessages")
    assert books_email
    assert list(gb.get("/migrations").json()["status"]) == keys("MigrationStatus")
    ca = Books.open(client, factory, country="CA")
    profile = ca.get("/tax_profiles", attributes="all").json()["$items"][1]
    assert list(profile) == keys("TaxProfile")
    assert list(profile["address_region"]) == keys("AddressRegion")
    made = gb.created("/migration_tax_returns", "migration_tax_return", _gb_return())
    assert list(made) == keys("MigrationTaxReturn")
    assert list(made["gb"]) == keys("GBBoxData")
    ie = Books.open(client, factory, country="IE")
    assert list(ie.created("/migration_tax_returns", "migration_tax_return", _ie_return())["ie"]) == keys("IEBoxData")
    rate = gb.get("/tax_determinations", usage="sales", attributes="all").json()["$items"][0]
    assert list(rate) == keys("TaxRate")
    setting = gb.created("/hosted_artefact_payment_settings", "hosted_artefact_payment_setting",
                         {"object_guid": gb.contact()})
    assert list(setting) == keys("HostedArtefactPaymentSetting")


# --- business settings ----------------------------------------------------------------------------------------

def test_business_settings_defaults_per_region(client: TestClient, factory: Factory, frozen: Clock) -> None:
    gb = Books.open(client, factory).get("/business_settings").json()
    assert gb["$path"] == "/business_settings" and gb["siret"] is None and gb["auxiliary_accounts_visible"] is None
    assert gb["country_of_registration"] == {"id": "ENGLAND_AND_WALES", "displayed_as": "England and Wales"}
    assert gb["business_type"] is None and gb["wizard_complete"] is False
    assert gb["business_created_at"] == gb["updated_at"] == "2024-06-15T12:00:00Z"
    ledger = gb["default_ledger_accounts"]
    assert ledger["sales_ledger_account"]["displayed_as"] == "Sales - Products (4000)"
    assert ledger["service_sales_ledger_account"]["displayed_as"] == "Sales - Services (4010)"
    assert ledger["carriage_ledger_account"]["displayed_as"] == "Distribution and Carriage (4905)"
    assert all(link is not None for link in ledger.values())
    ireland = Books.open(client, factory, country="IE").get("/business_settings").json()
    assert ireland["country_of_registration"]["id"] == "REPUBLIC_OF_IRELAND"
    france = Books.open(client, factory, country="FR").get("/business_settings").json()
    assert (france["management_centre_member"], france["auxiliary_accounts_visible"]) == (False, False)
    assert france["country_of_registration"] is None and france["siret"] is None
    assert france["default_ledger_accounts"]["sales_ledger_account"]["displayed_as"] == \
        "Ventes de marchandises (707000)"
    spain = Books.open(client, factory, country="ES").get("/business_settings").json()
    assert spain["auxiliary_accounts_visible"] is False and spain["management_centre_member"] is None


def test_business_settings_update(client: TestClient, factory: Factory, frozen: Clock) -> None:
    france = Books.open(client, factory, country="FR")
    frozen.advance(timedelta(minutes=1))
    account = france.accounts[706000]
    response = _put(france, "/business_settings", siret="73282932000074", rcs_number="RCS Paris B 732 829 320",
                    share_capital=1000.5, management_centre_member=True, legal_form_type_id="SARL",
                    business_activity_type_id="COMMERCIAL", business_type_id="LIMITED_COMPANY",
                    wizard_complete=True, country_of_registration_id="SCOTLAND",
                    default_ledger_accounts={"sales_ledger_account_id": account})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["siret"], body["share_capital"], body["management_centre_member"]) == (
        "73282932000074", "1000.5", True)
    assert body["legal_form_type"] == {"id": "SARL", "displayed_as": "Société à responsabilité limitée (SARL)",
                                       "$path": "/legal_form_types/SARL"}
    assert body["business_activity_type"]["id"] == "COMMERCIAL"
    assert body["business_type"]["name"] == "Limited Company" and body["wizard_complete"] is True
    assert body["country_of_registration"] is None  # not a French field: ignored
    assert body["default_ledger_accounts"]["sales_ledger_account"]["id"] == account
    assert body["updated_at"] == "2024-06-15T12:01:00Z" and body["business_created_at"] == "2024-06-15T12:00:00Z"
    assert france.get("/business_settings").json() == body
    cleared = _put(france, "/business_settings", siret=None, default_ledger_accounts={
        "sales_ledger_account_id": None}).json()
    assert cleared["siret"] is None
    assert cleared["default_ledger_accounts"]["sales_ledger_account"]["displayed_as"] == \
        "Ventes de marchandises (707000)"


@pytest.mark.parametrize(("changes", "source"), [
    ({"siret": "1234"}, "siret"),
    ({"siret": "73282932000075"}, "siret"),
    ({"share_capital": -1}, "share_capital"),
    ({"legal_form_type_id": "PLC"}, "legal_form_type_id"),
    ({"business_type_id": "EMPIRE"}, "business_type_id"),
    ({"default_ledger_accounts": {"carriage_ledger_account_id": "0" * 32}},
     "default_ledger_accounts.carriage_ledger_account_id"),
])
def test_business_settings_validation(client: TestClient, factory: Factory, frozen: Clock,
                                      changes: dict[str, Any], source: str) -> None:
    france = Books.open(client, factory, country="FR")
    before = france.get("/business_settings").json()
    problem(_put(france, "/business_settings", **changes), 422, "RecordInvalid", source)
    assert france.get("/business_settings").json() == before


# --- CIS, DATEV, e-mail, migrations ---------------------------------------------------------------------------

def test_cis_settings(books: Books) -> None:
    assert books.get("/cis_settings").json() == {
        "$path": "/cis_settings", "unique_tax_reference": None, "contractor": False, "subcontractor": False,
        "accounts_office_reference": None, "paye_reference": None, "tax_rate": None}
    problem(_put(books, "/cis_settings", contractor=True), 422, "RecordInvalid", "unique_tax_reference")
    problem(_put(books, "/cis_settings", contractor=True, unique_tax_reference="1234567890"), 422, "RecordInvalid",
            "accounts_office_reference")
    body = _put(books, "/cis_settings", contractor=True, subcontractor=True, unique_tax_reference="1234567890",
                accounts_office_reference="123PA1234567A", paye_reference="123/AB45678").json()
    assert body["contractor"] is body["subcontractor"] is True
    assert body["tax_rate"] == {"id": "GB_CIS_REGISTERED", "displayed_as": "CIS Registered 20.00%",
                                "$path": "/tax_rates/GB_CIS_REGISTERED"}
    gross = _put(books, "/cis_settings", tax_rate_id="GB_CIS_GROSS").json()
    assert gross["tax_rate"]["id"] == "GB_CIS_GROSS" and books.get("/cis_settings").json() == gross
    assert _put(books, "/cis_settings", subcontractor=False).json()["tax_rate"] is None


@pytest.mark.parametrize(("changes", "source"), [
    ({"unique_tax_reference": "12345"}, "unique_tax_reference"),
    ({"accounts_office_reference": "123XA1234567A"}, "accounts_office_reference"),
    ({"paye_reference": "123-A45678"}, "paye_reference"),
    ({"tax_rate_id": "GB_STANDARD"}, "tax_rate_id"),
])
def test_cis_settings_validation(books: Books, changes: dict[str, Any], source: str) -> None:
    problem(_put(books, "/cis_settings", **changes), 422, "RecordInvalid", source)


def test_datev_settings(client: TestClient, factory: Factory, frozen: Clock) -> None:
    germany = Books.open(client, factory, country="DE")
    assert germany.get("/datev_settings").json() == {
        "$path": "/datev_settings", "tax_consultant_number": None, "client_number": None,
        "next_customer_number": 10000, "next_supplier_number": 70000, "updated_at": "2024-06-15T12:00:00Z"}
    frozen.advance(timedelta(minutes=1))
    body = _put(germany, "/datev_settings", tax_consultant_number=1234567, client_number=42,
                next_customer_number=10100, next_supplier_number=70500).json()
    assert (body["tax_consultant_number"], body["client_number"], body["next_customer_number"],
            body["next_supplier_number"], body["updated_at"]) == (1234567, 42, 10100, 70500, "2024-06-15T12:01:00Z")
    assert germany.get("/datev_settings").json() == body
    for name, value in (("tax_consultant_number", 999), ("client_number", 100000),
                        ("next_customer_number", 70000), ("next_supplier_number", 69999)):
        problem(_put(germany, "/datev_settings", **{name: value}), 422, "RecordInvalid", name)


def test_email_settings(client: TestClient, factory: Factory, books: Books) -> None:
    settings = books.get("/email_settings").json()
    assert (settings["pdf_attached"], settings["send_bcc"]) == (True, False)
    types = [m["message_type"] for m in settings["default_messages"]]
    assert types[0] == "invoice" and "statement" in types
    assert {m["locale"] for m in settings["default_messages"]} == {"en-GB"}
    france = Books.open(client, factory, country="FR").get("/email_settings").json()
    assert france["default_messages"][0]["message"].startswith("Veuillez trouver ci-joint votre facture")
    body = _put(books, "/email_settings", send_bcc=True, default_messages=[
        {"message_type": "invoice", "locale": "en-GB", "message": "Your invoice."},
        {"message_type": "invoice", "locale": "fr-FR", "message": "Votre facture."}]).json()
    assert body["send_bcc"] is True and body["pdf_attached"] is True
    messages = {(m["message_type"], m["locale"]): m["message"] for m in body["default_messages"]}
    assert messages[("invoice", "en-GB")] == "Your invoice." and messages[("invoice", "fr-FR")] == "Votre facture."
    assert len(body["default_messages"]) == len(types) + 1
    assert books.get("/email_settings").json() == body
    problem(_put(books, "/email_settings", default_messages=[{"message_type": "letter", "locale": "en-GB",
                                                              "message": "x"}]),
            422, "RecordInvalid", "default_messages[0].message_type")
    problem(_put(books, "/email_settings", default_messages=[{"message_type": "quote", "locale": "klingon",
                                                              "message": "x"}]),
            422, "RecordInvalid", "default_messages[0].locale")
    problem(_put(books, "/email_settings", default_messages=[{"message_type": "quote", "locale": "en-GB"}]),
            422, "RecordInvalid", "default_messages[0].message")
    assert books.get("/email_settings").json() == body


def test_migrations(books: Books, frozen: Clock) -> None:
    first = books.get("/migrations").json()
    assert len(first["id"]) == 32 and first["$path"] == "/migrations"
    assert first["status"] == {"id": "NOT_STARTED", "displayed_as": "Not Started"}
    assert first["started_at"] is None and first["source_product"] is None
    frozen.advance(timedelta(minutes=1))
    running = _put(books, "/migrations", status_id="IN_PROGRESS", source_product="Sage 50",
                   source_product_version="30.1", source_tool="Exporter", schema_id="v2").json()
    assert running["id"] == first["id"] and running["status"]["id"] == "IN_PROGRESS"
    assert running["started_at"] == "2024-06-15T12:01:00Z" and running["completed_at"] is None
    assert running["source_product"] == "Sage 50" and running["schema_id"] == "v2"
    done = _put(books, "/migrations", status_id="COMPLETED", completed_at="2024-06-15T13:30:00+01:00").json()
    assert done["completed_at"] == "2024-06-15T12:30:00Z" and done["source_product"] == "Sage 50"
    assert books.get("/migrations").json() == done
    problem(_put(books, "/migrations", status_id="PAUSED"), 422, "RecordInvalid", "status_id")
    problem(_put(books, "/migrations", completed_at="2024-06-15T11:00:00Z"), 422, "RecordInvalid", "completed_at")
    problem(_put(books, "/migrations", source_tool="x" * 51), 422, "RecordInvalid", "source_tool")


# --- migrated tax returns -------------------------------------------------------------------------------------

def _gb_return(**changes: Any) -> dict[str, Any]:
    return {"from_date": "2023-01-01", "to_date": "2023-03-31", "total_amount": 1500,
            "tax_return_frequency_id": "QUARTERLY",
            "gb": {"box_1": 2000, "box_2": 0, "box_3": 2000, "box_4": 500, "box_5": 1500, "box_6": 10000,
                   "box_7": 2500, "box_8": 0, "box_9": 0}, **changes}


def _ie_return(**changes: Any) -> dict[str, Any]:
    return {"from_date": "2023-01-01", "to_date": "2023-02-28", "total_amount": 300,
            "tax_return_frequency_id": "BI_MONTHLY",
            "ie": {"box_T1": 500, "box_T2": 200, "box_T3": 300, "box_T4": 0}, **changes}


def test_migration_tax_returns(books: Books) -> None:
    made = books.created("/migration_tax_returns", "migration_tax_return", _gb_return(ie={"box_T1": 1}))
    assert made["displayed_as"] == "2023-01-01 - 2023-03-31"
    assert made["tax_return_frequency"] == {"id": "QUARTERLY", "displayed_as": "Quarterly",
                                            "$path": "/tax_return_frequencies/QUARTERLY"}
    assert made["total_amount"] == "1500.0" and made["ie"] is None
    assert made["gb"]["box_5"] == "1500.0" and made["gb"]["box_9"] == "0.0"
    assert books.get(f"/migration_tax_returns/{made['id']}").json() == made
    listing = books.get("/migration_tax_returns", attributes="all").json()
    assert listing["$total"] == 1 and listing["$items"] == [made]
    later = books.created("/migration_tax_returns", "migration_tax_return",
                          {"from_date": "2023-04-01", "to_date": "2023-06-30", "total_amount": 0,
                           "tax_return_frequency_id": "QUARTERLY"})
    assert later["gb"] is None


@pytest.mark.parametrize(("changes", "source"), [
    ({"to_date": "2022-12-31"}, "to_date"),
    ({"tax_return_frequency_id": "WEEKLY"}, "tax_return_frequency_id"),
    ({"from_date": "2023-03-01", "to_date": "2023-05-31"}, "from_date"),
    ({"gb": {"box_1": 10, "box_2": 1, "box_3": 10}}, "gb.box_3"),
    ({"gb": {"box_1": 10, "box_3": 10, "box_4": 4, "box_5": 5}}, "gb.box_5"),
    ({"gb": {"box_1": "1.005"}}, "gb.box_1"),
    ({"total_amount": None}, "total_amount"),
])
def test_migration_tax_return_validation(books: Books, changes: dict[str, Any], source: str) -> None:
    books.created("/migration_tax_returns", "migration_tax_return", _gb_return())
    body = _gb_return(from_date="2023-04-01", to_date="2023-06-30") | changes
    problem(books.post("/migration_tax_returns", {"migration_tax_return": body}), 422, "RecordInvalid", source)
    assert books.get("/migration_tax_returns").json()["$total"] == 1


def test_irish_returns_check_the_vat3_boxes(client: TestClient, factory: Factory, frozen: Clock) -> None:
    ireland = Books.open(client, factory, country="IE")
    made = ireland.created("/migration_tax_returns", "migration_tax_return", _ie_return())
    assert made["gb"] is None and made["ie"]["box_T3"] == "300.0" and made["ie"]["box_ES2"] == "0.0"
    bad = _ie_return(from_date="2023-03-01", to_date="2023-04-30", ie={"box_T1": 500, "box_T2": 200, "box_T3": 200})
    problem(ireland.post("/migration_tax_returns", {"migration_tax_return": bad}), 422, "RecordInvalid", "ie.box_T3")


# --- tax determinations ---------------------------------------------------------------------------------------

def _determined(books: Books, **query: Any) -> list[str]:
    response = books.get("/tax_determinations", **query)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["$items"]]


def test_tax_determinations(books: Books) -> None:
    home = books.contact()
    eu = books.contact(tax_treatment={"home_tax": False, "eu_tax_registered": True})
    world = books.contact(tax_treatment={"home_tax": False, "rest_of_world_tax": True})
    every = ["GB_STANDARD", "GB_LOWER", "GB_ZERO", "GB_EXEMPT", "GB_NO_TAX"]
    assert _determined(books, usage="sales") == every
    assert _determined(books, usage="sales", contact_id=home) == every
    assert _determined(books, usage="sales", contact_id=eu) == ["GB_ZERO", "GB_NO_TAX"]
    assert _determined(books, usage="sales", contact_id=eu, artefact_line_goods_services_type="SERVICES") == [
        "GB_NO_TAX"]
    assert _determined(books, usage="purchases", contact_id=world, artefact_line_goods_services_type="GOODS") == [
        "GB_ZERO"]
    assert _determined(books, usage="sales", include_line_determination="true") == ["GB_STANDARD"]
    assert _determined(books, usage="sales", contact_id=eu, include_line_determination="true",
                       artefact_line_goods_services_type="SERVICES") == ["GB_NO_TAX"]
    # The percentage shown is the one on the date asked for.
    old = books.get("/tax_determinations", usage="sales", date="2010-06-01", attributes="all").json()["$items"][0]
    assert (old["percentage"], old["displayed_as"]) == ("17.5", "Standard 17.50%")
    paged = books.get("/tax_determinations", usage="sales", items_per_page=2, page=2).json()
    assert paged["$total"] == 5 and [i["id"] for i in paged["$items"]] == ["GB_ZERO", "GB_EXEMPT"]
    assert paged["$next"] == "/tax_determinations?page=3&items_per_page=2&usage=sales"


def test_tax_determinations_from_an_artefact(books: Books) -> None:
    eu = books.contact(tax_treatment={"home_tax": False, "eu_tax_registered": True})
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": eu, "date": "2024-03-01", "invoice_lines": [
            {"description": "Advice", "ledger_account_id": books.accounts[4010], "quantity": 1, "unit_price": 100,
             "tax_rate_id": "GB_NO_TAX", "tax_amount": 0, "eu_goods_services_type_id": "SERVICES"}]})
    line = invoice["invoice_lines"][0]["id"]
    assert _determined(books, usage="sales", artefact_id=invoice["id"]) == ["GB_ZERO", "GB_NO_TAX"]
    assert _determined(books, usage="sales", artefact_id=invoice["id"], artefact_line_id=line,
                       artefact_line_amount="100.0", artefact_line_tax_included="false") == ["GB_NO_TAX"]
    problem(books.get("/tax_determinations", usage="sales", artefact_id="0" * 32), 404, "RecordNotFound",
            "artefact_id")
    problem(books.get("/tax_determinations", usage="sales", artefact_line_id="0" * 32), 404, "RecordNotFound",
            "artefact_line_id")


def test_spanish_retailer_rates_only_when_asked(client: TestClient, factory: Factory, frozen: Clock) -> None:
    spain = Books.open(client, factory, country="ES")
    plain = _determined(spain, usage="sales")
    assert "ES_STANDARD" in plain and not any(r.endswith("_RE") for r in plain)
    assert "ES_STANDARD_RE" in _determined(spain, usage="sales", retailer_rates="true")
    eu = spain.contact(tax_treatment={"home_tax": False, "eu_tax_registered": True})
    assert _determined(spain, usage="sales", contact_id=eu) == ["ES_EXEMPT", "ES_NO_TAX"]


@pytest.mark.parametrize(("query", "status", "source"), [
    ({}, 400, "usage"),
    ({"usage": "gifts"}, 400, "usage"),
    ({"usage": "sales", "date": "2024-02-30"}, 400, "date"),
    ({"usage": "sales", "retailer_rates": "maybe"}, 400, "retailer_rates"),
    ({"usage": "sales", "artefact_line_amount": "lots"}, 400, "artefact_line_amount"),
    ({"usage": "sales", "artefact_line_goods_services_type": "WIDGETS"}, 400, "artefact_line_goods_services_type"),
    ({"usage": "sales", "contact_id": "0" * 32}, 404, "contact_id"),
])
def test_tax_determination_parameters(books: Books, query: dict[str, str], status: int, source: str) -> None:
    assert problem(books.get("/tax_determinations", **query), status, None, source)


# --- hosted artefact payment settings --------------------------------------------------------------------------

def _payable(books: Books, artefact_id: str) -> bool:
    """The simulated payment provider's answer for an invoice."""
    def run(db: Session) -> bool:
        artefact = db.get(Artefact, artefact_id)
        assert artefact is not None
        return online_payment_enabled(db, artefact)

    return books.tx(run)


def test_hosted_artefact_payment_settings(books: Books, frozen: Clock) -> None:
    customer = books.contact(name="Payer", reference="PAY")
    invoice = books.document(customer, "120.00")
    other = books.document(books.contact(), "50.00")
    made = books.created("/hosted_artefact_payment_settings", "hosted_artefact_payment_setting",
                         {"object_guid": invoice})
    assert made["displayed_as"] == "SI-1" and made["disable_payment"] is True and made["object_guid"] == invoice
    assert books.get(made["$path"]).json() == made
    assert _payable(books, invoice) is False
    assert _payable(books, other) is True
    by_customer = books.created("/hosted_artefact_payment_settings", "hosted_artefact_payment_setting",
                                {"object_guid": customer, "disable_payment": True})
    assert by_customer["displayed_as"] == "Payer (PAY)"
    found = books.get("/hosted_artefact_payment_settings", object_guid=customer).json()["$items"]
    assert [i["id"] for i in found] == [by_customer["id"]]
    assert books.delete(made["$path"]).status_code == 204
    problem(books.get(made["$path"]), 404, "RecordNotFound")
    # Still disabled for this invoice: its customer's setting applies.
    assert _payable(books, invoice) is False
    deleted = books.get("/hosted_artefact_payment_settings", deleted_since="2024-06-15T00:00:00Z").json()
    assert [i["id"] for i in deleted["$items"]] == [made["id"]]


def test_hosted_artefact_payment_setting_validation(books: Books) -> None:
    vendor = books.contact("VENDOR")
    credit_note = books.document(books.contact(), "10.00", kind="SALES_CREDIT_NOTE")
    customer = books.contact()
    wrapper = "hosted_artefact_payment_setting"
    for guid in ("0" * 32, vendor, credit_note):
        problem(books.post("/hosted_artefact_payment_settings", {wrapper: {"object_guid": guid}}), 422,
                "RecordInvalid", "object_guid")
    problem(books.post("/hosted_artefact_payment_settings", {wrapper: {}}), 422, "RecordInvalid", "object_guid")
    problem(books.post("/hosted_artefact_payment_settings", {wrapper: {"object_guid": customer,
                                                                       "disable_payment": "sometimes"}}),
            422, "RecordInvalid", "disable_payment")
    books.created("/hosted_artefact_payment_settings", wrapper, {"object_guid": customer})
    problem(books.post("/hosted_artefact_payment_settings", {wrapper: {"object_guid": customer}}), 422,
            "RecordInvalid", "object_guid")


# --- roles, wrappers, region data -----------------------------------------------------------------------------

def _reader(books: Books, client: TestClient, factory: Factory) -> dict[str, str]:
    reader = factory.user()
    factory.member(books.business, reader, Role.READ_ONLY)
    return factory.headers(reader, business=books.business.id)


@pytest.mark.parametrize("path", WRAPPERS)
def test_read_only_members_read_settings_but_cannot_write(client: TestClient, factory: Factory, frozen: Clock,
                                                          path: str) -> None:
    books = Books.open(client, factory, country=COUNTRY.get(path, "GB"))
    headers = _reader(books, client, factory)
    assert client.get(f"/v3.1{path}", headers=headers).status_code == 200
    problem(client.put(f"/v3.1{path}", headers=headers, json={WRAPPERS[path]: {}}), 403, "MultiUserAccessDenied")


def test_read_only_members_and_the_other_endpoints(client: TestClient, factory: Factory, frozen: Clock) -> None:
    canada = Books.open(client, factory, country="CA")
    headers = _reader(canada, client, factory)
    profile = canada.get("/tax_profiles").json()["$items"][0]["$path"]
    assert client.get(f"/v3.1{profile}", headers=headers).status_code == 200
    problem(client.put(f"/v3.1{profile}", headers=headers, json={"tax_profile": {}}), 403, "MultiUserAccessDenied")
    books = Books.open(client, factory)
    headers = _reader(books, client, factory)
    # Sage: Statutory reporting (migrated returns) and tax determinations need full access, even to read.
    for path in ("/migration_tax_returns", "/tax_determinations?usage=sales"):
        problem(client.get(f"/v3.1{path}", headers=headers), 403, "MultiUserAccessDenied")
    problem(client.post("/v3.1/migration_tax_returns", headers=headers,
                        json={"migration_tax_return": _gb_return()}), 403, "MultiUserAccessDenied")
    customer = books.contact()
    assert client.get("/v3.1/hosted_artefact_payment_settings", headers=headers).status_code == 200
    problem(client.post("/v3.1/hosted_artefact_payment_settings", headers=headers,
                        json={"hosted_artefact_payment_setting": {"object_guid": customer}}),
            403, "MultiUserAccessDenied")


@pytest.mark.parametrize(("country", "method", "path"), [
    ("GB", "GET", "/datev_settings"), ("FR", "PUT", "/cis_settings"), ("US", "GET", "/tax_determinations"),
    ("FR", "GET", "/migration_tax_returns"), ("GB", "PUT", "/tax_profiles/x"),
])
def test_operations_sage_offers_elsewhere_do_not_exist(client: TestClient, factory: Factory, frozen: Clock,
                                                       country: str, method: str, path: str) -> None:
    books = Books.open(client, factory, country=country)
    problem(books.client.request(method, f"/v3.1{path}", headers=books.headers, json={}), 404, "RouteNotFound")


@pytest.mark.parametrize("path", WRAPPERS)
def test_missing_wrapper(client: TestClient, factory: Factory, frozen: Clock, path: str) -> None:
    books = Books.open(client, factory, country=COUNTRY.get(path, "GB"))
    problem(books.put(path, {"settings": {}}), 422, "Validation", WRAPPERS[path])
