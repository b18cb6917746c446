"""`/cis_settings` (the UK Construction Industry Scheme) and `/datev_settings` (Germany's DATEV export numbers).

Both are per-business singletons stored in `BusinessSettings`; nothing is sent to HMRC or DATEV. Which
regions offer them is the operations table's business (Sage: CIS in GB, DATEV in DE).
"""

from __future__ import annotations

from typing import Any

from ledgerd.api.pipeline import Call
from ledgerd.api.resources.settings_singleton import Singleton
from ledgerd.settings import service, updates
from ledgerd.settings.defaults import listed
from ledgerd.settings.schemas import CisSettingsUpdate, DatevSettingsUpdate


def _cis_rate(key: str | None) -> dict[str, str] | None:
    # CIS deductions are tax rates at Sage (`GET /tax_rates?cis_only=true`); ledgerd lists them in data/common.
    item = listed("cis_deduction_rates", key)
    return {"id": item["id"], "displayed_as": item["displayed_as"], "$path": f"/tax_rates/{item['id']}"} \
        if item else None


def _cis_wire(call: Call) -> dict[str, Any]:
    data = updates.cis(call.db)
    return {"$path": "/cis_settings", **{k: data[k] for k in (
        "unique_tax_reference", "contractor", "subcontractor", "accounts_office_reference", "paye_reference")},
        "tax_rate": _cis_rate(data["tax_rate_id"])}


def _datev_wire(call: Call) -> dict[str, Any]:
    data = updates.datev(call.db)
    return {"$path": "/datev_settings", **{k: data[k] for k in updates.DATEV_DEFAULTS},
            "updated_at": service.updated_at(call.db, "datev")}


CIS_SETTINGS = Singleton("/cis_settings", "cis_settings", "cis", CisSettingsUpdate, _cis_wire,
                         updates.cis_changes)
DATEV_SETTINGS = Singleton("/datev_settings", "datev_settings", "datev", DatevSettingsUpdate, _datev_wire,
                           updates.datev_changes)
