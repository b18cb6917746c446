"""`nested_attributes`: link objects to other resources expand into those records (one level deep)."""

from __future__ import annotations

from starlette.testclient import TestClient

from ledgerd.api.resource import _replaced
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


def test_a_link_shared_by_several_records_expands_in_each_and_is_left_as_it_was() -> None:
    shared = {"id": "c1", "displayed_as": "Bob", "$path": "/contacts/c1"}
    items = [{"id": "a", "contact": shared, "lines": [{"contact": shared}]}, {"id": "b", "contact": shared}]
    record = {"id": "c1", "displayed_as": "Bob", "$path": "/contacts/c1", "name": "Bob"}
    out = [{key: _replaced(value, {("contacts", "c1"): record}) for key, value in item.items()} for item in items]
    assert out[0]["contact"] == out[1]["contact"] == out[0]["lines"][0]["contact"] == record
    assert out[0]["contact"] is not out[1]["contact"] and out[0]["contact"] is not record
    assert shared == {"id": "c1", "displayed_as": "Bob", "$path": "/contacts/c1"}
    assert items[0]["contact"] is shared and items[0]["lines"][0]["contact"] is shared
