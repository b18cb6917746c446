"""VAT periods: the business's tax return frequency laid over a twelve-month cycle.

The cycle ends on the last day of the month the financial settings' `tax_return_period_end_month` names (HMRC's
"stagger": quarters ending March/June/September/December, January/April/July/October or February/May/August/
November; monthly returns are calendar months whatever the month), independent of the financial year. A
business that has not chosen it files in periods ending on its financial year end and every `months` before it
(a quarterly business with a 31 December year end files for January-March, April-June…), so every frequency
divides the cycle evenly. A cycle end on the last day of a month keeps periods ending on month ends (a 30 June
year end gives quarters ending 30 September, 31 December, 31 March). The per-country facts (return type,
authority, due date, rates outside the return, schemes) are data: returns.toml.
"""

from __future__ import annotations

import calendar
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ledgerd.errors import Invalid
from ledgerd.settings import service as settings

DATA = Path(__file__).with_name("returns.toml")
_INDEX = "123456789ABC"


@dataclass(frozen=True)
class Country:
    """How one country files its VAT returns."""

    code: str
    return_type: dict[str, str]
    authority: str
    out_of_scope: frozenset[str]
    due_months: int
    due_days: int
    # VAT accounting schemes other than the invoice basis, by tax scheme id (schemes.py reads them).
    schemes: dict[str, dict[str, Any]]
    # Services are accounted for when paid unless the business opted for the invoice basis (France; schemes.py).
    services_when_paid: bool = False


@cache
def _data() -> dict[str, Any]:
    with DATA.open("rb") as handle:
        return tomllib.load(handle)


def country(code: str) -> Country:
    raw = _data().get(code)
    if raw is None:
        raise Invalid(f"ledgerd files no tax returns for businesses in {code}.", "base")
    return Country(code=code, return_type=dict(raw["return_type"]), authority=raw["authority"],
                   out_of_scope=frozenset(raw["out_of_scope"]), due_months=int(raw["due"]["months"]),
                   due_days=int(raw["due"]["days"]), schemes=dict(raw.get("schemes", {})),
                   services_when_paid=bool(raw.get("services_when_paid", False)))


def add_months(day: date, months: int, *, month_end: bool) -> date:
    """`day` moved by whole months; on a month end it stays on month ends when `month_end`."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, last if month_end else min(day.day, last))


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    # ledgerd's HMRC period key: two digits of the year its cycle ends in, the frequency's letter, the index.
    key: str

    def due(self, rules: Country) -> date:
        """E.g. HMRC: one month and seven days after the period (30 June: 7 August)."""
        month_end = self.end.day == calendar.monthrange(self.end.year, self.end.month)[1]
        return add_months(self.end, rules.due_months, month_end=month_end) + timedelta(days=rules.due_days)


@dataclass(frozen=True)
class Calendar:
    """The periods of one business, from its current financial settings."""

    frequency_id: str
    months: int
    letter: str
    year_end: date  # any financial year end of the business (its day and month are what count)

    @property
    def _month_end(self) -> bool:
        return self.year_end.day == calendar.monthrange(self.year_end.year, self.year_end.month)[1]

    def _year_ending_on_or_after(self, day: date) -> date:
        same_year = add_months(self.year_end, 12 * (day.year - self.year_end.year), month_end=self._month_end)
        return same_year if same_year >= day else add_months(same_year, 12, month_end=self._month_end)

    def containing(self, day: date) -> Period:
        """The period `day` falls in."""
        year_end = self._year_ending_on_or_after(day)
        count = 12 // self.months
        for index in range(1, count + 1):
            end = add_months(year_end, -self.months * (count - index), month_end=self._month_end)
            if end >= day:
                start = add_months(end, -self.months, month_end=self._month_end) + timedelta(days=1)
                return Period(start, end, f"{year_end.year % 100:02d}{self.letter}{_INDEX[index - 1]}")
        raise AssertionError("a financial year is covered by its periods")

    def between(self, first: date, last: date) -> list[Period]:
        """Every period overlapping `first`..`last`, oldest first."""
        out: list[Period] = []
        day = first
        while day <= last:
            period = self.containing(day)
            out.append(period)
            day = period.end + timedelta(days=1)
        return out

    def exact(self, start: date, end: date) -> Period | None:
        """The period running exactly from `start` to `end`, if there is one."""
        period = self.containing(start)
        return period if (period.start, period.end) == (start, end) else None


def business_calendar(db: Session, today: date) -> Calendar:
    """The business's periods as its financial settings say now: return frequency (the region's default when
    none is set) and the month periods end in (else the year end)."""
    fin = settings.financial(db, today)
    frequency_id = fin.get("tax_return_frequency_id")
    known = _data()["frequencies"]
    if not frequency_id or frequency_id not in known:
        raise Invalid("The business has no tax return frequency: set tax_return_frequency_id in the financial "
                      "settings.", "tax_return_frequency_id")
    rule = known[frequency_id]
    return Calendar(frequency_id, int(rule["months"]), str(rule["letter"]), cycle_end(fin))


def cycle_end(financial: dict[str, Any]) -> date:
    """A day the business's VAT periods end on, closing a twelve-month cycle."""
    year_end = date.fromisoformat(financial["year_end_date"])
    month = financial.get("tax_return_period_end_month")
    if not month:
        return year_end
    return date(year_end.year, int(month), calendar.monthrange(year_end.year, int(month))[1])
