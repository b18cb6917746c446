"""Records like the ones Sage's recorded answers show, made in a fresh GB business over HTTP.

Each builder makes what one recorded request read (tests/golden/facts.py) and answers the ledgerd response
to the same request: same path kind (list or read) and the same query parameters.
"""

from __future__ import annotations

from typing import Any

from tests.support.books import Books

ALL = {"attributes": "all"}
NESTED = {"attributes": "all", "nested_attributes": "all"}


def customer(books: Books) -> dict[str, Any]:
    """A customer like [DP]'s "Deskpro BV Customer (DP-002)": reference, tax number, address, person, bank
    details, credit terms, default sales ledger account."""
    return books.created("/contacts", "contact", {
        "name": "Deskpro BV Customer", "reference": "DP-002", "contact_type_ids": ["CUSTOMER"],
        "tax_number": "GB938484382", "default_sales_ledger_account_id": books.accounts[4900],
        "default_sales_tax_rate_id": "GB_STANDARD", "credit_limit": "2000", "credit_days": 30,
        "main_address": {"address_line_1": "Unit 12", "address_line_2": "Corporation Buildings",
                         "city": "North Shields", "region": "North Tyneside", "postal_code": "NE12 6GH",
                         "country_id": "GB"},
        "main_contact_person": {"name": "Dorcas McCullough", "telephone": "+44 2035 111111",
                                "mobile": "+44 2035 222222", "email": "beatty.irving@example.org",
                                "fax": "+44 2035 333333"},
        "bank_account_details": {"account_name": "McNally Computer Supplies", "account_number": "56565656",
                                 "sort_code": "997888"},
    })


def contact_read(books: Books) -> dict[str, Any]:
    made = customer(books)
    return dict(books.get(f"/contacts/{made['id']}", **NESTED).json())


def supplier_read(books: Books) -> dict[str, Any]:
    """A supplier like [DP]'s "Deskpro LTD Supplier (DP-001)": purchase account, address, person, credit terms."""
    made = books.created("/contacts", "contact", {
        "name": "Deskpro LTD Supplier", "reference": "DP-001", "contact_type_ids": ["VENDOR"],
        "tax_number": "GB678546656", "default_purchase_ledger_account_id": books.accounts[5000],
        "credit_limit": "14000", "credit_days": 45, "credit_terms": "date_from_payment",
        "main_address": {"address_type_id": "PURCHASING", "name": "Invoice Address",
                         "address_line_1": "79 Hartfield Rd", "city": "London", "region": "United Kingdom",
                         "postal_code": "SW19 3ES", "country_id": "GB"},
        "main_contact_person": {"name": "Main Contact", "telephone": "+44 2035 821980",
                                "email": "hello@deskpro.com"},
    })
    return dict(books.get(f"/contacts/{made['id']}", **NESTED).json())


def contact_list_item(books: Books) -> dict[str, Any]:
    customer(books)
    return dict(books.get("/contacts", **ALL).json()["$items"][0])


def address_read(books: Books) -> dict[str, Any]:
    made = customer(books)
    return dict(books.get(f"/addresses/{made['main_address']['id']}").json())


def contact_person_read(books: Books) -> dict[str, Any]:
    made = customer(books)
    return dict(books.get(f"/contact_persons/{made['main_contact_person']['id']}").json())


def bank_account_list_item(books: Books) -> dict[str, Any]:
    """[LS]'s bank account: details with BIC and IBAN, a main address and a main contact person."""
    books.created("/bank_accounts", "bank_account", {
        "bank_account_type_id": "CHECKING",
        "bank_account_details": {"account_name": "woodside snooker", "account_number": "12345678",
                                 "sort_code": "070407", "bic": "HLFXGB21F08", "iban": "GB29 NWBK 6016 1331 9268 19"},
        "main_address": {"address_line_1": "1 High Street", "country_id": "GB"},
        "main_contact_person": {"name": "Main Contact"},
    })
    items = books.get("/bank_accounts", items_per_page=50, **ALL).json()["$items"]
    return dict(next(i for i in items if i["displayed_as"].startswith("woodside snooker")))


def ledger_account_read(books: Books) -> dict[str, Any]:
    """[DP]'s "Other income (4900)", as the contact read nests it."""
    return dict(books.get(f"/ledger_accounts/{books.accounts[4900]}").json())


def product(books: Books) -> dict[str, Any]:
    return books.created("/products", "product", {
        "item_code": "OWF", "description": "Oak Wood Frame", "cost_price": "10",
        "sales_ledger_account_id": books.accounts[4000], "purchase_ledger_account_id": books.accounts[5000],
        "sales_tax_rate_id": "GB_STANDARD", "purchase_tax_rate_id": "GB_STANDARD",
        "sales_prices": [{"price_name": "Sales Price", "price": "30"}],
    })


def product_list_item(books: Books) -> dict[str, Any]:
    product(books)
    return dict(books.get("/products", items_per_page=50, **ALL).json()["$items"][0])


def sales_invoice(books: Books) -> dict[str, Any]:
    """[DP]'s SI-2: a customer with an address, one product line at the standard rate, with a discount."""
    contact = customer(books)
    made = product(books)
    return books.created("/sales_invoices", "sales_invoice", {
        "contact_id": contact["id"], "date": "2023-09-29",
        "invoice_lines": [{"description": "Jeans", "product_id": made["id"], "ledger_account_id": books.accounts[4000],
                           "quantity": "3", "unit_price": "45.83", "tax_rate_id": "GB_STANDARD",
                           "discount_amount": "3", "tax_amount": "26.9"}],
    })


def sales_invoice_read(books: Books) -> dict[str, Any]:
    made = sales_invoice(books)
    return dict(books.get(f"/sales_invoices/{made['id']}").json())


def sales_invoice_read_nested(books: Books) -> dict[str, Any]:
    made = sales_invoice(books)
    return dict(books.get(f"/sales_invoices/{made['id']}", **NESTED).json())


def sales_invoice_sorted_item(books: Books) -> dict[str, Any]:
    """[LS]'s `GET /sales_invoices?items_per_page=1&attributes=date&sort=date:asc`."""
    sales_invoice(books)
    return dict(books.get("/sales_invoices", items_per_page=1, attributes="date", sort="date:asc").json()["$items"][0])


def contact_payment_read(books: Books) -> dict[str, Any]:
    contact = customer(books)
    made = books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": contact["id"], "bank_account_id": books.bank(),
        "date": "2023-10-02", "total_amount": "100", "payment_method_id": "BANK_TRANSFER"})
    return dict(books.get(f"/contact_payments/{made['id']}").json())


def tax_rate_read(books: Books) -> dict[str, Any]:
    return dict(books.get("/tax_rates/GB_STANDARD").json())


def financial_settings(books: Books) -> dict[str, Any]:
    return dict(books.get("/financial_settings").json())


def business_read(books: Books) -> dict[str, Any]:
    return dict(books.get(f"/businesses/{books.business_id}").json())


def business_list(books: Books) -> dict[str, Any]:
    return dict(books.get("/businesses").json())
