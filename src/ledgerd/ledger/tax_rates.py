"""`/tax_rates`: every region lists and reads its rates; US businesses also create, change and delete
their own (Sage's "US only" operations), optionally combined from components.

A combined rate stores its components' summed percentages (as the CA region data does), so every reader
can treat it like a simple rate. GB's CIS deduction rates are rates of usage "cis": readable by key, listed
only with `cis_only=true`, never in the VAT lists. Deleted rates stay in the table, marked `deleted`, so old
documents still show them; they leave the API (404, hidden from lists, a tombstone for `deleted_since`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, or_, select
from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.listing import Attributes
from ledgerd.api.pipeline import Call, Result
from ledgerd.api.resource import Resource
from ledgerd.api.validation import parse_body
from ledgerd.db.base import new_id
from ledgerd.db.deletions import Deletion
from ledgerd.errors import Invalid
from ledgerd.http.errors import InvalidParameter
from ledgerd.ledger.links import percentage_on, tax_rate_label
from ledgerd.ledger.models import TaxRate
from ledgerd.ledger.schemas import TaxRateCreate, TaxRateUpdate

# Custom rates apply from the first day any region's data covers, so back-dated documents find them.
FIRST_DAY = date(2010, 1, 1)
ONE_DAY = timedelta(days=1)


def _on(call: Call) -> date:
    raw = call.query.get("date")
    return params.day("date", raw) if raw else call.runtime.clock.now().date()


def _band(percentage: Decimal, start: date, end: date | None = None) -> dict[str, Any]:
    return {"percentage": str(percentage), "from_date": start.isoformat(), "to_date": end.isoformat() if end else None}


def _bands(rate: TaxRate) -> list[dict[str, Any]]:
    return [{"percentage": Decimal(b["percentage"]), "from_date": date.fromisoformat(b["from_date"]),
             "to_date": date.fromisoformat(b["to_date"]) if b.get("to_date") else None} for b in rate.percentages]


def combined_bands(components: Sequence[TaxRate]) -> list[dict[str, Any]]:
    """The bands of a combined rate: on every day, the sum of its components' percentages."""
    edges: set[date] = set()
    for part in components:
        for band in _bands(part):
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


@dataclass
class _Context:
    on: date
    rates: dict[str, TaxRate]
    # ids that are a component of a live combined rate: they cannot be deleted.
    in_use: set[str]


def _context(call: Call) -> _Context:
    rates = {r.id: r for r in call.db.scalars(select(TaxRate))}
    in_use = {part for r in rates.values() if not r.deleted for part in r.components}
    return _Context(_on(call), rates, in_use)


def _wire(rate: TaxRate, ctx: _Context, *, nested: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rate.id, "displayed_as": tax_rate_label(rate, ctx.on), "$path": f"/tax_rates/{rate.id}",
        "created_at": rate.created_at, "updated_at": rate.updated_at, "name": rate.name, "agency": rate.agency,
        "percentage": percentage_on(rate, ctx.on), "percentages": _bands(rate), "is_visible": rate.is_visible,
        "retailer": rate.retailer, "editable": rate.editable,
        "deletable": rate.editable and not rate.deleted and rate.id not in ctx.in_use,
        "is_combined_rate": bool(rate.components),
    }
    if nested:
        out["component_tax_rates"] = [_wire(ctx.rates[c], ctx, nested=False) for c in rate.components
                                      if c in ctx.rates]
    return out


def present(call: Call, rates: Sequence[TaxRate]) -> list[dict[str, Any]]:
    ctx = _context(call)
    return [_wire(rate, ctx, nested=True) for rate in rates]


class TaxRateResource(Resource[TaxRate]):
    """Links name the percentage on the requested `date`, so they need the call."""

    def show(self, call: Call, objs: Sequence[Any], attributes: Attributes) -> list[dict[str, Any]]:
        if not attributes.all and not attributes.names:
            on = _on(call)
            return [{"id": r.id, "displayed_as": tax_rate_label(r, on), "$path": f"/tax_rates/{r.id}"} for r in objs]
        return super().show(call, objs, attributes)


def _us_only(call: Call) -> None:
    assert call.business is not None
    if call.business.country_id != "US":
        raise Invalid("Tax rates can only be created, changed or deleted by US businesses.", "base")


def _editable(rate: TaxRate) -> None:
    if not rate.editable:
        raise Invalid("Built-in tax rates cannot be changed or deleted.", "base")


def _create(call: Call) -> TaxRate:
    _us_only(call)
    assert call.business is not None
    body = parse_body(call.body, "tax_rate", TaxRateCreate)
    business_id = call.business.id
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
    call.db.add_all([*parts, rate])
    call.db.flush()
    return rate


def _rebanded(rate: TaxRate, percentage: Decimal, start: date) -> list[dict[str, Any]]:
    """The rate's bands with `percentage` applying from `start` on (later bands are replaced)."""
    kept = []
    for band in _bands(rate):
        if band["from_date"] >= start:
            continue
        if band["to_date"] is None or band["to_date"] >= start:
            band["to_date"] = start - ONE_DAY
        kept.append(_band(band["percentage"], band["from_date"], band["to_date"]))
    return [*kept, _band(percentage, start)]


def _update(call: Call, rate: TaxRate) -> TaxRate:
    _us_only(call)
    _editable(rate)
    body = parse_body(call.body, "tax_rate", TaxRateUpdate)
    for key in ("name", "is_visible"):
        if getattr(body, key) is not None:
            setattr(rate, key, getattr(body, key))
    if "agency" in body.model_fields_set:
        rate.agency = body.agency
    if body.percentage is not None:
        if rate.components:
            raise Invalid("A combined rate's percentage is the sum of its components'; change those.", "percentage")
        start = body.from_date or call.runtime.clock.now().date()
        start = start.date() if isinstance(start, datetime) else start
        rate.percentages = _rebanded(rate, body.percentage, start)
        rates = list(call.db.scalars(select(TaxRate).where(TaxRate.deleted.is_(False))))
        by_id = {r.id: r for r in rates}
        for combined in rates:
            if rate.id in combined.components:
                combined.percentages = combined_bands([by_id[c] for c in combined.components if c in by_id])
    call.db.flush()
    return rate


def _delete(call: Call, rate: TaxRate) -> Result | None:
    _us_only(call)
    _editable(rate)
    assert call.business is not None
    users = [r.name for r in call.db.scalars(select(TaxRate).where(TaxRate.deleted.is_(False)))
             if rate.id in r.components]
    if users:
        raise Invalid(f"The tax rate is part of the combined rate {users[0]}.", "base")
    rate.deleted = True
    call.db.add(Deletion(business_id=call.business.id, resource="tax_rates", record_id=rate.id,
                         displayed_as=tax_rate_label(rate, call.runtime.clock.now().date())[:255],
                         deleted_at=call.runtime.clock.now()))
    call.db.flush()
    return None


def _used_for(usage: str) -> ColumnElement[bool]:
    return cast(TaxRate.usage, String).contains(f'"{usage}"')


def _usage(raw: str) -> ColumnElement[bool]:
    value = raw.strip().lower()
    if value not in ("sales", "purchase"):
        raise InvalidParameter(f"usage must be sales or purchase, got {raw!r}.", "usage")
    return _used_for(value)


def _cis_only(raw: str) -> ColumnElement[bool]:
    # Without the parameter a list means `cis_only=false` (Resource.filter_defaults): Sage's recorded GB list
    # is the five VAT rates.
    wanted = _used_for("cis")
    return wanted if params.boolean("cis_only", raw) else ~wanted


def _region(raw: str) -> ColumnElement[bool]:
    # Rates without regions apply everywhere (GST with address_region_id=CA-BC, as Sage's real answer).
    return or_(cast(TaxRate.address_regions, String) == "[]",
               cast(TaxRate.address_regions, String).contains(f'"{raw.strip().upper()}"'))


def _live(stmt: Select[Any]) -> Select[Any]:
    return stmt.where(TaxRate.deleted.is_(False)).order_by(TaxRate.legacy_id)


TAX_RATES = TaxRateResource(
    path="tax_rates", wrapper="tax_rate", model=TaxRate, present=present, displayed_as=lambda r: r.name,
    scope=_live,
    filters={
        "usage": _usage,
        "address_region_id": _region,
        "cis_only": _cis_only,
    },
    filter_defaults={"cis_only": "false"},
    create=_create, update=_update, delete=_delete,
)

routes: list[BaseRoute] = resource.routes(TAX_RATES)
