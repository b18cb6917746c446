"""Daily balances (`LedgerBalance`): kept by every posting and reversal, atomic under concurrent posting,
rebuilt from the entries on demand, and what the trial balance and balance details read (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from ledgerd.db.engine import unit_of_work
from ledgerd.db.records import bind_clock
from ledgerd.db.tenancy import bind_business
from ledgerd.ledger import balances
from ledgerd.ledger.models import LedgerBalance, Transaction
from ledgerd.ledger.posting import Line, post, reverse
from ledgerd.runtime import Runtime
from tests.support import invariants
from tests.support.books import Books, D, problem
from tests.support.factories import Factory

FREEHOLD, BANK, CAPITAL, RETAINED, SALES, OTHER_INCOME, RENT, POSTAGE = 10, 1200, 3000, 3200, 4000, 4900, 7100, 7500
JAN, FEB, MAR = dt.date(2024, 1, 10), dt.date(2024, 2, 10), dt.date(2024, 3, 10)
TRIAL_KEYS = ["id", "displayed_as", "$path", "nominal_code", "name", "ledger_account_type", "ledger_account_group",
              "debit", "credit", "balance"]
Buckets = dict[tuple[int, dt.date], tuple[Decimal, Decimal]]


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2024, 6, 15, 12, tzinfo=UTC))
    return Books.open(client, factory)


def _post(books: Books, on: dt.date, *lines: tuple[int, str, str], db: Session | None = None) -> str:
    """Post (nominal code, debit, credit) lines through `posting.post`; returns the transaction id."""
    def run(session: Session) -> str:
        return post(session, business_id=books.business_id, transaction_type_id="JOURNAL", on=on,
                    lines=[Line(books.accounts[code], debit=D(dr), credit=D(cr)) for code, dr, cr in lines]).id

    return run(db) if db is not None else books.tx(run)


def _buckets(books: Books) -> Buckets:
    codes = {account_id: code for code, account_id in books.accounts.items()}

    def run(db: Session) -> Buckets:
        invariants.daily_balances_match_entries(db)
        return {(codes[row.ledger_account_id], row.date): (row.debit, row.credit)
                for row in db.scalars(select(LedgerBalance))}

    return books.tx(run)


def test_posting_and_reversing_move_the_daily_balances(books: Books) -> None:
    first = _post(books, JAN, (RENT, "100.10", "0"), (CAPITAL, "0", "100.10"))
    _post(books, JAN, (RENT, "5", "0"), (POSTAGE, "2.50", "0"), (CAPITAL, "0", "7.50"))
    _post(books, FEB, (RENT, "1", "0"), (RENT, "0", "0.25"), (CAPITAL, "0", "0.75"))
    assert _buckets(books) == {(RENT, JAN): (D("105.10"), D(0)), (CAPITAL, JAN): (D(0), D("107.60")),
                               (POSTAGE, JAN): (D("2.50"), D(0)), (RENT, FEB): (D(1), D("0.25")),
                               (CAPITAL, FEB): (D(0), D("0.75"))}

    # A reversal on the original date adds the mirror amounts to the same buckets; one on a later
    # date opens that day's buckets and leaves the original day's alone.
    books.tx(lambda db: reverse(db, db.get_one(Transaction, first)))
    assert _buckets(books)[(RENT, JAN)] == (D("105.10"), D("100.10"))
    assert _buckets(books)[(CAPITAL, JAN)] == (D("100.10"), D("107.60"))
    later = _post(books, FEB, (POSTAGE, "3", "0"), (CAPITAL, "0", "3"))
    books.tx(lambda db: reverse(db, db.get_one(Transaction, later), on=MAR))
    after = _buckets(books)
    assert (after[(POSTAGE, FEB)], after[(POSTAGE, MAR)]) == ((D(3), D(0)), (D(0), D(3)))
    assert (after[(CAPITAL, FEB)], after[(CAPITAL, MAR)]) == ((D(0), D("3.75")), (D(3), D(0)))
    books.check()


def test_a_rolled_back_posting_leaves_no_balance(books: Books) -> None:
    _post(books, JAN, (RENT, "10", "0"), (CAPITAL, "0", "10"))
    with pytest.raises(RuntimeError), unit_of_work(books.factory.runtime.sessions, write=True) as db:
        bind_business(db, books.business_id)
        bind_clock(db, books.factory.runtime.clock)
        _post(books, JAN, (RENT, "7", "0"), (CAPITAL, "0", "7"), db=db)
        _post(books, FEB, (RENT, "7", "0"), (CAPITAL, "0", "7"), db=db)
        raise RuntimeError("the request failed after posting")
    assert _buckets(books) == {(RENT, JAN): (D(10), D(0)), (CAPITAL, JAN): (D(0), D(10))}


def test_concurrent_posts_to_one_account_and_day(books: Books, runtime: Runtime) -> None:
    """Threads with their own units of work post to the same accounts on the same days at once (lines in
    random order); every amount lands in the daily balances exactly once."""
    threads, each = 6, 4
    start = threading.Barrier(threads)

    def worker(seed: int) -> Decimal:
        rng = random.Random(seed)
        posted = D(0)
        start.wait(timeout=30)
        for n in range(each):
            amount = D(seed * 10 + n + 1)
            lines = [(RENT, str(amount), "0"), (POSTAGE, "1", "0"), (CAPITAL, "0", str(amount + 1))]
            rng.shuffle(lines)
            with unit_of_work(runtime.sessions, write=True) as db:
                bind_business(db, books.business_id)
                bind_clock(db, runtime.clock)
                _post(books, (JAN, FEB)[n % 2], *lines, db=db)
            posted += amount
        return posted

    with ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(worker, range(threads)), D(0))
    buckets = _buckets(books)
    assert buckets[(RENT, JAN)][0] + buckets[(RENT, FEB)][0] == total
    assert buckets[(POSTAGE, JAN)] == buckets[(POSTAGE, FEB)] == (D(threads * each // 2), D(0))
    assert buckets[(CAPITAL, JAN)][1] + buckets[(CAPITAL, FEB)][1] == total + threads * each
    books.check()


def test_trial_balance_equals_daily_balances_equals_entries(books: Books) -> None:
    _post(books, dt.date(2023, 5, 1), (BANK, "500", "0"), (SALES, "0", "500"))
    _post(books, JAN, (RENT, "120.40", "0"), (BANK, "0", "120.40"))
    tx = _post(books, FEB, (BANK, "80", "0"), (OTHER_INCOME, "0", "80"))
    books.tx(lambda db: reverse(db, db.get_one(Transaction, tx), on=MAR))
    _post(books, MAR, (POSTAGE, "9.99", "0"), (CAPITAL, "0", "9.99"))

    entries = {books.accounts[code]: amount for code, amount in books.balances().items()}
    buckets: dict[str, Decimal] = {}
    for (code, _day), (debit, credit) in _buckets(books).items():
        buckets[books.accounts[code]] = buckets.get(books.accounts[code], D(0)) + debit - credit
    trial = books.get("/trial_balance", from_date="2000-01-01", to_date="2099-12-31").json()
    assert {i["id"]: D(i["balance"]) for i in trial["$items"]} == {k: v for k, v in buckets.items() if v} == entries

    # A range: balance details sum the buckets of those days, exactly what the entries of those days sum to.
    details = books.get(f"/ledger_accounts/{books.accounts[BANK]}", show_balance_details="true",
                        from_date="2024-01-01", to_date="2024-02-29").json()["balance_details"]
    assert (details["debits"], details["credits"], details["balance"]) == ("80.0", "120.4", "40.4")
    kept = books.get(f"/ledger_accounts/{books.accounts[BANK]}", show_balance_details="true",
                     exclude_deleted_entries="true").json()["balance_details"]
    assert (kept["debits"], kept["credits"]) == ("500.0", "120.4")


def test_rebuild_recomputes_the_daily_balances_from_the_entries(books: Books) -> None:
    _post(books, JAN, (RENT, "10", "0"), (CAPITAL, "0", "10"))
    _post(books, FEB, (RENT, "4", "0"), (POSTAGE, "1", "0"), (CAPITAL, "0", "5"))
    other = Books.open(books.client, books.factory)
    _post(other, JAN, (RENT, "99", "0"), (CAPITAL, "0", "99"))
    kept, theirs = _buckets(books), _buckets(other)

    def tamper(db: Session) -> None:
        db.execute(update(LedgerBalance).values(debit=D(1)))

    books.tx(tamper)
    with pytest.raises(AssertionError):
        _buckets(books)
    books.tx(lambda db: balances.rebuild(db, books.business_id))
    assert _buckets(books) == kept
    assert _buckets(other) == theirs


# --- trial balance -------------------------------------------------------------------------------------------

def test_trial_balance_balances_and_matches_the_ledger(books: Books) -> None:
    books.journal("2023-03-01", (FREEHOLD, 500, 0), (SALES, 0, 500))
    books.journal("2024-02-01", (RENT, "200.10", 0), (CAPITAL, 0, "200.10"))
    books.journal("2024-03-01", (FREEHOLD, 50, 0), (OTHER_INCOME, 0, 50))
    books.journal("2025-01-05", (RENT, 999, 0), (CAPITAL, 0, 999))

    # Default: the financial year to date (1 Jan - 15 Jun 2024); last year's sales sit in retained earnings.
    report = books.get("/trial_balance").json()
    assert list(report) == ["$total", "$page", "$next", "$back", "$itemsPerPage", "$items", "$totals"]
    assert list(report["$items"][0]) == TRIAL_KEYS
    lines = {i["nominal_code"]: (i["debit"], i["credit"]) for i in report["$items"]}
    assert lines == {FREEHOLD: ("550.0", "0.0"), CAPITAL: ("0.0", "200.1"), RETAINED: ("0.0", "500.0"),
                     OTHER_INCOME: ("0.0", "50.0"), RENT: ("200.1", "0.0")}
    assert [i["nominal_code"] for i in report["$items"]] == sorted(lines)
    assert report["$totals"] == {"debit": "750.1", "credit": "750.1"}
    assert sum(Decimal(i["balance"]) for i in report["$items"]) == 0

    # From the beginning of time, every balance is the ledger's own sum of entries up to the date.
    everything = books.get("/trial_balance", from_date="2000-01-01", to_date="2030-12-31").json()
    ledger = {books.accounts[code]: amount for code, amount in books.balances().items()}
    assert {i["id"]: Decimal(i["balance"]) for i in everything["$items"]} == ledger
    assert Decimal(everything["$totals"]["debit"]) == sum(v for v in ledger.values() if v > 0)
    assert everything["$totals"]["debit"] == everything["$totals"]["credit"]

    page = books.get("/trial_balance", items_per_page=2, page=3, attributes="debit").json()
    assert (page["$total"], len(page["$items"]), page["$totals"]) == (5, 1, report["$totals"])
    assert list(page["$items"][0]) == ["id", "displayed_as", "$path", "debit"]
    assert books.get("/trial_balance", to_date="2022-12-31").json()["$items"] == []
    problem(books.get("/trial_balance", from_date="2024-02-01", to_date="2024-01-01"), 400, "InvalidParameter",
            "from_date")


def test_trial_balance_is_one_query_whatever_the_accounts(books: Books, runtime: Runtime) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def queries() -> int:
        statements.clear()
        event.listen(runtime.engine, "before_cursor_execute", count)
        try:
            assert books.get("/trial_balance", from_date="2024-01-01", to_date="2024-12-31").status_code == 200
        finally:
            event.remove(runtime.engine, "before_cursor_execute", count)
        # The daily balances answer it: the entries themselves are never read.
        assert not [s for s in statements if "ledger_entries" in s]
        return len([s for s in statements if "ledger_balances" in s])

    books.journal("2024-01-10", (RENT, 1, 0), (CAPITAL, 0, 1))
    few = queries()
    codes = [c for c in (10, 20, 30, 50, 4000, 4010, 4900, 5000, 7000, 7200, 7500, 7600) if c in books.accounts]
    for code in codes:
        books.journal("2024-02-10", (code, 3, 0), (CAPITAL, 0, 3))
    assert queries() == few == 1
