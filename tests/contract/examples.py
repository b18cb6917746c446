"""A valid create (and update) body for every served resource, built against a fresh business.

Each `create` makes whatever the body refers to first (a customer, an invoice to pay…) and returns
`{wrapper: {...}}`. Resources without POST say how to `make` records of theirs by creating something
else. `removal` says what DELETE does to a record, as decided in the resource's code:

- "forget": 204, then 404, and the id shows in `deleted_since` (a tombstone is written);
- "void": 200 with the voided document (`?void_reason=` needed); it stays readable, no tombstone;
- "void-kept": 204, but a posted document is voided and kept (readable, no tombstone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from tests.contract.books import Body, Books

Removal = Literal["forget", "void", "void-kept"]


@dataclass(frozen=True)
class Example:
    create: Callable[[Books], Body] | None = None
    # Given the created record, a body that changes it.
    update: Callable[[Books, Body], Body] | None = None
    # Resources without POST: make at least one record by creating something else.
    make: Callable[[Books], None] | None = None
    removal: Removal = "forget"
    delete_params: Mapping[str, str] = field(default_factory=dict)
    # The business country the resource's writes need (US for custom tax rates).
    country: str = "GB"
    # The only country whose businesses are served the resource at all (ES for corrective invoices): its
    # reads are checked in a reader business of that country.
    region: str | None = None


# --- shared prerequisites ----------------------------------------------------------------------------------

def customer(books: Books) -> str:
    return books.once("customer", lambda: str(books.create("contacts", {"contact": {
        "name": "Contract Customer", "contact_type_ids": ["CUSTOMER"], "reference": "CUST"}})["id"]))


def vendor(books: Books) -> str:
    return books.once("vendor", lambda: str(books.create("contacts", {"contact": {
        "name": "Contract Supplier", "contact_type_ids": ["VENDOR"], "reference": "SUPP"}})["id"]))


def _line(books: Books, code: int, description: str, quantity: str, unit_price: str, rate: str,
          tax: str = "0.00") -> Body:
    return {"description": description, "ledger_account_id": books.account(code), "quantity": quantity,
            "unit_price": unit_price, "tax_rate_id": rate, "tax_amount": tax}


def _invoice_fields(books: Books) -> Body:
    # 3 x 125.50 = 376.50 at 20% = 75.30.
    return {"contact_id": customer(books), "date": "2024-03-15", "due_date": "2024-04-14",
            "reference": f"INV-{books.number()}",
            "invoice_lines": [_line(books, 4000, "Consulting", "3", "125.50", "GB_STANDARD", "75.30"),
                              _line(books, 4000, "Food", "2", "5", "GB_ZERO")]}


def _credit_note_fields(books: Books) -> Body:
    return {"contact_id": customer(books), "date": "2024-03-20", "reference": f"CN-{books.number()}",
            "credit_note_lines": [_line(books, 4000, "Return", "1", "10", "GB_ZERO")]}


def sales_invoice(books: Books) -> str:
    return str(books.create("sales_invoices", {"sales_invoice": _invoice_fields(books)})["id"])


def sales_credit_note(books: Books) -> str:
    return str(books.create("sales_credit_notes", {"sales_credit_note": _credit_note_fields(books)})["id"])


def _address_of_customer(books: Books) -> str:
    return books.once("address", lambda: str(books.create("addresses", _address(books))["id"]))


def _bank_account(books: Books) -> Body:
    return {"bank_account": {"bank_account_type_id": "SAVINGS",
                             "bank_account_details": {"account_name": f"Savings {books.number()}"}}}


def _quote(kind: str) -> Callable[[Books], Body]:
    def body(books: Books) -> Body:
        return {f"sales_{kind}": {
            "contact_id": customer(books), "date": "2024-02-01", "expiry_date": "2024-03-01",
            "reference": f"Q-{books.number()}",
            f"{kind}_lines": [_line(books, 4000, "Consulting", "3", "125.50", "GB_STANDARD", "75.30")]}}

    return body


def _notes(wrapper: str) -> Callable[[Books, Body], Body]:
    return lambda books, made: {wrapper: {"notes": "Changed by the contract tests"}}


# --- one body per resource ---------------------------------------------------------------------------------

def _address(books: Books) -> Body:
    return {"address": {"contact_id": customer(books), "address_type_id": "DELIVERY", "name": "Depot",
                        "is_main_address": False, "address_line_1": "1 High Street", "city": "Leeds",
                        "postal_code": "LS1 1AA", "country_id": "GB"}}


def _bank_deposit(books: Books) -> Body:
    return {"bank_deposit": {"from_bank_account_id": books.bank("CASH_IN_HAND"), "to_bank_account_id": books.bank(),
                             "date": "2024-02-01", "reference": "Takings", "cash_amount": 80,
                             "cheque_amount": "20.50"}}


def _bank_opening_balance(books: Books) -> Body:
    # One opening balance per bank account: each gets a new account.
    bank = books.create("bank_accounts", _bank_account(books))["id"]
    return {"bank_opening_balance": {"bank_account_id": bank, "date": "2023-12-31", "debit": 100, "credit": 0}}


def _bank_transfer(books: Books) -> Body:
    return {"bank_transfer": {"from_bank_account_id": books.bank(), "to_bank_account_id": books.bank("CASH_IN_HAND"),
                              "date": "2024-02-02", "amount": 25, "reference": "Float"}}


def _contact_allocation(books: Books) -> Body:
    invoice, note = sales_invoice(books), sales_credit_note(books)
    return {"contact_allocation": {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": customer(books), "date": "2024-03-21",
        "allocated_artefacts": [{"artefact_id": invoice, "amount": 10}, {"artefact_id": note, "amount": -10}]}}


def _contact_opening_balance(books: Books) -> Body:
    return {"contact_opening_balance": {
        "contact_opening_balance_type_id": "INVOICE", "contact_id": customer(books), "date": "2023-12-31",
        "reference": f"OB-{books.number()}", "total_amount": 300, "details": "Brought forward"}}


def _contact_payment(books: Books) -> Body:
    invoice = sales_invoice(books)
    return {"contact_payment": {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer(books), "bank_account_id": books.bank(),
        "date": "2024-03-20", "total_amount": "150.00", "reference": "Receipt",
        "allocated_artefacts": [{"artefact_id": invoice, "amount": "100.00"}],
        "payment_on_account": {"reference": "Deposit", "total_amount": "50.00"}}}


def _contact_person(books: Books) -> Body:
    return {"contact_person": {"address_id": _address_of_customer(books), "name": f"Person {books.number()}",
                               "contact_person_type_ids": ["ACCOUNTS"], "email": "person@example.com"}}


def _contact(books: Books) -> Body:
    n = books.number()
    return {"contact": {"name": f"Contact {n}", "contact_type_ids": ["CUSTOMER"], "reference": f"C{n}",
                        "email": f"c{n}@example.com", "default_sales_tax_rate_id": "GB_STANDARD",
                        "main_address": {"address_line_1": "2 Low Street", "city": "York", "country_id": "GB"},
                        "main_contact_person": {"name": "Main Person"}}}


def _journal(books: Books) -> Body:
    return {"journal": {"date": "2024-01-15", "reference": f"J-{books.number()}", "description": "Equipment",
                        "journal_lines": [
                            {"ledger_account_id": books.account(30), "debit": 100, "credit": 0, "details": "In"},
                            {"ledger_account_id": books.account(1001), "debit": 0, "credit": 100, "details": "Out"}]}}


def _make_journal(books: Books) -> None:
    books.create("journals", _journal(books))


def _ledger_account(books: Books) -> Body:
    n = books.number()
    return {"ledger_account": {"ledger_account_type_id": "OVERHEADS", "included_in_chart": True,
                               "name": f"Contract costs {n}", "display_name": f"Contract costs {n}",
                               "nominal_code": 8800 + n, "tax_rate_id": "GB_STANDARD"}}


def _opening_balance_journal(books: Books) -> Body:
    return {"opening_balance_journal": {"date": "2023-12-31", "reference": f"OBJ-{books.number()}",
                                        "journal_lines": [{"ledger_account_id": books.account(30), "debit": 500,
                                                           "credit": 0, "details": "Brought forward"}]}}


def _other_payment(books: Books) -> Body:
    return {"other_payment": {
        "transaction_type_id": "OTHER_PAYMENT", "date": "2024-02-10", "bank_account_id": books.bank(),
        "contact_id": vendor(books), "reference": "Paper", "total_amount": 120, "payment_method_id": "CREDIT_DEBIT",
        "payment_lines": [{"ledger_account_id": books.account(7500), "total_amount": 120,
                           "tax_rate_id": "GB_STANDARD", "details": "A4 paper"}]}}


def _price_type(wrapper: str) -> Callable[[Books], Body]:
    return lambda books: {wrapper: {"name": f"Contract price {books.number()}", "active": True}}


def _product(books: Books) -> Body:
    n = books.number()
    return {"product": {"item_code": f"P-{n}", "description": f"Widget {n}", "cost_price": "2.5",
                        "sales_ledger_account_id": books.account(4000),
                        "purchase_ledger_account_id": books.account(5000), "sales_tax_rate_id": "GB_STANDARD",
                        "usual_supplier_id": vendor(books)}}


def _purchase_invoice(books: Books) -> Body:
    return {"purchase_invoice": {
        "contact_id": vendor(books), "date": "2024-04-02", "due_date": "2024-05-02",
        "reference": f"BILL-{books.number()}", "vendor_reference": "INV-88123",
        "invoice_lines": [_line(books, 5000, "Stock", "12", "8.75", "GB_STANDARD", "21.00")]}}


def _purchase_credit_note(books: Books) -> Body:
    return {"purchase_credit_note": {
        "contact_id": vendor(books), "date": "2024-04-10", "vendor_reference": f"PCN-{books.number()}",
        "credit_note_lines": [_line(books, 5000, "Damaged", "2", "8.75", "GB_STANDARD", "3.50")]}}


def _service(books: Books) -> Body:
    n = books.number()
    return {"service": {"item_code": f"S-{n}", "description": f"Consulting {n}",
                        "sales_ledger_account_id": books.account(4000), "sales_tax_rate_id": "GB_STANDARD"}}


def _tax_rate(books: Books) -> Body:
    return {"tax_rate": {"name": f"City tax {books.number()}", "agency": "City", "percentage": "2.5"}}


def _make_credit_note(books: Books) -> None:
    sales_credit_note(books)


def _quick_entry(side: str) -> Callable[[Books], Body]:
    def body(books: Books) -> Body:
        sales = side == "sales"
        return {f"{side}_quick_entry": {
            "quick_entry_type_id": "INVOICE", "contact_id": customer(books) if sales else vendor(books),
            "date": "2024-03-05", "reference": f"QE-{books.number()}", "details": "Quick entry",
            "ledger_account_id": books.account(4000 if sales else 5000), "net_amount": "100.00",
            "tax_rate_id": "GB_STANDARD", "tax_amount": "20.00"}}

    return body


def _bank_reconciliation(books: Books) -> Body:
    # A new account each time: its first statement agrees at once, as nothing has moved through it.
    bank = books.create("bank_accounts", _bank_account(books))["id"]
    return {"bank_reconciliation": {"bank_account_id": bank, "statement_date": "2024-01-31",
                                    "statement_end_balance": "0", "reference": f"Statement {books.number()}"}}


def _spanish_invoice(books: Books, path: str, wrapper: str, contact: str, code: int) -> str:
    # 2 x 100.00 at IVA 21% = 242.00: room for the -12.10 corrections below.
    return str(books.create(path, {wrapper: {
        "contact_id": contact, "date": "2024-03-01", "due_date": "2024-03-31", "reference": f"ES-{books.number()}",
        "invoice_lines": [_line(books, code, "Servicios", "2", "100", "ES_STANDARD", "42.00")]}})["id"])


def _sales_correction(books: Books) -> Body:
    original = _spanish_invoice(books, "sales_invoices", "sales_invoice", customer(books), 7000)
    return {"sales_corrective_invoice": {
        "original_invoice_id": original, "corrective_reason_code_id": "R4", "date": "2024-03-10",
        "reference": f"R-{books.number()}", "invoice_lines": [_line(books, 7000, "Rebaja", "1", "-10", "ES_STANDARD",
                                                                   "-2.10")]}}


def _purchase_correction(books: Books) -> Body:
    original = _spanish_invoice(books, "purchase_invoices", "purchase_invoice", vendor(books), 6000)
    return {"purchase_corrective_invoice": {
        "original_invoice_id": original, "date": "2024-03-10", "reference": f"R-{books.number()}",
        "invoice_lines": [_line(books, 6000, "Rebaja", "1", "-10", "ES_STANDARD", "-2.10")]}}


def _attachment(books: Books) -> Body:
    n = books.number()
    return {"attachment": {"file": "JVBERi0xLjQKJcOkw7zDtsOfCg==", "file_name": f"scan-{n}.pdf",
                           "mime_type": "application/pdf", "attachment_context_type_id": "CONTACT",
                           "attachment_context_id": customer(books)}}


def _stock_item(books: Books) -> Body:
    n = books.number()
    return {"stock_item": {"item_code": f"STK-{n}", "description": f"Stock {n}", "cost_price": "2.5",
                           "sales_ledger_account_id": books.account(4000),
                           "purchase_ledger_account_id": books.account(5000), "usual_supplier_id": vendor(books),
                           "reorder_level": "5", "location": "Shelf 1"}}


def _stock_movement(books: Books) -> Body:
    item = books.once("stock_item", lambda: str(books.create("stock_items", _stock_item(books))["id"]))
    return {"stock_movement": {"stock_item_id": item, "date": "2024-03-01", "quantity": "12", "cost_price": "2.5",
                               "details": f"Delivery {books.number()}", "reference": "GRN"}}


def _analysis_type_category(books: Books) -> Body:
    project = books.once("project", lambda: str(
        books.get("/analysis_types", search="project").json()["$items"][0]["id"]))
    return {"analysis_type_category": {"analysis_type_id": project, "name": f"Project {books.number()}"}}


def _seeded_analysis_types(books: Books) -> None:
    raise AssertionError("every business is given Sage's six analysis types when it is created")


def _journal_code(books: Books) -> Body:
    n = books.number()
    return {"journal_code": {"name": f"Banque {n}", "code": f"BQ{n}", "journal_code_type_id": "BANK"}}


def _ledger_account_opening_balance(books: Books) -> Body:
    # One opening balance per ledger account: each gets a new account.
    account = books.create("ledger_accounts", _ledger_account(books))["id"]
    return {"ledger_account_opening_balance": {"ledger_account_id": account, "debit": "250.00", "credit": 0,
                                               "details": "Brought forward"}}


def _business_exchange_rate(books: Books) -> Body:
    # One rate per currency: the first currency (besides the GBP base) this business has no rate for yet.
    taken = {item["id"] for item in books.get("/business_exchange_rates", items_per_page=200).json()["$items"]}
    currency = next(c for c in ("USD", "EUR", "CAD", "JPY", "CHF", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK",
                                "HUF", "ZAR", "INR", "SGD", "HKD", "CNY", "MXN", "BRL") if c not in taken)
    return {"business_exchange_rate": {"currency_id": currency, "rate": "1.25"}}


def _migration_tax_return(books: Books) -> Body:
    # Migrated periods may not overlap: each return gets a year of its own.
    year = 1990 + books.number()
    return {"migration_tax_return": {"from_date": f"{year}-01-01", "to_date": f"{year}-03-31", "total_amount": 150,
                                     "tax_return_frequency_id": "QUARTERLY",
                                     "gb": {"box_1": 200, "box_3": 200, "box_4": 50, "box_5": 150}}}


def _draft_tax_return(books: Books) -> Body:
    # One quarter per draft, far from the quarters the filed examples take.
    year = 2100 + books.number()
    return {"draft_tax_return": {"period_start_date": f"{year}-01-01", "period_end_date": f"{year}-03-31"}}


def _file_tax_return(books: Books) -> None:
    """File the latest quarter not filed yet (HMRC takes ended periods of the last few years)."""
    books.once("vrn", lambda: books.request("PUT", "/financial_settings",
                                            {"financial_settings": {"tax_number": "GB123456789"}}))
    today = books.factory.runtime.clock.now().date()
    year, quarter = divmod(today.year * 4 + (today.month - 1) // 3 - 1 - books.get("/tax_returns").json()["$total"], 4)
    end_month = 3 * quarter + 3
    end = f"{year}-{end_month:02d}-{30 if end_month in (6, 9) else 31}"
    draft = books.create("draft_tax_returns", {"draft_tax_return": {
        "period_start_date": f"{year}-{end_month - 2:02d}-01", "period_end_date": end}})
    filed = books.request("POST", f"/draft_tax_returns/{draft['id']}/submit")
    assert filed.status_code == 201, filed.text


EXAMPLES: dict[str, Example] = {
    "addresses": Example(_address, lambda books, made: {"address": {"city": "Harrogate"}}),
    "analysis_type_categories": Example(_analysis_type_category, lambda books, made: {"analysis_type_category": {
        "name": f"Renamed category {books.number()}"}}),
    "analysis_types": Example(make=_seeded_analysis_types, update=lambda books, made: {"analysis_type": {
        "name": f"Renamed type {books.number()}"}}),
    "attachments": Example(_attachment, lambda books, made: {"attachment": {
        "description": "Changed by the contract tests"}}),
    "bank_accounts": Example(_bank_account, lambda books, made: {"bank_account": {
        "bank_account_details": {"account_name": "Renamed savings"}}}),
    "bank_deposits": Example(_bank_deposit),
    "bank_opening_balances": Example(_bank_opening_balance, lambda books, made: {"bank_opening_balance": {
        "debit": 150}}),
    "bank_reconciliations": Example(_bank_reconciliation, lambda books, made: {"bank_reconciliation": {
        "reference": "Changed"}}),
    "bank_transfers": Example(_bank_transfer, lambda books, made: {"bank_transfer": {"amount": 30}}),
    "business_exchange_rates": Example(_business_exchange_rate, lambda books, made: {"business_exchange_rate": {
        "rate": 1.3}}),
    "contact_allocations": Example(_contact_allocation, lambda books, made: {"contact_allocation": {
        "date": "2024-03-22"}}),
    "contact_opening_balances": Example(_contact_opening_balance, lambda books, made: {"contact_opening_balance": {
        "details": "Changed", "total_amount": 310}}),
    "contact_payments": Example(_contact_payment, lambda books, made: {"contact_payment": {
        "reference": "Changed"}}),
    "contact_persons": Example(_contact_person, lambda books, made: {"contact_person": {"job_title": "Director"}}),
    "contacts": Example(_contact, _notes("contact")),
    "draft_tax_returns": Example(_draft_tax_return),
    "hosted_artefact_payment_settings": Example(lambda books: {"hosted_artefact_payment_setting": {
        "object_guid": sales_invoice(books)}}),
    "journal_codes": Example(_journal_code, lambda books, made: {"journal_code": {"name": "Caisse"}}, country="FR",
                             region="FR"),
    "journals": Example(_journal),
    "ledger_accounts": Example(_ledger_account, lambda books, made: {"ledger_account": {
        "display_name": "Renamed costs"}}),
    "ledger_account_opening_balances": Example(_ledger_account_opening_balance, lambda books, made: {
        "ledger_account_opening_balance": {"debit": 0, "credit": "99.50"}}),
    "ledger_entries": Example(make=_make_journal),
    "migration_tax_returns": Example(_migration_tax_return),
    "opening_balance_journals": Example(_opening_balance_journal),
    "other_payments": Example(_other_payment, lambda books, made: {"other_payment": {"reference": "Changed"}}),
    "product_sales_price_types": Example(_price_type("product_sales_price_type"), lambda books, made: {
        "product_sales_price_type": {"name": f"Renamed price {books.number()}"}}),
    "products": Example(_product, _notes("product")),
    "purchase_corrective_invoices": Example(_purchase_correction, _notes("purchase_corrective_invoice"),
                                            removal="void-kept", country="ES", region="ES"),
    "purchase_credit_notes": Example(_purchase_credit_note, _notes("purchase_credit_note"), removal="void-kept"),
    "purchase_invoices": Example(_purchase_invoice, _notes("purchase_invoice"), removal="void-kept"),
    "purchase_quick_entries": Example(_quick_entry("purchase"), lambda books, made: {"purchase_quick_entry": {
        "details": "Changed by the contract tests"}}, removal="void-kept"),
    "sales_corrective_invoices": Example(_sales_correction, _notes("sales_corrective_invoice"), removal="void",
                                         delete_params={"void_reason": "Raised in error"}, country="ES",
                                         region="ES"),
    "sales_credit_notes": Example(lambda books: {"sales_credit_note": _credit_note_fields(books)},
                                  _notes("sales_credit_note"), removal="void",
                                  delete_params={"void_reason": "Raised in error"}),
    "sales_estimates": Example(_quote("estimate"), _notes("sales_estimate")),
    "sales_invoices": Example(lambda books: {"sales_invoice": _invoice_fields(books)}, _notes("sales_invoice"),
                              removal="void", delete_params={"void_reason": "Raised in error"}),
    "sales_quick_entries": Example(_quick_entry("sales"), lambda books, made: {"sales_quick_entry": {
        "details": "Changed by the contract tests"}}, removal="void-kept"),
    "sales_quotes": Example(_quote("quote"), _notes("sales_quote")),
    "service_rate_types": Example(_price_type("service_rate_type"), lambda books, made: {
        "service_rate_type": {"name": f"Renamed rate {books.number()}"}}),
    "services": Example(_service, _notes("service")),
    "stock_items": Example(_stock_item, _notes("stock_item")),
    "stock_movements": Example(_stock_movement, lambda books, made: {"stock_movement": {"quantity": "-3"}}),
    "tax_rates": Example(_tax_rate, lambda books, made: {"tax_rate": {"name": f"County tax {books.number()}"}},
                         country="US"),
    "tax_returns": Example(make=_file_tax_return),
    "transactions": Example(make=_make_journal),
    "unallocated_artefacts": Example(make=_make_credit_note),
}


def add_records(books: Books, path: str, count: int) -> list[str]:
    """Make `count` more records of `path` (or, for resources without POST, enough that at least `count`
    exist); returns the ids of the ones created directly."""
    example = EXAMPLES[path]
    if example.create is None:
        assert example.make is not None, path
        while books.get(f"/{path}", items_per_page=1).json()["$total"] < count:
            example.make(books)
        return []
    return [str(books.create(path, example.create(books))["id"]) for _ in range(count)]
