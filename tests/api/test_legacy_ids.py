"""`show_legacy_id=true`: the integer `legacy_id` comes first in every identified object, on every route.

Generated over the resource registry (lists, single reads) and over every list route the app serves
(static lists included), plus the rules: nested links, write responses, stability, core endpoints.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

import ledgerd.app  # noqa: F401 - importing the app fills REGISTRY
from ledgerd.api.legacy_ids import static_legacy_id
from ledgerd.api.resource import REGISTRY
from ledgerd.app import create_app
from ledgerd.db.records import Record, find_legacy_ids
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import Business
from tests.contract.books import Books as ContractBooks
from tests.contract.examples import EXAMPLES, add_records
from tests.support.books import Books, problem
from tests.support.factories import Factory
from tests.support.routes import served

PUBLIC_URL = "http://testserver"
LISTED = sorted(p for p, r in REGISTRY.items() if r.list_enabled)
ON = {"show_legacy_id": "true"}


@dataclass
class World:
    """Businesses per country with at least one record of each resource, shared by a module's tests."""

    client: TestClient
    factory: Factory
    books: dict[str, ContractBooks] = field(default_factory=dict)
    made: set[str] = field(default_factory=set)

    def business(self, country: str) -> ContractBooks:
        if country not in self.books:
            self.books[country] = ContractBooks.open(self.client, self.factory, country)
        return self.books[country]

    def with_records(self, path: str) -> ContractBooks:
        example = EXAMPLES.get(path)
        if example is None:
            pytest.skip(f"tests/contract/examples.py has no example for /{path} yet")
        books = self.business(example.region or example.country)
        if path not in self.made:
            add_records(books, path, 1)
            self.made.add(path)
        return books


@pytest.fixture(scope="module")
def world(runtime: Runtime) -> Iterator[World]:
    runtime.clock.reset()
    with TestClient(create_app(runtime=runtime), base_url=PUBLIC_URL) as client:
        yield World(client, Factory(runtime))


def strip(value: Any) -> Any:
    """The value without any `legacy_id` key."""
    if isinstance(value, list):
        return [strip(v) for v in value]
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k != "legacy_id"}
    return value


def mentions_legacy(value: Any) -> bool:
    if isinstance(value, list):
        return any(mentions_legacy(v) for v in value)
    if isinstance(value, dict):
        return "legacy_id" in value or any(mentions_legacy(v) for v in value.values())
    return False


def assert_first(item: dict[str, Any]) -> int:
    assert next(iter(item)) == "legacy_id", item
    legacy = item["legacy_id"]
    assert isinstance(legacy, int) and not isinstance(legacy, bool) and 0 < legacy < 2**31, item
    return legacy


def linked(value: Any) -> Iterator[dict[str, Any]]:
    """Nested objects that name a record by `$path` (not the top-level item itself)."""
    if isinstance(value, list):
        for inner in value:
            yield from linked(inner)
    elif isinstance(value, dict):
        if "$path" in value and "id" in value:
            yield value
        for inner in value.values():
            yield from linked(inner)


def _segment(path: Any) -> str | None:
    parts = str(path).split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "" else None


# --- generated over the resource registry ----------------------------------------------------------------------

@pytest.mark.parametrize("path", LISTED)
def test_lists_and_reads_put_legacy_id_first(path: str, world: World) -> None:
    books = world.with_records(path)
    plain = books.get(f"/{path}", items_per_page=5, attributes="all")
    shown = books.get(f"/{path}", items_per_page=5, attributes="all", **ON)
    assert plain.status_code == shown.status_code == 200, shown.text
    assert not mentions_legacy(plain.json())  # only on request
    items = shown.json()["$items"]
    assert items and strip(items) == plain.json()["$items"]
    legacy = {item["id"]: assert_first(item) for item in items}
    for item in items:
        for link in (link for value in item.values() for link in linked(value)):
            if _segment(link["$path"]) in REGISTRY and "legacy_id" not in link:
                pytest.fail(f"nested link without legacy_id: {link}")
    if REGISTRY[path].read_enabled:
        key = items[0]["$path"].rsplit("/", 1)[1]
        one = books.get(f"/{path}/{key}", **ON)
        assert one.status_code == 200, one.text
        assert assert_first(one.json()) == legacy[items[0]["id"]]
    # Without attributes (links only) the items carry it too.
    for item in books.get(f"/{path}", items_per_page=5, **ON).json()["$items"]:
        assert assert_first(item) == legacy.get(item["id"], item["legacy_id"])


# --- generated over every list route the app serves --------------------------------------------------------------

def _collections(world: World) -> list[str]:
    return [path for method, path in served(world.client.app) if method == "GET" and "{" not in path]  # type: ignore[arg-type]


def test_every_list_route_honours_show_legacy_id(world: World) -> None:
    books = world.business("GB")
    checked = 0
    for path in _collections(world):
        response = books.get(path, items_per_page=200, **ON)
        assert response.status_code < 500, (path, response.text)
        if response.status_code != 200 or not response.headers["content-type"].startswith("application/json"):
            continue
        for item in response.json().get("$items", []):
            if "$path" in item:
                assert_first(item)
                checked += 1
    assert checked > 100


def test_static_list_entries_have_stable_unique_ids(world: World) -> None:
    gb, fr = world.business("GB"), world.business("FR")
    for path in ("countries", "currencies", "contact_types", "transaction_types", "artefact_statuses"):
        items = gb.get(f"/{path}", items_per_page=200, **ON).json()["$items"]
        ids = [assert_first(item) for item in items]
        assert len(set(ids)) == len(ids), path
        assert ids == [static_legacy_id(path, item["id"]) for item in items]
        assert ids == [item["legacy_id"] for item in fr.get(f"/{path}", items_per_page=200, **ON).json()["$items"]]
        one = gb.get(f"/{path}/{items[0]['id']}", **ON).json()
        assert assert_first(one) == ids[0]


# --- the rules -----------------------------------------------------------------------------------------------------

@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def test_writes_show_it_and_it_never_changes(books: Books) -> None:
    made = books.client.post("/v3.1/contacts", params=ON, headers=books.headers,
                             json={"contact": {"name": "Legacy Ltd", "contact_type_ids": ["CUSTOMER"]}})
    assert made.status_code == 201, made.text
    legacy = assert_first(made.json())
    changed = books.client.put(f"/v3.1/contacts/{made.json()['id']}", params=ON, headers=books.headers,
                               json={"contact": {"name": "Renamed Ltd"}})
    assert changed.status_code == 200 and assert_first(changed.json()) == legacy
    assert assert_first(books.get(f"/contacts/{made.json()['id']}", **ON).json()) == legacy
    second = books.created("/contacts", "contact", {"name": "Next Ltd", "contact_type_ids": ["VENDOR"]})
    assert assert_first(books.get(f"/contacts/{second['id']}", **ON).json()) > legacy


def test_nested_links_carry_the_linked_records_legacy_id(books: Books) -> None:
    contact = books.contact(currency_id="EUR", default_sales_ledger_account_id=books.accounts[4000])
    item = books.get(f"/contacts/{contact}", **ON).json()
    account = item["default_sales_ledger_account"]
    assert next(iter(account)) == "legacy_id"
    assert account["legacy_id"] == books.get(f"/ledger_accounts/{account['id']}", **ON).json()["legacy_id"]
    assert item["currency"]["legacy_id"] == static_legacy_id("currencies", "EUR")
    assert [t["legacy_id"] for t in item["contact_types"]] == [static_legacy_id("contact_types", "CUSTOMER")]
    # nested_attributes: the expanded record carries its own.
    expanded = books.get(f"/contacts/{contact}", nested_attributes="all", **ON).json()
    assert expanded["default_sales_ledger_account"]["legacy_id"] == account["legacy_id"]


def test_lead_and_listed_businesses_show_theirs(books: Books) -> None:
    stored = books.tx(lambda db: db.scalar(select(Business.legacy_id).where(Business.id == books.business_id)))
    listed = books.client.get("/v3.1/businesses", params=ON, headers=books.headers).json()["$items"]
    assert [assert_first(item) for item in listed] == [stored]
    lead = books.client.get("/v3.1/businesses/lead", params=ON, headers=books.headers).json()
    assert assert_first(lead) == stored
    assert "legacy_id" not in books.client.get("/v3.1/user", params=ON, headers=books.headers).json()


def test_bad_values_are_rejected_and_false_shows_nothing(books: Books) -> None:
    problem(books.get("/contacts", show_legacy_id="maybe"), 400, "InvalidParameter", "show_legacy_id")
    books.contact()
    assert not mentions_legacy(books.get("/contacts", attributes="all", show_legacy_id="false").json())


def test_records_outside_the_registry_are_found_by_id(books: Books) -> None:
    contact = books.contact()
    legacy = books.get(f"/contacts/{contact}", **ON).json()["legacy_id"]
    assert books.tx(lambda db: find_legacy_ids(db, books.business_id, [contact, "0" * 32])) == {contact: legacy}
    # Another business's record is not found.
    assert books.tx(lambda db: find_legacy_ids(db, "f" * 32, [contact])) == {}
    assert Record.__subclasses__()
