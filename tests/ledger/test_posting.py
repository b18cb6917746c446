"""What posting leaves in the ledger, read over HTTP (SQLite and PostgreSQL): `/ledger_entries` and
`/transactions`, their wire shapes and filters."""

from __future__ import annotations

from datetime import timedelta

from ledgerd.clock import Clock
from tests.support.books import Books, problem

ENTRY_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "date", "credit", "debit", "ledger_account",
              "transaction", "contact", "deleted", "tax_rate", "description", "journal_code"]
TRANSACTION_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "date", "deleted", "reference", "total",
                    "total_in_transaction_currency", "contact", "transaction_type", "origin", "audit_trail_id",
                    "number_of_attachments"]
FREEHOLD, CAPITAL, RENT = 10, 3000, 7100


def test_ledger_entries_and_transactions(books: Books, frozen: Clock) -> None:
    first = books.journal("2024-01-10", (RENT, 12, 0), (CAPITAL, 0, 12), reference="A")
    frozen.advance(timedelta(minutes=2))
    second = books.journal("2024-02-10", (FREEHOLD, 7, 0), (CAPITAL, 0, 7), reference="B")

    entries = books.get("/ledger_entries", attributes="all").json()
    assert entries["$total"] == 4
    entry = entries["$items"][0]
    assert list(entry) == ENTRY_KEYS
    assert (entry["debit"], entry["credit"], entry["date"], entry["deleted"]) == ("12.0", "0.0", "2024-01-10", False)
    assert entry["ledger_account"]["id"] == books.accounts[RENT]
    assert entry["transaction"] == first["transaction"]
    assert books.get(entry["$path"]).json() == entry
    assert books.get("/ledger_entries", ledger_account_id=books.accounts[CAPITAL]).json()["$total"] == 2
    assert books.get("/ledger_entries", transaction_id=second["transaction"]["id"]).json()["$total"] == 2
    assert books.get("/ledger_entries", from_date="2024-02-01").json()["$total"] == 2
    assert books.get("/ledger_entries", to_date="2024-01-31").json()["$total"] == 2
    assert books.get("/ledger_entries", transaction_type_id="journal").json()["$total"] == 4
    assert books.get("/ledger_entries", transaction_type_id="SALES_INVOICE").json()["$total"] == 0
    assert books.get("/ledger_entries", journal_code_id="ANY").json()["$total"] == 0
    assert books.get("/ledger_entries", updated_or_created_since="2024-06-15T12:01:00Z").json()["$total"] == 2
    problem(books.get(f"/ledger_entries/{'0' * 32}"), 404, "RecordNotFound")

    transaction = books.get(second["transaction"]["$path"], expand_origin="true").json()
    assert list(transaction) == TRANSACTION_KEYS
    assert transaction["origin"] == {"id": second["id"], "displayed_as": "B", "$path": second["$path"], "links": []}
    assert (transaction["reference"], transaction["total"], transaction["deleted"]) == ("B", "7.0", False)
    assert transaction["transaction_type"]["id"] == "JOURNAL" and transaction["number_of_attachments"] == "0"
    listing = books.get("/transactions").json()
    assert [i["displayed_as"] for i in listing["$items"]] == ["A", "B"]
    assert books.get("/transactions", from_date="2024-02-01").json()["$total"] == 1
    assert books.get("/transactions", updated_from_date="2024-06-15").json()["$total"] == 2
    assert books.get("/transactions", updated_from_date="2024-06-16").json()["$total"] == 0
    assert books.get("/transactions", updated_to_date="2024-06-15").json()["$total"] == 2
    assert books.get("/transactions", updated_to_date="2024-06-14").json()["$total"] == 0
    assert books.get("/transactions", updated_or_created_since="2024-06-15T12:01:00Z").json()["$total"] == 1
    assert books.get("/transactions", has_attachments="true").json()["$total"] == 0
    assert books.get("/transactions", has_attachments="false").json()["$total"] == 2
    assert books.get("/transactions", transaction_type_id="OTHER_PAYMENT").json()["$total"] == 0
    problem(books.get("/transactions", updated_from_date="soon"), 400, "InvalidParameter", "updated_from_date")
    problem(books.get(f"/transactions/{'0' * 32}"), 404, "RecordNotFound")
    assert books.client.post("/v3.1/transactions", headers=books.headers, json={}).status_code == 405
