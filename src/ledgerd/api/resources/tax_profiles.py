"""`/tax_profiles`: the business's registration for each tax type of its region (GB VAT; CA GST/HST, PST, QST;
ES IVA and IRPF …): list, read, and PUT (which Sage offers in Canada only; the operations table decides).

Every business gets its profiles when it is made (`defaults.seed`); the rules are in settings/tax_profiles.py.
The profiles are not in the resource REGISTRY: a business has a fixed handful of them (one in most
regions), which the generic contract tests cannot populate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from starlette.routing import BaseRoute

from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.api.resource import Resource, list_handler, read_handler
from ledgerd.api.validation import Body
from ledgerd.lookups.lists import link
from ledgerd.settings import service, tax_profiles
from ledgerd.settings.defaults import region_settings
from ledgerd.settings.models import TaxProfile
from ledgerd.settings.schemas import TaxProfileUpdate


def _address_region(country: str, region_id: str | None) -> dict[str, str] | None:
    if region_id is None:
        return None  # GST/HST and the national taxes apply in every region
    name = region_settings(country).address_region_name(region_id)
    return {"id": region_id, "displayed_as": name, "$path": f"/address_regions/{region_id}",
            "code": region_id.split("-", 1)[-1], "name": name}


def present(call: BusinessCall, profiles: Sequence[TaxProfile]) -> list[dict[str, Any]]:
    country = call.business.country_id
    financial = service.financial(call.db, call.runtime.clock.now().date())
    out = []
    for profile in profiles:
        kind = tax_profiles.kind_of(profile)
        out.append({
            "id": profile.id, "displayed_as": kind.name, "$path": f"/tax_profiles/{profile.id}",
            "created_at": profile.created_at, "updated_at": profile.updated_at,
            "tax_type": {"id": kind.id, "displayed_as": kind.name, "$path": f"/tax_types/{kind.id}"},
            "tax_number": financial["tax_number"] if kind.primary else profile.tax_number,
            "tax_number_suffix": profile.tax_number_suffix, "collect_tax": profile.collect_tax,
            "tax_return_frequency": link(
                "tax_return_frequencies",
                financial["tax_return_frequency_id"] if kind.primary else profile.tax_return_frequency_id, country),
            "address_region": _address_region(country, profile.address_region_id),
        })
    return out


def _update(call: BusinessCall, profile: TaxProfile, body: TaxProfileUpdate) -> TaxProfile:
    return tax_profiles.update(call.db, call.business.country_id, call.runtime.clock.now(), profile,
                               body)


def _in_region_order(stmt: Select[Any]) -> Select[Any]:
    return stmt.order_by(TaxProfile.legacy_id)


TAX_PROFILES = Resource(
    path="tax_profiles", wrapper="tax_profile", model=TaxProfile, present=present,
    displayed_as=lambda p: tax_profiles.kind_of(p).name, scope=_in_region_order,
)


def _put(call: BusinessCall, body: TaxProfileUpdate) -> Result:
    # Settings before profiles, as a financial settings PUT (which stamps the primary profile) takes them.
    service.row(call.db, lock=True)
    profile = _update(call, TAX_PROFILES.find(call, call.path_params["key"], lock=True), body)
    return Result(present(call, [profile])[0], business_id=call.business.id)


routes: list[BaseRoute] = [
    business_route("/tax_profiles", list_handler(TAX_PROFILES), methods=["GET"], query=TAX_PROFILES.params("list")),
    business_route("/tax_profiles/{key}", read_handler(TAX_PROFILES), methods=["GET"],
                   query=TAX_PROFILES.params("read")),
    business_route("/tax_profiles/{key}", _put, methods=["PUT"], body=Body("tax_profile", TaxProfileUpdate)),
]
