"""Business state (sandbox/state.py), driven over the admin API (api/admin/state.py) and, where the API has no
view, through the service: snapshots, restore, reset, clone, export and import, delete."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.artefacts.models import ArtefactCount
from ledgerd.contacts import service as contacts
from ledgerd.contacts.schemas import ContactCreate
from ledgerd.db.counters import Counter
from ledgerd.db.engine import unit_of_work
from ledgerd.db.records import bind_clock
from ledgerd.db.tenancy import bind_business
from ledgerd.ledger.models import LedgerAccount
from ledgerd.sandbox import state
from ledgerd.tenancy.models import Business
from tests.support.books import Books
from tests.support.factories import Factory
from tests.support.sandbox import admin_headers

ADMIN = "/ledgerd/v1/admin/businesses"
# The lists compared byte for byte before a change and after the restore.
LISTS = ["/contacts", "/sales_invoices", "/contact_payments", "/transactions", "/ledger_accounts", "/bank_accounts",
         "/attachments", "/trial_balance", "/financial_settings"]
FILE = bytes(range(256)) * 3


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


@pytest.fixture
def admin(factory: Factory) -> dict[str, str]:
    return admin_headers(factory)


def fill(books: Books) -> dict[str, str]:
    """A customer with an invoice part paid by a receipt, an attachment, a journal: rows in most tables."""
    customer = books.contact("CUSTOMER", name="Hartfield Books", reference="HART01",
                             main_address={"address_line_1": "79 Hartfield Rd", "city": "London"})
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-03-15", "reference": "PO-77",
        "invoice_lines": [{"description": "Consulting", "ledger_account_id": books.accounts[4000], "quantity": "3",
                           "unit_price": "125.50", "tax_rate_id": "GB_STANDARD", "tax_amount": "75.30"}]})
    books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": books.bank(),
        "date": "2024-03-20", "total_amount": "100.00",
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": "100.00"}]})
    attachment = books.created("/attachments", "attachment", {
        "file": base64.b64encode(FILE).decode(), "file_name": "po.pdf", "mime_type": "application/pdf",
        "attachment_context_type_id": "CONTACT", "attachment_context_id": customer})
    books.journal("2024-03-21", (7500, "10.00", "0"), (3200, "0", "10.00"))
    return {"customer": customer, "invoice": invoice["id"], "attachment": attachment["id"]}


def wire(books: Books, headers: dict[str, str] | None = None) -> dict[str, bytes]:
    """The raw answers of the compared lists (every attribute, legacy ids shown)."""
    out = {}
    for path in LISTS:
        response = books.client.get(f"/v3.1{path}", headers=headers or books.headers,
                                    params={"attributes": "all", "show_legacy_id": "true", "items_per_page": 200})
        assert response.status_code == 200, (path, response.text)
        out[path] = response.content
    return out


def count(books: Books, model: Any) -> int:
    return books.tx(lambda db: int(db.scalar(select(func.count()).select_from(model)) or 0))


def test_snapshot_change_restore_answers_byte_for_byte(client: TestClient, books: Books,
                                                      admin: dict[str, str]) -> None:
    made = fill(books)
    before = wire(books)
    taken = client.post(f"{ADMIN}/{books.business_id}/snapshots", headers=admin, json={"name": "before"})
    assert taken.status_code == 201, taken.text
    assert taken.json()["name"] == "before" and taken.json()["rows"] > 100

    # Changes of every sort: a new document, a changed contact, a deleted attachment, new counters.
    books.created("/sales_invoices", "sales_invoice", {
        "contact_id": made["customer"], "date": "2024-04-01",
        "invoice_lines": [{"description": "More", "ledger_account_id": books.accounts[4000], "quantity": "1",
                           "unit_price": "50.00", "tax_rate_id": "GB_ZERO"}]})
    books.updated(f"/contacts/{made['customer']}", "contact", {"name": "Renamed Ltd"})
    assert books.delete(f"/attachments/{made['attachment']}").status_code == 204
    books.journal("2024-04-02", (7500, "5.00", "0"), (3200, "0", "5.00"))
    assert wire(books) != before

    restored = client.post(f"{ADMIN}/{books.business_id}/snapshots/before/restore", headers=admin)
    assert restored.status_code == 200, restored.text
    assert wire(books) == before
    books.check()
    file = client.get(f"/v3.1/attachments/{made['attachment']}/file",
                      headers={**books.headers, "Accept": "application/octet-stream"})
    assert file.content == FILE
    assert books.tx(lambda db: db.scalar(select(ArtefactCount.documents).where(
        ArtefactCount.kind == "SALES_INVOICE"))) == 1
    # Numbering and legacy ids go on from the snapshot's: the next invoice is number 2 again.
    again = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": made["customer"], "date": "2024-04-01",
        "invoice_lines": [{"description": "More", "ledger_account_id": books.accounts[4000], "quantity": "1",
                           "unit_price": "50.00", "tax_rate_id": "GB_ZERO"}]})
    assert again["invoice_number"].endswith("2")
    listed = client.get(f"{ADMIN}/{books.business_id}/snapshots", headers=admin).json()
    assert [item["name"] for item in listed["$items"]] == ["before"]
    assert client.delete(f"{ADMIN}/{books.business_id}/snapshots/before", headers=admin).status_code == 204
    assert client.get(f"{ADMIN}/{books.business_id}/snapshots", headers=admin).json()["$total"] == 0


def test_a_snapshot_of_one_business_leaves_the_others_untouched(client: TestClient, books: Books,
                                                                factory: Factory, admin: dict[str, str]) -> None:
    other = Books.open(client, factory)
    fill(other)
    theirs = wire(other)
    assert client.post(f"{ADMIN}/{books.business_id}/snapshots", headers=admin, json={"name": "s"}).status_code == 201
    fill(books)
    assert client.post(f"{ADMIN}/{books.business_id}/snapshots/s/restore", headers=admin).status_code == 200
    assert client.post(f"{ADMIN}/{books.business_id}/reset", headers=admin).status_code == 200
    assert wire(other) == theirs
    other.check()


def test_reset_gives_the_books_of_a_new_business_and_keeps_who_it_is(client: TestClient, books: Books,
                                                                    factory: Factory, admin: dict[str, str]) -> None:
    fresh = Books.open(client, factory)
    accounts = count(fresh, LedgerAccount)
    fill(books)
    books.updated(f"/businesses/{books.business_id}", "business", {"address_line_1": "1 High St"})
    client.post(f"{ADMIN}/{books.business_id}/snapshots", headers=admin, json={"name": "kept"})
    reset = client.post(f"{ADMIN}/{books.business_id}/reset", headers=admin)
    assert reset.status_code == 200, reset.text
    assert reset.json() == {"id": books.business_id, "name": "Acme Ltd", "country_id": "GB",
                            "legacy_id": books.business.legacy_id}
    assert books.get("/contacts").json()["$total"] == 0
    assert books.get("/sales_invoices").json()["$total"] == 0
    assert count(books, LedgerAccount) == accounts
    assert books.get("/transactions").json()["$total"] == 0
    lead = books.get(f"/businesses/{books.business_id}").json()
    assert (lead["name"], lead["address_line_1"]) == ("Acme Ltd", "")
    # The same ledger account list as a new business's, legacy ids included, but for the account ids.
    assert [a["displayed_as"] for a in books.get("/ledger_accounts", items_per_page=200).json()["$items"]] == \
        [a["displayed_as"] for a in fresh.get("/ledger_accounts", items_per_page=200).json()["$items"]]
    assert client.get(f"{ADMIN}/{books.business_id}/snapshots", headers=admin).json()["$total"] == 1
    # Works as a new business does (new accounts, numbering from 1 again).
    books.accounts = dict(books.tx(lambda db: db.execute(select(LedgerAccount.nominal_code, LedgerAccount.id)).all()))
    fill(books)
    assert books.get("/sales_invoices", attributes="invoice_number").json()["$items"][0]["invoice_number"] \
        .endswith("1")
    books.check()


def test_clone_remaps_every_id_and_keeps_the_books(client: TestClient, books: Books, admin: dict[str, str],
                                                   factory: Factory) -> None:
    made = fill(books)
    before = wire(books)
    cloned = client.post(f"{ADMIN}/{books.business_id}/clone", headers=admin, json={"name": "Copy"})
    assert cloned.status_code == 201, cloned.text
    copy_id = cloned.json()["id"]
    assert copy_id != books.business_id and cloned.json()["name"] == "Copy"
    copy = Books(client, factory, books.owner, factory.tx(lambda db: db.get(Business, copy_id)),
                 {**books.headers, "X-Business": copy_id}, {})
    answers = wire(copy)
    # The same books, but no id of the original anywhere (JSON columns and links included).
    document = factory.tx(lambda db: state.export_books(db, copy_id))
    text = repr(document)
    for old in (books.business_id, made["customer"], made["invoice"], made["attachment"], *books.accounts.values()):
        assert old not in text
        assert all(old.encode() not in body for body in answers.values())
    invoices = copy.get("/sales_invoices", attributes="total_amount,outstanding_amount,contact").json()["$items"]
    assert [(i["total_amount"], i["outstanding_amount"]) for i in invoices] == [("451.8", "351.8")] or \
        [(i["total_amount"], i["outstanding_amount"]) for i in invoices] == [("451.80", "351.80")]
    assert invoices[0]["contact"]["id"] in text
    copy.check()
    assert wire(books) == before  # the original untouched
    names = {b["displayed_as"] for b in client.get("/v3.1/businesses", headers=books.headers).json()["$items"]}
    assert names == {"Acme Ltd", "Copy"}


def test_export_delete_import_answers_with_the_same_ids(client: TestClient, books: Books,
                                                        admin: dict[str, str]) -> None:
    fill(books)
    before = wire(books)
    exported = client.get(f"{ADMIN}/{books.business_id}/export", headers=admin)
    assert exported.status_code == 200
    document = exported.json()
    assert (document["format"], document["version"], document["business"]["id"]) == (
        "ledgerd.books", 1, books.business_id)
    assert "idempotency_records" not in document["tables"] and "artefact_counts" not in document["tables"]
    assert client.delete(f"{ADMIN}/{books.business_id}", headers=admin).status_code == 204
    assert client.get(f"/v3.1/businesses/{books.business_id}", headers=books.headers).status_code == 404

    owner = books.owner.email
    imported = client.post(f"{ADMIN}/import", params={"owner": owner}, headers=admin, json=document)
    assert imported.status_code == 201, imported.text
    assert imported.json()["id"] == books.business_id
    assert wire(books) == before
    books.check()

    again = client.post(f"{ADMIN}/import", params={"owner": owner}, headers=admin, json=document)
    assert again.status_code == 422 and "already exists" in again.json()[0]["$message"]
    assert again.json()[0]["$source"] == "business.id"
    copy = client.post(f"{ADMIN}/import", params={"owner": owner, "new_ids": "true"}, headers=admin, json=document)
    assert copy.status_code == 201 and copy.json()["id"] != books.business_id


def _set(document: dict[str, Any], table: str, column: str, value: Any) -> None:
    found = document["tables"][table]
    found["rows"][0][found["columns"].index(column)] = value


@pytest.mark.parametrize(("change", "source"), [
    (lambda d: d.update(version=2), "version"),
    (lambda d: d.update(format="other"), "format"),
    (lambda d: d["tables"].update(secrets={"columns": [], "rows": []}), "tables.secrets"),
    (lambda d: d["tables"]["contacts"]["columns"].append("password"), "tables.contacts.columns"),
    (lambda d: _set(d, "contacts", "created_at", "yesterday"), "tables.contacts"),
    (lambda d: _set(d, "artefacts", "total_amount", "1.001"), "tables.artefacts"),
    (lambda d: _set(d, "artefacts", "contact_id", None), "tables.artefacts"),
])
def test_import_refuses_what_it_cannot_read_and_writes_nothing(client: TestClient, books: Books,
                                                              admin: dict[str, str],
                                                              change: Callable[[dict[str, Any]], None],
                                                              source: str) -> None:
    fill(books)
    document = client.get(f"{ADMIN}/{books.business_id}/export", headers=admin).json()
    change(document)
    businesses = count(books, Business)
    answer = client.post(f"{ADMIN}/import", params={"owner": books.owner.email, "new_ids": "1"}, headers=admin,
                         json=document)
    assert answer.status_code == 422, answer.text
    assert answer.json()[0]["$source"] == source
    assert count(books, Business) == businesses


def test_delete_moves_the_lead_business_and_leaves_no_row(client: TestClient, factory: Factory,
                                                          admin: dict[str, str], runtime: Any) -> None:
    owner = factory.user()
    first = factory.business(owner, name="First")
    second = factory.business(owner, name="Second")
    headers = factory.headers(owner)
    assert client.get("/v3.1/businesses/lead", headers=headers).json()["id"] == first.id
    assert client.delete(f"{ADMIN}/{first.id}", headers=admin).status_code == 204
    assert client.get("/v3.1/businesses/lead", headers=headers).json()["id"] == second.id

    def left(db: Session) -> int:
        counters = db.scalar(select(func.count()).select_from(Counter).where(Counter.name.startswith(first.id)))
        rows = sum(db.connection().execute(select(func.count()).select_from(owned.table)
                                           .where(owned.of(first.id))).scalar_one()
                   for owned in state._all_tables())
        return int(counters or 0) + rows

    assert factory.tx(left) == 0
    assert client.delete(f"{ADMIN}/{first.id}", headers=admin).status_code == 404


def test_only_administrators_and_known_businesses(client: TestClient, books: Books, admin: dict[str, str]) -> None:
    refused = client.post(f"{ADMIN}/{books.business_id}/reset", headers=books.headers)
    assert refused.status_code == 403
    missing = client.post(f"{ADMIN}/{'0' * 32}/snapshots", headers=admin, json={"name": "x"})
    assert missing.status_code == 404 and missing.json()[0]["$source"] == "business"
    unnamed = client.post(f"{ADMIN}/{books.business_id}/snapshots", headers=admin, json={"name": " "})
    assert unnamed.status_code == 422 and unnamed.json()[0]["$source"] == "name"
    unknown = client.post(f"{ADMIN}/{books.business_id}/snapshots/nope/restore", headers=admin)
    assert unknown.status_code == 404
    no_owner = client.post(f"{ADMIN}/import", headers=admin, json={})
    assert no_owner.status_code == 422 and no_owner.json()[0]["$source"] == "owner"


def test_a_restore_waits_for_a_write_in_flight_and_comes_after_it(client: TestClient, books: Books,
                                                                   factory: Factory, admin: dict[str, str]) -> None:
    """A request creating records holds the business's writer lock (PostgreSQL) or the one write transaction
    (SQLite) until it commits; a restore started meanwhile waits, then replaces what it wrote."""
    assert client.post(f"{ADMIN}/{books.business_id}/snapshots", headers=admin, json={"name": "s"}).status_code == 201
    before = wire(books)
    runtime = factory.runtime
    started, finished = threading.Event(), threading.Event()

    def restore() -> None:
        started.set()
        with unit_of_work(runtime.sessions, write=True) as db:
            state.restore_snapshot(db, books.business_id, "s")
        finished.set()

    with unit_of_work(runtime.sessions, write=True) as db:
        bind_business(db, books.business_id)
        bind_clock(db, runtime.clock)
        contacts.create(db, books.business_id, ContactCreate.model_validate(
            {"name": "In flight", "contact_type_ids": ["CUSTOMER"]}), "GBP")
        db.flush()  # the writer lock is taken with the contact's legacy id
        worker = threading.Thread(target=restore)
        worker.start()
        started.wait(5)
        assert not finished.wait(0.5)  # the restore waits for this transaction
    worker.join(30)
    assert finished.is_set()
    assert wire(books) == before  # the contact written before the restore is gone with it
    books.check()


def test_a_document_without_a_column_added_later_gets_its_default(client: TestClient, books: Books,
                                                                 admin: dict[str, str]) -> None:
    made = fill(books)
    document = client.get(f"{ADMIN}/{books.business_id}/export", headers=admin).json()
    contacts_table = document["tables"]["contacts"]
    at = contacts_table["columns"].index("notes")  # a column with a default, as a later one would have
    del contacts_table["columns"][at]
    for row in contacts_table["rows"]:
        del row[at]
    copy = client.post(f"{ADMIN}/import", params={"owner": books.owner.email, "new_ids": "true"}, headers=admin,
                       json=document)
    assert copy.status_code == 201, copy.text
    listed = client.get("/v3.1/contacts", params={"attributes": "notes,name"},
                        headers={**books.headers, "X-Business": copy.json()["id"]}).json()["$items"]
    assert [(c["name"], c["notes"]) for c in listed] == [("Hartfield Books", "")]
    assert made["customer"] not in {c["id"] for c in listed}
