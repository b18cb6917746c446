"""Tax profiles: the business's registration for each tax type of its region. The primary tax type's number
and return frequency are the financial settings' `tax_number` and `tax_return_frequency`: one value, shown
in both places, written by either PUT."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.errors import Invalid
from ledgerd.settings import service
from ledgerd.settings.defaults import TaxType, frequencies, region_settings, tax_type
from ledgerd.settings.models import TaxProfile
from ledgerd.settings.schemas import TaxProfileUpdate

# What the primary tax profile shares with the financial settings.
REGISTRATION = ("tax_number", "tax_return_frequency_id")


def kind_of(profile: TaxProfile) -> TaxType:
    found = tax_type(profile.tax_type_id)
    assert found is not None, f"tax type {profile.tax_type_id} is not in the region data"
    return found


def _checked(country: str, profile: TaxProfile, body: TaxProfileUpdate) -> dict[str, Any]:
    kind = kind_of(profile)
    given = body.model_dump(exclude_unset=True)
    if given.get("tax_type_id") not in (None, kind.id):
        raise Invalid("cannot be changed: each tax type has its own profile.", "tax_type_id")
    for key, pattern in (("tax_number", kind.number_pattern), ("tax_number_suffix", kind.suffix_pattern)):
        if given.get(key) and pattern is not None and not pattern.match(given[key]):
            raise Invalid(f"is not a valid {kind.name} number (expected {pattern.pattern}).", key)
    frequency = given.get("tax_return_frequency_id")
    if frequency is not None:
        allowed = frequencies(country, kind.id)
        if not allowed:
            raise Invalid(f"Tax return frequencies are not used for {kind.name}.", "tax_return_frequency_id")
        if frequency not in allowed:
            raise Invalid(f"must be one of {', '.join(allowed)} for {kind.name}.", "tax_return_frequency_id")
    code = ((given.get("address_region") or {}).get("code") or "").upper()
    region_id = profile.address_region_id
    if code and code not in (region_id, (region_id or "").split("-", 1)[-1]):
        raise Invalid(f"{kind.name} applies in {region_id or 'every region'}; its region cannot change.",
                      "address_region.code")
    return given


def update(db: Session, country: str, now: datetime, profile: TaxProfile, body: TaxProfileUpdate) -> TaxProfile:
    """Change a profile; the primary one's registration is stored in the financial settings."""
    given = _checked(country, profile, body)
    registration: dict[str, Any] = {k: given[k] for k in REGISTRATION if k in given}
    if kind_of(profile).primary:
        if registration:
            service.save_document(db, now, "financial", registration)
        profile.updated_at = now
    else:
        for key, value in registration.items():
            setattr(profile, key, value)
    if "tax_number_suffix" in given:
        profile.tax_number_suffix = given["tax_number_suffix"]
    if given.get("collect_tax") is not None:
        profile.collect_tax = given["collect_tax"]
    db.flush()
    return profile


def touch_primary(db: Session, country: str, now: datetime) -> None:
    """Stamp the primary profile changed (its number or frequency changed through the financial settings)."""
    primary = db.scalar(select(TaxProfile).where(TaxProfile.tax_type_id == region_settings(country).primary.id))
    if primary is not None:
        primary.updated_at = now
        db.flush()
