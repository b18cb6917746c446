"""Chart-of-accounts templates (lookups/coa.py): exactly the accounts a new business of the country is given."""

from __future__ import annotations

from datetime import date

import pytest

from ledgerd.lookups.coa import country_accounts, tax_rate_link, template_accounts
from ledgerd.regions import COUNTRIES
from ledgerd.regions.data import lookup, region


@pytest.mark.parametrize("cc", sorted(COUNTRIES))
def test_a_countrys_template_is_its_chart_in_order(cc: str) -> None:
    accounts = country_accounts(cc)
    chart = region(cc).accounts
    assert [a["nominal_code"] for a in accounts] == [a.nominal_code for a in chart]
    assert len({a["id"] for a in accounts}) == len(accounts)
    for item, account in zip(accounts, chart, strict=True):
        assert item["id"] == f"{item['coa_template']}_{account.nominal_code}"
        assert item["displayed_as"] == f"{account.name} ({account.nominal_code:04d})"
        assert (item["ledger_account_type"], item["control_name"], item["tax_rate"]) == (
            account.type, account.control, account.tax_rate)
        assert item["country"] == cc
        kind = lookup("ledger_account_types", account.type)
        assert kind is not None
        assert (item["ledger_account_group"] or {}).get("id") == kind.get("group")


def test_a_template_by_id_and_an_unknown_one() -> None:
    assert template_accounts("GB_DEFAULT") == country_accounts("GB")
    assert template_accounts("XX_DEFAULT") == ()
    assert country_accounts("XX") == ()


def test_classes_show_where_the_chart_has_them() -> None:
    assert {a["ledger_account_classification"] for a in country_accounts("GB")} == {None}
    assert all(a["ledger_account_classification"].startswith("FR_CLASS_") for a in country_accounts("FR"))


@pytest.mark.parametrize(("on", "shown"), [(date(2010, 6, 1), "Standard 17.50%"),
                                           (date(2011, 1, 4), "Standard 20.00%")])
def test_a_tax_rate_link_shows_the_percentage_on_the_day(on: date, shown: str) -> None:
    assert tax_rate_link("GB", "GB_STANDARD", on) == {"id": "GB_STANDARD", "displayed_as": shown,
                                                      "$path": "/tax_rates/GB_STANDARD"}


def test_a_rate_shown_without_percentage_and_no_link_for_no_rate() -> None:
    link = tax_rate_link("GB", "GB_NO_TAX", date(2024, 1, 1))
    assert link is not None and link["displayed_as"] == "No VAT"
    assert tax_rate_link("GB", None, date(2024, 1, 1)) is None
    assert tax_rate_link("GB", "FR_STANDARD", date(2024, 1, 1)) is None
