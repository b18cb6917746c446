"""Tax rates: percentages in dated bands, combined rates, and the rules for the rates a business makes itself.

Every region lists and reads its rates; US businesses also create, change and delete their own (Sage's "US
only" operations), optionally combined from components. A combined rate stores its components' summed
percentages (as the CA region data does), so every reader can treat it like a simple rate. Deleted rates stay
in the table, marked `deleted`, so old documents still show them, with a tombstone for `deleted_since`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.db.base import new_id
from ledgerd.db.deletions import Deletion
from ledgerd.db.unit import Cache, cache, rows_by_id
from ledgerd.errors import Invalid
from ledgerd.ledger.models import TaxRate
from ledgerd.ledger.schemas import TaxRateCreate, TaxRateUpdate
from ledgerd.regions.data import band_on, percentage_text

# Custom rates apply from the first day any region's data covers, so back-dated documents find them.
FIRST_DAY = date(2010, 1, 1)
ONE_DAY = timedelta(days=1)
# Rates documents' lines name, by id, as `live` found them (None: unknown or deleted), kept per unit of work:
# checking the lines and computing them both ask.
LIVE: Cache[str, TaxRate | None] = Cache("live tax rates by id")


def live(db: Session, rate_id: str) -> TaxRate | None:
    """The business's tax rate `rate_id`, unless unknown or deleted; looked up once per unit of work."""
    known = cache(db, LIVE)
    if rate_id not in known:
        found = db.scalar(select(TaxRate).where(TaxRate.id == rate_id))
        known[rate_id] = found if found is not None and not found.deleted else None
    return known[rate_id]


def by_ids(db: Session, rate_ids: Collection[str]) -> dict[str, TaxRate]:
    """The business's rates among `rate_ids` (deleted ones too), by id: those the unit of work holds without a
    query, the others in one."""
    return rows_by_id(db, TaxRate, rate_ids)


def percentage_on(rate: TaxRate, on: date) -> Decimal:
    """The rate's percentage on a day (`regions.data.band_on`: the latest band before it if none covers it)."""
    dated = ((band["from_date"], band.get("to_date") or None, band["percentage"]) for band in rate.percentages)
    figure = band_on(dated, on.isoformat())
    return Decimal(0 if figure is None else figure)


def tax_rate_label(rate: TaxRate, on: date) -> str:
    """Sage's display text: "Standard 20.00%", "QST 9.975%" (or just the name for rates shown without a figure)."""
    if not rate.label_percentage:
        return rate.name
    return f"{rate.name} {percentage_text(percentage_on(rate, on))}%"


def _band(percentage: Decimal, start: date, end: date | None = None) -> dict[str, Any]:
    return {"percentage": str(percentage), "from_date": start.isoformat(), "to_date": end.isoformat() if end else None}


def bands(rate: TaxRate) -> list[dict[str, Any]]:
    """The rate's stored bands with their percentages and dates read: `percentage`, `from_date`, `to_date`."""
    return [{"percentage": Decimal(b["percentage"]), "from_date": date.fromisoformat(b["from_date"]),
             "to_date": date.fromisoformat(b["to_date"]) if b.get("to_date") else None} for b in rate.percentages]


def combined_bands(components: Sequence[TaxRate]) -> list[dict[str, Any]]:
    """The bands of a combined rate: on every day, the sum of its components' percentages."""
    edges: set[date] = set()
    for part in components:
        for band in bands(part):
            edges.add(band["from_date"])
            if band["to_date"] is not None:
                edges.add(band["to_date"] + ONE_DAY)
    starts = sorted(edges) or [FIRST_DAY]
    out: list[dict[str, Any]] = []
    for start in starts:
        total = sum((percentage_on(part, start) for part in components), Decimal(0))
        if out and Decimal(out[-1]["percentage"]) == total:
            continue
        if out:
            out[-1]["to_date"] = (start - ONE_DAY).isoformat()
        out.append(_band(total, start))
    return out


def components_in_use(rates: Iterable[TaxRate]) -> set[str]:
    """The ids that are a component of a live combined rate among `rates`: they cannot be deleted."""
    return {part for rate in rates if not rate.deleted for part in rate.components}


def deletable(rate: TaxRate, in_use: set[str]) -> bool:
    return rate.editable and not rate.deleted and rate.id not in in_use


def changeable(country_id: str, rate: TaxRate | None = None) -> None:
    """Only a US business creates, changes or deletes tax rates, and only its own (not the built-in ones)."""
    if country_id != "US":
        raise Invalid("Tax rates can only be created, changed or deleted by US businesses.", "base")
    if rate is not None and not rate.editable:
        raise Invalid("Built-in tax rates cannot be changed or deleted.", "base")


def create(db: Session, business_id: str, country_id: str, body: TaxRateCreate) -> TaxRate:
    """A new rate applying from FIRST_DAY; with components, one new rate per component and the combined rate."""
    changeable(country_id)
    parts = [TaxRate(id=new_id(), business_id=business_id, name=c.name, agency=c.agency if c.agency else body.agency,
                     percentages=[_band(c.percentage, FIRST_DAY)], usage=["sales", "purchase"], editable=True,
                     is_visible=True, label_percentage=True, retailer=False, address_regions=[], components=[],
                     deleted=False)
             for c in body.component_tax_rate or []]
    if parts and body.percentage is not None:
        raise Invalid("A combined rate's percentage is the sum of its components'.", "percentage")
    rate = TaxRate(id=new_id(), business_id=business_id, name=body.name, agency=body.agency,
                   percentages=combined_bands(parts) if parts else [_band(body.percentage or Decimal(0), FIRST_DAY)],
                   usage=["sales", "purchase"], editable=True, is_visible=body.is_visible, label_percentage=True,
                   retailer=False, address_regions=[], components=[p.id for p in parts], deleted=False)
    db.add_all([*parts, rate])
    db.flush()
    return rate


def _rebanded(rate: TaxRate, percentage: Decimal, start: date) -> list[dict[str, Any]]:
    """The rate's bands with `percentage` applying from `start` on (later bands are replaced)."""
    kept = []
    for band in bands(rate):
        if band["from_date"] >= start:
            continue
        if band["to_date"] is None or band["to_date"] >= start:
            band["to_date"] = start - ONE_DAY
        kept.append(_band(band["percentage"], band["from_date"], band["to_date"]))
    return [*kept, _band(percentage, start)]


def update(db: Session, country_id: str, rate: TaxRate, body: TaxRateUpdate, today: date) -> TaxRate:
    """Apply the given fields; a new percentage applies from `from_date` (default `today`) on, and the combined
    rates holding the rate follow it."""
    changeable(country_id, rate)
    for key in ("name", "is_visible"):
        if getattr(body, key) is not None:
            setattr(rate, key, getattr(body, key))
    if "agency" in body.model_fields_set:
        rate.agency = body.agency
    if body.percentage is not None:
        if rate.components:
            raise Invalid("A combined rate's percentage is the sum of its components'; change those.", "percentage")
        start = body.from_date or today
        start = start.date() if isinstance(start, datetime) else start
        rate.percentages = _rebanded(rate, body.percentage, start)
        rates = list(db.scalars(select(TaxRate).where(TaxRate.deleted.is_(False))))
        by_id = {r.id: r for r in rates}
        for combined in rates:
            if rate.id in combined.components:
                combined.percentages = combined_bands([by_id[c] for c in combined.components if c in by_id])
    db.flush()
    return rate


def delete(db: Session, business_id: str, country_id: str, rate: TaxRate, now: datetime) -> None:
    """Mark the rate deleted (documents keep showing it) and leave its tombstone; a component of a live
    combined rate stays."""
    changeable(country_id, rate)
    users = [r.name for r in db.scalars(select(TaxRate).where(TaxRate.deleted.is_(False)))
             if rate.id in r.components]
    if users:
        raise Invalid(f"The tax rate is part of the combined rate {users[0]}.", "base")
    rate.deleted = True
    db.add(Deletion(business_id=business_id, resource="tax_rates", record_id=rate.id,
                    displayed_as=tax_rate_label(rate, now.date())[:255], deleted_at=now))
    db.flush()
