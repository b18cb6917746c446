"""A region's settings defaults (settings/defaults.py): one primary tax type and every default ledger account."""

from __future__ import annotations

import pytest

from ledgerd.settings.defaults import region_settings

REGIONS = ("GB", "IE", "FR", "ES", "DE", "CA", "US")


@pytest.mark.parametrize("country", REGIONS)
def test_region_settings_data_is_complete(country: str) -> None:
    data = region_settings(country)
    assert [t.primary for t in data.tax_types].count(True) == 1
    assert len(data.default_ledger_accounts) == 19
