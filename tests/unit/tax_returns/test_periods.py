"""Tax return periods (tax_returns/periods.py): a return frequency's periods follow the business's financial year,
with HMRC's period keys."""

from __future__ import annotations

from datetime import date

import pytest

from ledgerd.tax_returns.periods import Calendar


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
