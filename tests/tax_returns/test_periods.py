"""VAT periods over HTTP: the business chooses the month its periods end in (HMRC's stagger,
`tax_return_period_end_month` of the financial settings) and its drafts and HMRC obligations follow it,
independent of the financial year end; a changed year end leaves the VAT periods where they were."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from tests.support.books import Books, problem
from tests.support.factories import Factory


@pytest.fixture
def books(client: TestClient, factory: Factory, clock: Clock) -> Books:
    clock.freeze(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    opened = Books.open(client, factory)
    opened.updated("/financial_settings", "financial_settings", {"tax_number": "GB 123 4567 89"})
    return opened


def _draft(books: Books, start: str, end: str) -> Any:
    return books.post("/draft_tax_returns", {"draft_tax_return": {"period_start_date": start,
                                                                  "period_end_date": end}})


def _obligations(books: Books, from_date: str, to_date: str) -> list[tuple[str, str, str]]:
    response = books.post("/tax_returns/obligation_periods", {"obligation_period": {"from_date": from_date,
                                                                                    "to_date": to_date}})
    assert response.status_code == 200, response.text
    return [(o["period_key"], o["start_date"], o["end_date"]) for o in response.json()["$items"]]


@pytest.mark.parametrize(("month", "quarter", "obligations"), [
    # Stagger 1: quarters ending January, April, July, October (cycle ending January).
    (1, ("2026-02-01", "2026-04-30"), [("26A4", "2025-11-01", "2026-01-31"), ("27A1", "2026-02-01", "2026-04-30"),
                                      ("27A2", "2026-05-01", "2026-07-31")]),
    # Stagger 2: February, May, August, November.
    (2, ("2026-03-01", "2026-05-31"), [("26A4", "2025-12-01", "2026-02-28"), ("27A1", "2026-03-01", "2026-05-31")]),
    # Stagger 3: calendar quarters, named by June (cycle ending June): January-March is its third quarter.
    (6, ("2026-01-01", "2026-03-31"), [("26A3", "2026-01-01", "2026-03-31"), ("26A4", "2026-04-01", "2026-06-30")]),
])
def test_quarters_follow_the_stagger(books: Books, month: int, quarter: tuple[str, str],
                                     obligations: list[tuple[str, str, str]]) -> None:
    settings = books.updated("/financial_settings", "financial_settings", {"tax_return_period_end_month": month})
    assert settings["tax_return_period_end_month"] == month
    draft = _draft(books, *quarter)
    assert draft.status_code == 201, draft.text
    if month != 6:
        # The calendar quarter is no period of these staggers.
        problem(_draft(books, "2026-01-01", "2026-03-31"), 422, "RecordInvalid")
    # HMRC's obligations from 1 January 2026 to today (20 May 2026): periods begun by today.
    assert _obligations(books, "2026-01-01", "2026-05-20") == obligations


def test_monthly_returns_are_calendar_months(books: Books) -> None:
    books.updated("/financial_settings", "financial_settings", {"tax_return_frequency_id": "MONTHLY",
                                                                "tax_return_period_end_month": 3})
    assert _draft(books, "2026-02-01", "2026-02-28").status_code == 201
    assert _obligations(books, "2026-03-01", "2026-05-20") == [
        ("26MC", "2026-03-01", "2026-03-31"), ("27M1", "2026-04-01", "2026-04-30"),
        ("27M2", "2026-05-01", "2026-05-31")]


def test_vat_periods_stay_when_the_year_end_changes(books: Books) -> None:
    before = _obligations(books, "2026-01-01", "2026-05-20")
    assert before == [("26A1", "2026-01-01", "2026-03-31"), ("26A2", "2026-04-01", "2026-06-30")]
    # The year 2026 is extended to end on 31 March 2027; the VAT quarters keep ending in March, June,
    # September and December (the old year end's month, now stored as the period end month).
    changed = books.updated("/financial_settings", "financial_settings", {"year_end_date": "2027-03-31"})
    assert changed["tax_return_period_end_month"] == 12
    assert _obligations(books, "2026-01-01", "2026-05-20") == before
    assert _draft(books, "2026-01-01", "2026-03-31").status_code == 201
    # A month outside 1-12 is refused.
    problem(books.put("/financial_settings", {"financial_settings": {"tax_return_period_end_month": 13}}), 422,
            None, "tax_return_period_end_month")
