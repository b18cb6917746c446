"""Region data files (`data/<country>/*.toml`, `data/common/*.toml`), parsed and checked once per process.

The files are the single source of a region's chart of accounts, tax rates and settings; this module
only reads and validates them. They are static, so caching them per process shares no mutable state.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
VISIBILITY = ("sales", "expenses", "banking", "other_payments", "other_receipts", "journals", "reporting")
# Every region names one ledger account for each of these posting roles.
REQUIRED_CONTROLS = ("DEBTORS", "CREDITORS", "SALES_TAX", "PURCHASE_TAX", "BANK", "RETAINED_EARNINGS",
                     "OPENING_BALANCES", "SUSPENSE", "DISCOUNTS_ALLOWED", "DISCOUNTS_RECEIVED",
                     "EXCHANGE_GAIN_LOSS", "CARRIAGE")


class RegionDataError(ValueError):
    """A data file breaks the format; raised at load so a bad file never reaches a business."""


@dataclass(frozen=True)
class Percentage:
    percentage: Decimal
    from_date: date
    to_date: date | None


@dataclass(frozen=True)
class TaxRateDef:
    id: str
    name: str
    percentages: tuple[Percentage, ...]
    label_percentage: bool = True
    agency: str | None = None
    usage: tuple[str, ...] = ("sales", "purchase")
    address_regions: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    retailer: bool = False
    is_visible: bool = True

    def percentage_on(self, day: date) -> Decimal:
        if not self.percentages:
            return Decimal(0)
        for p in self.percentages:
            if p.from_date <= day and (p.to_date is None or day <= p.to_date):
                return p.percentage
        return self.percentages[-1].percentage if day > self.percentages[-1].from_date else Decimal(0)


@dataclass(frozen=True)
class AccountDef:
    nominal_code: int
    name: str
    type: str
    visible_in: tuple[str, ...]
    tax_rate: str | None = None
    control: str | None = None
    bank_account_type: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class Region:
    country: str
    currency: str
    locale: str
    tax_name: str
    country_group: str
    financial_settings: dict[str, Any]
    invoice_settings: dict[str, Any]
    tax_rates: tuple[TaxRateDef, ...]
    accounts: tuple[AccountDef, ...]
    address_regions: tuple[dict[str, str], ...] = field(default=())

    def control(self, role: str) -> AccountDef:
        return next(a for a in self.accounts if a.control == role)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegionDataError(f"{path.name}: {exc}") from None


@cache
def lookups() -> dict[str, tuple[dict[str, str], ...]]:
    """Static lists by name (`ledger_account_types`, `transaction_types`, …), in file order."""
    merged: dict[str, tuple[dict[str, str], ...]] = {}
    for path in sorted((DATA / "common").glob("*.toml")):
        for name, items in _read(path).items():
            merged[name] = tuple(items)
    return merged


def lookup(name: str, key: str) -> dict[str, str] | None:
    return next((item for item in lookups().get(name, ()) if item["id"] == key), None)


def _tax_rate(raw: dict[str, Any]) -> TaxRateDef:
    percentages = tuple(Percentage(Decimal(str(p["percentage"])), date.fromisoformat(str(p["from_date"])),
                                   date.fromisoformat(str(p["to_date"])) if p.get("to_date") else None)
                        for p in raw.get("percentages", ()))
    if not percentages and not raw.get("components"):
        raise RegionDataError(f"tax rate {raw.get('id')} has no percentages")
    return TaxRateDef(id=raw["id"], name=raw["name"], percentages=percentages,
                      label_percentage=raw.get("label_percentage", True), agency=raw.get("agency"),
                      usage=tuple(raw.get("usage", ("sales", "purchase"))),
                      address_regions=tuple(raw.get("address_regions", ())),
                      components=tuple(raw.get("components", ())), retailer=raw.get("retailer", False),
                      is_visible=raw.get("is_visible", True))


@cache
def region(country: str) -> Region:
    folder = DATA / country.lower()
    if not folder.is_dir():
        raise RegionDataError(f"no data for region {country}")
    meta = _read(folder / "region.toml")
    rates = tuple(_tax_rate(r) for r in _read(folder / "tax_rates.toml").get("tax_rate", ()))
    accounts = tuple(AccountDef(nominal_code=int(a["nominal_code"]), name=a["name"], type=a["type"],
                                visible_in=tuple(a.get("visible_in", ())), tax_rate=a.get("tax_rate"),
                                control=a.get("control"), bank_account_type=a.get("bank_account_type"),
                                display_name=a.get("display_name"))
                     for a in _read(folder / "ledger_accounts.toml").get("account", ()))
    result = Region(country=meta["country"], currency=meta["currency"], locale=meta["locale"],
                    tax_name=meta.get("tax_name", "Tax"), country_group=meta.get("country_group", "ALL"),
                    financial_settings=dict(meta.get("financial_settings", {})),
                    invoice_settings=dict(meta.get("invoice_settings", {})), tax_rates=rates, accounts=accounts,
                    address_regions=tuple(meta.get("address_regions", ())))
    _check(result)
    return result


def _check(data: Region) -> None:
    types = {t["id"] for t in lookups()["ledger_account_types"]}
    rate_ids = {r.id for r in data.tax_rates}
    codes: set[int] = set()
    controls: set[str] = set()
    for account in data.accounts:
        where = f"{data.country} account {account.nominal_code}"
        if account.type not in types:
            raise RegionDataError(f"{where}: unknown type {account.type}")
        if account.nominal_code in codes:
            raise RegionDataError(f"{where}: duplicate nominal code")
        codes.add(account.nominal_code)
        if account.tax_rate and account.tax_rate not in rate_ids:
            raise RegionDataError(f"{where}: unknown tax rate {account.tax_rate}")
        if bad := set(account.visible_in) - set(VISIBILITY):
            raise RegionDataError(f"{where}: unknown visibility {sorted(bad)}")
        if account.control:
            if account.control in controls:
                raise RegionDataError(f"{where}: second {account.control} control account")
            controls.add(account.control)
    if missing := set(REQUIRED_CONTROLS) - controls:
        raise RegionDataError(f"{data.country}: no control account for {sorted(missing)}")
    for rate in data.tax_rates:
        if missing_parts := set(rate.components) - rate_ids:
            raise RegionDataError(f"{data.country} tax rate {rate.id}: unknown components {sorted(missing_parts)}")
    for key in ("default_sales_tax_rate", "default_purchase_tax_rate"):
        value = data.financial_settings.get(key)
        if value is not None and value not in rate_ids:
            raise RegionDataError(f"{data.country}: {key} {value} is not a tax rate")
