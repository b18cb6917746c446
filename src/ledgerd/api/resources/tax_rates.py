"""`/tax_rates`: every region lists and reads its rates; US businesses also create, change and delete their own.

The rules (bands, combined rates, who may change what) are in `ledger.tax_rates`. GB's CIS deduction rates are
rates of usage "cis": readable by key, listed only with `cis_only=true`, never in the VAT lists. Deleted rates
leave the API (404, hidden from lists, a tombstone for `deleted_since`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, or_, select
from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.listing import Attributes
from ledgerd.api.pipeline import BusinessCall, Call, Result
from ledgerd.api.resource import Resource
from ledgerd.http.errors import InvalidParameter
from ledgerd.ledger import tax_rates as service
from ledgerd.ledger.models import TaxRate
from ledgerd.ledger.schemas import TaxRateCreate, TaxRateUpdate

DATE = params.Param("date", "date", "The day whose percentages and labels are shown (default: today).")


def _on(call: Call) -> date:
    raw = call.query.get("date")
    return params.day("date", raw) if raw else call.runtime.clock.now().date()


@dataclass
class _Context:
    on: date
    rates: dict[str, TaxRate]
    in_use: set[str]


def _context(call: Call) -> _Context:
    rates = {r.id: r for r in call.db.scalars(select(TaxRate))}
    return _Context(_on(call), rates, service.components_in_use(rates.values()))


def _wire(rate: TaxRate, ctx: _Context, *, nested: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rate.id, "displayed_as": service.tax_rate_label(rate, ctx.on), "$path": f"/tax_rates/{rate.id}",
        "created_at": rate.created_at, "updated_at": rate.updated_at, "name": rate.name, "agency": rate.agency,
        "percentage": service.percentage_on(rate, ctx.on), "percentages": service.bands(rate),
        "is_visible": rate.is_visible, "retailer": rate.retailer, "editable": rate.editable,
        "deletable": service.deletable(rate, ctx.in_use), "is_combined_rate": bool(rate.components),
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

    def show(self, call: BusinessCall, objs: Sequence[Any], attributes: Attributes) -> list[dict[str, Any]]:
        if not attributes.all and not attributes.names:
            on = _on(call)
            return [{"id": r.id, "displayed_as": service.tax_rate_label(r, on), "$path": f"/tax_rates/{r.id}"}
                    for r in objs]
        return super().show(call, objs, attributes)


def _changeable(call: BusinessCall, rate: TaxRate | None) -> None:
    """Who may change rates (ledger.tax_rates.changeable) is checked before the body is read, as before any other
    rule: a business that may not is told so whatever it sends."""
    service.changeable(call.business.country_id, rate)


def _create(call: BusinessCall, body: TaxRateCreate) -> TaxRate:
    return service.create(call.db, call.business.id, call.business.country_id, body)


def _update(call: BusinessCall, rate: TaxRate, body: TaxRateUpdate) -> TaxRate:
    return service.update(call.db, call.business.country_id, rate, body, call.runtime.clock.now().date())


def _delete(call: BusinessCall, rate: TaxRate) -> Result | None:
    service.delete(call.db, call.business.id, call.business.country_id, rate, call.runtime.clock.now())
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
    # ledgerd keeps no historical or destination rates (docs/decisions/ledger.md): the two flags change nothing.
    query={"list": (DATE, params.Param("include_historical_data", "boolean", "Accepted; changes nothing here."),
                    params.Param("include_destination_vat_rates", "boolean", "Accepted; changes nothing here.")),
           "read": (DATE,)},
    filter_defaults={"cis_only": "false"},
    create=_create, create_body=TaxRateCreate, update=_update, update_body=TaxRateUpdate, check=_changeable,
    delete=_delete,
)

routes: list[BaseRoute] = resource.routes(TAX_RATES)
