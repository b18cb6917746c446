"""VAT journals: journals may use the VAT accounts, and only lines sent with `include_on_tax_return` reach the
VAT return (docs/decisions/vat-treatments.md).

Where a flagged line counts, as Sage's "How journal entries affect the VAT Return" lays out: on VAT on sales a
credit raises box 1 and a debit lowers it; on VAT on purchases a debit raises box 4 and a credit lowers it; on an
income account a credit raises box 6 and a debit lowers it; on an expense account a debit raises box 7 and a credit
lowers it; on any other account a credit raises box 6 and a debit raises box 7.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from ledgerd.db.migrate import alembic_config, upgrade
from ledgerd.ledger.models import LedgerEntry
from tests.support.books import Books, D, books_on
from tests.support.factories import Factory

Q1 = {"period_start_date": "2026-01-01", "period_end_date": "2026-03-31"}


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    opened = Books.open(client, factory)
    # A sale of 1,000.00 + VAT 200.00 in the quarter: box 1 = 200.00, box 6 = 1,000.
    opened.created("/sales_invoices", "sales_invoice", {
        "contact_id": opened.contact("CUSTOMER"), "date": "2026-01-15",
        "invoice_lines": [{"description": "Sale", "ledger_account_id": opened.accounts[4000], "quantity": 1,
                           "unit_price": "1000.00", "tax_rate_id": "GB_STANDARD", "tax_amount": "200.00"}]})
    return opened


def _journal(books: Books, *lines: tuple[int, str, str, bool], path: str = "/journals") -> dict[str, Any]:
    """A journal of (nominal code, debit, credit, include_on_tax_return) lines on 2026-02-28."""
    wrapper = path.strip("/")[:-1]
    return books.created(path, wrapper, {"date": "2026-02-28", "reference": "VAT-ADJ", "journal_lines": [
        {"ledger_account_id": books.accounts[code], "debit": debit, "credit": credit, "include_on_tax_return": flag}
        for code, debit, credit, flag in lines]})


def _boxes(books: Books) -> dict[str, Decimal]:
    """The quarter's nonzero boxes (the draft deleted again, so the quarter can be calculated once more)."""
    draft = books.created("/draft_tax_returns", "draft_tax_return", Q1)
    assert books.delete(draft["$path"]).status_code == 204
    return {name: D(value) for name, value in draft["gb"].items() if D(value)}


def test_a_vat_correction_journal_changes_boxes_1_and_4(books: Books) -> None:
    # Output VAT under-declared by 10.00 (charged to sales) and input VAT of 15.00 missed (out of overheads): the
    # VAT lines are sent to the return, the sales and overheads lines are not.
    journal = _journal(books, (2200, "0", "10.00", True), (4000, "10.00", "0", False),
                       (2201, "15.00", "0", True), (7500, "0", "15.00", False))
    assert [line["include_on_tax_return"] for line in journal["journal_lines"]] == [True, False, True, False]
    assert books.get(f"/journals/{journal['id']}").json()["journal_lines"][0]["include_on_tax_return"] is True
    # Box 1 = 200.00 + 10.00 = 210.00; box 4 = 15.00; box 5 = 210.00 - 15.00 = 195.00; box 6 stays 1,000.
    assert _boxes(books) == {"box_1": D(210), "box_3": D(210), "box_4": D(15), "box_5": D(195), "box_6": D(1000)}
    # Removing the journal reverses it, flags and all: the return is the sale's again.
    assert books.delete(f"/journals/{journal['id']}").status_code == 204
    assert _boxes(books) == {"box_1": D(200), "box_3": D(200), "box_5": D(200), "box_6": D(1000)}


def test_a_journal_without_the_flag_leaves_the_return_alone(books: Books) -> None:
    # The same amounts moved between the VAT accounts, and sales, with no line sent to the return.
    _journal(books, (2200, "0", "10.00", False), (4000, "10.00", "0", False),
             (2201, "15.00", "0", False), (7500, "0", "15.00", False))
    # An opening balance journal on the VAT accounts is no part of any return either.
    _journal(books, (2201, "30.00", "0", False), (2200, "0", "30.00", False), path="/opening_balance_journals")
    # Box 1 = 200.00 and box 6 = 1,000 from the sale alone.
    assert _boxes(books) == {"box_1": D(200), "box_3": D(200), "box_5": D(200), "box_6": D(1000)}


def test_flagged_lines_on_other_accounts_move_boxes_6_and_7(books: Books) -> None:
    # Cr 4000 sales 100.00 (income: box 6 + 100), Dr 5000 purchases 60.00 (expense: box 7 + 60), Dr 0030 office
    # equipment 40.00 (any other account, a debit: box 7 + 40), Dr 4000 sales 25.00 (income, a debit: box 6 - 25),
    # Cr 2109 accruals 25.00 (any other account, a credit: box 6 + 25).
    _journal(books, (4000, "0", "100.00", True), (5000, "60.00", "0", True), (30, "40.00", "0", True),
             (4000, "25.00", "0", True), (2109, "0", "25.00", True))
    # Box 6 = 1,000 + 100 - 25 + 25 = 1,100; box 7 = 60 + 40 = 100; boxes 1 to 5 the sale's.
    assert _boxes(books) == {"box_1": D(200), "box_3": D(200), "box_5": D(200), "box_6": D(1100), "box_7": D(100)}


def test_the_migration_marks_the_flagged_lines_already_posted(fresh_database: Callable[[str], str],
                                                              backend: str) -> None:
    """0011: a journal posted before it keeps its flags, and its flagged lines' entries are marked for the return."""
    url = fresh_database(backend)
    with books_on(url) as (books, runtime):
        journal = _journal(books, (4000, "0", "10.00", True), (30, "10.00", "0", False))

        def marks(db: Session) -> list[tuple[Decimal, Decimal, str | None]]:
            rows = db.execute(select(LedgerEntry.debit, LedgerEntry.credit, LedgerEntry.tax_treatment)
                              .where(LedgerEntry.transaction_id == journal["transaction"]["id"]))
            return sorted((debit, credit, treatment) for debit, credit, treatment in rows)

        assert books.tx(marks) == [(D(0), D("10.00"), "JOURNAL"), (D("10.00"), D(0), None)]
        runtime.engine.dispose()
        command.downgrade(alembic_config(url), "0011-1")
        upgrade(url)
        # Cr 4000 10.00 was sent to the return: marked again; Dr 0030 10.00 was not.
        assert books.tx(marks) == [(D(0), D("10.00"), "JOURNAL"), (D("10.00"), D(0), None)]
