"""Balances from the ledger: every figure is a sum of ledger entries (debit - credit).

The sums run over `ledger_balances` (Σ debit and Σ credit per account and day, kept by `posting.post`
in step with the entries), so a trial balance reads a few thousand rows instead of every entry.
Only balances that leave out reversed transactions read the entries themselves. `rebuild` recomputes
a business's daily balances from its entries (bulk loads, repair).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from ledgerd.api import params
from ledgerd.api.listing import Attributes, Page, envelope
from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.http.errors import InvalidParameter
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import LedgerAccount, LedgerBalance, LedgerEntry, Transaction
from ledgerd.lookups.lists import link
from ledgerd.regions.data import lookup
from ledgerd.settings import service as settings
from ledgerd.tenancy.service import select_business

ZERO = Decimal(0)
# Income and expenditure accounts start each financial year at zero; the rest carry their balance forward.
PROFIT_AND_LOSS = frozenset({"INCOME", "EXPENDITURE"})


@dataclass(frozen=True)
class Sums:
    debits: Decimal = ZERO
    credits: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.debits - self.credits


def sums(db: Session, account_ids: Iterable[str], *, from_date: date | None = None, to_date: date | None = None,
         exclude_deleted: bool = False) -> dict[str, Sums]:
    """Σ debits and Σ credits per ledger account over an optional date range (one query)."""
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        return {}
    # Whether a transaction was reversed is known only per entry, so that variant reads the entries.
    source: type[LedgerBalance] | type[LedgerEntry] = LedgerEntry if exclude_deleted else LedgerBalance
    stmt = (select(source.ledger_account_id, func.sum(source.debit), func.sum(source.credit))
            .where(source.ledger_account_id.in_(ids)).group_by(source.ledger_account_id))
    if from_date is not None:
        stmt = stmt.where(source.date >= from_date)
    if to_date is not None:
        stmt = stmt.where(source.date <= to_date)
    if exclude_deleted:
        stmt = (stmt.join(Transaction, Transaction.id == LedgerEntry.transaction_id)
                .where(Transaction.deleted.is_(False)))
    found = {row[0]: Sums(row[1] or ZERO, row[2] or ZERO) for row in db.execute(stmt)}
    return {i: found.get(i, Sums()) for i in ids}


def rebuild(db: Session, business_id: str) -> None:
    """Recompute the business's daily balances from its entries (one INSERT … SELECT … GROUP BY)."""
    db.execute(delete(LedgerBalance).where(LedgerBalance.business_id == business_id))
    grouped = (select(LedgerEntry.business_id, LedgerEntry.ledger_account_id, LedgerEntry.date,
                      func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit))
               .where(LedgerEntry.business_id == business_id)
               .group_by(LedgerEntry.business_id, LedgerEntry.ledger_account_id, LedgerEntry.date))
    db.execute(insert(LedgerBalance).from_select(
        ["business_id", "ledger_account_id", "date", "debit", "credit"], grouped))


def balance_details(total: Sums, from_date: date | None, to_date: date | None) -> dict[str, Any]:
    """Sage's LedgerAccountBalanceDetails: the balance as a positive amount on its side."""
    return {"balance": abs(total.net), "credit_or_debit": "credit" if total.net < 0 else "debit",
            "credits": total.credits, "debits": total.debits, "from_date": from_date, "to_date": to_date}


def group_of(type_id: str) -> str | None:
    found = lookup("ledger_account_types", type_id)
    return found.get("group") if found else None


@dataclass(frozen=True)
class TrialBalanceLine:
    account: LedgerAccount
    net: Decimal


def trial_balance(db: Session, from_date: date, to_date: date) -> list[TrialBalanceLine]:
    """Every account's balance on `to_date`, in nominal code order, zero balances left out.

    Balance sheet accounts show everything up to `to_date`; income and expenditure accounts only
    `from_date`..`to_date`, their earlier result being brought forward into retained earnings, so the
    report balances whatever the dates.
    """
    before = case((LedgerBalance.date < from_date, 1), else_=0)
    rows = db.execute(select(LedgerBalance.ledger_account_id, before, func.sum(LedgerBalance.debit),
                             func.sum(LedgerBalance.credit))
                      .where(LedgerBalance.date <= to_date).group_by(LedgerBalance.ledger_account_id, before)).all()
    if not rows:
        return []
    accounts = {a.id: a for a in db.scalars(select(LedgerAccount))}
    nets: dict[str, Decimal] = {}
    brought_forward = ZERO
    for account_id, earlier, debits, credits in rows:
        net = (debits or ZERO) - (credits or ZERO)
        if earlier and group_of(accounts[account_id].ledger_account_type_id) in PROFIT_AND_LOSS:
            brought_forward += net
        else:
            nets[account_id] = nets.get(account_id, ZERO) + net
    if brought_forward:
        retained = control(db, "RETAINED_EARNINGS").id
        nets[retained] = nets.get(retained, ZERO) + brought_forward
    lines = [TrialBalanceLine(accounts[i], net) for i, net in nets.items() if net]
    return sorted(lines, key=lambda line: (line.account.nominal_code, line.account.id))


def _wire(line: TrialBalanceLine) -> dict[str, Any]:
    account = line.account
    group = group_of(account.ledger_account_type_id)
    group_item = lookup("ledger_account_groups", group) if group else None
    return {
        "id": account.id, "displayed_as": account.displayed_as, "$path": f"/ledger_accounts/{account.id}",
        "nominal_code": account.nominal_code, "name": account.name,
        "ledger_account_type": link("ledger_account_types", account.ledger_account_type_id),
        "ledger_account_group": {"id": group, "displayed_as": group_item["displayed_as"]} if group_item else None,
        "debit": max(line.net, ZERO), "credit": max(-line.net, ZERO), "balance": line.net,
    }


def _trial_balance(call: Call) -> Result:
    assert call.business is not None
    query = call.query
    to_date = params.day("to_date", query["to_date"]) if query.get("to_date") else call.runtime.clock.now().date()
    from_date = (params.day("from_date", query["from_date"]) if query.get("from_date")
                 else settings.financial_year(call.db, to_date)[0])
    if from_date > to_date:
        raise InvalidParameter("from_date must not be after to_date.", "from_date")
    lines = trial_balance(call.db, from_date, to_date)
    page = Page.from_query(query).clamp(len(lines))
    attributes = Attributes(query.get("attributes"), default_all=True)
    items = [attributes.select(_wire(line)) for line in lines[page.offset:page.offset + page.per_page]]
    body = envelope("/trial_balance", query.multi_items(), page, len(lines), items)
    body["$totals"] = {"debit": sum((line.net for line in lines if line.net > 0), ZERO),
                       "credit": sum((-line.net for line in lines if line.net < 0), ZERO)}
    return Result(body, business_id=call.business.id)


routes: list[BaseRoute] = [
    api_route("/trial_balance", _trial_balance, methods=["GET"], business=True, select_business=select_business),
]
