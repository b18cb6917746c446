"""Request bodies of the core endpoints and the wire shapes of businesses and users."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.api.bearer import Principal
from ledgerd.regions import COUNTRIES
from ledgerd.tenancy.models import Business, Subscription, User

Locale = Literal["en-GB", "en-IE", "en-US", "es-US", "en-CA", "fr-CA", "fr-FR", "de-DE", "es-ES"]


class BusinessUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=1, max_length=255)
    address_line_1: str | None = Field(None, max_length=255)
    address_line_2: str | None = Field(None, max_length=255)
    city: str | None = Field(None, max_length=255)
    region: str | None = Field(None, max_length=255)
    postal_code: str | None = Field(None, max_length=50)
    telephone: str | None = Field(None, max_length=50)
    mobile: str | None = Field(None, max_length=50)
    website: str | None = Field(None, max_length=255)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    initials: str | None = Field(None, max_length=10)
    locale: Locale | None = None


def business_link(business: Business) -> dict[str, str]:
    """A list item of GET /businesses: note Sage's order here, `displayed_as` before `id`."""
    return {"displayed_as": business.name, "id": business.id, "$path": f"/businesses/{business.id}"}


def business_read(business: Business | SimpleNamespace,
                  subscriptions: Sequence[Subscription | SimpleNamespace]) -> dict[str, Any]:
    country = COUNTRIES[business.country_id]
    return {
        "created_at": business.created_at,
        "updated_at": business.updated_at,
        "displayed_as": business.name,
        "id": business.id,
        "name": business.name,
        "address_line_1": business.address_line_1,
        "address_line_2": business.address_line_2,
        "city": business.city,
        "postal_code": business.postal_code,
        "country": {"id": country.id, "displayed_as": country.displayed_as},
        "region": business.region,
        "telephone": business.telephone,
        "mobile": business.mobile,
        "website": business.website,
        "is_demo": business.is_demo,
        "ni_based": business.ni_based,
        "subscriptions": [
            {"created_at": s.created_at, "updated_at": s.updated_at,
             "displayed_as": "Accounting" if s.code == "ACCOUNTING" else s.code.title(), "id": s.code,
             "active": s.active, "status": s.status, "accountant_pays": False}
            for s in subscriptions
        ],
    }


def user_read(user: User | Principal) -> dict[str, Any]:
    displayed_as = f"{user.first_name} {user.last_name}".strip() or user.email
    return {
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "displayed_as": displayed_as,
        "id": user.user_id if isinstance(user, Principal) else user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "initials": user.initials,
        "email": user.email,
        "locale": user.locale,
    }
