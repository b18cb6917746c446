"""What API v2 served that v3.1 has no route for (Sage's v2 → v3.1 guide: "not supported yet"; docs/legacy-v2.md):
`sales_invoices/summary` and `summary`, served by the v3.1 pipeline's steps (business, roles, unit of work,
`show_legacy_id`) through `router`, which v2.py forwards to instead of the v3.1 API; and `period_types`, a static
list from the data files (regions/data/common/period_types.toml). The figures are reports/summaries.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import Router

from ledgerd.api import params
from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.api.presenters import bank_account_links
from ledgerd.api.resources.reports import PERIOD, period
from ledgerd.errors import Forbidden
from ledgerd.lookups.lists import link
from ledgerd.regions.data import lookups
from ledgerd.reports import summaries
from ledgerd.reports.summaries import Tally
from ledgerd.tenancy.access import AreaRole

SALES_INVOICES = "/sales_invoices/summary"
SUMMARY = "/summary"
PATHS = frozenset({SALES_INVOICES.strip("/"), SUMMARY.strip("/")})


def serves(rest: str) -> bool:
    """Whether `rest` (a path below /accounts/v2) is one of the v2 endpoints this module serves, which Sage's v2 ->
    v3.1 table says v3.1 does "not support yet" (auth-and-legacy §7.4): no v3.1 call is their equivalent."""
    return rest in PATHS or rest.split("/", 1)[0] == "period_types"


def period_types() -> list[dict[str, Any]]:
    """v2's period types as v1's recorded list had them: `{"id", "name", "$key"}`, integer ids."""
    return [{"id": item["legacy_id"], "name": item["displayed_as"], "$key": item["legacy_id"]}
            for item in lookups()["period_types"]]


def _area(name: str) -> Callable[[BusinessCall], None]:
    """Some access to the area, as the pipeline asks of a read whose area Sage does not name."""

    def check(call: BusinessCall) -> None:
        if call.business.access().in_area(name) is AreaRole.NO_ACCESS:
            raise Forbidden()

    return check


def _tally(tally: Tally, *, outstanding: bool = True) -> dict[str, Any]:
    shown: dict[str, Any] = {"count": tally.count, "total_amount": tally.total_amount}
    if outstanding:
        shown["outstanding_amount"] = tally.outstanding_amount
    return shown


def _sales_invoices(call: BusinessCall) -> Result:
    from_date, to_date = period(call)
    found = summaries.sales_invoices(call.db, call.runtime.clock.today(), from_date, to_date)
    return Result({"date": found.on, "from_date": found.from_date, "to_date": found.to_date,
                   "currency": link("currencies", found.currency_id),
                   "drafts": _tally(found.drafts, outstanding=False), "unpaid": _tally(found.unpaid),
                   "overdue": _tally(found.overdue), "paid": _tally(found.paid, outstanding=False)},
                  business_id=call.business.id)


def _summary(call: BusinessCall) -> Result:
    found = summaries.dashboard(call.db, call.runtime.clock.today())
    banks = bank_account_links(call.db, (b.bank_account_id for b in found.bank_accounts))
    return Result({"date": found.on, "currency": link("currencies", found.currency_id),
                   "financial_year": {"start_date": found.financial_year_start, "end_date": found.financial_year_end},
                   "bank_accounts": [{"bank_account": banks[b.bank_account_id],
                                      "currency": link("currencies", b.currency_id), "balance": b.balance}
                                     for b in found.bank_accounts],
                   "debtors": {"total": found.debtors, "overdue": found.overdue_debtors},
                   "creditors": {"total": found.creditors, "overdue": found.overdue_creditors},
                   "sales": found.sales, "expenses": found.expenses, "profit": found.profit},
                  business_id=call.business.id)


router = Router([
    # the Sales area reads invoices; the dashboard's figures are reports (Reporting area)
    business_route(SALES_INVOICES, _sales_invoices, methods=["GET"], check=_area("sales"), query=PERIOD),
    business_route(SUMMARY, _summary, methods=["GET"], check=_area("reporting"), query=()),
])
PARAMS = params.names(PERIOD)
