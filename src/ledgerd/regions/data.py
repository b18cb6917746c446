"""Region data files (`data/<country>/*.toml`, `data/common/*.toml`), parsed and checked once per process.

The files are the single source of a region's chart of accounts, tax rates and settings; this module
only reads and validates them. They are static, so caching them per process shares no mutable state.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

DATA = Path(__file__).parent / "data"
VISIBILITY = ("sales", "expenses", "banking", "other_payments", "other_receipts", "journals", "reporting")
# Every region names one ledger account for each of these posting roles.
REQUIRED_CONTROLS = ("DEBTORS", "CREDITORS", "SALES_TAX", "PURCHASE_TAX", "BANK", "RETAINED_EARNINGS",
                     "OPENING_BALANCES", "SUSPENSE", "DISCOUNTS_ALLOWED", "DISCOUNTS_RECEIVED",
                     "EXCHANGE_GAIN_LOSS", "CARRIAGE")
# What a tax rate may be used for; "cis" marks a GB CIS deduction rate, which is not a sales or purchase tax.
TAX_USAGES = ("sales", "purchase", "cis")


Day = TypeVar("Day", date, str)
Figure = TypeVar("Figure", Decimal, str)


def band_on(bands: Iterable[tuple[Day, Day | None, Figure]], day: Day) -> Figure | None:
    """A tax rate's percentage on `day`, from its dated bands `(from_date, to_date, percentage)` in date order: the
    band's that covers the day, else the latest band's begun before it (a closed last band still applies after it
    ends), else None (before the first band). The one rule for the region files' rates and a business's own
    (ledger/tax_rates.py), whose dates are ISO text: that orders as the dates do, so it needs no parsing."""
    chosen: Figure | None = None
    for start, end, figure in bands:
        if start <= day:
            if end is None or day <= end:
                return figure
            chosen = figure
    return chosen


def percentage_text(figure: Decimal) -> str:
    """A percentage as Sage labels a tax rate: two decimals ("20.00"), more where the rate has them (QST
    "9.975")."""
    text = f"{figure:.2f}"
    return text if Decimal(text) == figure else format(figure.normalize(), "f")


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
    # The nominal codes of the accounts this tax goes to where the country keeps each tax apart (SKR03's 1771
    # for 7 % output tax, Canada's PST and QST accounts); None: the SALES_TAX / PURCHASE_TAX control account.
    sales_account: int | None = None
    purchase_account: int | None = None
    # The nominal code of the account tax at this rate paid at customs on an import goes to, deductible as input
    # tax (SKR03 1588 Einfuhrumsatzsteuer); a return reads its entries as import VAT (ledger/tax_accounts.py).
    import_account: int | None = None
    # False: this tax paid on purchases is never claimed back (Canadian PST, US sales tax); it is part of the
    # cost and goes to the purchase line's account (ledger/tax_accounts.py).
    purchase_recoverable: bool = True

    @property
    def is_cis(self) -> bool:
        return "cis" in self.usage

    def percentage_on(self, day: date) -> Decimal:
        figure = band_on(((p.from_date, p.to_date, p.percentage) for p in self.percentages), day)
        return Decimal(0) if figure is None else figure


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
    # Whether tax paid on purchases is claimed back by default (region.toml `purchase_tax_recoverable`): the
    # rates' own default, and the rule for the rates a US business makes itself.
    purchase_tax_recoverable: bool = True
    # Every table of region.toml as read; packages with sections of their own (settings) parse them.
    tables: dict[str, Any] = field(default_factory=dict)

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


def _tax_rate(raw: dict[str, Any], recoverable: bool = True) -> TaxRateDef:
    percentages = tuple(Percentage(Decimal(str(p["percentage"])), date.fromisoformat(str(p["from_date"])),
                                   date.fromisoformat(str(p["to_date"])) if p.get("to_date") else None)
                        for p in raw.get("percentages", ()))
    if not percentages and not raw.get("components"):
        raise RegionDataError(f"tax rate {raw.get('id')} has no percentages")
    if bad := set(raw.get("usage", ())) - set(TAX_USAGES):
        raise RegionDataError(f"tax rate {raw.get('id')}: unknown usage {sorted(bad)}")
    return TaxRateDef(id=raw["id"], name=raw["name"], percentages=percentages,
                      label_percentage=raw.get("label_percentage", True), agency=raw.get("agency"),
                      usage=tuple(raw.get("usage", ("sales", "purchase"))),
                      address_regions=tuple(raw.get("address_regions", ())),
                      components=tuple(raw.get("components", ())), retailer=raw.get("retailer", False),
                      is_visible=raw.get("is_visible", True), sales_account=raw.get("sales_account"),
                      purchase_account=raw.get("purchase_account"), import_account=raw.get("import_account"),
                      purchase_recoverable=raw.get("purchase_recoverable", recoverable))


@cache
def region(country: str) -> Region:
    folder = DATA / country.lower()
    if not folder.is_dir():
        raise RegionDataError(f"no data for region {country}")
    meta = _read(folder / "region.toml")
    recoverable = bool(meta.get("purchase_tax_recoverable", True))
    rates = tuple(_tax_rate(r, recoverable) for r in _read(folder / "tax_rates.toml").get("tax_rate", ()))
    accounts = tuple(AccountDef(nominal_code=int(a["nominal_code"]), name=a["name"], type=a["type"],
                                visible_in=tuple(a.get("visible_in", ())), tax_rate=a.get("tax_rate"),
                                control=a.get("control"), bank_account_type=a.get("bank_account_type"),
                                display_name=a.get("display_name"))
                     for a in _read(folder / "ledger_accounts.toml").get("account", ()))
    result = Region(country=meta["country"], currency=meta["currency"], locale=meta["locale"],
                    tax_name=meta.get("tax_name", "Tax"), country_group=meta.get("country_group", "ALL"),
                    financial_settings=dict(meta.get("financial_settings", {})),
                    invoice_settings=dict(meta.get("invoice_settings", {})), tax_rates=rates, accounts=accounts,
                    address_regions=tuple(meta.get("address_regions", ())), tables=meta,
                    purchase_tax_recoverable=recoverable)
    _check(result)
    return result


@cache
def tax_rate_def(rate_id: str) -> TaxRateDef | None:
    """A region's built-in tax rate by id, whatever the region (ids are unique across regions: `GB_STANDARD`,
    `CA_PST_BC`); None for a rate a business made itself."""
    for folder in sorted(DATA.iterdir()):
        if folder.is_dir() and folder.name != "common":
            found = next((r for r in region(folder.name).tax_rates if r.id == rate_id), None)
            if found is not None:
                return found
    return None


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
        for code in (rate.sales_account, rate.purchase_account, rate.import_account):
            if code is not None and (code not in codes or _type_of(data, code) != "TAXES"):
                raise RegionDataError(f"{data.country} tax rate {rate.id}: account {code} is not a tax account")
    for key in ("default_sales_tax_rate", "default_purchase_tax_rate"):
        value = data.financial_settings.get(key)
        if value is not None and value not in rate_ids:
            raise RegionDataError(f"{data.country}: {key} {value} is not a tax rate")


def _type_of(data: Region, code: int) -> str:
    return next(a.type for a in data.accounts if a.nominal_code == code)


@dataclass(frozen=True)
class JournalCodeDef:
    code: str
    name: str
    type: str
    control_name: str


@cache
def journal_codes(country: str) -> tuple[JournalCodeDef, ...]:
    """The region's reserved journal codes (`data/<cc>/journal_codes.toml`; none where there is no file)."""
    path = DATA / country.lower() / "journal_codes.toml"
    if not path.exists():
        return ()
    try:
        found = tuple(JournalCodeDef(code=str(j["code"]), name=j["name"], type=j["journal_code_type"],
                                     control_name=j["control_name"]) for j in _read(path).get("journal_code", ()))
    except KeyError as exc:
        raise RegionDataError(f"{country} journal code without {exc}") from None
    for attribute in ("code", "control_name"):
        values = [getattr(j, attribute) for j in found]
        if len(set(values)) != len(values):
            raise RegionDataError(f"{country} journal codes: duplicate {attribute}")
    # The types are a static list of their own (`/journal_code_types`); checked once it is there.
    types = {t["id"] for t in lookups().get("journal_code_types", ())}
    if types and (unknown := {j.type for j in found} - types):
        raise RegionDataError(f"{country} journal codes: unknown types {sorted(unknown)}")
    return found


# The per-country reference lists a region's `lookups.toml` holds (served by ledgerd.lookups); lists every
# country shares live in data/common and are read by `lookups()`.
REGION_LISTS = ("address_regions", "coa_templates", "tax_offices", "tax_return_frequencies", "tax_schemes",
                "tax_types")


@cache
def region_lookups(country: str) -> dict[str, tuple[dict[str, Any], ...]]:
    """A region's own reference lists by name, in file order, completed and checked.

    Every item gets a `displayed_as` (its `name` when the file gives none). `address_regions` also holds
    region.toml's list (US states, CA provinces), each with its `code` (the part after the country). The
    tax types are region.toml's `[[tax_type]]`, each completed from the `[[tax_types]]` entry of the same
    id: a tax type without an address region is national (`federal_tax`), covers every address region but
    the `excluded_address_regions`, and every tax rate but CIS deductions unless `tax_rates` names them. A
    tax return frequency without `tax_types` serves them all.
    """
    data = region(country)
    folder = DATA / country.lower()
    path = folder / "lookups.toml"
    raw = _read(path) if path.exists() else {}
    if unknown := set(raw) - set(REGION_LISTS):
        raise RegionDataError(f"{data.country} lookups.toml: unknown lists {sorted(unknown)}")
    lists = {name: tuple(_displayed(item) for item in raw.get(name, ()))
             for name in REGION_LISTS if name not in ("address_regions", "tax_types")}
    lists["address_regions"] = tuple(_address_region(item) for item in (*data.address_regions,
                                                                         *raw.get("address_regions", ())))
    declared = _read(folder / "region.toml").get("tax_type", ())
    lists["tax_types"] = _tax_types(data, declared, raw.get("tax_types", ()), lists["address_regions"])
    all_types = [t["id"] for t in lists["tax_types"]]
    lists["tax_return_frequencies"] = tuple({**f, "tax_types": list(f.get("tax_types", all_types))}
                                            for f in lists["tax_return_frequencies"])
    lists["coa_templates"] = tuple({**t, "country": data.country} for t in lists["coa_templates"])
    _check_lookups(data, lists, declared)
    return lists


def _displayed(item: dict[str, Any]) -> dict[str, Any]:
    if "displayed_as" in item:
        return dict(item)
    if "name" not in item:
        raise RegionDataError(f"lookup item {item.get('id')} has neither displayed_as nor name")
    return {"displayed_as": item["name"], **item}


def _address_region(item: dict[str, Any]) -> dict[str, Any]:
    return {"id": item["id"], "displayed_as": item.get("displayed_as", item["name"]),
            "code": item.get("code", item["id"].split("-", 1)[-1]), "name": item["name"]}


def _tax_types(data: Region, declared: Any, extras: Any,
               regions: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    by_id = {e["id"]: e for e in extras}
    if unknown := set(by_id) - {t["id"] for t in declared}:
        raise RegionDataError(f"{data.country} lookups.toml: tax types {sorted(unknown)} are not in region.toml")
    out = []
    for tax_type in declared:
        extra = by_id.get(tax_type["id"], {})
        local = tax_type.get("address_region")
        excluded = set(extra.get("excluded_address_regions", ()))
        out.append({
            "id": tax_type["id"], "displayed_as": tax_type["name"],
            "federal_tax": extra.get("federal_tax", local is None), "country": data.country,
            "address_regions": [local] if local else [r["id"] for r in regions if r["id"] not in excluded],
            "tax_rates": list(extra.get("tax_rates", [r.id for r in data.tax_rates if not r.is_cis])),
            "excluded_address_regions": sorted(excluded),
        })
    return tuple(out)


def _check_lookups(data: Region, lists: dict[str, tuple[dict[str, Any], ...]], declared: Any) -> None:
    where = f"{data.country} lookups"
    for name, items in lists.items():
        ids = [item["id"] for item in items]
        if len(set(ids)) != len(ids):
            raise RegionDataError(f"{where}: duplicate ids in {name}")
    regions = {r["id"] for r in lists["address_regions"]}
    rates = {r.id for r in data.tax_rates}
    for tax_type in lists["tax_types"]:
        if bad := (set(tax_type["address_regions"]) | set(tax_type["excluded_address_regions"])) - regions:
            raise RegionDataError(f"{where}: tax type {tax_type['id']} names unknown regions {sorted(bad)}")
        if bad := set(tax_type["tax_rates"]) - rates:
            raise RegionDataError(f"{where}: tax type {tax_type['id']} names unknown tax rates {sorted(bad)}")
    serves = {f["id"]: set(f["tax_types"]) for f in lists["tax_return_frequencies"]}
    for frequency, types in serves.items():
        if bad := types - {t["id"] for t in lists["tax_types"]}:
            raise RegionDataError(f"{where}: frequency {frequency} names unknown tax types {sorted(bad)}")
    wanted = [(None, data.financial_settings.get("tax_return_frequency"))]
    wanted += [(t["id"], t.get("tax_return_frequency")) for t in declared]
    for type_id, frequency in wanted:
        if frequency is not None and (frequency not in serves or (type_id and type_id not in serves[frequency])):
            raise RegionDataError(f"{where}: tax return frequency {frequency} is not offered"
                                  + (f" for {type_id}" if type_id else ""))
    if len(lists["coa_templates"]) != 1:
        raise RegionDataError(f"{where}: a region has one chart of accounts, so exactly one coa template")
