"""`nested_attributes`: link objects to other resources expand into those records (one level deep)."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.support.books import Books
from tests.support.factories import Factory


def test_links_expand_to_the_linked_records(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory)
    sales = books.accounts[4000]
    c = books.created("/contacts", "contact", {"name": "N", "contact_type_ids": ["CUSTOMER"],
                                               "default_sales_ledger_account_id": sales})
    plain = books.get(f"/contacts/{c['id']}").json()
    assert list(plain["default_sales_ledger_account"]) == ["id", "displayed_as", "$path"]
    full = books.get(f"/contacts/{c['id']}", nested_attributes="all").json()
    assert full["default_sales_ledger_account"]["nominal_code"] == 4000
    some = books.get(f"/contacts/{c['id']}", nested_attributes="nominal_code").json()
    assert some["default_sales_ledger_account"] == {"id": sales, "displayed_as": "Sales - Products (4000)",
                                                    "$path": f"/ledger_accounts/{sales}", "nominal_code": 4000}
    listed = books.get("/contacts", attributes="all", nested_attributes="all").json()
    address = listed["$items"][0]["main_address"]
    assert address["address_type"]["id"] == "ACCOUNTS" and "created_at" in address  # the full address record
