"""`/ledgerd/v1/reports/…`: ledgerd's own reports, behind the same token, business selection and roles
as the Sage API. Amounts are base currency, decimals as strings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api import params
from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.http.errors import InvalidParameter
from ledgerd.reports import service
from ledgerd.tenancy.service import select_business


def _day(call: Call, *names: str) -> date | None:
    for name in names:
        raw = call.query.get(name)
        if raw:
            return params.day(name, raw)
    return None


def _today(call: Call) -> date:
    return call.runtime.clock.now().date()


def profit_and_loss(call: Call) -> dict[str, Any]:
    to_date = _day(call, "to_date") or _today(call)
    from_date = _day(call, "from_date") or service.financial_year_start(call.db, to_date)
    if from_date > to_date:
        raise InvalidParameter("from_date must not be after to_date.", "from_date")
    return service.profit_and_loss(call.db, from_date, to_date)


def balance_sheet(call: Call) -> dict[str, Any]:
    return service.balance_sheet(call.db, _day(call, "to_date", "date") or _today(call))


def aged_debtors(call: Call) -> dict[str, Any]:
    return service.aged(call.db, _day(call, "date") or _today(call), service.DEBTOR_KINDS)


def aged_creditors(call: Call) -> dict[str, Any]:
    return service.aged(call.db, _day(call, "date") or _today(call), service.CREDITOR_KINDS)


def _route(name: str, build: Callable[[Call], dict[str, Any]]) -> BaseRoute:
    def handler(call: Call) -> Result:
        assert call.business is not None
        return Result(build(call), business_id=call.business.id)

    return api_route(f"/reports/{name}", handler, methods=["GET"], business=True, select_business=select_business)


routes: list[BaseRoute] = [
    _route("profit_and_loss", profit_and_loss),
    _route("balance_sheet", balance_sheet),
    _route("aged_debtors", aged_debtors),
    _route("aged_creditors", aged_creditors),
]
