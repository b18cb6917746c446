"""`/business_settings`: who the business is and its default ledger accounts (GET, PUT), in Sage's key order.

Fields only some regions offer (France's SIRET and legal form, auxiliary accounts in France and Spain, the
country of registration in the British Isles) come from the region data: elsewhere they are null and a PUT
ignores them, as the corrective-invoice fields of the invoice settings outside Spain.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from ledgerd.api.pipeline import BusinessCall
from ledgerd.api.resources.settings_singleton import Singleton
from ledgerd.ledger.models import LedgerAccount
from ledgerd.lookups.lists import link
from ledgerd.settings import service, updates
from ledgerd.settings.defaults import LEDGER_ROLES, RegionSettings, listed, region_settings
from ledgerd.settings.schemas import BusinessSettingsUpdate
from ledgerd.settings.updates import LISTS


def _region(call: BusinessCall) -> RegionSettings:
    return region_settings(call.business.country_id)


def _values(call: BusinessCall) -> dict[str, Any]:
    """The settings by wire name (links as ids): what the business set over the region's defaults; fields the
    region does not offer are None."""
    region = _region(call)
    stored = service.stored(call.db, "business")
    defaults = dict(region.business_defaults)
    if call.business.ni_based and defaults.get("country_of_registration") == "ENGLAND_AND_WALES":
        defaults["country_of_registration"] = "NORTHERN_IRELAND"
    out: dict[str, Any] = {}
    for name in ("siret", "management_centre_member", "rcs_number", "share_capital", "business_activity_type",
                 "legal_form_type", "auxiliary_accounts_visible", "country_of_registration"):
        key = f"{name}_id" if name in LISTS else name
        out[name] = stored.get(key, defaults.get(name)) if name in region.offered else None
    out["business_type"] = stored.get("business_type_id")
    out["wizard_complete"] = bool(stored.get("wizard_complete", False))
    return out


def default_ledger_accounts(call: BusinessCall) -> dict[str, LedgerAccount | None]:
    """Role → the business's default ledger account for it: its own choice, else the region's (by nominal code);
    one query for all roles."""
    chosen: dict[str, str] = service.stored(call.db, "business").get("default_ledger_accounts", {})
    codes = _region(call).default_ledger_accounts
    accounts = call.db.scalars(select(LedgerAccount).where(or_(
        LedgerAccount.id.in_(set(chosen.values())), LedgerAccount.nominal_code.in_(set(codes.values()))))).all()
    by_id = {a.id: a for a in accounts}
    by_code = {a.nominal_code: a for a in accounts}
    return {role: by_id.get(chosen[role]) if role in chosen else by_code.get(codes[role]) for role in LEDGER_ROLES}


def _account_link(account: LedgerAccount | None) -> dict[str, str] | None:
    if account is None:
        return None
    return {"id": account.id, "displayed_as": account.displayed_as, "$path": f"/ledger_accounts/{account.id}"}


def _business_type(key: str | None) -> dict[str, Any] | None:
    item = listed("business_types", key)
    if item is None:
        return None
    return {**(link("business_types", key) or {}), "name": item["displayed_as"], "description": item["description"]}


def _registration(key: str | None) -> dict[str, str] | None:
    # Sage names the political entity by id and text only: there is no /countries_of_registration endpoint.
    item = listed("countries_of_registration", key)
    return {"id": item["id"], "displayed_as": item["displayed_as"]} if item else None


def _wire(call: BusinessCall) -> dict[str, Any]:
    values = _values(call)
    capital = values["share_capital"]
    return {
        "$path": "/business_settings", "siret": values["siret"],
        "management_centre_member": values["management_centre_member"], "rcs_number": values["rcs_number"],
        "share_capital": Decimal(capital) if capital is not None else None,
        "business_activity_type": link("business_activity_types", values["business_activity_type"]),
        "legal_form_type": link("legal_form_types", values["legal_form_type"]),
        "auxiliary_accounts_visible": values["auxiliary_accounts_visible"],
        "default_ledger_accounts": {f"{role}_ledger_account": _account_link(account)
                                    for role, account in default_ledger_accounts(call).items()},
        "business_type": _business_type(values["business_type"]),
        "country_of_registration": _registration(values["country_of_registration"]),
        "business_created_at": call.business.created_at, "updated_at": service.updated_at(call.db, "business"),
        "wizard_complete": values["wizard_complete"],
    }


BUSINESS_SETTINGS = Singleton("/business_settings", "business_settings", "business", BusinessSettingsUpdate,
                              _wire, updates.business_changes)
