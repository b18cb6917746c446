"""Access rights per area (tenancy/access.py): which (area, role) pairs let a member through, and how
area assignments are read."""

from __future__ import annotations

import pytest

from ledgerd.errors import Invalid
from ledgerd.tenancy.access import Access, AreaRole, area_roles
from ledgerd.tenancy.models import Role


def test_access_rules() -> None:
    rule = {"sales": frozenset({AreaRole.FULL_ACCESS}), "bank": frozenset({AreaRole.READ_ONLY})}
    assert Access(Role.OWNER, {"sales": AreaRole.NO_ACCESS}).allows(rule)
    assert Access(Role.READ_ONLY).allows(rule)  # read only in bank suffices: any one area
    assert not Access(Role.READ_ONLY, {"bank": AreaRole.NO_ACCESS}).allows(rule)
    assert Access(Role.NO_ACCESS, {"sales": AreaRole.FULL_ACCESS}).allows(rule)
    assert not Access(Role.NO_ACCESS).can_read and Access(Role.NO_ACCESS, {"bank": AreaRole.READ_ONLY}).can_read
    assert not Access(Role.READ_ONLY).can_write and Access(Role.READ_ONLY, {"bank": AreaRole.FULL_ACCESS}).can_write


def test_area_assignments_are_validated() -> None:
    assert area_roles(["Bank=full_access", "Products & Services=READ_ONLY"]) == {
        "bank": AreaRole.FULL_ACCESS, "products_services": AreaRole.READ_ONLY}
    assert area_roles({"statutory_reporting": "restricted_access"}) == {
        "statutory_reporting": AreaRole.RESTRICTED_ACCESS}
    for bad in (["kitchen=full_access"], ["bank=boss"], ["bank"]):
        with pytest.raises(Invalid):
            area_roles(bad)
