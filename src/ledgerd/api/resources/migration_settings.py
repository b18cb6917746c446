"""`/migrations` (a settings singleton) and `/migration_tax_returns`: specs and wire shapes; the rules are in
settings/migrations.py."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.pipeline import BusinessCall
from ledgerd.api.resource import Resource
from ledgerd.api.resources.settings_singleton import Singleton
from ledgerd.lookups.lists import link
from ledgerd.settings import service, updates
from ledgerd.settings.defaults import listed
from ledgerd.settings.migrations import (
    GB_BOXES,
    IE_BOXES,
    SOURCES,
    create_tax_return,
    instant,
    migration_id,
)
from ledgerd.settings.models import MigrationTaxReturn
from ledgerd.settings.schemas import MigrationTaxReturnCreate, MigrationUpdate

# --- /migrations ------------------------------------------------------------------------------------------------


def _migration_wire(call: BusinessCall) -> dict[str, Any]:
    stored = service.stored(call.db, "migration")
    status = listed("migration_statuses", stored.get("status_id", "NOT_STARTED"))
    assert status is not None
    return {"id": migration_id(call.business.id), "$path": "/migrations",
            "status": {"id": status["id"], "displayed_as": status["displayed_as"]},
            "started_at": instant(stored.get("started_at")), "completed_at": instant(stored.get("completed_at")),
            **{k: stored.get(k) for k in SOURCES}}


MIGRATIONS = Singleton("/migrations", "migrations", "migration", MigrationUpdate, _migration_wire,
                       updates.migration_changes)


# --- /migration_tax_returns -------------------------------------------------------------------------------------

def _boxes(names: tuple[str, ...], country: str, business_country: str,
           ret: MigrationTaxReturn) -> dict[str, Decimal] | None:
    """A country's boxes, shown only to a business of that country."""
    if business_country != country or not ret.boxes:
        return None
    return {name: Decimal(ret.boxes.get(name, "0")) for name in names}


def present(call: BusinessCall, returns: Sequence[MigrationTaxReturn]) -> list[dict[str, Any]]:
    country = call.business.country_id
    return [{"id": r.id, "displayed_as": r.displayed_as, "$path": f"/migration_tax_returns/{r.id}",
             "created_at": r.created_at, "updated_at": r.updated_at, "from_date": r.from_date, "to_date": r.to_date,
             "tax_return_frequency": link("tax_return_frequencies", r.tax_return_frequency_id, country),
             "total_amount": r.total_amount, "gb": _boxes(GB_BOXES, "GB", country, r),
             "ie": _boxes(IE_BOXES, "IE", country, r)} for r in returns]


def _create(call: BusinessCall, body: MigrationTaxReturnCreate) -> MigrationTaxReturn:
    return create_tax_return(call.db, call.business.id, call.business.country_id, body)


MIGRATION_TAX_RETURNS = Resource(
    path="migration_tax_returns", wrapper="migration_tax_return", model=MigrationTaxReturn, present=present,
    displayed_as=lambda r: r.displayed_as, create=_create, create_body=MigrationTaxReturnCreate,
)

routes: list[BaseRoute] = [*MIGRATIONS.routes, *resource.routes(MIGRATION_TAX_RETURNS)]
