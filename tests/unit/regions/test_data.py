"""Region data (regions/data.py): a tax rate's percentage by date, each region's reference lists, and the checks
that keep a broken data file from ever reaching a business (run on edited copies of the real files).
tests/test_regions.py states the tax facts of each region."""

from __future__ import annotations

import itertools
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerd.regions import COUNTRIES, country
from ledgerd.regions import data as region_data
from ledgerd.regions.data import (
    REQUIRED_CONTROLS,
    Percentage,
    RegionDataError,
    TaxRateDef,
    journal_codes,
    lookup,
    lookups,
    region,
    region_lookups,
)

REGIONS = sorted(COUNTRIES)
D = Decimal


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
    # As the ledger's own reading of a business's rates does (ledger/tax_rates.percentage_on).
    closed = TaxRateDef("XX_OLD", "Old", (Percentage(D("8"), date(2015, 1, 1), date(2016, 12, 31)),))
    assert closed.percentage_on(date(2030, 1, 1)) == D("8")
    assert closed.percentage_on(date(2014, 12, 31)) == 0


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
    # The region files and a business's copy of a rate (ledger/tax_rates.percentage_on) read a day between two
    # bands differently (0 here, the earlier band there): the data must never have such a day.
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
