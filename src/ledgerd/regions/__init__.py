"""The seven regions ledgerd serves. Per-country accounting data files join this package later."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    id: str
    name: str
    # Sage routes authorization to one of two data centres; a user's country choice must match it.
    data_centre: str
    locale: str
    currency: str

    @property
    def displayed_as(self) -> str:
        return f"{self.name} ({self.id})"


COUNTRIES: dict[str, Country] = {c.id: c for c in (
    Country("GB", "United Kingdom", "UK", "en-GB", "GBP"),
    Country("IE", "Ireland", "UK", "en-IE", "EUR"),
    Country("ES", "Spain", "UK", "es-ES", "EUR"),
    Country("FR", "France", "UK", "fr-FR", "EUR"),
    Country("DE", "Germany", "UK", "de-DE", "EUR"),
    Country("CA", "Canada", "NA", "en-CA", "CAD"),
    Country("US", "United States", "NA", "en-US", "USD"),
)}


def country(code: str) -> Country | None:
    return COUNTRIES.get(code.upper())
