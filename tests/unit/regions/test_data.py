"""Region data (regions/data.py): every region loads and keeps the format's invariants, a tax rate's percentage by
date, each region's reference lists, the tax facts we checked for each region, and the checks that keep a broken
data file from ever reaching a business (run on edited copies of the real files)."""

from __future__ import annotations

import itertools
import shutil
import tomllib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerd.regions import COUNTRIES, country
from ledgerd.regions import data as region_data
from ledgerd.regions.data import (
    DATA,
    REQUIRED_CONTROLS,
    Percentage,
    Region,
    RegionDataError,
    TaxRateDef,
    _tax_rate,
    band_on,
    journal_codes,
    lookup,
    lookups,
    region,
    region_lookups,
)

REGIONS = sorted(COUNTRIES)
D = Decimal
EU_MEMBERS = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
              "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}


def rate(cc: str, rate_id: str) -> TaxRateDef:
    return next(r for r in region(cc).tax_rates if r.id == rate_id)


def pct(cc: str, rate_id: str, day: date) -> Decimal:
    return rate(cc, rate_id).percentage_on(day)


def ids(name: str) -> list[str]:
    return [item["id"] for item in lookups()[name]]


# --- a rate's percentage on a day -----------------------------------------------------------------------------------

BANDED = TaxRateDef("XX_STANDARD", "Standard", (
    Percentage(D("17.5"), date(2010, 1, 1), date(2011, 1, 3)),
    Percentage(D("20.0"), date(2011, 1, 4), date(2020, 12, 31)),
    Percentage(D("21.0"), date(2021, 1, 1), None),
))


@pytest.mark.parametrize(("day", "percentage"), [
    (date(2009, 12, 31), "0"),      # before the first band
    (date(2010, 1, 1), "17.5"),     # bands include both ends
    (date(2011, 1, 3), "17.5"),
    (date(2011, 1, 4), "20.0"),
    (date(2020, 12, 31), "20.0"),
    (date(2021, 1, 1), "21.0"),
    (date(9999, 12, 31), "21.0"),   # the last band is open-ended
])
def test_the_percentage_on_a_day_is_its_bands(day: date, percentage: str) -> None:
    assert BANDED.percentage_on(day) == D(percentage)


def test_a_closed_last_band_still_applies_after_it_ends() -> None:
    closed = TaxRateDef("XX_OLD", "Old", (Percentage(D("8"), date(2015, 1, 1), date(2016, 12, 31)),))
    assert closed.percentage_on(date(2030, 1, 1)) == D("8")
    assert closed.percentage_on(date(2014, 12, 31)) == 0


def test_band_on_is_one_rule_for_dates_and_iso_text() -> None:
    # A business's copy of a rate (ledger/tax_rates.percentage_on) keeps its dates as ISO text.
    as_dates = ((date(2010, 1, 1), date(2010, 12, 31), "10"), (date(2012, 1, 1), None, "12"))
    as_text = tuple((start.isoformat(), end.isoformat() if end else None, figure) for start, end, figure in as_dates)
    for day, expected in ((date(2009, 12, 31), None), (date(2010, 12, 31), "10"),
                          (date(2011, 6, 1), "10"),  # between two bands: the earlier one
                          (date(2012, 1, 1), "12"), (date(2099, 1, 1), "12")):
        assert band_on(as_dates, day) == band_on(as_text, day.isoformat()) == expected, day
    assert band_on((), date(2024, 1, 1)) is None


def test_a_rate_without_bands_is_zero_and_cis_is_its_usage() -> None:
    combined = TaxRateDef("XX_COMBINED", "Combined", (), components=("XX_A", "XX_B"))
    assert combined.percentage_on(date(2024, 1, 1)) == 0
    assert not combined.is_cis
    assert TaxRateDef("GB_CIS_20", "CIS", (), usage=("cis",)).is_cis


def test_gb_standard_rate_changed_on_4_january_2011() -> None:
    standard = next(r for r in region("GB").tax_rates if r.id == "GB_STANDARD")
    assert (standard.percentage_on(date(2011, 1, 3)), standard.percentage_on(date(2011, 1, 4))) == (
        D("17.5"), D("20.0"))


# --- the real regions -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cc", REGIONS)
def test_every_region_has_the_control_accounts_the_ledger_posts_to(cc: str) -> None:
    data = region(cc)
    for role in REQUIRED_CONTROLS:
        account = data.control(role)
        assert account.control == role
        assert "journals" in account.visible_in or "reporting" in account.visible_in, (cc, role)


def test_every_account_type_falls_in_a_report_group() -> None:
    # The profit and loss and the balance sheet place each account by its type's group.
    groups = [g["id"] for g in lookups()["ledger_account_groups"]]
    assert groups == ["INCOME", "EXPENDITURE", "ASSET", "LIABILITY", "EQUITY"]
    assert all(t.get("group") in groups for t in lookups()["ledger_account_types"])


@pytest.mark.parametrize("cc", REGIONS)
def test_control_accounts_sit_on_the_side_of_the_balance_sheet_they_post_to(cc: str) -> None:
    data = region(cc)
    group = {t["id"]: t["group"] for t in lookups()["ledger_account_types"]}
    sides = {"DEBTORS": {"ASSET"}, "CREDITORS": {"LIABILITY"}, "BANK": {"ASSET"}, "SALES_TAX": {"LIABILITY"},
             "PURCHASE_TAX": {"LIABILITY", "ASSET"}, "RETAINED_EARNINGS": {"EQUITY"},
             "DISCOUNTS_ALLOWED": {"EXPENDITURE", "INCOME"}, "DISCOUNTS_RECEIVED": {"INCOME", "EXPENDITURE"},
             "CARRIAGE": {"INCOME"}}
    for role, allowed in sides.items():
        assert group[data.control(role).type] in allowed, (cc, role, data.control(role).type)


@pytest.mark.parametrize("cc", REGIONS)
def test_every_tax_rate_is_a_valid_percentage_on_every_day_it_names(cc: str) -> None:
    for rate in region(cc).tax_rates:
        for band in rate.percentages:
            assert 0 <= band.percentage <= 100, rate.id
            assert band.percentage == band.percentage.quantize(D("0.000001")), rate.id  # fits a Percentage
            assert rate.percentage_on(band.from_date) == band.percentage, rate.id
        assert set(rate.usage) <= {"sales", "purchase", "cis"}, rate.id


@pytest.mark.parametrize("cc", REGIONS)
def test_a_rates_bands_follow_each_other_without_a_gap(cc: str) -> None:
    # A day between two bands would read the earlier band's percentage (band_on): a gap in a file is a mistake.
    for rate in region(cc).tax_rates:
        for earlier, later in itertools.pairwise(rate.percentages):
            assert earlier.to_date is not None and earlier.to_date + timedelta(days=1) == later.from_date, rate.id


@pytest.mark.parametrize("cc", REGIONS)
def test_every_regions_lists_are_complete(cc: str) -> None:
    lists = region_lookups(cc)
    assert set(lists) == set(region_data.REGION_LISTS)
    for name, items in lists.items():
        assert all("displayed_as" in item and "id" in item for item in items), name
    assert len(lists["coa_templates"]) == 1
    assert lists["coa_templates"][0]["country"] == cc
    rate_ids = {r.id for r in region(cc).tax_rates}
    tax_type_ids = {t["id"] for t in lists["tax_types"]}
    for tax_type in lists["tax_types"]:
        assert set(tax_type["tax_rates"]) <= rate_ids, tax_type["id"]
        assert tax_type["country"] == cc
    for frequency in lists["tax_return_frequencies"]:
        assert set(frequency["tax_types"]) <= tax_type_ids
    for item in lists["address_regions"]:
        assert item["code"] and item["name"], item


def test_us_states_keep_their_code() -> None:
    states = region_lookups("US")["address_regions"]
    assert len(states) >= 50
    assert all(item["code"] == item["id"].split("-", 1)[-1] for item in states)
    assert all(item["id"].startswith("US-") for item in states)


def test_france_has_its_reserved_journal_codes_and_others_none() -> None:
    codes = journal_codes("FR")
    assert {c.control_name for c in codes} >= {"AC", "VE", "OD", "REPBAL"}
    types = {t["id"] for t in lookups()["journal_code_types"]}
    assert all(c.type in types for c in codes)
    assert journal_codes("GB") == ()


def test_lookup_finds_an_item_by_id() -> None:
    assert lookup("ledger_account_types", "BANK") is not None
    assert lookup("ledger_account_types", "NOPE") is None
    assert lookup("no_such_list", "BANK") is None


def test_countries_by_code() -> None:
    assert country("gb") is COUNTRIES["GB"]
    assert country("XX") is None
    assert COUNTRIES["CA"].displayed_as == "Canada (CA)"
    assert {c.data_centre for c in COUNTRIES.values()} == {"UK", "NA"}
    assert all(region(cc).currency == c.currency for cc, c in COUNTRIES.items())


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


# The first French chart's 59 accounts (docs/decisions/charts-and-tax-accounts.md): their codes and control roles
# stay as they were, since existing businesses and tests name them.
FR_FIRST_CHART = [
    101000, 108000, 110000, 120000, 164000, 205000, 218200, 218300, 218400, 281800, 370000, 401000, 408000, 411000,
    416000, 421000, 431000, 437000, 445510, 445620, 445660, 445670, 445710, 455000, 471000, 486000, 487000, 512000,
    530000, 580000, 604000, 606100, 606400, 607000, 613200, 615000, 616000, 622600, 623000, 624000, 625100, 626000,
    627000, 635000, 641000, 645000, 654000, 661000, 665000, 666000, 681100, 706000, 707000, 708500, 709000, 758000,
    765000, 766000, 890000]


def test_the_french_chart_follows_the_pcg() -> None:
    chart = {a.nominal_code: a for a in region("FR").accounts}
    assert len(chart) == 136
    assert set(FR_FIRST_CHART) <= set(chart)
    assert {a.control: code for code, a in chart.items() if a.control} == {
        "RETAINED_EARNINGS": 110000, "CREDITORS": 401000, "DEBTORS": 411000, "TAX_LIABILITY": 445510,
        "PURCHASE_TAX": 445660, "SALES_TAX": 445710, "SUSPENSE": 471000, "BANK": 512000, "DISCOUNTS_ALLOWED": 665000,
        "EXCHANGE_GAIN_LOSS": 666000, "CARRIAGE": 708500, "DISCOUNTS_RECEIVED": 765000, "OPENING_BALANCES": 890000}
    # Each account's PCG class (its first digit) fits its type: capital, fixed assets, stocks, third parties and
    # TVA, cash, charges, income.
    classes = {"1": {"EQUITY", "FUTURE_LIABILITY"}, "2": {"FIXED_ASSETS"}, "3": {"CURRENT_ASSETS"},
               "4": {"CURRENT_ASSETS", "CURRENT_LIABILITY", "TAXES"}, "5": {"BANK", "CURRENT_ASSETS",
                                                                         "CURRENT_LIABILITY"},
               "6": {"DIRECT_EXPENSES", "OVERHEADS", "DEPRECIATION"}, "7": {"SALES", "OTHER_INCOME"},
               "8": {"EQUITY"}}
    assert all(a.type in classes[str(code)[0]] for code, a in chart.items())
    # TVA accounts of the PCG's 445: all TAXES; 4452 TVA due intracommunautaire among them.
    assert {code for code, a in chart.items() if a.type == "TAXES"} == {
        445200, 445510, 445620, 445660, 445670, 445710, 445810, 445830, 445860, 445870}
    assert (chart[215400].name, chart[281830].name, chart[695000].name) == (
        "Matériel industriel", "Amortissements du matériel de bureau et matériel informatique",
        "Impôts sur les bénéfices")
    # Default rates: goods and services at the taux normal, the exploitant's pay and social charges outside TVA,
    # bank interest exempt (CGI art. 261 C).
    assert (chart[601000].tax_rate, chart[644000].tax_rate, chart[661600].tax_rate) == (
        "FR_STANDARD", "FR_NO_TAX", "FR_EXEMPT")


# The first German (66) and Spanish (53) charts' accounts: codes, names and control roles stay as they were, since
# existing businesses, the UStVA and modelo 303 and the tests name them (docs/decisions/charts-and-tax-accounts.md).
DE_FIRST_CHART = [
    27, 320, 410, 420, 480, 630, 800, 860, 980, 990, 1000, 1200, 1360, 1400, 1571, 1574, 1576, 1577, 1588, 1590, 1600,
    1740, 1741, 1742, 1771, 1774, 1776, 1787, 1780, 1790, 1800, 1890, 2100, 2150, 2400, 2650, 2660, 2700, 3300, 3400,
    3736, 3980, 4120, 4130, 4210, 4240, 4360, 4500, 4600, 4650, 4660, 4730, 4830, 4910, 4920, 4930, 4950, 4955, 4970,
    8100, 8125, 8300, 8400, 8409, 8736, 9000]
ES_FIRST_CHART = [
    1000, 1200, 1290, 1700, 2060, 2160, 2170, 2180, 2810, 3000, 4000, 4100, 4300, 4360, 4650, 4700, 4720, 4730, 4750,
    4751, 4760, 4770, 4800, 5200, 5550, 5551, 5700, 5720, 6000, 6060, 6070, 6210, 6220, 6230, 6240, 6250, 6260, 6270,
    6280, 6290, 6310, 6400, 6420, 6500, 6620, 6680, 6810, 7000, 7050, 7060, 7590, 7680, 7690]


def test_the_german_chart_follows_skr03() -> None:
    chart = {a.nominal_code: a for a in region("DE").accounts}
    assert len(chart) == 156
    assert set(DE_FIRST_CHART) <= set(chart)
    assert {a.control: code for code, a in chart.items() if a.control} == {
        "RETAINED_EARNINGS": 860, "BANK": 1200, "DEBTORS": 1400, "PURCHASE_TAX": 1576, "SUSPENSE": 1590,
        "CREDITORS": 1600, "SALES_TAX": 1776, "TAX_LIABILITY": 1780, "EXCHANGE_GAIN_LOSS": 2150,
        "DISCOUNTS_RECEIVED": 3736, "CARRIAGE": 8409, "DISCOUNTS_ALLOWED": 8736, "OPENING_BALANCES": 9000}
    # SKR03's classes (process order): 0 fixed assets and capital, 1 money, receivables, payables, taxes and private
    # accounts, 2 neutral income and expense, 3 purchases and stock, 4 operating expenses, 8 revenue, 9 carried
    # balances.
    classes = {"0": {"FIXED_ASSETS", "FUTURE_LIABILITY", "EQUITY", "CURRENT_ASSETS", "CURRENT_LIABILITY"},
               "1": {"BANK", "CURRENT_ASSETS", "CURRENT_LIABILITY", "TAXES", "EQUITY"},
               "2": {"OVERHEADS", "OTHER_INCOME"}, "3": {"DIRECT_EXPENSES", "CURRENT_ASSETS"},
               "4": {"OVERHEADS", "DEPRECIATION"}, "8": {"SALES"}, "9": {"EQUITY"}}
    assert all(a.type in classes[f"{code:04d}"[0]] for code, a in chart.items())
    assert (chart[4200].name, chart[4925].name, chart[4957].name, chart[3123].type) == (
        "Raumkosten", "Telefax und Internetkosten", "Abschluss- und Prüfungskosten", "DIRECT_EXPENSES")
    # Default rates: hotels and specialist books at 7 % (§ 12 Abs. 2 UStG), insurance exempt (§ 4 Nr. 10), payroll,
    # trade tax and per-diem allowances outside VAT.
    assert (chart[4666].tax_rate, chart[4940].tax_rate, chart[4520].tax_rate, chart[4100].tax_rate,
            chart[4320].tax_rate, chart[4674].tax_rate) == (
        "DE_REDUCED", "DE_REDUCED", "DE_EXEMPT", "DE_NO_TAX", "DE_NO_TAX", "DE_NO_TAX")
    # No rate names a new tax account: the UStVA's input and output tax stay on the accounts the rates name.
    assert {code for code, a in chart.items() if a.type == "TAXES"} == {
        1548, 1571, 1574, 1576, 1577, 1588, 1771, 1774, 1776, 1780, 1787, 1789, 1790, 1791}


def test_the_spanish_chart_follows_the_pgc_pymes() -> None:
    chart = {a.nominal_code: a for a in region("ES").accounts}
    assert len(chart) == 112
    assert set(ES_FIRST_CHART) <= set(chart)
    assert {a.control: code for code, a in chart.items() if a.control} == {
        "RETAINED_EARNINGS": 1200, "CREDITORS": 4000, "DEBTORS": 4300, "PURCHASE_TAX": 4720, "TAX_LIABILITY": 4750,
        "SALES_TAX": 4770, "SUSPENSE": 5550, "OPENING_BALANCES": 5551, "BANK": 5720, "DISCOUNTS_RECEIVED": 6060,
        "EXCHANGE_GAIN_LOSS": 6680, "DISCOUNTS_ALLOWED": 7060, "CARRIAGE": 7590}
    # The PGC's groups: 1 financiación básica, 2 activo no corriente, 3 existencias, 4 acreedores y deudores,
    # 5 cuentas financieras, 6 compras y gastos, 7 ventas e ingresos.
    classes = {"1": {"EQUITY", "FUTURE_LIABILITY"}, "2": {"FIXED_ASSETS"}, "3": {"CURRENT_ASSETS"},
               "4": {"CURRENT_ASSETS", "CURRENT_LIABILITY", "TAXES"},
               "5": {"BANK", "CURRENT_ASSETS", "CURRENT_LIABILITY", "EQUITY"},
               "6": {"DIRECT_EXPENSES", "OVERHEADS", "DEPRECIATION"}, "7": {"SALES", "OTHER_INCOME"}}
    assert all(a.type in classes[str(code)[0]] for code, a in chart.items())
    assert (chart[1120].name, chart[2816].name, chart[4709].name) == (
        "Reserva legal", "Amortización acumulada de mobiliario",
        "Hacienda Pública, deudora por devolución de impuestos")
    # IVA accounts stay the four of the first chart: modelo 303 reads the same ones.
    assert {code for code, a in chart.items() if a.type == "TAXES"} == {4700, 4720, 4750, 4751, 4770}
    assert (chart[6300].tax_rate, chart[6690].tax_rate, chart[7520].tax_rate) == ("ES_NO_TAX", "ES_EXEMPT",
                                                                                  "ES_STANDARD")


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
    assert retailer == {"ES_STANDARD_RE", "ES_REDUCED_RE", "ES_SUPER_REDUCED_RE", "ES_STANDARD_WITH_RE",
                        "ES_REDUCED_WITH_RE", "ES_SUPER_REDUCED_WITH_RE"}
    # IVA + recargo on one line (docs/decisions/spain.md): 21 + 5.2 = 26.2 since 1 Sep 2012, 18 + 4 = 22 before;
    # 10 + 1.4 = 11.4; 4 + 0.5 = 4.5.
    assert pct("ES", "ES_STANDARD_WITH_RE", date(2011, 1, 1)) == Decimal(22)
    assert pct("ES", "ES_STANDARD_WITH_RE", date.today()) == Decimal("26.2")
    assert pct("ES", "ES_REDUCED_WITH_RE", date.today()) == Decimal("11.4")
    assert pct("ES", "ES_SUPER_REDUCED_WITH_RE", date.today()) == Decimal("4.5")
    assert rate("ES", "ES_STANDARD_WITH_RE").components == ("ES_STANDARD", "ES_STANDARD_RE")
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


# --- charts of accounts ---------------------------------------------------------------------------------------------

def codes(cc: str) -> dict[int, region_data.AccountDef]:
    return {a.nominal_code: a for a in region(cc).accounts}


# Sage's standard UK layout: fixed assets with their depreciation, stock, petty cash, payroll liabilities, loans,
# motor, travel and repairs overheads (gb/ledger_accounts.toml names the sources).
UK_LAYOUT = {10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 1001, 1002, 1003, 1100, 1101, 1102, 1103, 1200, 1210, 1230,
             2100, 2109, 2200, 2201, 2202, 2203, 2210, 2211, 2220, 2230, 2300, 2310, 3000, 3200, 4000, 4009, 4900,
             4905, 5000, 5009, 6000, 6201, 7000, 7006, 7007, 7100, 7200, 7300, 7400, 7500, 7502, 7600, 7800, 7900,
             7906, 8000, 8100, 8204, 9998, 9999}


@pytest.mark.parametrize("cc", ["GB", "IE"])
def test_gb_and_ie_ship_sages_standard_layout(cc: str) -> None:
    chart = codes(cc)
    # 142 shared accounts; GB adds the 4 CIS ones (1131, 1132, 2502, 2503), IE the 2 extra payroll ones
    # (2212 USC, 2216 LPT): 146 and 144, against the 40 of the first chart.
    assert len(chart) == {"GB": 146, "IE": 144}[cc]
    assert set(chart) >= UK_LAYOUT
    controls = {a.control: a.nominal_code for a in chart.values() if a.control}
    assert controls == {"DEBTORS": 1100, "BANK": 1200, "CREDITORS": 2100, "SALES_TAX": 2200, "PURCHASE_TAX": 2201,
                        "TAX_LIABILITY": 2202, "RETAINED_EARNINGS": 3200, "DISCOUNTS_ALLOWED": 4009,
                        "CARRIAGE": 4905, "DISCOUNTS_RECEIVED": 5009, "EXCHANGE_GAIN_LOSS": 7906,
                        "SUSPENSE": 9998, "OPENING_BALANCES": 9999}
    # Each fixed asset's accumulated depreciation follows it and is for journals only.
    for asset in (20, 30, 40, 50):
        assert chart[asset].type == chart[asset + 1].type == "FIXED_ASSETS"
        assert chart[asset + 1].visible_in == ("journals", "reporting")
    assert chart[1230].bank_account_type == "CASH_IN_HAND" and chart[2210].name == "PAYE"
    # Wages and taxes are outside the scope of VAT; insurance and finance exempt.
    assert {chart[c].tax_rate for c in (7000, 7006, 7007, 8200)} == {f"{cc}_NO_TAX"}
    assert {chart[c].tax_rate for c in (7104, 7303, 7900, 8204)} == {f"{cc}_EXEMPT"}


def test_gb_payroll_and_cis_accounts() -> None:
    chart = codes("GB")
    assert (chart[2211].name, chart[2230].name, chart[7006].name) == ("National Insurance", "Pension Fund",
                                                                      "Employers NI")
    assert {chart[c].type for c in (1131, 1132)} == {"CURRENT_ASSETS"}
    assert {chart[c].type for c in (2502, 2503)} == {"CURRENT_LIABILITY"}
    # Business energy is standard-rated (20%); the reduced 5% is for domestic use only (Notice 701/19).
    assert chart[7200].tax_rate == "GB_STANDARD" and pct("GB", "GB_STANDARD", date(2025, 1, 1)) == D("20.0")


def test_ie_payroll_and_energy_accounts() -> None:
    chart = codes("IE")
    assert (chart[2211].name, chart[2212].name, chart[2216].name) == (
        "Pay Related Social Insurance (PRSI)", "Universal Social Charge (USC)", "Local Property Tax (LPT)")
    assert not {1131, 1132, 2502, 2503} & set(chart)  # CIS is the UK's scheme
    # Gas and electricity at 9% (cut from 13.5% on 1 May 2022, extended to 31 Dec 2030).
    assert chart[7200].tax_rate == chart[7201].tax_rate == "IE_SECOND_REDUCED"
    assert pct("IE", "IE_SECOND_REDUCED", date(2030, 12, 31)) == D("9.0")
    assert chart[7202].tax_rate == "IE_REDUCED"  # heating oil stays at 13.5%


def test_de_keeps_each_rate_and_reverse_charge_on_its_own_accounts() -> None:
    chart = codes("DE")
    assert (rate("DE", "DE_STANDARD").sales_account, rate("DE", "DE_STANDARD").purchase_account) == (1776, 1576)
    assert (rate("DE", "DE_REDUCED").sales_account, rate("DE", "DE_REDUCED").purchase_account) == (1771, 1571)
    assert {chart[c].type for c in (1571, 1574, 1576, 1577, 1588, 1771, 1774, 1776, 1787)} == {"TAXES"}
    assert "§ 13b" in chart[1577].name and "§ 13b" in chart[1787].name
    assert "Einfuhrumsatzsteuer" in chart[1588].name


def test_es_withholding_accounts() -> None:
    chart = codes("ES")
    assert chart[4730].name == "Hacienda Pública, retenciones y pagos a cuenta"
    assert chart[4751].name == "Hacienda Pública, acreedora por retenciones practicadas"


def test_ca_taxes_name_their_own_accounts_and_pst_is_cost() -> None:
    chart = codes("CA")
    for pst in ("CA_PST_BC", "CA_PST_MB", "CA_PST_SK"):
        assert (rate("CA", pst).sales_account, rate("CA", pst).purchase_recoverable) == (2220, False)
    assert (rate("CA", "CA_QST_QC").sales_account, rate("CA", "CA_QST_QC").purchase_account) == (2230, 2240)
    assert (chart[2220].name, chart[2230].name, chart[2240].name) == ("PST Payable", "QST Payable",
                                                                      "QST Input Tax Refunds")
    # GST and HST go to the controls 2200 / 2210 and are claimed back.
    assert rate("CA", "CA_GST").sales_account is None and rate("CA", "CA_GST").purchase_recoverable
    assert region("CA").purchase_tax_recoverable


def test_us_purchase_tax_is_cost() -> None:
    assert not region("US").purchase_tax_recoverable
    assert not any(r.purchase_recoverable for r in region("US").tax_rates)
    assert all(region(cc).purchase_tax_recoverable for cc in REGIONS if cc != "US")


def test_tax_rate_def_finds_a_rate_in_any_region() -> None:
    assert region_data.tax_rate_def("CA_QST_QC") == rate("CA", "CA_QST_QC")
    assert region_data.tax_rate_def("GB_STANDARD") == rate("GB", "GB_STANDARD")
    assert region_data.tax_rate_def("a-custom-us-rate") is None


@pytest.mark.parametrize(("figure", "text"), [("20.0", "20.00"), ("9.975", "9.975"), ("14.975", "14.975"),
                                              ("5", "5.00"), ("0.0", "0.00"), ("13.5", "13.50")])
def test_percentage_text_keeps_the_rates_own_decimals(figure: str, text: str) -> None:
    assert region_data.percentage_text(D(figure)) == text


GB_VAT_RATES = ("GB_STANDARD", "GB_LOWER", "GB_ZERO", "GB_EXEMPT", "GB_NO_TAX")
CIS_RATES = ("GB_CIS_REGISTERED", "GB_CIS_UNREGISTERED", "GB_CIS_GROSS")


def test_gb_knows_which_rates_are_cis_deductions() -> None:
    gb = region("GB")
    assert [r.id for r in gb.tax_rates if r.is_cis] == list(CIS_RATES)
    assert not any(r.is_cis for r in gb.tax_rates if r.id in GB_VAT_RATES)
    # No chart account or default rate is a CIS deduction.
    assert not {a.tax_rate for a in gb.accounts} & set(CIS_RATES)
    assert not {gb.financial_settings["default_sales_tax_rate"], gb.financial_settings["default_purchase_tax_rate"]} \
        & set(CIS_RATES)
    with pytest.raises(RegionDataError, match="unknown usage"):
        _tax_rate({"id": "GB_X", "name": "X", "usage": ["vat"], "percentages": [
            {"percentage": "1", "from_date": "2010-01-01"}]})


# --- the reference lists of each region (lookups.toml) --------------------------------------------------------------

@pytest.mark.parametrize("cc", sorted(COUNTRIES))
def test_every_region_has_its_lists(cc: str) -> None:
    data = region_lookups(cc)
    assert [t["id"] for t in data["coa_templates"]] == [f"{cc}_DEFAULT"]
    assert data["tax_types"] and data["address_regions"]
    default = region(cc).financial_settings.get("tax_return_frequency")
    assert default is None or default in {f["id"] for f in data["tax_return_frequencies"]}
    assert all(len(r["id"]) <= 10 and len(r["code"]) <= 8 for r in data["address_regions"])
    assert all(len(t["id"]) <= 15 for t in data["tax_types"])


def test_us_offers_no_tax_schemes_or_return_frequencies() -> None:
    assert region_lookups("US")["tax_schemes"] == region_lookups("US")["tax_return_frequencies"] == ()


def test_attachment_context_types_name_their_resource_paths() -> None:
    """The id is the resource's singular body key in upper case; `path` its endpoint."""
    for context in lookups()["attachment_context_types"]:
        plural = context["path"]
        singular = plural[:-3] + "y" if plural.endswith("ies") else plural.removesuffix("s")
        assert context["id"] == singular.upper(), context


# --- broken files are refused at load -------------------------------------------------------------------------------

def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


GB_DEBTORS = 'nominal_code = 1100\nname = "Trade Debtors"\ntype = "CURRENT_ASSETS"\ncontrol = "DEBTORS"'


def test_the_copy_loads(region_files: Path) -> None:
    assert region("GB").control("DEBTORS").nominal_code == 1100


@pytest.mark.parametrize(("old", "new", "message"), [
    (GB_DEBTORS, GB_DEBTORS.replace("1100", "10"), "GB account 10: duplicate nominal code"),
    (GB_DEBTORS, GB_DEBTORS.replace('"CURRENT_ASSETS"', '"ASSETS"'), "GB account 1100: unknown type ASSETS"),
    (GB_DEBTORS, GB_DEBTORS + '\ntax_rate = "GB_NOPE"', "GB account 1100: unknown tax rate GB_NOPE"),
    (GB_DEBTORS + '\nvisible_in = ["reporting"]', GB_DEBTORS + '\nvisible_in = ["sales", "web"]',
     r"GB account 1100: unknown visibility \['web'\]"),
    ('control = "SUSPENSE"', 'control = "DEBTORS"', "GB account 9998: second DEBTORS control account"),
])
def test_a_broken_chart_is_refused(region_files: Path, old: str, new: str, message: str) -> None:
    edit(region_files / "gb" / "ledger_accounts.toml", old, new)
    with pytest.raises(RegionDataError, match=message):
        region("GB")


@pytest.mark.parametrize(("old", "new", "message"), [
    ('name = "Lower Rate"\n', 'name = "Lower Rate"\nusage = ["sales", "vat"]\n',
     r"tax rate GB_LOWER: unknown usage \['vat'\]"),
    ('percentages = [{ percentage = "5.0", from_date = "2010-01-01" }]', "", "tax rate GB_LOWER has no percentages"),
    ('name = "Lower Rate"\n', 'name = "Lower Rate"\ncomponents = ["GB_NOPE"]\n',
     r"GB tax rate GB_LOWER: unknown components \['GB_NOPE'\]"),
    ('id = "GB_STANDARD"', 'id = "GB_HIGH"', "GB account .*: unknown tax rate GB_STANDARD"),
    ('name = "Lower Rate"\n', 'name = "Lower Rate"\nsales_account = 4000\n',
     "GB tax rate GB_LOWER: account 4000 is not a tax account"),
    ('name = "Lower Rate"\n', 'name = "Lower Rate"\npurchase_account = 2299\n',
     "GB tax rate GB_LOWER: account 2299 is not a tax account"),
])
def test_broken_tax_rates_are_refused(region_files: Path, old: str, new: str, message: str) -> None:
    edit(region_files / "gb" / "tax_rates.toml", old, new)
    with pytest.raises(RegionDataError, match=message):
        region("GB")


@pytest.mark.parametrize("role", REQUIRED_CONTROLS)
def test_a_chart_without_a_control_account_the_ledger_needs_is_refused(region_files: Path, role: str) -> None:
    edit(region_files / "gb" / "ledger_accounts.toml", f'control = "{role}"\n', "")
    with pytest.raises(RegionDataError, match=rf"GB: no control account for \['{role}'\]"):
        region("GB")


def test_a_default_tax_rate_must_be_a_rate_of_the_region(region_files: Path) -> None:
    edit(region_files / "gb" / "region.toml", 'default_sales_tax_rate = "GB_STANDARD"',
         'default_sales_tax_rate = "GB_X"')
    with pytest.raises(RegionDataError, match="GB: default_sales_tax_rate GB_X is not a tax rate"):
        region("GB")


def test_a_file_that_is_not_toml_is_named(region_files: Path) -> None:
    (region_files / "gb" / "tax_rates.toml").write_text("[[tax_rate]\nid = ")
    with pytest.raises(RegionDataError, match=r"^tax_rates\.toml: "):
        region("GB")


def test_a_region_without_data_is_refused(region_files: Path) -> None:
    shutil.rmtree(region_files / "ie")
    with pytest.raises(RegionDataError, match="no data for region IE"):
        region("IE")


def test_duplicate_journal_codes_are_refused(region_files: Path) -> None:
    edit(region_files / "fr" / "journal_codes.toml", 'code = "VE"', 'code = "AC"')
    with pytest.raises(RegionDataError, match="FR journal codes: duplicate code"):
        journal_codes("FR")


def test_a_journal_code_of_an_unknown_type_is_refused(region_files: Path) -> None:
    edit(region_files / "fr" / "journal_codes.toml", 'journal_code_type = "SALES"', 'journal_code_type = "SHOP"')
    with pytest.raises(RegionDataError, match=r"FR journal codes: unknown types \['SHOP'\]"):
        journal_codes("FR")


def test_a_region_list_that_is_not_known_is_refused(region_files: Path) -> None:
    with (region_files / "gb" / "lookups.toml").open("a") as handle:
        handle.write('\n[[moons]]\nid = "LUNA"\nname = "Luna"\n')
    with pytest.raises(RegionDataError, match=r"GB lookups.toml: unknown lists \['moons'\]"):
        region_lookups("GB")


def test_a_region_list_with_a_repeated_id_is_refused(region_files: Path) -> None:
    with (region_files / "gb" / "lookups.toml").open("a") as handle:
        handle.write('\n[[coa_templates]]\nid = "SECOND"\nname = "Second"\n')
    with pytest.raises(RegionDataError, match="exactly one coa template"):
        region_lookups("GB")


@pytest.mark.parametrize(("addition", "complaint"), [
    ('[[tax_types]]\nid = "GB_MADE_UP"\n', "not in region.toml"),
    ('[[tax_types]]\nid = "GB_VAT"\ntax_rates = ["GB_MADE_UP"]\n', "unknown tax rates"),
    ('[[tax_types]]\nid = "GB_VAT"\nexcluded_address_regions = ["GB-XXX"]\n', "unknown regions"),
    ('[[tax_schemes]]\nid = "STANDARD"\ndisplayed_as = "Again"\n', "duplicate ids"),
    ('[[made_up_list]]\nid = "X"\ndisplayed_as = "X"\n', "unknown lists"),
    ('[[coa_templates]]\nid = "GB_OTHER"\nname = "Other"\ncreated_at = 2025-01-01T00:00:00Z\n'
     'updated_at = 2025-01-01T00:00:00Z\n', "exactly one coa template"),
])
def test_a_bad_lookups_file_is_refused(region_files: Path, addition: str, complaint: str) -> None:
    path = region_files / "gb" / "lookups.toml"
    path.write_text(path.read_text() + "\n" + addition)
    with pytest.raises(RegionDataError, match=complaint):
        region_lookups("GB")


def test_a_default_frequency_the_region_does_not_offer_is_refused(region_files: Path) -> None:
    path = region_files / "gb" / "lookups.toml"
    path.write_text(path.read_text().replace('id = "QUARTERLY"\ndisplayed_as = "Quarterly"',
                                             'id = "FORTNIGHTLY"\ndisplayed_as = "Fortnightly"'))
    with pytest.raises(RegionDataError, match="QUARTERLY is not offered"):
        region_lookups("GB")
