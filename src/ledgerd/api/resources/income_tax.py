"""`/income_tax_settings` (GB): what a sole trader's UK income tax (Self Assessment, and Making Tax Digital for
Income Tax from April 2026) needs to know about the business.

Sage's 2026 spec names the endpoint (GET only) but not its fields; the fields are ledgerd's choice
(docs/decisions/tax-returns.md). A business has the defaults until it changes them with ledgerd's own
`PUT /income_tax_settings`; the rules are in tax_returns/income_tax.py.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.api.validation import Body
from ledgerd.tax_returns import income_tax
from ledgerd.tax_returns.models import IncomeTaxSettings
from ledgerd.tax_returns.schemas import IncomeTaxSettingsUpdate

PATH = "/income_tax_settings"


def _wire(call: BusinessCall, row: IncomeTaxSettings | None) -> dict[str, Any]:
    start, end = income_tax.tax_year(call.runtime.clock.now().date())
    return {"$path": PATH, **income_tax.values(row), "tax_year_start_date": start, "tax_year_end_date": end,
            "updated_at": row.updated_at if row is not None else call.business.created_at}


def _get(call: BusinessCall) -> Result:
    return Result(_wire(call, income_tax.stored(call.db)), business_id=call.business.id)


def _put(call: BusinessCall, body: IncomeTaxSettingsUpdate) -> Result:
    row = income_tax.update(call.db, call.business.id, call.runtime.clock.now(), body)
    return Result(_wire(call, row), business_id=call.business.id)


routes: list[BaseRoute] = [
    business_route(PATH, _get, methods=["GET"]),
    business_route(PATH, _put, methods=["PUT"], body=Body("income_tax_settings", IncomeTaxSettingsUpdate)),
]
