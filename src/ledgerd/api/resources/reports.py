"""`/ledgerd/v1/reports/…`: ledgerd's own reports, behind the same token, business selection and roles
as the Sage API. Amounts are base currency, decimals as strings; the figures are reports/service.py's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api import params
from ledgerd.api.pipeline import BusinessCall, Call, Result, business_route
from ledgerd.api.presenters import contact_link
from ledgerd.http.errors import InvalidParameter
from ledgerd.ledger.models import account_label
from ledgerd.lookups.lists import link
from ledgerd.reports import service
from ledgerd.reports.service import Aged, Section
from ledgerd.settings.service import financial_year


def _day(call: Call, *names: str) -> date | None:
    for name in names:
        raw = call.query.get(name)
        if raw:
            return params.day(name, raw)
    return None


def _section(section: Section) -> dict[str, Any]:
    return {"total": section.total, "ledger_account_types": [{
        "ledger_account_type": link("ledger_account_types", t.type_id), "total": t.total,
        "ledger_accounts": [{"ledger_account": {"id": a.id, "displayed_as": account_label(a.name, a.nominal_code),
                                                "$path": f"/ledger_accounts/{a.id}"},
                             "nominal_code": a.nominal_code, "name": a.name, "amount": a.amount} for a in t.accounts],
    } for t in section.types]}


def period(call: Call) -> tuple[date, date]:
    """`from_date` (default: the start of the financial year of to_date) to `to_date` (default: today)."""
    to_date = _day(call, "to_date") or call.runtime.clock.today()
    from_date = _day(call, "from_date") or financial_year(call.db, to_date)[0]
    if from_date > to_date:
        raise InvalidParameter("from_date must not be after to_date.", "from_date")
    return from_date, to_date


def profit_and_loss(call: Call) -> dict[str, Any]:
    report = service.profit_and_loss(call.db, *period(call))
    return {"from_date": report.from_date, "to_date": report.to_date,
            "currency": link("currencies", report.currency_id), "income": _section(report.income),
            "expenditure": _section(report.expenditure),
            "net_profit": report.net_profit}


def balance_sheet(call: Call) -> dict[str, Any]:
    report = service.balance_sheet(call.db, _day(call, "to_date", "date") or call.runtime.clock.today())
    equity = {**_section(report.equity), "total": report.equity_total,
              "profit_brought_forward": report.profit_brought_forward,
              "current_year_earnings": report.current_year_earnings}
    return {"date": report.on, "financial_year_start": report.financial_year_start,
            "currency": link("currencies", report.currency_id), "assets": _section(report.assets),
            "liabilities": _section(report.liabilities), "equity": equity, "total_assets": report.total_assets,
            "total_liabilities_and_equity": report.total_liabilities_and_equity}


def _aged(report: Aged) -> dict[str, Any]:
    return {"date": report.on, "currency": link("currencies", report.currency_id), "buckets": list(service.BUCKETS),
            "contacts": [{"contact": contact_link(c.contact_id, c.name, c.reference), "name": c.name,
                          "reference": c.reference, **c.buckets, "total": c.total} for c in report.contacts],
            "totals": report.totals}


def aged_debtors(call: Call) -> dict[str, Any]:
    return _aged(service.aged(call.db, _day(call, "date") or call.runtime.clock.today(), service.DEBTOR_KINDS))


def aged_creditors(call: Call) -> dict[str, Any]:
    return _aged(service.aged(call.db, _day(call, "date") or call.runtime.clock.today(), service.CREDITOR_KINDS))


def sales_tax_liability(call: Call) -> dict[str, Any]:
    report = service.sales_tax_liability(call.db, *period(call))
    return {"from_date": report.from_date, "to_date": report.to_date,
            "currency": link("currencies", report.currency_id),
            "jurisdictions": [{"tax_rate": {"id": j.tax_rate_id, "displayed_as": j.name,
                                            "$path": f"/tax_rates/{j.tax_rate_id}"},
                               "agency": j.agency, "taxable_sales": j.taxable_sales, "tax_collected": j.tax_collected}
                              for j in report.jurisdictions],
            "total_tax_collected": report.total}


def _route(name: str, build: Callable[[Call], dict[str, Any]], *query: params.Param) -> BaseRoute:
    def handler(call: BusinessCall) -> Result:
        return Result(build(call), business_id=call.business.id)

    return business_route(f"/reports/{name}", handler, methods=["GET"], query=query)


ON = params.Param("date", "date", "The day the report is drawn up on (default: today).")
PERIOD = (params.Param("from_date", "date", "The first day (default: the start of the financial year of to_date)."),
          params.Param("to_date", "date", "The last day (default: today)."))
routes: list[BaseRoute] = [
    _route("profit_and_loss", profit_and_loss, *PERIOD),
    _route("balance_sheet", balance_sheet, params.Param("to_date", "date", "The day (default: today)."),
           params.Param("date", "date", "The day, when to_date is not given.")),
    _route("aged_debtors", aged_debtors, ON),
    _route("aged_creditors", aged_creditors, ON),
    _route("sales_tax_liability", sales_tax_liability, *PERIOD),
]
