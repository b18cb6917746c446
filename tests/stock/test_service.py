"""Stock items and stock movements over HTTP on SQLite and PostgreSQL: quantities and costs derived from
movements and documents, the catalog's rules for the product part, and the delete rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.catalog.service import seed_price_types
from ledgerd.clock import Clock
from tests.support import reference
from tests.support.books import Books, problem
from tests.support.factories import Factory

STOCK_ITEM_KEYS = [
    "id", "displayed_as", "$path", "created_at", "updated_at", "deleted_at", "deletable", "deactivatable",
    "used_on_recurring_invoice", "item_code", "description", "notes", "sales_ledger_account", "sales_tax_rate",
    "purchase_ledger_account", "usual_supplier", "purchase_tax_rate", "cost_price", "sales_prices", "source_guid",
    "purchase_description", "reorder_level", "reorder_quantity", "location", "barcode", "supplier_part_number",
    "weight", "measurement_unit", "weight_converted", "active", "quantity_in_stock", "last_cost_price",
    "last_cost_price_stock_value", "average_cost_price", "average_cost_price_stock_value", "cost_price_last_updated"]
MOVEMENT_KEYS = ["id", "displayed_as", "$path", "links", "created_at", "updated_at", "movement_number", "date",
                 "cost_price", "quantity", "details", "reference", "stock_item"]


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    opened = Books.open(client, factory)
    opened.tx(lambda db: seed_price_types(db, opened.business_id, factory.runtime.clock.now()))
    return opened


def item(books: Books, code: str = "WID-1", expect: int = 201, **extra: Any) -> dict[str, Any]:
    return books.created("/stock_items", "stock_item", {
        "item_code": code, "description": f"Widget {code}", "sales_ledger_account_id": books.accounts[4000],
        "purchase_ledger_account_id": books.accounts[5000], **extra}, expect=expect)


def move(books: Books, item_id: str, quantity: str, cost: str = "2", on: str = "2024-03-01",
         details: str = "Adjustment", **extra: Any) -> dict[str, Any]:
    return books.created("/stock_movements", "stock_movement", {
        "stock_item_id": item_id, "date": on, "quantity": quantity, "cost_price": cost, "details": details, **extra})


def figures(books: Books, item_id: str) -> tuple[Any, ...]:
    found = books.get(f"/stock_items/{item_id}").json()
    return (found["quantity_in_stock"], found["last_cost_price"], found["last_cost_price_stock_value"],
            found["average_cost_price"], found["average_cost_price_stock_value"], found["cost_price_last_updated"])


def test_wire_shapes_follow_the_swagger_definitions() -> None:
    definitions = reference.definitions()
    assert list(definitions["StockItem"]["properties"]) == STOCK_ITEM_KEYS
    assert list(definitions["StockMovement"]["properties"]) == MOVEMENT_KEYS


def test_create_a_stock_item_with_opening_stock(books: Books, clock: Clock) -> None:
    clock.freeze()
    supplier = books.contact("VENDOR", name="Widget Works")
    created = item(books, notes="Blue", cost_price="2.5", sales_tax_rate_id="GB_STANDARD",
                   purchase_tax_rate_id="GB_STANDARD", usual_supplier_id=supplier, reorder_level="5",
                   reorder_quantity="20", location="Shelf 3", barcode="5012345678900", supplier_part_number="WW-9",
                   weight="1.25", measurement_unit="kg", weight_converted="1250", quantity_in_stock="12",
                   sales_prices=[{"price_name": "Sales Price", "price": "9.99"}],
                   # Derived figures a client sends are ignored.
                   last_cost_price="99", average_cost_price="99", cost_price_last_updated="2000-01-01")
    assert list(created) == STOCK_ITEM_KEYS
    key = created["id"]
    assert (created["$path"], created["displayed_as"], created["item_code"]) == (
        f"/stock_items/{key}", "Widget WID-1", "WID-1")
    assert created["sales_ledger_account"]["id"] == books.accounts[4000]
    assert created["purchase_ledger_account"]["id"] == books.accounts[5000]
    assert created["sales_tax_rate"]["id"] == created["purchase_tax_rate"]["id"] == "GB_STANDARD"
    assert created["usual_supplier"]["id"] == supplier
    assert [(p["price_name"], p["price"]) for p in created["sales_prices"]] == [
        ("Sales Price", "9.99"), ("Trade", "0.0"), ("Wholesale", "0.0")]
    assert created["sales_prices"][0]["product_sales_price_type"]["$path"].startswith("/product_sales_price_types/")
    assert (created["reorder_level"], created["reorder_quantity"], created["location"], created["barcode"]) == (
        "5.0", "20.0", "Shelf 3", "5012345678900")
    assert (created["supplier_part_number"], created["weight"], created["measurement_unit"]) == ("WW-9", "1.25", "kg")
    assert (created["weight_converted"], created["active"], created["notes"]) == ("1250.0", True, "Blue")
    today = clock.now().date().isoformat()
    assert (created["quantity_in_stock"], created["last_cost_price"], created["last_cost_price_stock_value"],
            created["average_cost_price"], created["average_cost_price_stock_value"],
            created["cost_price_last_updated"]) == ("12.0", "2.5", "30.0", "2.5", "30.0", today)
    # The opening stock is a movement, so the item is not deletable.
    assert created["deletable"] is False and created["deactivatable"] is True
    [opening] = books.get("/stock_movements", attributes="all", stock_item_id=key).json()["$items"]
    assert list(opening) == MOVEMENT_KEYS
    assert (opening["quantity"], opening["cost_price"], opening["details"], opening["date"]) == (
        "12.0", "2.5", "Opening stock", today)
    assert opening["stock_item"] == {"id": key, "displayed_as": "Widget WID-1", "$path": f"/stock_items/{key}"}
    assert books.get(f"/stock_items/{key}").json() == created


def test_stock_items_and_products_are_apart_but_share_item_codes(books: Books) -> None:
    stock = item(books, "SHARED")
    product = books.created("/products", "product", {
        "description": "Plain", "item_code": "P-1", "sales_ledger_account_id": books.accounts[4000],
        "purchase_ledger_account_id": books.accounts[5000]})
    problem(books.get(f"/products/{stock['id']}"), 404, "RecordNotFound")
    problem(books.get(f"/stock_items/{product['id']}"), 404, "RecordNotFound")
    assert [i["id"] for i in books.get("/stock_items").json()["$items"]] == [stock["id"]]
    problem(books.post("/stock_items", {"stock_item": {
        "item_code": "shared", "description": "Again", "sales_ledger_account_id": books.accounts[4000],
        "purchase_ledger_account_id": books.accounts[5000]}}), 422, "RecordInvalid", "item_code")
    problem(books.post("/products", {"product": {
        "item_code": "Shared", "description": "Again", "sales_ledger_account_id": books.accounts[4000],
        "purchase_ledger_account_id": books.accounts[5000]}}), 422, "RecordInvalid", "item_code")


def test_create_checks_its_shape_and_references(books: Books) -> None:
    accounts = {"sales_ledger_account_id": books.accounts[4000], "purchase_ledger_account_id": books.accounts[5000]}
    cases: list[tuple[dict[str, Any], str]] = [
        ({**accounts, "description": "No code"}, "item_code"),
        ({**accounts, "item_code": "X" * 31, "description": "Long code"}, "item_code"),
        ({**accounts, "item_code": "A"}, "description"),
        ({"item_code": "A", "description": "A", "sales_ledger_account_id": books.accounts[4000]},
         "purchase_ledger_account_id"),
        ({**accounts, "item_code": "A", "description": "A", "reorder_level": -1}, "reorder_level"),
        ({**accounts, "item_code": "A", "description": "A", "quantity_in_stock": "1.0000001"}, "quantity_in_stock"),
        ({**accounts, "item_code": "A", "description": "A", "sales_ledger_account_id": books.accounts[5000]},
         "sales_ledger_account_id"),
        ({**accounts, "item_code": "A", "description": "A", "usual_supplier_id": books.contact()},
         "usual_supplier_id"),
        ({**accounts, "item_code": "A", "description": "A", "sales_prices": [{"price_name": "Nope", "price": 1}]},
         "sales_prices[0].product_sales_price_type_id"),
    ]
    for body, source in cases:
        response = books.post("/stock_items", {"stock_item": body})
        assert response.status_code == 422, (body, response.text)
        assert source in [p["$source"] for p in response.json()], (body, response.text)
    assert books.get("/stock_items").json()["$total"] == 0
    assert books.get("/stock_movements").json()["$total"] == 0
    # A catalog type in the body is not the client's to choose here: it is ignored.
    assert item(books, catalog_item_type_id="PRODUCT")["item_code"] == "WID-1"


def test_quantities_and_costs_follow_the_movements(books: Books, clock: Clock) -> None:
    clock.freeze()
    key = item(books, cost_price="1.5")["id"]
    assert figures(books, key) == ("0.0", "1.5", "0.0", "1.5", "0.0", None)
    first = move(books, key, "10", "2", on="2024-03-01", details="Delivery", reference="GRN-1", movement_number="1")
    assert list(first) == MOVEMENT_KEYS
    assert (first["movement_number"], first["reference"], first["links"]) == ("1", "GRN-1", [])
    move(books, key, "5", "3.2", on="2024-03-05")
    move(books, key, "-4", "2", on="2024-03-06", details="Breakage")
    # 11 in stock; last purchase 3.20 (5 March); average (10 x 2 + 5 x 3.2) / 15 = 2.4.
    assert figures(books, key) == ("11.0", "3.2", "35.2", "2.4", "26.4", "2024-03-05")
    # An earlier-dated purchase entered later is not the last one.
    move(books, key, "1", "9", on="2024-02-01")
    assert figures(books, key)[0:2] == ("12.0", "3.2")
    clock.advance(timedelta(seconds=2))
    changed = books.updated(f"/stock_movements/{first['id']}", "stock_movement", {"quantity": "20", "details": "Big"})
    assert (changed["quantity"], changed["details"], changed["date"]) == ("20.0", "Big", "2024-03-01")
    assert changed["updated_at"] != first["updated_at"]
    assert figures(books, key)[0] == "22.0"
    assert books.delete(f"/stock_movements/{first['id']}").status_code == 204
    assert figures(books, key)[0] == "2.0"
    problem(books.get(f"/stock_movements/{first['id']}"), 404, "RecordNotFound")


def test_movement_rules(books: Books) -> None:
    key = item(books)["id"]
    product = books.created("/products", "product", {
        "description": "Plain", "sales_ledger_account_id": books.accounts[4000],
        "purchase_ledger_account_id": books.accounts[5000]})["id"]
    base = {"stock_item_id": key, "date": "2024-03-01", "quantity": "1", "cost_price": "1", "details": "x"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({**base, "quantity": 0}, "quantity"),
        ({**base, "stock_item_id": product}, "stock_item_id"),
        ({**base, "stock_item_id": "0" * 32}, "stock_item_id"),
        ({**base, "cost_price": -1}, "cost_price"),
        ({**base, "details": "x" * 51}, "details"),
        ({**base, "movement_number": "12345"}, "movement_number"),
        ({**base, "reference": "r" * 32}, "reference"),
        ({**base, "date": "someday"}, "date"),
        ({k: v for k, v in base.items() if k != "details"}, "details"),
    ]
    for body, source in cases:
        problem(books.post("/stock_movements", {"stock_movement": body}), 422, "RecordInvalid", source)
    made = move(books, key, "1")
    problem(books.put(f"/stock_movements/{made['id']}", {"stock_movement": {"quantity": "0"}}), 422,
            "RecordInvalid", "quantity")
    assert books.get("/stock_movements").json()["$total"] == 1


def test_put_quantity_in_stock_adjusts_by_the_difference(books: Books) -> None:
    key = item(books, quantity_in_stock="3", cost_price="4")["id"]
    updated = books.updated(f"/stock_items/{key}", "stock_item", {"quantity_in_stock": "10", "location": "Bin 2"})
    assert (updated["quantity_in_stock"], updated["location"]) == ("10.0", "Bin 2")
    # Sending the quantity back unchanged (a GET then PUT) moves nothing.
    books.updated(f"/stock_items/{key}", "stock_item", {"quantity_in_stock": "10"})
    moves = books.get("/stock_movements", attributes="quantity,details", stock_item_id=key).json()["$items"]
    assert [(m["quantity"], m["details"]) for m in moves] == [("3.0", "Opening stock"),
                                                              ("7.0", "Stock level adjustment")]


def test_updating_only_stock_fields_stamps_the_item(books: Books, clock: Clock) -> None:
    clock.freeze()
    created = item(books)
    clock.advance(timedelta(seconds=5))
    updated = books.updated(f"/stock_items/{created['id']}", "stock_item", {"barcode": "123"})
    assert updated["barcode"] == "123" and updated["updated_at"] != created["updated_at"]
    assert updated["description"] == created["description"]


def _document(books: Books, path: str, wrapper: str, contact: str, item_id: str, quantity: str, price: str,
              **extra: Any) -> dict[str, Any]:
    lines = "credit_note_lines" if "credit" in path else "invoice_lines"
    code = 4000 if path.startswith("/sales") else 5000
    if path == "/purchase_invoices":
        extra.setdefault("due_date", "2024-05-01")
    return books.created(path, wrapper, {"contact_id": contact, "date": "2024-04-01", **extra, lines: [
        {"description": "Widgets", "product_id": item_id, "ledger_account_id": books.accounts[code],
         "quantity": quantity, "unit_price": price, "tax_rate_id": "GB_ZERO"}]})


def test_issued_documents_move_stock(books: Books) -> None:
    key = item(books, cost_price="1")["id"]
    move(books, key, "10", "2", on="2024-03-01")
    customer, supplier = books.contact(), books.contact("VENDOR")
    sale = _document(books, "/sales_invoices", "sales_invoice", customer, key, "3", "9")
    assert figures(books, key)[0] == "7.0"
    _document(books, "/purchase_invoices", "purchase_invoice", supplier, key, "5", "3.5")
    # Bought at 3.50 on 1 April, the latest purchase; average (10 x 2 + 5 x 3.5) / 15 = 2.5.
    assert figures(books, key) == ("12.0", "3.5", "42.0", "2.5", "30.0", "2024-04-01")
    _document(books, "/sales_credit_notes", "sales_credit_note", customer, key, "1", "9")
    _document(books, "/purchase_credit_notes", "purchase_credit_note", supplier, key, "2", "3.5")
    assert figures(books, key)[0:2] == ("11.0", "3.5")
    # Drafts and quotes move nothing; a voided invoice gives its stock back.
    _document(books, "/sales_invoices", "sales_invoice", customer, key, "100", "9", status_id="DRAFT")
    books.created("/sales_quotes", "sales_quote", {
        "contact_id": customer, "date": "2024-04-01", "expiry_date": "2024-05-01", "quote_lines": [
            {"description": "W", "product_id": key, "ledger_account_id": books.accounts[4000], "quantity": "50",
             "unit_price": "9", "tax_rate_id": "GB_ZERO"}]})
    assert figures(books, key)[0] == "11.0"
    assert books.delete(f"/sales_invoices/{sale['id']}", void_reason="Wrong").status_code == 200
    assert figures(books, key)[0] == "14.0"
    found = books.get(f"/stock_items/{key}").json()
    assert found["deletable"] is False


def test_list_filters(books: Books, clock: Clock) -> None:
    clock.freeze()
    low = item(books, "LOW", reorder_level="5", quantity_in_stock="2")
    clock.advance(timedelta(seconds=1))
    empty = item(books, "EMPTY", description="Empty gadget")
    clock.advance(timedelta(seconds=1))
    plenty = item(books, "PLENTY", reorder_level="5", quantity_in_stock="50", active=False)
    clock.advance(timedelta(seconds=1))
    negative = item(books, "NEG", quantity_in_stock="-1")

    def ids(path: str = "/stock_items", **query: Any) -> list[str]:
        response = books.get(path, **query)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["$items"]]

    assert ids() == [low["id"], empty["id"], plenty["id"], negative["id"]]
    assert ids(out_of_stock="true") == [empty["id"], negative["id"]]
    assert ids(out_of_stock="false") == [low["id"], plenty["id"]]
    assert ids(below_reorder_level="true") == [low["id"], negative["id"]]
    assert ids(below_reorder_level="false") == [empty["id"], plenty["id"]]
    assert ids(active="false") == [plenty["id"]]
    assert ids(search="gadget") == [empty["id"]] and ids(search="plen") == [plenty["id"]]
    problem(books.get("/stock_items", out_of_stock="maybe"), 400, "InvalidParameter", "out_of_stock")
    move(books, empty["id"], "1", on="2024-01-10", details="Found in the back")
    assert ids(out_of_stock="true") == [negative["id"]]
    assert ids("/stock_movements", stock_item_id=empty["id"]) != []
    assert len(ids("/stock_movements")) == 4
    assert len(ids("/stock_movements", from_date="2024-01-10", to_date="2024-01-10")) == 1
    assert len(ids("/stock_movements", search="BACK")) == 1


def test_delete_rules(books: Books, clock: Clock) -> None:
    clock.freeze()
    since = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    clock.advance(timedelta(seconds=1))
    moved = item(books, "MOVED")
    made = move(books, moved["id"], "1")
    spare = item(books, "SPARE")
    sold = item(books, "SOLD")
    assert books.get(f"/stock_items/{spare['id']}").json()["deletable"] is True
    _document(books, "/sales_invoices", "sales_invoice", books.contact(), sold["id"], "1", "5")
    message = problem(books.delete(f"/stock_items/{moved['id']}"), 422, "RecordInvalid", "base")["$message"]
    assert "stock movements" in message and "deactivate" in message
    problem(books.delete(f"/stock_items/{sold['id']}"), 422, "RecordInvalid", "base")
    assert books.delete(f"/stock_items/{spare['id']}").status_code == 204
    problem(books.get(f"/stock_items/{spare['id']}"), 404, "RecordNotFound")
    gone = books.get("/stock_items", deleted_since=since).json()["$items"]
    assert [i["id"] for i in gone] == [spare["id"]]
    # Once its movements are gone, the item can go too.
    assert books.delete(f"/stock_movements/{made['id']}").status_code == 204
    assert books.delete(f"/stock_items/{moved['id']}").status_code == 204
    deactivated = books.updated(f"/stock_items/{sold['id']}", "stock_item", {"active": False})
    assert deactivated["active"] is False


def test_another_business_cannot_see_or_move_the_stock(client: TestClient, books: Books, factory: Factory) -> None:
    mine = item(books)
    other = Books.open(client, factory)
    problem(other.get(f"/stock_items/{mine['id']}"), 404, "RecordNotFound")
    problem(other.post("/stock_movements", {"stock_movement": {
        "stock_item_id": mine["id"], "date": "2024-03-01", "quantity": "1", "cost_price": "1", "details": "x"}}),
        422, "RecordInvalid", "stock_item_id")
