"""Access rights per area, as Sage's UI grants them: a member's role in Sales, Bank, Settings…

A membership has one base role (owner, full access, read only, no access) that applies in every area,
and may override it area by area (`Membership.area_roles`), e.g. read only everywhere but full access
in Bank. Sage's swagger names, for each operation, the areas and roles that may call it; this module
answers "may this member call it?" without knowing any operation.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ledgerd.errors import Invalid
from ledgerd.tenancy.models import Role

# Sage's areas ("Products & Services" → products_services), in the order of its access-rights page.
AREAS = ("sales", "purchases", "contacts", "products_services", "bank", "journals", "settings",
         "statutory_reporting", "reporting")


class AreaRole(enum.StrEnum):
    """A role within one area. Restricted access may view, create and edit, but not delete."""

    FULL_ACCESS = "full_access"
    RESTRICTED_ACCESS = "restricted_access"
    READ_ONLY = "read_only"
    NO_ACCESS = "no_access"


_BASE = {Role.OWNER: AreaRole.FULL_ACCESS, Role.FULL_ACCESS: AreaRole.FULL_ACCESS,
         Role.READ_ONLY: AreaRole.READ_ONLY, Role.NO_ACCESS: AreaRole.NO_ACCESS}
# The rule of one operation: area → the roles allowed there (any one area suffices).
Rule = Mapping[str, frozenset[AreaRole]]


@dataclass(frozen=True)
class Access:
    """What one member may do in one business."""

    role: Role
    overrides: Mapping[str, AreaRole] = field(default_factory=dict)

    def in_area(self, area: str) -> AreaRole:
        if self.role is Role.OWNER:  # the owner manages the business: overrides never narrow it
            return AreaRole.FULL_ACCESS
        return self.overrides.get(area, _BASE[self.role])

    def allows(self, rule: Rule) -> bool:
        """Sage: "any mentioned role in one of the listed areas"."""
        return any(self.in_area(area) in allowed for area, allowed in rule.items())

    @property
    def can_read(self) -> bool:
        """For operations Sage lists no areas for (static lists…): some access somewhere."""
        return any(self.in_area(area) is not AreaRole.NO_ACCESS for area in AREAS)

    @property
    def can_write(self) -> bool:
        return any(self.in_area(area) is AreaRole.FULL_ACCESS for area in AREAS)


@dataclass(frozen=True, slots=True)
class Selected:
    """The business an API call works on, with the caller's membership there: read once per call, before
    the call's transaction opens (tenancy.service.select_business), and never written through."""

    id: str
    country_id: str
    created_at: dt.datetime
    ni_based: bool
    role: Role
    area_roles: Mapping[str, str] | None

    def access(self) -> Access:
        """The member's access; an owner's is total, whatever overrides were stored."""
        if self.role is Role.OWNER:
            return Access(self.role)
        return Access(self.role, {area: AreaRole(value) for area, value in (self.area_roles or {}).items()})


def area_roles(assignments: Mapping[str, str] | Iterable[str]) -> dict[str, AreaRole]:
    """Validated per-area roles from `{"bank": "full_access"}` or `["bank=full_access", …]`."""
    pairs = assignments.items() if isinstance(assignments, Mapping) else (_split(a) for a in assignments)
    out: dict[str, AreaRole] = {}
    for area, value in pairs:
        key = area.strip().lower().replace("&", "").replace(" ", "_").replace("__", "_")
        if key not in AREAS:
            raise Invalid(f"Unknown area {area!r}; use one of {', '.join(AREAS)}.", "areas")
        try:
            out[key] = AreaRole(value.strip().lower())
        except ValueError:
            raise Invalid(f"Unknown role {value!r} for area {key}; use one of "
                          f"{', '.join(r.value for r in AreaRole)}.", "areas") from None
    return out


def _split(assignment: str) -> tuple[str, str]:
    area, sep, value = assignment.partition("=")
    if not sep:
        raise Invalid(f"{assignment!r} is not AREA=ROLE.", "areas")
    return area, value
