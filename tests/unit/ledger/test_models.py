"""Pure rules of the ledger's records."""

from __future__ import annotations

import pytest

from ledgerd.ledger.models import account_label


@pytest.mark.parametrize(("name", "code", "shown"), [
    ("Freehold Property", 10, "Freehold Property (0010)"),
    ("Bank Current Account", 600, "Bank Current Account (0600)"),
    ("Sales - Products", 4000, "Sales - Products (4000)"),
    ("Banque", 512000, "Banque (512000)"),
])
def test_a_ledger_accounts_label_pads_its_nominal_code_to_four_digits(name: str, code: int, shown: str) -> None:
    assert account_label(name, code) == shown
