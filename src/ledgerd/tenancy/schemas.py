"""Request bodies of the core endpoints (/businesses/{key}, /user)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
