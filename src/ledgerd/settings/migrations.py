"""The record of moving a business's books in from another product (`/migrations`) and the tax returns it
filed before (`/migration_tax_returns`: GB VAT and IE VAT3 boxes).

Both are records clients write; ledgerd imports nothing itself. A business has one migration, NOT_STARTED
until a client says otherwise; its id is derived from the business id, so it is the same on every read
without being stored first.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.errors import Invalid
from ledgerd.settings.defaults import frequencies, listed
from ledgerd.settings.models import MigrationTaxReturn
from ledgerd.settings.schemas import MigrationTaxReturnCreate, MigrationUpdate

SOURCES = ("source_product", "source_product_version", "source_license", "source_tool", "source_tool_version",
           "schema_id")
# The boxes of a migrated return, by the country that files it (read back by tax_returns/figures.py).
GB_BOXES = tuple(f"box_{n}" for n in range(1, 10))
IE_BOXES = ("box_T1", "box_T2", "box_T3", "box_T4", "box_E1", "box_E2", "box_ES1", "box_ES2")
ZERO = Decimal(0)


# --- the migration ----------------------------------------------------------------------------------------------

def migration_id(business_id: str) -> str:
    return hashlib.sha256(f"migration:{business_id}".encode()).hexdigest()[:32]


def instant(value: str | None) -> datetime | None:
    """A stored instant (ISO text) as a datetime."""
    return datetime.fromisoformat(value) if value else None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def migration_changes(stored: dict[str, Any], body: MigrationUpdate, now: datetime) -> dict[str, Any]:
    """What a PUT of the migration stores, from what is stored: a migration that runs or ran has started, one
    that finished has completed (now, unless the client says)."""
    given = body.model_dump(exclude_unset=True)
    status = given.get("status_id") or stored.get("status_id", "NOT_STARTED")
    if listed("migration_statuses", status) is None:
        raise Invalid("must be one of NOT_STARTED, IN_PROGRESS, COMPLETED, FAILED.", "status_id")
    started = _utc(given["started_at"]) if given.get("started_at") else instant(stored.get("started_at"))
    completed = _utc(given["completed_at"]) if given.get("completed_at") else instant(stored.get("completed_at"))
    if status != "NOT_STARTED" and started is None:
        started = now
    if status in ("COMPLETED", "FAILED") and completed is None:
        completed = max(now, started) if started else now
    if started is not None and completed is not None and completed < started:
        raise Invalid("must not be before started_at.", "completed_at")
    return {"status_id": status, "started_at": started.isoformat() if started else None,
            "completed_at": completed.isoformat() if completed else None,
            **{k: given[k] for k in SOURCES if k in given}}


# --- migrated tax returns ---------------------------------------------------------------------------------------

def _check_gb(boxes: dict[str, Decimal]) -> None:
    """HMRC's arithmetic: box 3 = box 1 + box 2; box 5 = |box 3 - box 4|."""
    if boxes["box_3"] != boxes["box_1"] + boxes["box_2"]:
        raise Invalid("must be box_1 + box_2.", "gb.box_3")
    if boxes["box_5"] != abs(boxes["box_3"] - boxes["box_4"]):
        raise Invalid("must be the difference between box_3 and box_4.", "gb.box_5")


def _check_ie(boxes: dict[str, Decimal]) -> None:
    """Revenue's VAT3: T3 (payable) or T4 (repayable) is the difference between T1 and T2, never both."""
    if boxes["box_T3"] and boxes["box_T4"]:
        raise Invalid("cannot be set together with box_T3.", "ie.box_T4")
    if boxes["box_T3"] - boxes["box_T4"] != boxes["box_T1"] - boxes["box_T2"]:
        raise Invalid("must be box_T1 - box_T2 when payable (box_T4 when repayable).", "ie.box_T3")


def _boxes_given(country: str, body: MigrationTaxReturnCreate) -> dict[str, str]:
    """The return's boxes for the business's country (the other country's object is ignored), checked."""
    given = body.gb if country == "GB" else body.ie if country == "IE" else None
    if given is None:
        return {}
    boxes = {k: v if v is not None else ZERO for k, v in given.model_dump().items()}
    (_check_gb if country == "GB" else _check_ie)(boxes)
    return {k: str(v) for k, v in boxes.items()}


def create_tax_return(db: Session, business_id: str, country: str,
                      body: MigrationTaxReturnCreate) -> MigrationTaxReturn:
    """Record a tax return filed before the migration; periods of recorded returns never overlap."""
    if body.to_date < body.from_date:
        raise Invalid("must not be before from_date.", "to_date")
    allowed = frequencies(country)
    if body.tax_return_frequency_id not in allowed:
        raise Invalid(f"must be one of {', '.join(allowed)}.", "tax_return_frequency_id")
    overlap = db.scalar(select(MigrationTaxReturn.id).where(
        MigrationTaxReturn.from_date <= body.to_date, MigrationTaxReturn.to_date >= body.from_date).limit(1))
    if overlap is not None:
        raise Invalid("The period overlaps a migrated tax return already recorded.", "from_date")
    ret = MigrationTaxReturn(business_id=business_id, from_date=body.from_date, to_date=body.to_date,
                             tax_return_frequency_id=body.tax_return_frequency_id, total_amount=body.total_amount,
                             boxes=_boxes_given(country, body))
    db.add(ret)
    db.flush()
    return ret
