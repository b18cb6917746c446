"""Products, services, product sales price types and service rate types over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.artefacts.models import Artefact, ArtefactLine
from ledgerd.catalog.models import CatalogItem
from ledgerd.catalog.service import seed_price_types
from ledgerd.clock import Clock
from ledgerd.db.records import bind_clock
from ledgerd.db.tenancy import bind_business
from ledgerd.ledger.models import LedgerAccount
from ledgerd.tenancy.models import Role
from tests.support import reference
from tests.support.factories import Factory

PRODUCT_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "deleted_at", "deletable", "deactivatable",
                "used_on_recurring_invoice", "item_code", "description", "notes", "sales_ledger_account",
                "sales_tax_rate", "purchase_ledger_account", "usual_supplier", "purchase_tax_rate", "cost_price",
                "sales_prices", "source_guid", "purchase_description", "active", "catalog_item_type"]
SALES_PRICE_KEYS = ["id", "displayed_as", "created_at", "updated_at", "price_name", "price", "price_includes_tax",
                    "product_sales_price_type"]
SERVICE_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "deleted_at", "deletable", "deactivatable",
                "used_on_recurring_invoice", "item_code", "description", "notes", "sales_ledger_account",
                "purchase_ledger_account", "sales_tax_rate", "purchase_tax_rate", "sales_rates", "source_guid",
                "purchase_description", "usual_supplier", "active", "cost_price", "oss_service"]
RATE_KEYS = ["id", "displayed_as", "created_at", "updated_at", "rate_name", "rate", "rate_includes_tax",
             "service_rate_type"]
PRICE_TYPE_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "name", "active"]


@dataclass
class Books:
    """A GB business with its owner's headers and the ledger account ids the tests use."""

    business_id: str
    headers: dict[str, str]
    accounts: dict[int, str]


@pytest.fixture
def books(factory: Factory) -> Books:
    owner = factory.user()
    business = factory.business(owner)

    def prepare(db: Session) -> dict[int, str]:
        bind_business(db, business.id)
        bind_clock(db, factory.runtime.clock)
        seed_price_types(db, business.id, factory.runtime.clock.now())
        return {code: id_ for id_, code in db.execute(select(LedgerAccount.id, LedgerAccount.nominal_code))}

    accounts = factory.tx(prepare)
    return Books(business.id, factory.headers(owner, business=business.id), accounts)


def _problem(response: Any, status: int, data_code: str, source: str) -> str:
    assert response.status_code == status, response.text
    [problem] = response.json()
    assert (problem["$dataCode"], problem["$source"]) == (data_code, source), problem
    message: str = problem["$message"]
    return message


def _product(books: Books, **extra: Any) -> dict[str, Any]:
    return {"description": "Oak Wood Frame", "sales_ledger_account_id": books.accounts[4000],
            "purchase_ledger_account_id": books.accounts[5000], **extra}


def _create(client: TestClient, books: Books, path: str, body: dict[str, Any]) -> dict[str, Any]:
    wrapper = {"products": "product", "services": "service"}.get(path, path.removesuffix("s"))
    response = client.post(f"/v3.1/{path}", json={wrapper: body}, headers=books.headers)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


def _types(client: TestClient, books: Books, path: str) -> dict[str, str]:
    body = client.get(f"/v3.1/{path}?attributes=name", headers=books.headers).json()
    return {item["name"]: item["id"] for item in body["$items"]}


def _supplier(client: TestClient, books: Books, kind: str = "VENDOR") -> str:
    response = client.post("/v3.1/contacts", json={"contact": {"name": f"Timber {kind}", "contact_type_ids": [kind]}},
                           headers=books.headers)
    assert response.status_code == 201, response.text
    contact_id: str = response.json()["id"]
    return contact_id


def _put_on_invoice(factory: Factory, books: Books, contact_id: str, **line: str) -> None:
    """A document line naming the item, written directly (the sales endpoints are not part of this test)."""
    def run(db: Session) -> None:
        bind_business(db, books.business_id)
        bind_clock(db, factory.runtime.clock)
        today = factory.runtime.clock.now().date()
        artefact = Artefact(business_id=books.business_id, kind="SALES_INVOICE", contact_id=contact_id, date=today,
                            currency_id="GBP", status_id="UNPAID")
        artefact.lines = [ArtefactLine(position=0, description="x", ledger_account_id=books.accounts[4000],
                                       quantity=Decimal(1), unit_price=Decimal(1), net_amount=Decimal(1),
                                       tax_amount=Decimal(0), total_amount=Decimal(1),
                                       base_currency_unit_price=Decimal(1), base_currency_net_amount=Decimal(1),
                                       base_currency_tax_amount=Decimal(0), base_currency_total_amount=Decimal(1),
                                       **line)]
        db.add(artefact)
        db.flush()

    factory.tx(run)


# --- products -------------------------------------------------------------------------------------------------

def test_product_wire_shape_follows_the_swagger_definitions(client: TestClient, books: Books) -> None:
    definitions = reference.definitions()
    assert list(definitions["Product"]["properties"]) == PRODUCT_KEYS
    assert list(definitions["SalesPrice"]["properties"]) == SALES_PRICE_KEYS
    assert list(definitions["Service"]["properties"]) == SERVICE_KEYS
    assert list(definitions["Rate"]["properties"]) == RATE_KEYS
    assert list(definitions["ProductSalesPriceType"]["properties"]) == PRICE_TYPE_KEYS
    assert list(definitions["ServiceRateType"]["properties"]) == PRICE_TYPE_KEYS


def test_create_product_fills_a_price_for_every_price_type(client: TestClient, books: Books) -> None:
    types = _types(client, books, "product_sales_price_types")
    assert list(types) == ["Sales Price", "Trade", "Wholesale"]
    supplier = _supplier(client, books)
    created = _create(client, books, "products", _product(
        books, item_code="OWF", notes="Solid oak", sales_tax_rate_id="GB_STANDARD", purchase_tax_rate_id="GB_LOWER",
        usual_supplier_id=supplier, cost_price=10, purchase_description="Frame (oak)", source_guid="ext-1",
        catalog_item_type_id="PRODUCT",
        sales_prices=[{"product_sales_price_type_id": types["Sales Price"], "price": "30.00"},
                      {"price_name": "wholesale", "price": 22.5, "price_includes_tax": True}]))
    assert list(created) == PRODUCT_KEYS
    assert created["displayed_as"] == "Oak Wood Frame" and created["$path"] == f"/products/{created['id']}"
    assert created["item_code"] == "OWF" and created["notes"] == "Solid oak"
    assert created["sales_ledger_account"] == {"id": books.accounts[4000], "displayed_as": "Sales - Products (4000)",
                                               "$path": f"/ledger_accounts/{books.accounts[4000]}"}
    assert created["purchase_ledger_account"]["displayed_as"] == "Cost of Sales - Goods (5000)"
    assert created["sales_tax_rate"] == {"id": "GB_STANDARD", "displayed_as": "Standard 20.00%",
                                         "$path": "/tax_rates/GB_STANDARD"}
    assert created["purchase_tax_rate"]["id"] == "GB_LOWER"
    assert created["usual_supplier"] == {"id": supplier, "displayed_as": "Timber VENDOR (TIMBERV001)",
                                         "$path": f"/contacts/{supplier}"}
    assert created["cost_price"] == "10.0" and created["active"] is True and created["deletable"] is True
    assert (created["deleted_at"], created["deactivatable"]) == (None, True)
    assert created["used_on_recurring_invoice"] is False
    assert created["catalog_item_type"] == {"id": "PRODUCT", "displayed_as": "Non-stock",
                                            "$path": "/catalog_item_types/PRODUCT"}
    prices = created["sales_prices"]
    assert [list(p) for p in prices] == [SALES_PRICE_KEYS] * 3
    assert [(p["price_name"], p["price"], p["price_includes_tax"]) for p in prices] == [
        ("Sales Price", "30.0", False), ("Trade", "0.0", False), ("Wholesale", "22.5", True)]
    assert prices[0]["product_sales_price_type"] == {
        "id": types["Sales Price"], "displayed_as": "Sales Price",
        "$path": f"/product_sales_price_types/{types['Sales Price']}"}
    assert len({p["id"] for p in prices}) == 3
    read = client.get(f"/v3.1/products/{created['id']}", headers=books.headers)
    assert read.status_code == 200 and read.json() == created
    assert read.headers["X-Business"] == books.business_id


def test_create_product_checks_its_shape(client: TestClient, books: Books) -> None:
    accounts = {"sales_ledger_account_id": books.accounts[4000], "purchase_ledger_account_id": books.accounts[5000]}
    cases: list[tuple[dict[str, Any], str]] = [
        (accounts, "description"),
        ({"description": "No accounts"}, "sales_ledger_account_id"),
        ({"description": "A", "sales_ledger_account_id": books.accounts[4000]}, "purchase_ledger_account_id"),
        ({**accounts, "description": "A", "cost_price": -1}, "cost_price"),
        ({**accounts, "description": "A", "cost_price": "1.0000001"}, "cost_price"),
        ({**accounts, "description": "A", "sales_prices": [{"price": "abc"}]}, "sales_prices[0].price"),
        ({**accounts, "description": "A", "item_code": "x" * 256}, "item_code"),
    ]
    for body, source in cases:
        response = client.post("/v3.1/products", json={"product": body}, headers=books.headers)
        assert response.status_code == 422, response.text
        assert source in [p["$source"] for p in response.json()], response.text
    response = client.post("/v3.1/products", json={"service": {}}, headers=books.headers)
    _problem(response, 422, "Validation", "product")


def test_create_product_checks_references(client: TestClient, books: Books) -> None:
    customer = _supplier(client, books, "CUSTOMER")
    cases = [
        ({"sales_ledger_account_id": books.accounts[5000]}, "sales_ledger_account_id"),  # not visible in sales
        ({"sales_ledger_account_id": "0" * 32}, "sales_ledger_account_id"),
        ({"purchase_ledger_account_id": books.accounts[4000]}, "purchase_ledger_account_id"),
        ({"sales_tax_rate_id": "GB_NOPE"}, "sales_tax_rate_id"),
        ({"purchase_tax_rate_id": "US_STATE"}, "purchase_tax_rate_id"),
        ({"usual_supplier_id": customer}, "usual_supplier_id"),
        ({"catalog_item_type_id": "STOCK_ITEM"}, "catalog_item_type_id"),
        ({"sales_prices": [{"price": 1}]}, "sales_prices[0].product_sales_price_type_id"),
        ({"sales_prices": [{"price": 1, "price_name": "Sales Price"},
                           {"product_sales_price_type_id": "f" * 32}]}, "sales_prices[1].product_sales_price_type_id"),
    ]
    for extra, source in cases:
        response = client.post("/v3.1/products", json={"product": _product(books, **extra)}, headers=books.headers)
        _problem(response, 422, "RecordInvalid", source)
    assert client.get("/v3.1/products", headers=books.headers).json()["$total"] == 0


def test_item_codes_are_unique_across_products_and_services(client: TestClient, books: Books) -> None:
    _create(client, books, "products", _product(books, item_code="FRAME"))
    response = client.post("/v3.1/products", json={"product": _product(books, item_code="frame")},
                           headers=books.headers)
    assert _problem(response, 422, "RecordInvalid", "item_code") == "must be unique."
    response = client.post("/v3.1/services", json={"service": {"description": "Fit", "item_code": "Frame",
                                                               "sales_ledger_account_id": books.accounts[4010]}},
                           headers=books.headers)
    _problem(response, 422, "RecordInvalid", "item_code")
    # Items without a code never clash.
    _create(client, books, "products", _product(books))
    _create(client, books, "products", _product(books))


def test_list_products_filters_and_syncs(client: TestClient, books: Books, clock: Clock) -> None:
    clock.freeze()
    frame = _create(client, books, "products", _product(books, item_code="OWF"))
    clock.advance(timedelta(seconds=2))
    since = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    glass = _create(client, books, "products", _product(books, item_code="GLS", description="Picture glass"))
    clock.advance(timedelta(seconds=1))
    old = _create(client, books, "products", _product(books, description="Pine frame", active=False))
    _create(client, books, "services", {"description": "Frame fitting",
                                        "sales_ledger_account_id": books.accounts[4010]})

    def ids(query: str) -> list[str]:
        response = client.get(f"/v3.1/products{query}", headers=books.headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["$items"]]

    assert ids("") == [frame["id"], glass["id"], old["id"]]
    assert ids("?search=frame") == [frame["id"], old["id"]]  # description, any case
    assert ids("?search=gls") == [glass["id"]]  # item code
    assert ids("?active=true") == [frame["id"], glass["id"]]
    assert ids("?active=false") == [old["id"]]
    assert ids(f"?updated_or_created_since={since}") == [glass["id"], old["id"]]
    listed = client.get("/v3.1/products?attributes=item_code,active&items_per_page=1", headers=books.headers).json()
    assert listed["$total"] == 3
    assert listed["$next"] == "/products?page=2&items_per_page=1&attributes=item_code%2Cactive"
    assert listed["$items"] == [{"id": frame["id"], "displayed_as": "Oak Wood Frame",
                                 "$path": f"/products/{frame['id']}", "item_code": "OWF", "active": True}]
    _problem(client.get("/v3.1/products?active=maybe", headers=books.headers), 400, "InvalidParameter", "active")

    clock.advance(timedelta(seconds=2))
    assert client.delete(f"/v3.1/products/{glass['id']}", headers=books.headers).status_code == 204
    deleted = client.get(f"/v3.1/products?deleted_since={since}", headers=books.headers).json()
    assert deleted["$items"] == [{"id": glass["id"], "displayed_as": "Picture glass",
                                  "$path": f"/products/{glass['id']}", "deleted_at": clock.now().strftime(
                                      "%Y-%m-%dT%H:%M:%SZ")}]
    assert client.get(f"/v3.1/services?deleted_since={since}", headers=books.headers).json()["$total"] == 0


def test_update_product_merges_prices_and_fields(client: TestClient, books: Books, clock: Clock) -> None:
    clock.freeze()
    types = _types(client, books, "product_sales_price_types")
    created = _create(client, books, "products", _product(books, sales_prices=[
        {"product_sales_price_type_id": types["Sales Price"], "price": 30}]))
    clock.advance(timedelta(seconds=2))
    response = client.put(f"/v3.1/products/{created['id']}", json={"product": {
        "description": "Oak frame", "active": False, "cost_price": "12.345",
        "sales_prices": [{"product_sales_price_type_id": types["Trade"], "price": 25, "price_includes_tax": True}]}},
        headers=books.headers)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert list(updated) == PRODUCT_KEYS
    assert (updated["description"], updated["displayed_as"], updated["active"]) == ("Oak frame", "Oak frame", False)
    assert updated["cost_price"] == "12.345"
    assert updated["updated_at"] != created["updated_at"] and updated["created_at"] == created["created_at"]
    before, after = created["sales_prices"], updated["sales_prices"]
    assert [(p["price_name"], p["price"], p["price_includes_tax"]) for p in after] == [
        ("Sales Price", "30.0", False), ("Trade", "25.0", True), ("Wholesale", "0.0", False)]
    assert [p["id"] for p in after] == [p["id"] for p in before]
    assert after[0] == before[0]  # untouched prices keep their stamps
    assert after[1]["updated_at"] != before[1]["updated_at"]
    # PUT is partial: the accounts stay; a bad one is refused with nothing written.
    response = client.put(f"/v3.1/products/{created['id']}", json={"product": {
        "description": "Changed", "purchase_ledger_account_id": books.accounts[1200]}}, headers=books.headers)
    _problem(response, 422, "RecordInvalid", "purchase_ledger_account_id")
    assert client.get(f"/v3.1/products/{created['id']}", headers=books.headers).json()["description"] == "Oak frame"
    response = client.put(f"/v3.1/products/{created['id']}", json={"product": {"catalog_item_type_id": "SERVICE"}},
                          headers=books.headers)
    _problem(response, 422, "RecordInvalid", "catalog_item_type_id")
    _problem(client.put(f"/v3.1/products/{'0' * 32}", json={"product": {}}, headers=books.headers),
             404, "RecordNotFound", "")


def test_products_used_on_documents_cannot_be_deleted(client: TestClient, books: Books, factory: Factory,
                                                      clock: Clock) -> None:
    clock.freeze()
    customer = _supplier(client, books, "CUSTOMER")
    used = _create(client, books, "products", _product(books))
    clock.advance(timedelta(seconds=1))
    spare = _create(client, books, "products", _product(books))
    service = _create(client, books, "services", {"description": "Fit",
                                                  "sales_ledger_account_id": books.accounts[4010]})
    _put_on_invoice(factory, books, customer, product_id=used["id"])
    _put_on_invoice(factory, books, customer, service_id=service["id"])
    listed = client.get("/v3.1/products?attributes=deletable", headers=books.headers).json()["$items"]
    assert [(i["id"], i["deletable"]) for i in listed] == [(used["id"], False), (spare["id"], True)]
    message = _problem(client.delete(f"/v3.1/products/{used['id']}", headers=books.headers), 422, "RecordInvalid",
                       "base")
    assert "deactivate" in message
    _problem(client.delete(f"/v3.1/services/{service['id']}", headers=books.headers), 422, "RecordInvalid", "base")
    assert client.get(f"/v3.1/services/{service['id']}", headers=books.headers).json()["deletable"] is False
    assert client.delete(f"/v3.1/products/{spare['id']}", headers=books.headers).status_code == 204
    _problem(client.get(f"/v3.1/products/{spare['id']}", headers=books.headers), 404, "RecordNotFound", "")
    _problem(client.delete(f"/v3.1/products/{spare['id']}", headers=books.headers), 404, "RecordNotFound", "")
    # Deactivating is the way out for a used product.
    response = client.put(f"/v3.1/products/{used['id']}", json={"product": {"active": False}}, headers=books.headers)
    assert response.status_code == 200 and response.json()["active"] is False


# --- services -------------------------------------------------------------------------------------------------

def test_services_have_rates_and_their_own_shape(client: TestClient, books: Books, factory: Factory) -> None:
    types = _types(client, books, "service_rate_types")
    assert list(types) == ["Hourly", "Daily"]
    created = _create(client, books, "services", {
        "description": "Frame fitting", "item_code": "FIT", "sales_ledger_account_id": books.accounts[4010],
        "sales_tax_rate_id": "GB_STANDARD", "oss_service": True,
        "sales_rates": [{"service_rate_type_id": types["Daily"], "rate": 400, "rate_includes_tax": False},
                        {"rate_name": "Hourly", "rate": "55.5"}]})
    assert list(created) == SERVICE_KEYS
    assert created["$path"] == f"/services/{created['id']}"
    assert created["purchase_ledger_account"] is None and created["purchase_tax_rate"] is None
    assert created["oss_service"] is True and created["cost_price"] == "0.0"
    assert [list(r) for r in created["sales_rates"]] == [RATE_KEYS] * 2
    assert [(r["rate_name"], r["rate"]) for r in created["sales_rates"]] == [("Hourly", "55.5"), ("Daily", "400.0")]
    assert created["sales_rates"][0]["service_rate_type"] == {
        "id": types["Hourly"], "displayed_as": "Hourly", "$path": f"/service_rate_types/{types['Hourly']}"}
    assert factory.tx(lambda db: db.get(CatalogItem, created["id"]).item_type) == "SERVICE"  # type: ignore[union-attr]
    # A service is not a product, and the other way round.
    _problem(client.get(f"/v3.1/products/{created['id']}", headers=books.headers), 404, "RecordNotFound", "")
    response = client.post("/v3.1/services", json={"service": {"description": "No account"}}, headers=books.headers)
    _problem(response, 422, "RecordInvalid", "sales_ledger_account_id")
    response = client.post("/v3.1/services", json={"service": {
        "description": "Bad", "sales_ledger_account_id": books.accounts[4010],
        "sales_rates": [{"service_rate_type_id": "nope", "rate": 1}]}}, headers=books.headers)
    _problem(response, 422, "RecordInvalid", "sales_rates[0].service_rate_type_id")
    response = client.put(f"/v3.1/services/{created['id']}", json={"service": {
        "purchase_ledger_account_id": books.accounts[5001], "sales_rates": [{"rate_name": "daily", "rate": 420}]}},
        headers=books.headers)
    assert response.status_code == 200, response.text
    assert response.json()["purchase_ledger_account"]["id"] == books.accounts[5001]
    assert [r["rate"] for r in response.json()["sales_rates"]] == ["55.5", "420.0"]
    assert client.get("/v3.1/services?search=fit", headers=books.headers).json()["$total"] == 1
    assert client.delete(f"/v3.1/services/{created['id']}", headers=books.headers).status_code == 204


# --- price and rate types -------------------------------------------------------------------------------------

def test_price_types_crud(client: TestClient, books: Books) -> None:
    listed = client.get("/v3.1/product_sales_price_types?attributes=all", headers=books.headers).json()
    assert listed["$total"] == 3 and [list(i) for i in listed["$items"]] == [PRICE_TYPE_KEYS] * 3
    created = _create(client, books, "product_sales_price_types", {"name": "Retail", "active": True})
    assert list(created) == PRICE_TYPE_KEYS
    assert created["$path"] == f"/product_sales_price_types/{created['id']}" and created["displayed_as"] == "Retail"
    response = client.post("/v3.1/product_sales_price_types", json={"product_sales_price_type": {"name": "retail",
                                                                                                 "active": True}},
                           headers=books.headers)
    _problem(response, 422, "RecordInvalid", "name")
    response = client.post("/v3.1/product_sales_price_types", json={"product_sales_price_type": {"name": "X"}},
                           headers=books.headers)
    _problem(response, 422, "RecordInvalid", "active")
    # Names are unique per kind only: a rate type may share one.
    _create(client, books, "service_rate_types", {"name": "Retail", "active": True})
    # A new active type gets a (zero) price on products created afterwards.
    product = _create(client, books, "products", _product(books))
    assert [p["price_name"] for p in product["sales_prices"]] == ["Sales Price", "Trade", "Wholesale", "Retail"]
    response = client.put(f"/v3.1/product_sales_price_types/{created['id']}",
                          json={"product_sales_price_type": {"name": "Shop", "active": False}}, headers=books.headers)
    assert response.status_code == 200 and (response.json()["name"], response.json()["active"]) == ("Shop", False)
    names = [i["displayed_as"] for i in client.get("/v3.1/product_sales_price_types?active=false",
                                                   headers=books.headers).json()["$items"]]
    assert names == ["Shop"]
    reread = client.get(f"/v3.1/products/{product['id']}", headers=books.headers).json()
    assert reread["sales_prices"][3]["price_name"] == "Shop"
    # Deleting a type nobody prices drops it from the items; a priced one is refused.
    assert client.delete(f"/v3.1/product_sales_price_types/{created['id']}", headers=books.headers).status_code == 204
    reread = client.get(f"/v3.1/products/{product['id']}", headers=books.headers).json()
    assert [p["price_name"] for p in reread["sales_prices"]] == ["Sales Price", "Trade", "Wholesale"]
    trade = _types(client, books, "product_sales_price_types")["Trade"]
    client.put(f"/v3.1/products/{product['id']}", json={"product": {"sales_prices": [
        {"product_sales_price_type_id": trade, "price": 9}]}}, headers=books.headers)
    _problem(client.delete(f"/v3.1/product_sales_price_types/{trade}", headers=books.headers),
             422, "RecordInvalid", "base")
    # A rate type is not a price type.
    rate_type = _types(client, books, "service_rate_types")["Hourly"]
    _problem(client.get(f"/v3.1/product_sales_price_types/{rate_type}", headers=books.headers),
             404, "RecordNotFound", "")


def test_seeding_price_types_is_idempotent(factory: Factory, books: Books) -> None:
    def count(db: Session) -> int:
        bind_business(db, books.business_id)
        bind_clock(db, factory.runtime.clock)
        seed_price_types(db, books.business_id, factory.runtime.clock.now())
        from ledgerd.catalog.models import PriceType
        return len(db.scalars(select(PriceType)).all())

    assert factory.tx(count) == 5


def test_catalog_item_types_are_a_static_list(client: TestClient, books: Books) -> None:
    body = client.get("/v3.1/catalog_item_types", headers=books.headers).json()
    assert [i["id"] for i in body["$items"]] == ["PRODUCT", "SERVICE", "STOCK_ITEM"]


# --- access ---------------------------------------------------------------------------------------------------

def test_catalog_access_rules(client: TestClient, books: Books, factory: Factory) -> None:
    product = _create(client, books, "products", _product(books))
    assert client.get("/v3.1/products").status_code == 401
    reader, stranger = factory.user(), factory.user()
    from ledgerd.tenancy.models import Business
    business = factory.tx(lambda db: db.get(Business, books.business_id))
    assert business is not None
    factory.member(business, reader, Role.READ_ONLY)
    read_only = factory.headers(reader, business=books.business_id)
    assert client.get(f"/v3.1/products/{product['id']}", headers=read_only).status_code == 200
    response = client.post("/v3.1/products", json={"product": _product(books)}, headers=read_only)
    _problem(response, 403, "MultiUserAccessDenied", "")
    _problem(client.delete(f"/v3.1/products/{product['id']}", headers=read_only), 403, "MultiUserAccessDenied", "")
    # Another business's product does not exist for a stranger working in their own business.
    own = factory.business(stranger, name="Other Ltd")
    other = factory.headers(stranger, business=own.id)
    _problem(client.get(f"/v3.1/products/{product['id']}", headers=other), 404, "RecordNotFound", "")
    _problem(client.put(f"/v3.1/products/{product['id']}", json={"product": {}}, headers=other),
             404, "RecordNotFound", "")
    assert client.get("/v3.1/products", headers=other).json()["$total"] == 0
    response = client.post("/v3.1/products", json={"product": _product(books)}, headers=other)
    _problem(response, 422, "RecordInvalid", "sales_ledger_account_id")  # the first business's account
