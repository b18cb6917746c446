"""Link objects for ledger accounts and tax rates, loaded in one query per batch."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.api.wire import decimal_str
from ledgerd.ledger.models import LedgerAccount, TaxRate


def percentage_on(rate: TaxRate, on: date) -> Decimal:
    """The rate's percentage on a day (the latest band before it if none covers it)."""
    chosen = Decimal(0)
    for band in rate.percentages:
        start = date.fromisoformat(band["from_date"])
        end = date.fromisoformat(band["to_date"]) if band.get("to_date") else None
        if start <= on and (end is None or on <= end):
            return Decimal(band["percentage"])
        if start <= on:
            chosen = Decimal(band["percentage"])
    return chosen


def tax_rate_label(rate: TaxRate, on: date) -> str:
    """Sage's display text: "Standard 20.00%" (or just the name for rates shown without a figure)."""
    if not rate.label_percentage:
        return rate.name
    return f"{rate.name} {percentage_on(rate, on):.2f}%"


class Links:
    """Collects ids during presentation, then resolves each kind with one query."""

    def __init__(self, db: Session, on: date) -> None:
        self.db = db
        self.on = on
        self._accounts: dict[str, LedgerAccount] = {}
        self._account_names: dict[str, str] = {}
        self._rates: dict[str, TaxRate] = {}
        # A page names the same few rates on the same few days: each label is worked out once.
        self._labels: dict[tuple[str, date], str] = {}

    def load(self, account_ids: Iterable[str | None] = (), tax_rate_ids: Iterable[str | None] = ()) -> None:
        wanted = {i for i in account_ids if i and i not in self._accounts}
        if wanted:
            for account in self.db.scalars(select(LedgerAccount).where(LedgerAccount.id.in_(wanted))):
                self._accounts[account.id] = account
                self._account_names[account.id] = account.displayed_as
        rates = {i for i in tax_rate_ids if i and i not in self._rates}
        if rates:
            for rate in self.db.scalars(select(TaxRate).where(TaxRate.id.in_(rates))):
                self._rates[rate.id] = rate

    def account(self, account_id: str | None) -> dict[str, str] | None:
        if not account_id:
            return None
        shown = self._account_names.get(account_id)
        if shown is None:
            return None
        return {"id": account_id, "displayed_as": shown, "$path": f"/ledger_accounts/{account_id}"}

    def tax_rate(self, rate_id: str | None, on: date | None = None) -> dict[str, str] | None:
        if not rate_id:
            return None
        day = on or self.on
        label = self._labels.get((rate_id, day))
        if label is None:
            rate = self._rates.get(rate_id)
            if rate is None:
                return None
            label = self._labels[(rate_id, day)] = tax_rate_label(rate, day)
        return {"id": rate_id, "displayed_as": label, "$path": f"/tax_rates/{rate_id}"}

    def rate(self, rate_id: str | None) -> TaxRate | None:
        return self._rates.get(rate_id) if rate_id else None

    def percentage(self, rate_id: str | None, on: date) -> str | None:
        rate = self.rate(rate_id)
        return decimal_str(percentage_on(rate, on)) if rate else None


def links_for(db: Session, on: date, **ids: Any) -> Links:
    links = Links(db, on)
    links.load(**ids)
    return links
