"""Region data files: every region loads, keeps the format's invariants, and states the tax facts we checked.

No database: these read `src/ledgerd/regions/data/` through `ledgerd.regions.data` only.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal

import pytest

from ledgerd.regions import COUNTRIES
from ledgerd.regions.data import DATA, REQUIRED_CONTROLS, Region, RegionDataError, TaxRateDef, lookups, region

REGIONS = sorted(COUNTRIES)
EU_MEMBERS = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
              "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}


def rate(cc: str, rate_id: str) -> TaxRateDef:
    return next(r for r in region(cc).tax_rates if r.id == rate_id)


def pct(cc: str, rate_id: str, day: date) -> Decimal:
    return rate(cc, rate_id).percentage_on(day)


def ids(name: str) -> list[str]:
    return [item["id"] for item in lookups()[name]]


# --- every region ---------------------------------------------------------------------------------

def test_every_country_has_a_data_folder_and_no_folder_is_stray() -> None:
    folders = {p.name.upper() for p in DATA.iterdir() if p.is_dir() and p.name != "common"}
    assert folders == set(COUNTRIES)


@pytest.mark.parametrize("cc", REGIONS)
def test_region_loads_and_matches_its_country(cc: str) -> None:
    data = region(cc)
    country = COUNTRIES[cc]
    assert isinstance(data, Region)
    assert (data.country, data.currency, data.locale) == (cc, country.currency, country.locale)
    assert data.currency in ids("currencies")
    assert data.country_group in ids("country_groups")
    listed = next(c for c in lookups()["countries"] if c["id"] == cc)
    assert listed["displayed_as"] == country.displayed_as
    assert listed["country_group"] == data.country_group


@pytest.mark.parametrize("cc", REGIONS)
def test_every_required_control_is_named_exactly_once(cc: str) -> None:
    controls = [a.control for a in region(cc).accounts if a.control]
    for role in REQUIRED_CONTROLS:
        assert controls.count(role) == 1, role
    assert len(controls) == len(set(controls))


@pytest.mark.parametrize("cc", REGIONS)
def test_control_accounts_have_fitting_types(cc: str) -> None:
    data = region(cc)
    assert data.control("BANK").type == "BANK"
    assert data.control("DEBTORS").type == "CURRENT_ASSETS"
    assert data.control("CREDITORS").type == "CURRENT_LIABILITY"
    assert data.control("SALES_TAX").type == "TAXES"
    assert data.control("PURCHASE_TAX").type == "TAXES"
    assert data.control("RETAINED_EARNINGS").type == "EQUITY"


@pytest.mark.parametrize("cc", REGIONS)
def test_bank_accounts_carry_a_known_bank_account_type(cc: str) -> None:
    banks = [a for a in region(cc).accounts if a.type == "BANK"]
    assert banks
    assert all(a.bank_account_type in ids("bank_account_types") for a in banks)
    assert region(cc).control("BANK").bank_account_type == "CHECKING"


@pytest.mark.parametrize("cc", REGIONS)
def test_default_tax_rates_exist_and_income_and_expense_accounts_default_to_one(cc: str) -> None:
    data = region(cc)
    rate_ids = {r.id for r in data.tax_rates}
    for key in ("default_sales_tax_rate", "default_purchase_tax_rate"):
        assert data.financial_settings[key] in rate_ids
    # Accounts offered on sales lines or on expense payments get a default rate (bad-debt write-offs,
    # journal-only accounts and balance-sheet accounts need none).
    selectable = [a for a in data.accounts
                  if a.type in ("SALES", "OTHER_INCOME", "DIRECT_EXPENSES", "OVERHEADS")
                  and ("sales" in a.visible_in or "other_payments" in a.visible_in)]
    assert selectable
    assert [a.nominal_code for a in selectable if a.tax_rate not in rate_ids] == []


@pytest.mark.parametrize("cc", REGIONS)
def test_tax_rate_ids_follow_the_country_pattern_and_dates_are_ordered(cc: str) -> None:
    data = region(cc)
    rate_ids = [r.id for r in data.tax_rates]
    assert len(rate_ids) == len(set(rate_ids))
    region_ids = {r["id"] for r in data.address_regions}
    for tax in data.tax_rates:
        assert tax.id.startswith(f"{cc}_")
        assert tax.percentages
        assert all(p.to_date is not None for p in tax.percentages[:-1]), tax.id
        for earlier, later in zip(tax.percentages, tax.percentages[1:], strict=False):
            assert earlier.to_date is not None and earlier.from_date <= earlier.to_date < later.from_date, tax.id
        assert set(tax.address_regions) <= region_ids, tax.id


@pytest.mark.parametrize("cc", REGIONS)
def test_combined_rates_are_the_sum_of_their_components(cc: str) -> None:
    data = region(cc)
    for tax in (r for r in data.tax_rates if r.components):
        parts = [rate(cc, c) for c in tax.components]
        # Every date on which the combined rate or a component changes, and today.
        days = {p.from_date for t in (tax, *parts) for p in t.percentages}
        days |= {p.to_date for t in (tax, *parts) for p in t.percentages if p.to_date}
        days.add(date.today())
        for day in sorted(d for d in days if d >= tax.percentages[0].from_date):
            assert tax.percentage_on(day) == sum(p.percentage_on(day) for p in parts), (tax.id, day)


@pytest.mark.parametrize("cc", REGIONS)
def test_region_settings(cc: str) -> None:
    data = region(cc)
    settings = data.financial_settings
    assert (settings["year_end_day"], settings["year_end_month"]) == (31, 12)
    assert settings["accounting_type"] in ("accrual", "cash")
    assert data.invoice_settings["sales_invoice_prefix"]
    assert data.tax_name


def test_unknown_region_is_refused() -> None:
    with pytest.raises(RegionDataError):
        region("XX")


# --- common lists ---------------------------------------------------------------------------------

def test_common_files_do_not_reuse_a_list_name() -> None:
    seen: dict[str, str] = {}
    for path in sorted((DATA / "common").glob("*.toml")):
        with path.open("rb") as handle:
            for name in tomllib.load(handle):
                assert name not in seen, f"{name} in {path.name} and {seen[name]}"
                seen[name] = path.name
    assert {"countries", "currencies", "country_groups", "ledger_account_types"} <= set(seen)


def test_countries_cover_iso_3166_with_unique_ids_and_groups() -> None:
    countries = lookups()["countries"]
    codes = [c["id"] for c in countries]
    assert 245 <= len(codes) <= 252
    assert len(codes) == len(set(codes))
    assert all(len(c) == 2 and c.isalpha() and c.isupper() for c in codes)
    assert set(COUNTRIES) <= set(codes)
    groups = set(ids("country_groups"))
    for c in countries:
        assert c["displayed_as"].endswith(f" ({c['id']})")
        assert c["country_group"] in groups
    by_id = {c["id"]: c for c in countries}
    assert by_id["GB"]["displayed_as"] == "United Kingdom (GB)"
    assert by_id["US"]["displayed_as"] == "United States (US)"
    assert {c for c, v in by_id.items() if v["country_group"] == "GBIE"} == {"GB", "IE"}
    assert {c for c, v in by_id.items() if v["country_group"] == "EU"} == EU_MEMBERS - {"IE"}


def test_country_groups() -> None:
    groups = {g["id"]: g["displayed_as"] for g in lookups()["country_groups"]}
    assert groups == {"GBIE": "UK & Ireland", "EU": "European Union", "ALL": "Other"}


def test_currencies_are_unique_iso_codes_and_include_every_regions_currency() -> None:
    currencies = lookups()["currencies"]
    codes = [c["id"] for c in currencies]
    assert len(codes) >= 40
    assert len(codes) == len(set(codes))
    assert all(len(c) == 3 and c.isalpha() and c.isupper() for c in codes)
    assert {c.currency for c in COUNTRIES.values()} <= set(codes)
    assert all(c["displayed_as"].endswith(f" ({c['id']})") for c in currencies)
    names = {c["id"]: c["displayed_as"] for c in currencies}
    assert names["GBP"] == "Pound Sterling (GBP)"
    assert names["EUR"] == "Euro (EUR)"


# --- hand-checked facts per region (sources in each tax_rates.toml) ---------------------------------

def test_gb_vat() -> None:
    assert pct("GB", "GB_STANDARD", date(2010, 6, 1)) == Decimal("17.5")
    assert pct("GB", "GB_STANDARD", date(2011, 1, 4)) == Decimal(20)
    assert pct("GB", "GB_STANDARD", date.today()) == Decimal(20)
    assert pct("GB", "GB_LOWER", date.today()) == Decimal(5)


def test_ie_vat() -> None:
    assert pct("IE", "IE_STANDARD", date(2011, 6, 1)) == Decimal(21)
    assert pct("IE", "IE_STANDARD", date(2012, 1, 1)) == Decimal(23)
    assert pct("IE", "IE_STANDARD", date(2020, 8, 31)) == Decimal(23)
    assert pct("IE", "IE_STANDARD", date(2020, 10, 1)) == Decimal(21)
    assert pct("IE", "IE_STANDARD", date(2021, 2, 28)) == Decimal(21)
    assert pct("IE", "IE_STANDARD", date(2021, 6, 1)) == Decimal(23)
    assert pct("IE", "IE_STANDARD", date.today()) == Decimal(23)
    assert pct("IE", "IE_REDUCED", date(2023, 9, 1)) == Decimal("13.5")
    # The hospitality move back to 13.5% on 2023-09-01 changed which goods use 9%, not the 9% rate.
    assert pct("IE", "IE_SECOND_REDUCED", date(2023, 8, 31)) == Decimal(9)
    assert pct("IE", "IE_SECOND_REDUCED", date(2023, 9, 1)) == Decimal(9)
    assert pct("IE", "IE_SECOND_REDUCED", date(2011, 6, 30)) == Decimal(0)
    assert pct("IE", "IE_LIVESTOCK", date.today()) == Decimal("4.8")
    assert region("IE").country_group == "GBIE"


def test_de_ust() -> None:
    assert pct("DE", "DE_STANDARD", date(2020, 6, 30)) == Decimal(19)
    assert pct("DE", "DE_STANDARD", date(2020, 7, 1)) == Decimal(16)
    assert pct("DE", "DE_STANDARD", date(2020, 8, 1)) == Decimal(16)
    assert pct("DE", "DE_STANDARD", date(2021, 1, 1)) == Decimal(19)
    assert pct("DE", "DE_REDUCED", date(2020, 12, 31)) == Decimal(5)
    assert pct("DE", "DE_REDUCED", date(2021, 1, 1)) == Decimal(7)
    data = region("DE")
    assert data.control("SALES_TAX").nominal_code == 1776
    assert data.control("PURCHASE_TAX").nominal_code == 1576
    assert next(a for a in data.accounts if a.nominal_code == 8400).tax_rate == "DE_STANDARD"


def test_fr_tva() -> None:
    assert pct("FR", "FR_STANDARD", date(2013, 12, 31)) == Decimal("19.6")
    assert pct("FR", "FR_STANDARD", date(2014, 1, 1)) == Decimal(20)
    assert pct("FR", "FR_STANDARD", date.today()) == Decimal(20)
    assert pct("FR", "FR_INTERMEDIATE", date(2013, 6, 1)) == Decimal(7)
    assert pct("FR", "FR_INTERMEDIATE", date.today()) == Decimal(10)
    assert pct("FR", "FR_REDUCED", date.today()) == Decimal("5.5")
    assert pct("FR", "FR_SUPER_REDUCED", date.today()) == Decimal("2.1")
    data = region("FR")
    codes = {a.control: a.nominal_code for a in data.accounts if a.control}
    assert (codes["DEBTORS"], codes["CREDITORS"], codes["SALES_TAX"], codes["PURCHASE_TAX"], codes["BANK"]) == (
        411000, 401000, 445710, 445660, 512000)


def test_es_iva_and_recargo() -> None:
    assert pct("ES", "ES_STANDARD", date(2010, 6, 30)) == Decimal(16)
    assert pct("ES", "ES_STANDARD", date(2011, 1, 1)) == Decimal(18)
    assert pct("ES", "ES_STANDARD", date(2012, 9, 1)) == Decimal(21)
    assert pct("ES", "ES_STANDARD", date.today()) == Decimal(21)
    assert pct("ES", "ES_REDUCED", date.today()) == Decimal(10)
    assert pct("ES", "ES_SUPER_REDUCED", date.today()) == Decimal(4)
    assert pct("ES", "ES_STANDARD_RE", date.today()) == Decimal("5.2")
    assert pct("ES", "ES_REDUCED_RE", date.today()) == Decimal("1.4")
    assert pct("ES", "ES_SUPER_REDUCED_RE", date.today()) == Decimal("0.5")
    retailer = {r.id for r in region("ES").tax_rates if r.retailer}
    assert retailer == {"ES_STANDARD_RE", "ES_REDUCED_RE", "ES_SUPER_REDUCED_RE"}
    codes = {a.control: a.nominal_code for a in region("ES").accounts if a.control}
    assert (codes["DEBTORS"], codes["CREDITORS"], codes["SALES_TAX"], codes["PURCHASE_TAX"]) == (4300, 4000, 4770, 4720)


def test_ca_sales_taxes() -> None:
    today = date.today()
    assert pct("CA", "CA_GST", today) == Decimal(5)
    assert pct("CA", "CA_HST_ON", today) == Decimal(13)
    assert pct("CA", "CA_GST_PST_BC", today) == Decimal(12)
    assert pct("CA", "CA_PST_BC", today) == Decimal(7)
    assert rate("CA", "CA_GST_PST_BC").components == ("CA_GST", "CA_PST_BC")
    assert rate("CA", "CA_GST_PST_BC").address_regions == ("CA-BC",)
    assert pct("CA", "CA_HST_NS", date(2025, 3, 31)) == Decimal(15)
    assert pct("CA", "CA_HST_NS", date(2025, 4, 1)) == Decimal(14)
    assert pct("CA", "CA_HST_NB", date(2016, 6, 30)) == Decimal(13)
    assert pct("CA", "CA_HST_NB", date(2016, 7, 1)) == Decimal(15)
    assert pct("CA", "CA_HST_NL", today) == Decimal(15)
    assert pct("CA", "CA_HST_PE", date(2016, 9, 30)) == Decimal(14)
    assert pct("CA", "CA_HST_PE", today) == Decimal(15)
    assert pct("CA", "CA_PST_MB", date(2015, 1, 1)) == Decimal(8)
    assert pct("CA", "CA_GST_PST_MB", today) == Decimal(12)
    assert pct("CA", "CA_GST_PST_SK", today) == Decimal(11)
    assert pct("CA", "CA_GST_QST_QC", today) == Decimal("14.975")
    provinces = {r["id"] for r in region("CA").address_regions}
    assert len(provinces) == 13 and {"CA-BC", "CA-ON", "CA-QC", "CA-NU"} <= provinces
    # Every province is served by GST or an HST.
    served = {p for r in region("CA").tax_rates if r.id == "CA_GST" or r.id.startswith("CA_HST_")
              for p in r.address_regions}
    assert served == provinces


def test_us_ships_no_rate_a_business_must_choose() -> None:
    data = region("US")
    assert {r.id for r in data.tax_rates} == {"US_NO_TAX", "US_EXEMPT"}
    assert data.financial_settings["default_sales_tax_rate"] == "US_NO_TAX"
    assert not rate("US", "US_NO_TAX").label_percentage
    states = {r["id"] for r in data.address_regions}
    assert len(states) == 51 and {"US-CA", "US-NY", "US-DC"} <= states
    assert data.control("DEBTORS").nominal_code == 1200
    assert data.control("SALES_TAX").nominal_code == 2200


def test_percentage_before_a_rate_starts_is_zero() -> None:
    assert pct("CA", "CA_QST_QC", date(2012, 12, 31)) == Decimal(0)
