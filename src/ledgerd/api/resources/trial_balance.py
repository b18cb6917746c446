"""`GET /trial_balance`: every ledger account's balance on a day, from the daily balances (`ledger.balances`).

A report, not a resource: one item per account with a non-zero balance, all attributes by default, and the
envelope's `$totals`. The period starts with the financial year holding `to_date` unless `from_date` says.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api import params
from ledgerd.api.listing import ATTRIBUTES, PAGING, Attributes, Page, envelope
from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.http.errors import InvalidParameter
from ledgerd.ledger.balances import TrialBalanceLine, group_of, trial_balance
from ledgerd.lookups.lists import link
from ledgerd.regions.data import lookup
from ledgerd.settings import service as settings

ZERO = Decimal(0)


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


def _trial_balance(call: BusinessCall) -> Result:
    query = call.query
    to_date = params.day("to_date", query["to_date"]) if query.get("to_date") else call.runtime.clock.now().date()
    from_date = (params.day("from_date", query["from_date"]) if query.get("from_date")
                 else settings.financial_year(call.db, to_date)[0])
    if from_date > to_date:
        raise InvalidParameter("from_date must not be after to_date.", "from_date")
    lines = trial_balance(call.db, from_date, to_date)
    page = Page.from_query(query)
    attributes = Attributes(query.get("attributes"), default_all=True)
    items = [attributes.select(_wire(line)) for line in lines[page.offset:page.offset + page.per_page]]
    body = envelope("/trial_balance", query.multi_items(), page, len(lines), items)
    body["$totals"] = {"debit": sum((line.net for line in lines if line.net > 0), ZERO),
                       "credit": sum((-line.net for line in lines if line.net < 0), ZERO)}
    return Result(body, business_id=call.business.id)


routes: list[BaseRoute] = [
    business_route("/trial_balance", _trial_balance, methods=["GET"], query=(
        params.Param("from_date", "date", "The first day (default: the start of the financial year of to_date)."),
        params.Param("to_date", "date", "The last day (default: today)."), *PAGING, ATTRIBUTES)),
]
