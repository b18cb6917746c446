"""Link objects for ledger accounts and tax rates, loaded in one query per batch of records presented."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ledgerd.formats import decimal_str
from ledgerd.ledger import accounts, tax_rates
from ledgerd.ledger.models import LedgerAccount, TaxRate
from ledgerd.ledger.tax_rates import percentage_on, tax_rate_label


class Links:
    """Collects ids during presentation, then resolves each kind with one query."""

    def __init__(self, db: Session, on: date) -> None:
        self.db = db
        self.on = on
        self._accounts: dict[str, LedgerAccount] = {}
        self._rates: dict[str, TaxRate] = {}
        # A page names the same few accounts, and rates on the same few days: each link is made once per
        # batch and shared by every place of the response that shows it.
        self._account_links: dict[str, dict[str, str]] = {}
        self._rate_links: dict[tuple[str, date], dict[str, str]] = {}

    def load(self, account_ids: Iterable[str | None] = (), tax_rate_ids: Iterable[str | None] = ()) -> None:
        # Rows the unit of work already holds (e.g. the document it just wrote names them) need no query.
        self._accounts.update(accounts.by_ids(self.db, {i for i in account_ids if i} - self._accounts.keys()))
        self._rates.update(tax_rates.by_ids(self.db, {i for i in tax_rate_ids if i} - self._rates.keys()))

    def account(self, account_id: str | None) -> dict[str, str] | None:
        if not account_id:
            return None
        made = self._account_links.get(account_id)
        if made is None:
            account = self._accounts.get(account_id)
            if account is None:
                return None
            made = self._account_links[account_id] = {"id": account_id, "displayed_as": account.displayed_as,
                                                      "$path": f"/ledger_accounts/{account_id}"}
        return made

    def tax_rate(self, rate_id: str | None, on: date | None = None) -> dict[str, str] | None:
        if not rate_id:
            return None
        key = (rate_id, on or self.on)
        made = self._rate_links.get(key)
        if made is None:
            rate = self._rates.get(rate_id)
            if rate is None:
                return None
            made = self._rate_links[key] = {"id": rate_id, "displayed_as": tax_rate_label(rate, key[1]),
                                            "$path": f"/tax_rates/{rate_id}"}
        return made

    def rate(self, rate_id: str | None) -> TaxRate | None:
        return self._rates.get(rate_id) if rate_id else None

    def percentage(self, rate_id: str | None, on: date) -> str | None:
        rate = self.rate(rate_id)
        return decimal_str(percentage_on(rate, on)) if rate else None


def links_for(db: Session, on: date, **ids: Any) -> Links:
    links = Links(db, on)
    links.load(**ids)
    return links
