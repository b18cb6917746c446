"""The migration kit (docs/migration-kit.md): books imported with their legacy ids, the API's import mode
(`X-Ledgerd-Legacy-Id`), and `ledgerd migrate ids`."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from ledgerd.api import id_map
from ledgerd.contacts import service as contacts
from ledgerd.contacts.models import Contact
from ledgerd.contacts.schemas import ContactCreate
from ledgerd.db.counters import peek
from ledgerd.db.engine import unit_of_work
from ledgerd.db.records import bind_clock, import_legacy_id, legacy_counter
from ledgerd.db.tenancy import bind_business
from ledgerd.errors import Invalid
from ledgerd.tenancy.models import Role
from tests.support.books import Books, problem
from tests.support.cli import Ledgerd, in_process
from tests.support.factories import Factory
from tests.support.sandbox import admin_headers

ADMIN = "/ledgerd/v1/admin/businesses"
HEADER = "X-Ledgerd-Legacy-Id"


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


@pytest.fixture
def admin(factory: Factory) -> dict[str, str]:
    return admin_headers(factory)


@pytest.fixture
def ledgerd(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str) -> Ledgerd:
    return in_process(monkeypatch, capsys, database_url)


def create(books: Books, name: str, legacy_id: int | None = None, headers: dict[str, str] | None = None) -> Any:
    extra = {HEADER: str(legacy_id)} if legacy_id is not None else {}
    return books.client.post("/v3.1/contacts", params={"show_legacy_id": "true"},
                             json={"contact": {"name": name, "contact_type_ids": ["CUSTOMER"]}},
                             headers={**(headers or books.headers), **extra})


def legacy_ids(books: Books) -> dict[str, int]:
    """Contact name → legacy id."""
    return dict(books.tx(lambda db: db.execute(select(Contact.name, Contact.legacy_id)).all()))


# --- books imported with their legacy ids ---------------------------------------------------------------------

def test_an_imported_books_document_keeps_its_legacy_ids_and_the_counter_goes_on_above(
        client: TestClient, books: Books, admin: dict[str, str], ledgerd: Ledgerd, tmp_path: Path) -> None:
    books.contact(name="Hartfield Books")
    books.contact(name="Amble Ltd")
    document = client.get(f"{ADMIN}/{books.business_id}/export", headers=admin).json()
    # As a migration tool would write it: the contacts' v2 ids, and no counter saying how far they go.
    table = document["tables"]["contacts"]
    at, name_at = table["columns"].index("legacy_id"), table["columns"].index("name")
    v2_ids = {"Hartfield Books": 90210, "Amble Ltd": 4812}
    for row in table["rows"]:
        row[at] = v2_ids[row[name_at]]
    counters = document["tables"]["counters"]
    counters["rows"] = [row for row in counters["rows"] if row[0] != "legacy:contacts"]
    assert client.delete(f"{ADMIN}/{books.business_id}", headers=admin).status_code == 204
    path = tmp_path / "books.json"
    path.write_text(json.dumps(document))

    imported = ledgerd("businesses", "import", str(path), "--owner", books.owner.email, "--json").json()
    assert imported["id"] == books.business_id
    assert legacy_ids(books) == v2_ids
    made = create(books, "Brand New")
    assert made.status_code == 201 and made.json()["legacy_id"] == 90211
    # A copy (new ids everywhere) keeps the legacy ids too: they count within one business.
    copy = ledgerd("businesses", "import", str(path), "--owner", books.owner.email, "--new-ids", "--json").json()
    copied = books.factory.tx(lambda db: dict(db.execute(select(Contact.name, Contact.legacy_id)
                                                         .where(Contact.business_id == copy["id"])).all()))
    assert copied == v2_ids


# --- the API's import mode ------------------------------------------------------------------------------------

def test_the_owner_creates_records_with_their_legacy_ids(books: Books) -> None:
    made = create(books, "Imported", 4812)
    assert made.status_code == 201, made.text
    assert list(made.json())[:2] == ["legacy_id", "id"] and made.json()["legacy_id"] == 4812
    read = books.get(f"/contacts/{made.json()['id']}", show_legacy_id="true").json()
    assert read["legacy_id"] == 4812
    after = create(books, "Created later")
    assert after.json()["legacy_id"] == 4813  # the counter continues above the imported id
    assert create(books, "Higher", 5000).json()["legacy_id"] == 5000
    assert legacy_ids(books) == {"Imported": 4812, "Created later": 4813, "Higher": 5000}


def test_a_taken_or_spent_legacy_id_is_refused_and_nothing_is_written(books: Books) -> None:
    assert create(books, "First", 4812).status_code == 201
    taken = problem(create(books, "Second", 4812), 422, "RecordInvalid", "legacy_id")
    assert "already taken" in taken["$message"]
    # 17 is free but below the counter: a request in flight may hold it, so it is refused too.
    spent = problem(create(books, "Third", 17), 422, "RecordInvalid", "legacy_id")
    assert "below the legacy ids" in spent["$message"]
    for bad in ("abc", "-3", "0", "2147483648", "1.5"):
        problem(create(books, "Bad", bad), 422, "RecordInvalid", "legacy_id")  # type: ignore[arg-type]
    assert legacy_ids(books) == {"First": 4812}
    # Above: on PostgreSQL the refused requests' own ids were spent (legacy ids may have gaps).
    assert create(books, "Ordinary").json()["legacy_id"] > 4812


def test_only_the_owner_or_an_administrator_may_import(books: Books, factory: Factory) -> None:
    clerk = factory.user(first_name="Clerk")
    factory.member(books.business, clerk, Role.FULL_ACCESS)
    clerk_headers = factory.headers(clerk, business=books.business_id)
    refused = problem(create(books, "By a clerk", 4812, clerk_headers), 403, "MultiUserAccessDenied", "legacy_id")
    assert "owner" in refused["$message"]
    assert legacy_ids(books) == {}
    assert create(books, "Clerk's own", headers=clerk_headers).status_code == 201  # without the header: as ever
    factory.administrator(clerk)
    allowed = create(books, "By an administrator", 4812, clerk_headers)
    assert allowed.status_code == 201 and allowed.json()["legacy_id"] == 4812


def test_concurrent_imports_and_creates_never_share_a_legacy_id(books: Books, factory: Factory) -> None:
    """Imports and ordinary creates of one business at once (PostgreSQL: truly concurrent; SQLite: one writer
    after the other): every legacy id stays unique, each kept import has its id, and the counter ends at or above
    the highest; an import whose id is no longer above the counter is refused, never written with a duplicate."""
    runtime = factory.runtime
    start = threading.Barrier(8)
    outcomes: dict[str, int | str] = {}

    def work(name: str, legacy_id: int | None) -> None:
        start.wait(10)
        try:
            with unit_of_work(runtime.sessions, write=True) as db:
                bind_business(db, books.business_id)
                bind_clock(db, runtime.clock)
                contact = contacts.create(db, books.business_id, ContactCreate.model_validate(
                    {"name": name, "contact_type_ids": ["CUSTOMER"]}), "GBP")
                if legacy_id is not None:
                    import_legacy_id(db, contact, legacy_id)
                db.flush()
                outcomes[name] = contact.legacy_id
        except Invalid as exc:
            outcomes[name] = exc.message

    jobs = [(f"import {n}", 1000 + n) for n in range(4)] + [(f"create {n}", None) for n in range(4)]
    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 8
    stored = legacy_ids(books)
    assert len(set(stored.values())) == len(stored)
    assert all(stored[f"create {n}"] == outcomes[f"create {n}"] for n in range(4))
    kept = {name: value for name, value in outcomes.items() if name.startswith("import") and isinstance(value, int)}
    assert kept and all(stored[name] == 1000 + int(name.split()[1]) for name in kept)
    refused = [name for name in outcomes if name.startswith("import") and name not in kept]
    assert all(name not in stored for name in refused)
    # Refused: overtaken by a higher import, or its id since given to a create that came after a lower import.
    assert all("below the legacy ids" in str(outcomes[name]) or "already taken" in str(outcomes[name])
               for name in refused), outcomes
    counter = books.tx(lambda db: peek(db, legacy_counter(books.business_id, "contacts")))
    assert counter >= max(stored.values())
    assert create(books, "After").json()["legacy_id"] == counter + 1


# --- ledgerd migrate ids --------------------------------------------------------------------------------------

def _small_business(books: Books) -> dict[str, Any]:
    second = create(books, "Hartfield Books").json()
    first = create(books, "Amble Ltd", 4812).json()
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": second["id"], "date": "2024-03-15",
        "invoice_lines": [{"description": "Consulting", "ledger_account_id": books.accounts[4000], "quantity": "1",
                           "unit_price": "100.00", "tax_rate_id": "GB_STANDARD", "tax_amount": "20.00"}]})
    number = books.get(f"/sales_invoices/{invoice['id']}", show_legacy_id="true").json()
    return {"first": first, "second": second, "invoice": number}


def test_migrate_ids_writes_the_map_as_csv_in_windows(books: Books, ledgerd: Ledgerd,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    made = _small_business(books)
    monkeypatch.setattr(id_map, "WINDOW", 1)  # every record its own window: the keyset paging is exercised
    ran = ledgerd("migrate", "ids", books.business_id, "--resource", "sales_invoices", "--resource", "contacts")
    assert ran.code == 0, ran.err
    first, second, invoice = made["first"], made["second"], made["invoice"]
    assert ran.out == (
        "resource,legacy_id,id,displayed_as\n"
        f"contacts,{second['legacy_id']},{second['id']},{second['displayed_as']}\n"
        f"contacts,4812,{first['id']},{first['displayed_as']}\n"
        f"sales_invoices,{invoice['legacy_id']},{invoice['id']},{invoice['displayed_as']}\n")
    assert second["legacy_id"] < 4812


def test_migrate_ids_as_json_to_a_file_and_every_resource(books: Books, ledgerd: Ledgerd, tmp_path: Path) -> None:
    made = _small_business(books)
    out = tmp_path / "ids.json"
    ran = ledgerd("migrate", "ids", books.business_id, "--resource", "contacts", "--format", "json",
                  "--output", str(out))
    assert ran.code == 0 and ran.out == "" and "wrote 2 legacy ids" in ran.err
    assert json.loads(out.read_text()) == [
        {"resource": "contacts", "legacy_id": made["second"]["legacy_id"], "id": made["second"]["id"],
         "displayed_as": made["second"]["displayed_as"]},
        {"resource": "contacts", "legacy_id": 4812, "id": made["first"]["id"],
         "displayed_as": made["first"]["displayed_as"]}]
    everything = ledgerd("migrate", "ids", books.business_id)
    lines = everything.out.splitlines()
    assert lines[0] == "resource,legacy_id,id,displayed_as"
    found = [line.split(",")[0] for line in lines[1:]]
    assert found == sorted(found) and set(found) <= set(id_map.resources())
    accounts = books.get("/ledger_accounts", items_per_page=200).json()["$total"]
    assert found.count("ledger_accounts") >= accounts


def test_migrate_ids_refuses_an_unknown_business_or_resource(books: Books, ledgerd: Ledgerd, tmp_path: Path) -> None:
    unknown = ledgerd("migrate", "ids", "0" * 32)
    assert unknown.code == 2 and "No business" in unknown.err and unknown.out == ""
    out = tmp_path / "ids.csv"
    wrong = ledgerd("migrate", "ids", books.business_id, "--resource", "gizmos", "--output", str(out))
    assert wrong.code == 2 and "gizmos" in wrong.err and not out.exists()
