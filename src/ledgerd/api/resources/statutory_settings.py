"""`/cis_settings` (the UK Construction Industry Scheme) and `/datev_settings` (Germany's DATEV export numbers).

Both are per-business singletons stored in `BusinessSettings`; nothing is sent to HMRC or DATEV. Which
regions offer them is the operations table's business (Sage: CIS in GB, DATEV in DE).
"""

from __future__ import annotations

from typing import Any

from ledgerd.api.pipeline import Call
from ledgerd.api.resources.settings_singleton import Singleton, given
from ledgerd.errors import Invalid
from ledgerd.settings import service
from ledgerd.settings.defaults import listed
from ledgerd.settings.schemas import CisSettingsUpdate, DatevSettingsUpdate

# The deduction a registered subcontractor suffers unless HMRC grants gross payment status.
CIS_DEFAULT_RATE = "GB_CIS_REGISTERED"
_CIS_NULLABLE = frozenset({"unique_tax_reference", "accounts_office_reference", "paye_reference", "tax_rate_id"})
# What HMRC issues a contractor (PAYE scheme) and every CIS party (UTR); checked once the role is on.
_CONTRACTOR_NEEDS = ("unique_tax_reference", "accounts_office_reference", "paye_reference")
DATEV_DEFAULTS: dict[str, Any] = {"tax_consultant_number": None, "client_number": None,
                                  "next_customer_number": 10000, "next_supplier_number": 70000}


def _cis(call: Call) -> dict[str, Any]:
    return {"unique_tax_reference": None, "contractor": False, "subcontractor": False,
            "accounts_office_reference": None, "paye_reference": None, "tax_rate_id": None,
            **service.stored(call.db, "cis")}


def _cis_rate(key: str | None) -> dict[str, str] | None:
    # CIS deductions are tax rates at Sage (`GET /tax_rates?cis_only=true`); ledgerd lists them in data/common.
    item = listed("cis_deduction_rates", key)
    return {"id": item["id"], "displayed_as": item["displayed_as"], "$path": f"/tax_rates/{item['id']}"} \
        if item else None


def _cis_wire(call: Call) -> dict[str, Any]:
    data = _cis(call)
    return {"$path": "/cis_settings", **{k: data[k] for k in (
        "unique_tax_reference", "contractor", "subcontractor", "accounts_office_reference", "paye_reference")},
        "tax_rate": _cis_rate(data["tax_rate_id"])}


def _cis_changes(call: Call, body: CisSettingsUpdate) -> dict[str, Any]:
    changes = given(body, _CIS_NULLABLE)
    if changes.get("tax_rate_id") is not None and listed("cis_deduction_rates", changes["tax_rate_id"]) is None:
        raise Invalid("is not a CIS deduction rate.", "tax_rate_id")
    after = {**_cis(call), **changes}
    if after["contractor"]:
        for key in _CONTRACTOR_NEEDS:
            if not after[key]:
                raise Invalid("is required for a CIS contractor.", key)
    if after["subcontractor"]:
        if not after["unique_tax_reference"]:
            raise Invalid("is required for a CIS subcontractor.", "unique_tax_reference")
        changes["tax_rate_id"] = after["tax_rate_id"] or CIS_DEFAULT_RATE
    else:
        changes["tax_rate_id"] = None  # only subcontractors suffer deductions
    return changes


def _datev_wire(call: Call) -> dict[str, Any]:
    data = {**DATEV_DEFAULTS, **service.stored(call.db, "datev")}
    return {"$path": "/datev_settings", **{k: data[k] for k in DATEV_DEFAULTS},
            "updated_at": service.updated_at(call.db, "datev")}


def _datev_changes(call: Call, body: DatevSettingsUpdate) -> dict[str, Any]:
    # The registration numbers may be cleared with null; the next numbers only changed.
    return given(body, ("tax_consultant_number", "client_number"))


CIS_SETTINGS = Singleton("/cis_settings", "cis_settings", "cis", CisSettingsUpdate, _cis_wire, _cis_changes)
DATEV_SETTINGS = Singleton("/datev_settings", "datev_settings", "datev", DatevSettingsUpdate, _datev_wire,
                           _datev_changes)
