"""Reference lists (lookups/lists.py): which items a business sees, how selectors and filters narrow them, and
links that name an id as the business's country does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledgerd.lookups.lists import LISTS, everywhere, find, link, select, updated_since
from ledgerd.regions import COUNTRIES


def ids(items: object) -> list[str]:
    return [item["id"] for item in items]  # type: ignore[attr-defined]


def test_links() -> None:
    assert link("countries", "FR") == {"id": "FR", "displayed_as": "France (FR)", "$path": "/countries/FR"}
    assert link("countries", None) is None
    assert link("countries", "ZZ") == {"id": "ZZ", "displayed_as": "ZZ", "$path": "/countries/ZZ"}
    # A list that is not served is looked up in the common lists by its name.
    assert link("ledger_account_groups", "EQUITY") == {"id": "EQUITY", "displayed_as": "Equity",
                                                       "$path": "/ledger_account_groups/EQUITY"}


def test_a_regional_id_is_named_as_the_country_names_it() -> None:
    assert link("tax_schemes", "STANDARD", "GB")["displayed_as"] == "Standard"  # type: ignore[index]
    assert link("tax_schemes", "STANDARD", "IE")["displayed_as"] == "Invoice Basis"  # type: ignore[index]
    assert link("tax_schemes", "STANDARD", "ES")["displayed_as"] == "Régimen general"  # type: ignore[index]
    # A country without it: the first country that has one.
    assert link("tax_schemes", "STANDARD", "US") == link("tax_schemes", "STANDARD")


def test_common_lists_are_the_same_for_every_country() -> None:
    spec = LISTS["currencies"]
    assert not spec.regional
    assert spec.items("GB") == spec.items("US") == everywhere("currencies")


def test_regional_lists_are_the_countrys_own() -> None:
    spec = LISTS["tax_schemes"]
    assert ids(spec.items("FR")) == ["NOT_REGISTERED", "SIMPLIFIED", "STANDARD"]
    assert spec.items("US") == ()
    assert spec.items("XX") == ()
    assert len(everywhere("tax_schemes")) == sum(len(spec.items(cc)) for cc in COUNTRIES)


def test_a_selector_chooses_another_countrys_items() -> None:
    spec = LISTS["address_regions"]
    own = select(spec, "GB", {})
    us = select(spec, "GB", {"country_id": "us"})
    assert ids(own) == ids(spec.items("GB"))
    assert len(us) >= 50 and all(i.startswith("US-") for i in ids(us))
    assert select(spec, "GB", {"country_id": "XX"}) == []


def test_a_selector_by_template() -> None:
    spec = LISTS["coa_accounts"]
    assert select(spec, "GB", {"coa_template_id": "fr_default"}) == list(spec.items("FR"))
    assert select(spec, "GB", {"coa_template_id": "NOPE"}) == []


def test_filters_narrow_the_items() -> None:
    frequencies = LISTS["tax_return_frequencies"]
    assert ids(select(frequencies, "CA", {"tax_type_id": "ca_pst_bc"})) == ["MONTHLY", "QUARTERLY", "SEMI_ANNUALLY",
                                                                             "ANNUALLY"]
    assert ids(select(frequencies, "CA", {"tax_type_id": "CA_QST"})) == ["MONTHLY", "QUARTERLY", "ANNUALLY"]
    assert select(frequencies, "CA", {"tax_type_id": "NOPE"}) == []
    types = LISTS["ledger_account_types"]
    assert ids(select(types, "GB", {"ledger_account_classification_id": "FR_CLASS_7"})) == ["SALES", "OTHER_INCOME"]


def test_selectors_and_filters_together() -> None:
    spec = LISTS["coa_accounts"]
    late = datetime(9999, 1, 1, tzinfo=UTC)
    assert select(spec, "GB", {"coa_template_id": "FR_DEFAULT", "updated_or_created_since": late}) == []
    early = datetime(1900, 1, 1, tzinfo=UTC)
    assert len(select(spec, "GB", {"coa_template_id": "FR_DEFAULT", "updated_or_created_since": early})) == len(
        spec.items("FR"))


def test_updated_since_takes_either_instant_inclusively() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    old, new = datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    test = updated_since(at)
    assert test({"created_at": old, "updated_at": at})
    assert test({"created_at": at, "updated_at": old})
    assert test({"created_at": new, "updated_at": old})
    assert not test({"created_at": old, "updated_at": old})


@pytest.mark.parametrize(("path", "key", "country", "found"), [
    ("tax_schemes", "SIMPLIFIED", "FR", True), ("tax_schemes", "SIMPLIFIED", "GB", False),
    ("address_regions", "US-CA", "GB", True),  # a list with a selector reaches every country's items
    ("currencies", "EUR", "US", True), ("currencies", "XXX", "US", False),
    ("coa_accounts", "FR_DEFAULT_101000", "GB", True),
])
def test_find_what_the_business_can_see(path: str, key: str, country: str, found: bool) -> None:
    item = find(LISTS[path], key, country)
    assert (item is not None) == found
    assert item is None or item["id"] == key


def test_every_list_declares_its_own_path() -> None:
    assert all(spec.path == path for path, spec in LISTS.items())


def test_link_names_items_of_every_list() -> None:
    assert link("address_regions", "CA-BC") == {"id": "CA-BC", "displayed_as": "British Columbia",
                                                "$path": "/address_regions/CA-BC"}
    assert link("tax_schemes", "STANDARD", "IE")["displayed_as"] == "Invoice Basis"  # type: ignore[index]
    assert link("tax_schemes", "STANDARD", "ES")["displayed_as"] == "Régimen general"  # type: ignore[index]
    assert link("corrective_reason_codes", "R4")["displayed_as"] == "Resto de causas"  # type: ignore[index]
    assert link("ledger_account_groups", "INCOME")["displayed_as"] == "Income"  # type: ignore[index]
    assert link("quick_entry_types", "MADE_UP")["displayed_as"] == "MADE_UP"  # type: ignore[index]
    assert link("tax_types", None) is None


@pytest.mark.parametrize("path", sorted(LISTS))
def test_no_list_repeats_an_id(path: str) -> None:
    for country in COUNTRIES:
        shown = [item["id"] for item in LISTS[path].items(country)]
        assert len(shown) == len(set(shown)), (path, country)
