"""Document counts kept by the database (`artefact_counts`, migration 0002) and the `$total` they answer.

The triggers must agree with a COUNT over `artefacts` after every kind of write: a document created, a
draft deleted, a quick entry whose type (and so kind) changes, a row written with plain SQL; the unfiltered
list takes its `$total` from the kept count and a filtered one still counts.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.app import build_runtime, create_app
from ledgerd.artefacts.models import Artefact, ArtefactCount
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.db.base import new_id
from ledgerd.db.migrate import alembic_config, upgrade
from tests.conftest import TEST_SCRYPT_N
from tests.support.books import Books
from tests.support.factories import Factory

QUICK = "/sales_quick_entries"


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def kept(books: Books) -> dict[str, int]:
    def run(db: Session) -> dict[str, int]:
        rows = db.execute(select(ArtefactCount.kind, ArtefactCount.documents)).all()
        return {kind: documents for kind, documents in rows if documents}

    return books.tx(run)


def counted(books: Books) -> dict[str, int]:
    def run(db: Session) -> dict[str, int]:
        rows = db.execute(select(Artefact.kind, func.count()).group_by(Artefact.kind)).all()
        return dict(rows)

    return books.tx(run)


def total(books: Books, path: str, **params: str) -> int:
    response = books.get(path, **params)
    assert response.status_code == 200, response.text
    return int(response.json()["$total"])


def quote(books: Books, customer: str) -> str:
    line = {"description": "Design", "ledger_account_id": books.accounts[4000], "quantity": "1",
            "unit_price": "10.00", "tax_rate_id": "GB_STANDARD", "tax_amount": "2.00"}
    body = {"contact_id": customer, "date": "2024-03-01", "expiry_date": "2024-04-01", "quote_lines": [line]}
    return str(books.created("/sales_quotes", "sales_quote", body)["id"])


def test_counts_follow_every_write(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    assert kept(books) == {}
    for gross in ("120.00", "60.00", "12.00"):
        books.document(customer, gross)
    books.document(customer, "24.00", kind="SALES_CREDIT_NOTE")
    quotes = [quote(books, customer) for _ in range(2)]
    entry = books.created(QUICK, "sales_quick_entry", {
        "quick_entry_type_id": "INVOICE", "contact_id": customer, "date": "2024-03-01", "reference": "QE-1",
        "ledger_account_id": books.accounts[4000], "net_amount": "100.00", "tax_rate_id": "GB_STANDARD",
        "tax_amount": "20.00"})
    assert kept(books) == counted(books) == {"SALES_INVOICE": 3, "SALES_CREDIT_NOTE": 1, "SALES_QUOTE": 2,
                                             "SALES_QUICK_ENTRY_INVOICE": 1}
    # A quick entry turned into a credit note changes kind: one moves from the old kind to the new.
    books.updated(f"{QUICK}/{entry['id']}", "sales_quick_entry", {"quick_entry_type_id": "CREDIT_NOTE"})
    assert books.delete(f"/sales_quotes/{quotes[0]}").status_code == 204
    assert kept(books) == counted(books) == {"SALES_INVOICE": 3, "SALES_CREDIT_NOTE": 1, "SALES_QUOTE": 1,
                                             "SALES_QUICK_ENTRY_CREDIT_NOTE": 1}

    # Plain SQL is counted too: the triggers live in the database, not in ledgerd's services.
    def copy_and_delete(db: Session) -> None:
        columns = [c.name for c in Artefact.__table__.columns if c.name not in ("id", "number", "legacy_id")]
        names = ", ".join(columns)
        # A fresh id (not one derived from the original's, which could equal it).
        db.execute(text(f"INSERT INTO artefacts (id, number, legacy_id, {names}) SELECT :copy, NULL, "
                        f"legacy_id + 1000, {names} FROM artefacts WHERE id = :id"),
                   {"id": quotes[1], "copy": new_id()})
        db.execute(text("DELETE FROM artefacts WHERE id = :id"), {"id": quotes[1]})

    books.tx(copy_and_delete)
    assert kept(books) == counted(books)
    assert kept(books)["SALES_QUOTE"] == 1


def test_unfiltered_lists_answer_the_kept_count(books: Books, client: TestClient, factory: Factory) -> None:
    customer = books.contact("CUSTOMER")
    for gross in ("120.00", "60.00"):
        books.document(customer, gross)
    assert total(books, "/sales_invoices") == 2
    # Put the kept count out of step on purpose: the unfiltered list shows it, a filtered one counts.
    books.tx(lambda db: db.execute(text("UPDATE artefact_counts SET documents = 7 WHERE business_id = :b "
                                        "AND kind = 'SALES_INVOICE'"), {"b": books.business_id}))
    assert total(books, "/sales_invoices") == 7
    assert total(books, "/sales_invoices", contact_id=customer) == 2
    assert total(books, "/sales_invoices", from_date="2000-01-01") == 2
    assert total(books, "/sales_invoices", search="SI") == 2
    assert total(books, "/sales_credit_notes") == 0
    # Another business's lists read their own counts.
    other = Books.open(client, factory)
    other.document(other.contact("CUSTOMER"), "10.00")
    assert total(other, "/sales_invoices") == 1


def test_the_migration_counts_existing_documents(fresh_database: Callable[[str], str], backend: str) -> None:
    url = fresh_database(backend)
    runtime = build_runtime(Settings(database_url=url, env="test",
                                     password_scrypt_n=TEST_SCRYPT_N, public_url="http://testserver"), Clock())
    try:
        with TestClient(create_app(runtime=runtime), base_url="http://testserver") as client:
            books = Books.open(client, Factory(runtime))
            customer = books.contact("CUSTOMER")
            for gross in ("120.00", "60.00"):
                books.document(customer, gross)
            books.document(customer, "24.00", kind="SALES_CREDIT_NOTE")
            assert counted(books) == {"SALES_INVOICE": 2, "SALES_CREDIT_NOTE": 1}
            runtime.engine.dispose()
            command.downgrade(alembic_config(url), "0001")
            # Written while no trigger counts: the upgrade must count what is there, not what was kept.
            books.tx(lambda db: db.execute(text("DELETE FROM artefacts WHERE kind = 'SALES_CREDIT_NOTE'")))
            upgrade(url)
            assert kept(books) == counted(books) == {"SALES_INVOICE": 2}
            books.document(customer, "12.00")
            assert kept(books) == counted(books) == {"SALES_INVOICE": 3}
    finally:
        runtime.engine.dispose()
