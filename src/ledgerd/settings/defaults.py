"""Region defaults of the settings beyond financial and invoice settings, read from the region data files.

Each `data/<cc>/region.toml` carries `[business_settings]` (the fields the region offers and their defaults,
default ledger accounts by role as nominal codes), `[[tax_type]]` (one tax profile each) and
`[tax_determination]` (rates by contact tax treatment). They are parsed and checked once per process, so a
bad file fails at first use instead of reaching a business; `seed` gives a new business its tax profiles.
The tax types are also `/tax_types` (lookups), and their return frequencies come from the region's
`lookups.toml` (`/tax_return_frequencies`), which checks each type's default frequency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from ledgerd.regions.data import RegionDataError, lookup, lookups, region, region_lookups
from ledgerd.settings.models import TaxProfile

# The roles of Sage's DefaultLedgerAccounts, in its key order (`<role>_ledger_account`).
LEDGER_ROLES = ("bank_charges", "bank_interest_received", "bank_interest_charges_paid", "exchange_rate_gains",
                "exchange_rate_losses", "sales", "sales_discount", "purchase", "purchase_discount", "product_sales",
                "product_purchase", "service_sales", "service_purchase", "stock_purchase", "other_receipt",
                "other_payment", "customer_receipt_discount", "vendor_payment_discount", "carriage")
# Business settings fields only some regions offer (the rest are common to all).
REGIONAL_FIELDS = frozenset({"siret", "management_centre_member", "rcs_number", "share_capital",
                             "business_activity_type", "legal_form_type", "auxiliary_accounts_visible",
                             "country_of_registration"})
TREATMENTS = ("eu_tax_registered", "eu_not_tax_registered", "rest_of_world_tax")


@dataclass(frozen=True)
class TaxType:
    id: str
    name: str
    primary: bool
    address_region: str | None
    tax_return_frequency: str | None
    number_pattern: re.Pattern[str] | None
    suffix_pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class Determination:
    """The rates offered to contacts of one tax treatment; None: the home rates."""

    goods: tuple[str, ...] | None
    services: tuple[str, ...] | None


@dataclass(frozen=True)
class RegionSettings:
    country: str
    locale: str
    offered: frozenset[str]
    business_defaults: dict[str, Any]
    default_ledger_accounts: dict[str, int]
    tax_types: tuple[TaxType, ...]
    determinations: dict[str, Determination]

    def tax_type(self, tax_type_id: str) -> TaxType | None:
        return next((t for t in self.tax_types if t.id == tax_type_id), None)

    @property
    def primary(self) -> TaxType:
        return next(t for t in self.tax_types if t.primary)

    def address_region_name(self, region_id: str) -> str:
        return next((r["name"] for r in region(self.country).address_regions if r["id"] == region_id), region_id)


def _pattern(raw: str | None) -> re.Pattern[str] | None:
    return re.compile(raw) if raw else None


def _tax_type(raw: dict[str, Any]) -> TaxType:
    return TaxType(id=raw["id"], name=raw["name"], primary=bool(raw.get("primary", False)),
                   address_region=raw.get("address_region"), tax_return_frequency=raw.get("tax_return_frequency"),
                   number_pattern=_pattern(raw.get("number_pattern")),
                   suffix_pattern=_pattern(raw.get("suffix_pattern")))


def _rates(raw: Any) -> tuple[str, ...] | None:
    return None if raw is None else tuple(raw)


@cache
def region_settings(country: str) -> RegionSettings:
    data = region(country)
    tables = data.tables
    business = dict(tables.get("business_settings", {}))
    ledger = dict(business.pop("default_ledger_accounts", {}))
    offered = frozenset(business.pop("offered", ()))
    determinations = {name: Determination(_rates(rule.get("goods")), _rates(rule.get("services")))
                      for name, rule in tables.get("tax_determination", {}).items()}
    result = RegionSettings(country=data.country, locale=data.locale, offered=offered, business_defaults=business,
                            default_ledger_accounts={k: int(v) for k, v in ledger.items()},
                            tax_types=tuple(_tax_type(t) for t in tables.get("tax_type", ())),
                            determinations=determinations)
    _check(result)
    return result


def _check(found: RegionSettings) -> None:
    data = region(found.country)
    where = f"{found.country} settings"
    if bad := found.offered - REGIONAL_FIELDS:
        raise RegionDataError(f"{where}: unknown business settings fields {sorted(bad)}")
    if sorted(found.default_ledger_accounts) != sorted(LEDGER_ROLES):
        raise RegionDataError(f"{where}: default ledger accounts must name every role {LEDGER_ROLES}")
    codes = {a.nominal_code for a in data.accounts}
    if missing := set(found.default_ledger_accounts.values()) - codes:
        raise RegionDataError(f"{where}: default ledger accounts {sorted(missing)} are not in the chart")
    if [t.primary for t in found.tax_types].count(True) != 1:
        raise RegionDataError(f"{where}: exactly one tax type must be primary")
    regions = {r["id"] for r in data.address_regions}
    for kind in found.tax_types:
        if not kind.id.startswith(f"{found.country}_"):
            raise RegionDataError(f"{where}: tax type {kind.id} must start with {found.country}_")
        if kind.address_region and kind.address_region not in regions:
            raise RegionDataError(f"{where}: tax type {kind.id} names unknown region {kind.address_region}")
    rate_ids = {r.id for r in data.tax_rates}
    for name, rule in found.determinations.items():
        named = set(rule.goods or ()) | set(rule.services or ())
        if name not in TREATMENTS or named - rate_ids:
            raise RegionDataError(f"{where}: tax determination {name} is unknown or names unknown rates")


def frequencies(country: str, tax_type_id: str | None = None) -> list[str]:
    """The tax return frequencies of a country (`/tax_return_frequencies`), or those serving one tax type."""
    return [f["id"] for f in region_lookups(country).get("tax_return_frequencies", ())
            if tax_type_id is None or tax_type_id in f["tax_types"]]


def tax_type(tax_type_id: str) -> TaxType | None:
    """A tax type by id; ids start with their country (`CA_QST`), as the region check makes sure."""
    return region_settings(tax_type_id[:2]).tax_type(tax_type_id)


def listed(name: str, key: str | None) -> dict[str, Any] | None:
    """An item of a static list in data/common (`business_types`, `migration_statuses`, …)."""
    return lookup(name, key) if key else None


def email_messages(locale: str) -> list[dict[str, str]]:
    """The default e-mail messages for a locale (those of its language), in the data file's order."""
    language = locale.split("-", 1)[0]
    return [{"message_type": m["message_type"], "locale": locale, "message": m["message"]}
            for m in lookups().get("email_messages", ()) if m["language"] == language]


def seed(db: Session, business_id: str, country: str) -> None:
    """A new business's tax profiles: one per tax type of its region, the primary one collecting tax."""
    for tax_type in region_settings(country).tax_types:
        db.add(TaxProfile(business_id=business_id, tax_type_id=tax_type.id, tax_number=None,
                          tax_number_suffix=None, collect_tax=tax_type.primary,
                          tax_return_frequency_id=None if tax_type.primary else tax_type.tax_return_frequency,
                          address_region_id=tax_type.address_region))
