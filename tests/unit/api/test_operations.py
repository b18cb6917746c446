"""Sage's per-operation facts (api/operations.py): the data file is what the tool makes of the swagger, and the
editions, countries and access rules read from it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from ledgerd.api import operations
from ledgerd.tenancy.access import AREAS, AreaRole
from tests.support import reference

ROOT = Path(__file__).resolve().parents[3]
COUNTRIES = ("GB", "IE", "US", "CA", "ES", "FR", "DE")


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("operations_from_swagger", ROOT / "tools/operations_from_swagger.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_data_file_is_generated_from_the_swagger() -> None:
    tool = _tool()
    expected = tool.render(tool.operations(reference.swagger()), "sage-accounting-v3.1.swagger.json")
    assert operations.DATA.read_text(encoding="utf-8") == expected, "run tools/operations_from_swagger.py"
    assert len(operations.table()) == sum(
        1 for item in reference.swagger()["paths"].values() for m in ("get", "post", "put", "delete") if m in item)


def test_facts_read_from_the_swagger() -> None:
    contacts = operations.find("GET", "/contacts")
    assert contacts is not None and contacts.editions["standard"] == {"GB", "IE"}
    assert contacts.access == {area: frozenset({AreaRole.READ_ONLY, AreaRole.RESTRICTED_ACCESS,
                                                AreaRole.FULL_ACCESS}) for area in ("contacts", "sales", "purchases")}
    opening = operations.find("POST", "/ledger_account_opening_balances")
    assert opening is not None and opening.access is not None and set(opening.access) == set(AREAS)
    reissue = operations.find("POST", "/journals/{key}/reissue")
    assert reissue is not None and reissue.editions == {} and all(reissue.offered(c) for c in COUNTRIES)
    assert operations.find("GET", "/countries") is not None and operations.find("GET", "/countries").access is None  # type: ignore[union-attr]


def test_richest_edition_rules() -> None:
    assert {c: operations.richest_edition(c) for c in COUNTRIES} == dict.fromkeys(COUNTRIES, "plus")
    offered = {key: op for key, op in operations.table().items()}
    # Spain's Plus has corrective invoices instead of credit notes; only France has journal codes.
    assert not offered[("POST", "/sales_credit_notes")].offered("ES")
    assert offered[("POST", "/sales_corrective_invoices")].offered("ES")
    assert [c for c in COUNTRIES if offered[("GET", "/journal_codes")].offered(c)] == ["FR"]
    # Germany: what France has, without France's own operations, plus the operations naming Germany.
    assert offered[("GET", "/contacts")].offered("DE") and offered[("GET", "/sales_credit_notes")].offered("DE")
    assert not offered[("GET", "/journal_codes")].offered("DE")
    assert offered[("GET", "/datev_settings")].offered("DE") and not offered[("GET", "/datev_settings")].offered("GB")
