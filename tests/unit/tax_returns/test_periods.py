"""Tax return periods (tax_returns/periods.py): a return frequency's periods follow the business's financial year,
with HMRC's period keys."""

from __future__ import annotations

from datetime import date

import pytest

from ledgerd.tax_returns.periods import Calendar, cycle_end


@pytest.mark.parametrize(("frequency", "months", "letter", "year_end", "day", "expected"), [
    ("QUARTERLY", 3, "A", date(2026, 12, 31), date(2026, 2, 14), ("2026-01-01", "2026-03-31", "26A1")),
    ("QUARTERLY", 3, "A", date(2026, 6, 30), date(2026, 8, 15), ("2026-07-01", "2026-09-30", "27A1")),
    ("QUARTERLY", 3, "A", date(2025, 6, 30), date(2026, 2, 28), ("2026-01-01", "2026-03-31", "26A3")),
    ("MONTHLY", 1, "M", date(2026, 3, 31), date(2026, 2, 28), ("2026-02-01", "2026-02-28", "26MB")),
    ("ANNUALLY", 12, "Y", date(2026, 4, 5), date(2026, 4, 6), ("2026-04-06", "2027-04-05", "27Y1")),
    ("BI_MONTHLY", 2, "B", date(2024, 12, 31), date(2024, 2, 29), ("2024-01-01", "2024-02-29", "24B1")),
])
def test_periods_follow_the_financial_year(frequency: str, months: int, letter: str, year_end: date, day: date,
                                           expected: tuple[str, str, str]) -> None:
    period = Calendar(frequency, months, letter, year_end).containing(day)
    assert (period.start.isoformat(), period.end.isoformat(), period.key) == expected


# HMRC's staggers: quarters ending in January/April/July/October (1), February/May/August/November (2) or
# March/June/September/December (3), and monthly returns, whatever the financial year end (here 30 June).
@pytest.mark.parametrize(("frequency", "months", "letter", "end_month", "day", "expected"), [
    # Stagger 1 (cycle ending 31 January): 14 February 2026 is in February-April, the first quarter of the
    # cycle ending 31 January 2027.
    ("QUARTERLY", 3, "A", 1, date(2026, 2, 14), ("2026-02-01", "2026-04-30", "27A1")),
    ("QUARTERLY", 3, "A", 4, date(2026, 2, 14), ("2026-02-01", "2026-04-30", "26A4")),
    # Stagger 2: December-February, the last quarter of the cycle ending 28 February 2026.
    ("QUARTERLY", 3, "A", 2, date(2026, 2, 14), ("2025-12-01", "2026-02-28", "26A4")),
    ("QUARTERLY", 3, "A", 11, date(2025, 11, 30), ("2025-09-01", "2025-11-30", "25A4")),
    # Stagger 3: calendar quarters.
    ("QUARTERLY", 3, "A", 3, date(2026, 2, 14), ("2026-01-01", "2026-03-31", "26A4")),
    ("QUARTERLY", 3, "A", 12, date(2026, 12, 31), ("2026-10-01", "2026-12-31", "26A4")),
    # Monthly: calendar months (29 February in a leap year); in the cycle July 2023 - June 2024 February is
    # the 8th month.
    ("MONTHLY", 1, "M", 6, date(2024, 2, 10), ("2024-02-01", "2024-02-29", "24M8")),
    ("ANNUALLY", 12, "Y", 9, date(2026, 2, 14), ("2025-10-01", "2026-09-30", "26Y1")),
])
def test_periods_follow_the_chosen_period_end_month(frequency: str, months: int, letter: str, end_month: int,
                                                    day: date, expected: tuple[str, str, str]) -> None:
    anchor = cycle_end({"year_end_date": "2026-06-30", "tax_return_period_end_month": end_month})
    period = Calendar(frequency, months, letter, anchor).containing(day)
    assert (period.start.isoformat(), period.end.isoformat(), period.key) == expected


def test_without_a_period_end_month_periods_end_on_the_year_end() -> None:
    assert cycle_end({"year_end_date": "2026-06-30", "tax_return_period_end_month": None}) == date(2026, 6, 30)
    # A year end on the 15th keeps periods ending on the 15th.
    period = Calendar("MONTHLY", 1, "M", cycle_end({"year_end_date": "2026-06-15"})).containing(date(2026, 2, 20))
    assert (period.start, period.end) == (date(2026, 2, 16), date(2026, 3, 15))
