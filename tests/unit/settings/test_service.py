"""Settings rules that need no database (settings/service.py): who charges VAT."""

from __future__ import annotations

import pytest

from ledgerd.settings.service import charges_vat


@pytest.mark.parametrize("country", ["GB", "IE", "DE", "ES", "FR"])
def test_a_business_in_a_vat_country_charges_vat_unless_not_registered(country: str) -> None:
    # Seeded books store the scheme under the seed name `tax_scheme`; a PUT stores `tax_scheme_id`.
    assert charges_vat(country, {"tax_scheme": "STANDARD"})
    assert charges_vat(country, {"tax_scheme_id": "CASH"})
    assert charges_vat(country, {})  # no scheme at all, as a German business has: registered
    assert not charges_vat(country, {"tax_scheme_id": "NOT_REGISTERED"})
    assert not charges_vat(country, {"tax_scheme": "NOT_REGISTERED"})


@pytest.mark.parametrize("country", ["US", "CA", "XX"])
def test_sales_tax_countries_and_unknown_ones_charge_no_vat(country: str) -> None:
    assert not charges_vat(country, {"tax_scheme_id": "STANDARD"})
