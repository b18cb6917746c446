"""Income tax settings (GB): what a sole trader's UK income tax needs to know about the business, one row per
business written on its first change (reads never write), and the UK tax year."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.settings.updates import given
from ledgerd.tax_returns.models import IncomeTaxSettings
from ledgerd.tax_returns.schemas import IncomeTaxSettingsUpdate

# HMRC's defaults for the self-employed: cash basis (the default from 2024-25) and standard update periods
# (quarters from 6 April); calendar update periods (from 1 April) are an election.
DEFAULTS = {"national_insurance_number": None, "unique_tax_reference": None, "accounting_method": "cash",
            "quarterly_period_type": "standard"}
# Null clears the references; for the two choices it leaves them as they are.
_NULLABLE = ("national_insurance_number", "unique_tax_reference")


def tax_year(on: date) -> tuple[date, date]:
    """The UK tax year containing `on`: 6 April to 5 April."""
    start = date(on.year if on >= date(on.year, 4, 6) else on.year - 1, 4, 6)
    return start, date(start.year + 1, 4, 5)


def stored(db: Session) -> IncomeTaxSettings | None:
    """The business's row, None until its first change."""
    return db.scalars(select(IncomeTaxSettings)).first()


def values(row: IncomeTaxSettings | None) -> dict[str, Any]:
    """The settings, defaults until changed."""
    return {k: getattr(row, k) for k in DEFAULTS} if row is not None else dict(DEFAULTS)


def update(db: Session, business_id: str, now: datetime, body: IncomeTaxSettingsUpdate) -> IncomeTaxSettings:
    row = stored(db)
    if row is None:
        row = IncomeTaxSettings(business_id=business_id, created_at=now, updated_at=now, **DEFAULTS)
        db.add(row)
    for key, value in given(body, _NULLABLE).items():
        setattr(row, key, value)
    row.updated_at = now
    db.flush()
    return row
