"""Ledger account opening balances over HTTP, and what they do to the ledger (SQLite and PostgreSQL).

Each one is a GENERAL_LEDGER_OPENING_BALANCE transaction against the OPENING_BALANCES control account: an
edit reverses it and posts again, a delete reverses it; posted entries never change.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from ledgerd.ledger.models import Transaction
from tests.support import invariants, reference
from tests.support.books import Books, D, problem
from tests.support.factories import Factory

KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "ledger_account", "details", "debit", "credit"]
PATH, WRAPPER = "/ledger_account_opening_balances", "ledger_account_opening_balance"
# GB chart: 30 Office Equipment, 2300 Loans, 1100 Trade Debtors, 2100 Trade Creditors, 1200 Current (bank),
# 1210 Cash in Hand (bank), 9999 Opening Balances Control.
EQUIPMENT, LOANS, DEBTORS, CREDITORS, CURRENT, CASH, CONTROL = 30, 2300, 1100, 2100, 1200, 1210, 9999


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Iterator[Books]:
    clock.freeze(datetime.fromisoformat("2024-05-20T09:30:00+00:00"))
    opened = Books.open(client, factory)
    yield opened
    opened.check()


def create(books: Books, code: int, **attrs: Any) -> dict[str, Any]:
    return books.created(PATH, WRAPPER, {"ledger_account_id": books.accounts[code], **attrs})


def postings(books: Books, opening_id: str) -> list[Transaction]:
    """The transactions an opening balance made, oldest first."""
    return [t for t in books.transactions() if t.origin_id == opening_id]


def trial_totals(books: Books) -> tuple[str, str]:
    body = books.get("/trial_balance", from_date="2000-01-01", to_date="2099-12-31").json()
    return body["$totals"]["debit"], body["$totals"]["credit"]


def test_wire_shape_follows_the_swagger_definition() -> None:
    assert list(reference.definitions()["LedgerAccountOpeningBalance"]["properties"]) == KEYS


def test_create_posts_against_the_opening_balances_control(books: Books) -> None:
    made = create(books, EQUIPMENT, debit="1250.50", credit=0, details="Desks and chairs")
    assert list(made) == KEYS
    assert made["displayed_as"] == "Desks and chairs" and made["$path"] == f"{PATH}/{made['id']}"
    assert made["ledger_account"] == {"id": books.accounts[EQUIPMENT], "displayed_as": "Office Equipment (0030)",
                                      "$path": f"/ledger_accounts/{books.accounts[EQUIPMENT]}"}
    assert (made["debit"], made["credit"], made["created_at"]) == ("1250.5", "0.0", "2024-05-20T09:30:00Z")
    assert books.get(made["$path"]).json() == made
    listed = books.get(PATH, attributes="all").json()
    assert listed["$total"] == 1 and listed["$items"] == [made]

    [transaction] = postings(books, made["id"])
    assert (transaction.transaction_type_id, transaction.date.isoformat(), transaction.reference) == (
        "GENERAL_LEDGER_OPENING_BALANCE", "2024-05-20", "Opening Balance")
    assert books.transaction(transaction.id)[1] == [(EQUIPMENT, D("1250.50"), D(0)), (CONTROL, D(0), D("1250.50"))]
    assert books.balances() == {EQUIPMENT: D("1250.50"), CONTROL: D("-1250.50")}
    assert trial_totals(books) == ("1250.5", "1250.5")
    origin = books.get(f"/transactions/{transaction.id}").json()["origin"]
    assert origin["$path"] == made["$path"] and origin["displayed_as"] == "Opening Balance"

    loan = create(books, LOANS, debit=0, credit=4000)
    assert loan["displayed_as"] == "Opening Balance" and loan["details"] == ""
    assert books.balances() == {EQUIPMENT: D("1250.50"), LOANS: D(-4000), CONTROL: D("2749.50")}
    assert trial_totals(books) == ("4000.0", "4000.0")


def test_posted_the_day_before_the_accounts_start(books: Books) -> None:
    books.put("/financial_settings", {"financial_settings": {"accounts_start_date": "2024-04-01"}})
    made = create(books, EQUIPMENT, debit=10, credit=0)
    [transaction] = postings(books, made["id"])
    assert transaction.date.isoformat() == "2024-03-31"
    # Fixed when entered: a later change of the start date does not move the balance on an edit.
    books.put("/financial_settings", {"financial_settings": {"accounts_start_date": "2024-05-01"}})
    books.updated(made["$path"], WRAPPER, {"debit": 20})
    assert {t.date.isoformat() for t in postings(books, made["id"])} == {"2024-03-31"}


def test_update_reverses_and_posts_again(books: Books, clock: Clock) -> None:
    made = create(books, EQUIPMENT, debit=500, credit=0)
    before = books.tx(invariants.entries_snapshot)
    clock.freeze(datetime.fromisoformat("2024-05-20T09:32:00+00:00"))
    changed = books.updated(made["$path"], WRAPPER, {"debit": 0, "credit": "75.25", "details": "Written down"})
    assert (changed["debit"], changed["credit"], changed["details"]) == ("0.0", "75.25", "Written down")
    assert (changed["created_at"], changed["updated_at"]) == (made["created_at"], "2024-05-20T09:32:00Z")
    assert books.balances() == {EQUIPMENT: D("-75.25"), CONTROL: D("75.25")}
    invariants.unchanged(before, books.tx(invariants.entries_snapshot))
    first, mirror, current = postings(books, made["id"])
    assert (first.deleted, mirror.deleted, mirror.reverses_id, current.deleted) == (True, True, first.id, False)

    # Moving it to another account takes it off the first one.
    moved = books.updated(made["$path"], WRAPPER, {"ledger_account_id": books.accounts[LOANS]})
    assert moved["ledger_account"]["id"] == books.accounts[LOANS] and moved["credit"] == "75.25"
    assert books.balances() == {LOANS: D("-75.25"), CONTROL: D("75.25")}
    assert trial_totals(books) == ("75.25", "75.25")
    # An empty body changes nothing but posts the same balance again.
    assert books.updated(made["$path"], WRAPPER, {})["credit"] == "75.25"
    assert books.balances() == {LOANS: D("-75.25"), CONTROL: D("75.25")}


def test_delete_reverses_and_leaves_a_tombstone(books: Books) -> None:
    made = create(books, EQUIPMENT, debit=300, credit=0)
    before = books.tx(invariants.entries_snapshot)
    assert books.delete(made["$path"]).status_code == 204
    problem(books.get(made["$path"]), 404, "RecordNotFound")
    assert books.balances() == {} and set(books.balances(zeros=True)) == {EQUIPMENT, CONTROL}
    invariants.unchanged(before, books.tx(invariants.entries_snapshot))
    assert all(t.deleted for t in postings(books, made["id"]))
    gone = books.get(PATH, deleted_since="2000-01-01").json()["$items"]
    assert [(g["id"], g["displayed_as"]) for g in gone] == [(made["id"], "Opening Balance")]
    # The account is free for a new opening balance.
    assert create(books, EQUIPMENT, debit=1, credit=0)["debit"] == "1.0"


@pytest.mark.parametrize(("attrs", "source"), [
    ({"debit": 1, "credit": 0}, "ledger_account_id"),
    ({"ledger_account_id": "0" * 32, "debit": 1, "credit": 0}, "ledger_account_id"),
    ({"ledger_account_id": EQUIPMENT, "credit": 0}, "debit"),
    ({"ledger_account_id": EQUIPMENT, "debit": 1}, "credit"),
    ({"ledger_account_id": EQUIPMENT, "debit": 5, "credit": 5}, "credit"),
    ({"ledger_account_id": EQUIPMENT, "debit": 0, "credit": 0}, "debit"),
    ({"ledger_account_id": EQUIPMENT, "debit": -5, "credit": 0}, "debit"),
    ({"ledger_account_id": EQUIPMENT, "debit": "1.001", "credit": 0}, "debit"),
    ({"ledger_account_id": EQUIPMENT, "debit": "abc", "credit": 0}, "debit"),
    ({"ledger_account_id": EQUIPMENT, "debit": 1, "credit": 0, "details": "x" * 256}, "details"),
    ({"ledger_account_id": DEBTORS, "debit": 1, "credit": 0}, "ledger_account_id"),
    ({"ledger_account_id": CREDITORS, "debit": 0, "credit": 1}, "ledger_account_id"),
    ({"ledger_account_id": CURRENT, "debit": 1, "credit": 0}, "ledger_account_id"),
    ({"ledger_account_id": CASH, "debit": 1, "credit": 0}, "ledger_account_id"),
    ({"ledger_account_id": CONTROL, "debit": 1, "credit": 0}, "ledger_account_id"),
])
def test_invalid_bodies_write_nothing(books: Books, attrs: dict[str, Any], source: str) -> None:
    if isinstance(attrs.get("ledger_account_id"), int):
        attrs = {**attrs, "ledger_account_id": books.accounts[attrs["ledger_account_id"]]}
    problem(books.post(PATH, {WRAPPER: attrs}), 422, "RecordInvalid", source)
    assert books.get(PATH).json()["$total"] == 0
    assert books.transactions() == []


def test_one_opening_balance_per_account_and_the_wrapper(books: Books, factory: Factory) -> None:
    made = create(books, EQUIPMENT, debit=10, credit=0)
    message = problem(books.post(PATH, {WRAPPER: {"ledger_account_id": books.accounts[EQUIPMENT], "debit": 2,
                                                  "credit": 0}}), 422, "RecordInvalid", "ledger_account_id")["$message"]
    assert message == "Office Equipment (0030) already has an opening balance."
    other = create(books, LOANS, debit=0, credit=10)
    problem(books.put(other["$path"], {WRAPPER: {"ledger_account_id": books.accounts[EQUIPMENT]}}), 422,
            "RecordInvalid", "ledger_account_id")
    problem(books.put(made["$path"], {WRAPPER: {"debit": 3, "credit": 3}}), 422, "RecordInvalid", "credit")
    problem(books.post(PATH, {"opening_balance": {}}), 422, "Validation", WRAPPER)
    assert books.get(made["$path"]).json()["debit"] == "10.0"
    assert books.balances() == {EQUIPMENT: D(10), LOANS: D(-10)}

    # Another business's ledger account is unknown here; its opening balances are not found.
    stranger = Books.open(books.client, factory)
    problem(books.post(PATH, {WRAPPER: {"ledger_account_id": stranger.accounts[EQUIPMENT], "debit": 1, "credit": 0}}),
            422, "RecordInvalid", "ledger_account_id")
    problem(stranger.get(made["$path"]), 404, "RecordNotFound")
    assert stranger.get(PATH).json()["$total"] == 0
