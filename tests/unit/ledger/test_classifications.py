"""Ledger account classifications (ledger/classifications.py): the class a nominal code falls in, derived from the
country's chart, and the two filters that answer from the same data."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerd.ledger.classifications import classification_of, find, of_country, of_type, types_in
from ledgerd.regions import COUNTRIES
from ledgerd.regions.data import RegionDataError, lookups, region

CLASSLESS = ("GB", "IE", "US", "CA", "DE")


@pytest.mark.parametrize(("country", "code", "expected"), [
    ("FR", 101300, "FR_CLASS_1"), ("FR", 411000, "FR_CLASS_4"), ("FR", 512000, "FR_CLASS_5"),
    ("FR", 601000, "FR_CLASS_6"), ("FR", 706000, "FR_CLASS_7"), ("FR", 890000, "FR_CLASS_8"),
    ("FR", 999999, None), ("FR", 12, "FR_CLASS_1"),
    ("ES", 4300, "ES_GROUP_4"), ("ES", 5720, "ES_GROUP_5"), ("ES", 7000, "ES_GROUP_7"), ("ES", 9, "ES_GROUP_9"),
    ("GB", 1100, None), ("DE", 1200, None), ("XX", 601000, None),
])
def test_the_class_of_a_nominal_code_is_its_prefix(country: str, code: int, expected: str | None) -> None:
    assert classification_of(country, code) == expected


@pytest.mark.parametrize("country", CLASSLESS)
def test_countries_without_classes_have_none(country: str) -> None:
    assert of_country(country) == ()
    assert all(classification_of(country, a.nominal_code) is None for a in region(country).accounts)


def test_an_unknown_country_has_none() -> None:
    assert of_country("XX") == ()


@pytest.mark.parametrize("country", ["FR", "ES"])
def test_every_account_of_a_classed_chart_falls_in_exactly_one_class(country: str) -> None:
    classes = of_country(country)
    assert classes
    for account in region(country).accounts:
        matching = [c["id"] for c in classes if str(account.nominal_code).startswith(c["prefix"])]
        assert matching == [classification_of(country, account.nominal_code)], account.nominal_code


@pytest.mark.parametrize("country", ["FR", "ES"])
def test_a_class_lists_the_types_of_its_accounts_in_list_order(country: str) -> None:
    order = [t["id"] for t in lookups()["ledger_account_types"]]
    for item in of_country(country):
        used = {a.type for a in region(country).accounts if str(a.nominal_code).startswith(item["prefix"])}
        assert item["ledger_account_types"] == [t for t in order if t in used]
        assert item["country"] == country
        assert item["id"].startswith(f"{country}_")


def test_french_classes_as_the_pcg_numbers_them() -> None:
    classes = of_country("FR")
    assert [c["prefix"] for c in classes] == [str(n) for n in range(1, 9)]
    assert classes[5]["ledger_account_types"] == ["DIRECT_EXPENSES", "OVERHEADS", "DEPRECIATION"]
    assert "BANK" in classes[4]["ledger_account_types"]


def test_find_any_countrys_class_by_id() -> None:
    found = find("ES_GROUP_6")
    assert found is not None and found["country"] == "ES"
    assert find("FR_CLASS_9") is None
    assert find("es_group_6") is None  # ids are upper case; the filters normalise what a client sends
    assert all(find(c["id"]) == c for cc in COUNTRIES for c in of_country(cc))


def test_the_type_filter_of_classifications() -> None:
    taxes = of_type(" taxes ")
    assert [c["id"] for c in of_country("FR") if taxes(c)] == ["FR_CLASS_4"]
    assert [c["id"] for c in of_country("ES") if of_type("EQUITY")(c)] == ["ES_GROUP_1", "ES_GROUP_5"]
    assert not any(of_type("NOPE")(c) for c in of_country("FR"))


def test_the_classification_filter_of_types() -> None:
    types = lookups()["ledger_account_types"]
    assert [t["id"] for t in types if types_in(" fr_class_7 ")(t)] == ["SALES", "OTHER_INCOME"]
    assert [t["id"] for t in types if types_in("ES_GROUP_8")(t)] == []
    assert [t["id"] for t in types if types_in("NOPE")(t)] == []


def test_both_filters_agree() -> None:
    types = lookups()["ledger_account_types"]
    for country in ("FR", "ES"):
        for item in of_country(country):
            for kind in types:
                assert of_type(kind["id"])(item) == types_in(item["id"])(kind)


def _append_class(files: Path, prefix: str) -> None:
    with (files / "common" / "lookups.toml").open("a") as handle:
        handle.write(f'\n[[ledger_account_classifications]]\nid = "FR_CLASS_X"\ndisplayed_as = "X"\ncountry = "FR"\n'
                     f'prefix = "{prefix}"\n')


@pytest.mark.parametrize("prefix", ["60", "6", "601000"])
def test_classes_a_code_could_fall_in_twice_are_refused(region_files: Path, prefix: str) -> None:
    _append_class(region_files, prefix)
    with pytest.raises(RegionDataError, match="FR ledger_account_classifications: a nominal code would fall in two"):
        of_country("FR")


@pytest.mark.parametrize("prefix", ["6a", "", " 6"])
def test_a_prefix_must_be_digits(region_files: Path, prefix: str) -> None:
    _append_class(region_files, prefix)
    with pytest.raises(RegionDataError, match="ledger_account_classifications FR_CLASS_X: prefix must be digits"):
        of_country("FR")


def test_region_data() -> None:
    for country in ("FR", "ES"):
        assert all(classification_of(country, a.nominal_code) for a in region(country).accounts)
    for country in set(COUNTRIES) - {"FR", "ES"}:
        assert of_country(country) == ()
    assert of_country("XX") == () and find("NOPE") is None
    assert classification_of("FR", 890000) == "FR_CLASS_8"
    assert classification_of("ES", 9000) == "ES_GROUP_9"
