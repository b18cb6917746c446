"""`/income_tax_settings` (GB): what a sole trader's UK income tax (Self Assessment, and Making Tax Digital for
Income Tax from April 2026) needs to know about the business.

Sage's 2026 spec names the endpoint (GET only) but not its fields; the fields are ledgerd's choice
(docs/decisions/tax-returns.md). A business has the defaults until it changes them with ledgerd's own
`PUT /income_tax_settings`; the row is written on that first change, so reads never write.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from starlette.routing import BaseRoute

from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.api.validation import parse_body
from ledgerd.tax_returns.models import IncomeTaxSettings
from ledgerd.tax_returns.schemas import IncomeTaxSettingsUpdate
from ledgerd.tenancy.service import select_business

PATH = "/income_tax_settings"
# HMRC's defaults for the self-employed: cash basis (the default from 2024-25) and standard update periods
# (quarters from 6 April); calendar update periods (from 1 April) are an election.
DEFAULTS = {"national_insurance_number": None, "unique_tax_reference": None, "accounting_method": "cash",
            "quarterly_period_type": "standard"}


def tax_year(on: date) -> tuple[date, date]:
    """The UK tax year containing `on`: 6 April to 5 April."""
    start = date(on.year if on >= date(on.year, 4, 6) else on.year - 1, 4, 6)
    return start, date(start.year + 1, 4, 5)


def _row(call: Call) -> IncomeTaxSettings | None:
    return call.db.scalars(select(IncomeTaxSettings)).first()


def _wire(call: Call, row: IncomeTaxSettings | None) -> dict[str, Any]:
    assert call.business is not None
    values = {k: getattr(row, k) for k in DEFAULTS} if row is not None else dict(DEFAULTS)
    start, end = tax_year(call.runtime.clock.now().date())
    return {"$path": PATH, **values, "tax_year_start_date": start, "tax_year_end_date": end,
            "updated_at": row.updated_at if row is not None else call.business.created_at}


def _get(call: Call) -> Result:
    assert call.business is not None
    return Result(_wire(call, _row(call)), business_id=call.business.id)


def _put(call: Call) -> Result:
    assert call.business is not None
    body = parse_body(call.body, "income_tax_settings", IncomeTaxSettingsUpdate)
    # Null clears the references; for the two choices it leaves them as they are.
    given = {k: v for k, v in body.model_dump(exclude_unset=True).items()
             if v is not None or k in ("national_insurance_number", "unique_tax_reference")}
    now: datetime = call.runtime.clock.now()
    row = _row(call)
    if row is None:
        row = IncomeTaxSettings(business_id=call.business.id, created_at=now, updated_at=now, **DEFAULTS)
        call.db.add(row)
    for key, value in given.items():
        setattr(row, key, value)
    row.updated_at = now
    call.db.flush()
    return Result(_wire(call, row), business_id=call.business.id)


routes: list[BaseRoute] = [
    api_route(PATH, _get, methods=["GET"], business=True, select_business=select_business),
    api_route(PATH, _put, methods=["PUT"], business=True, select_business=select_business),
]
