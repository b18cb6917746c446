"""Sage's per-operation facts (operations.toml, generated from the swagger) and the rules applied to them.

For every `METHOD /path` of the v3.1 accounts API the data file says in which countries each edition
(Plus, Standard, Start) offers it, and which roles in which areas may call it. ledgerd has no editions:
every business is the richest edition sold in its country (the one offering the most operations there),
so availability is "the country's richest edition lists the country".

Germany is the exception: Sage's 2025 swagger lists DE only on `/datev_settings` and `/tax_offices`
(the German product left v3.1), yet ledgerd serves German books for v3-era integrations. A German
business therefore gets what France (the other continental-EU country of the same data centre) gets,
except France's own operations (those offered in France alone), plus the operations naming Germany.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ledgerd.errors import Forbidden
from ledgerd.http.errors import RouteNotFound
from ledgerd.regions import country
from ledgerd.tenancy.access import Access, AreaRole, Rule, Selected

DATA = Path(__file__).with_name("operations.toml")
# Operations of Sage's 2026 spec that the 2025 swagger lacks (and ledgerd's own beside them), written by hand.
SPEC26 = Path(__file__).with_name("operations_spec26.toml")
# Richest first: breaks ties when two editions offer a country the same number of operations.
EDITIONS = ("plus", "standard", "start")
PROXIES = {"DE": "FR"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    editions: Mapping[str, frozenset[str]]
    # None: Sage names no areas; every member with some access may call it.
    access: Rule | None

    @property
    def countries(self) -> frozenset[str]:
        """Every country some edition offers it in."""
        return frozenset().union(*self.editions.values())

    def offered(self, country: str) -> bool:
        """Offered by the richest edition of `country` (see the module docstring)."""
        if not self.editions:
            return True  # Sage states no availability: offered everywhere
        if country in self.editions.get(richest_edition(country), ()):
            return True
        proxy = PROXIES.get(country)
        return proxy is not None and self.offered(proxy) and self.countries != {proxy}


def _operation(key: str, entry: Mapping[str, Any]) -> Operation:
    method, path = key.split(" ", 1)
    editions = {name: frozenset(entry[name]) for name in EDITIONS if name in entry}
    raw_access = entry.get("access")
    access = ({area: frozenset(AreaRole(r) for r in roles) for area, roles in raw_access.items()}
              if isinstance(raw_access, dict) else None)
    return Operation(method, path, editions, access)


def _read(path: Path) -> dict[tuple[str, str], Operation]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    operations = (_operation(key, entry) for key, entry in raw.items())
    return {(op.method, op.path): op for op in operations}


@cache
def table() -> dict[tuple[str, str], Operation]:
    return _read(DATA)


@cache
def spec26_table() -> dict[tuple[str, str], Operation]:
    return _read(SPEC26)


def _known(method: str, path: str) -> Operation | None:
    return table().get((method, path)) or spec26_table().get((method, path))


def find(method: str, path: str) -> Operation | None:
    """The operation `METHOD path` (path template as routed, e.g. `/contacts/{key}`), if Sage has it.

    An operation of ledgerd's own below a Sage resource (e.g. `POST /sales_corrective_invoices/{key}/release`)
    is offered where that resource is (the nearest Sage path above it that answers GET); Sage names no
    areas for it, so the general access rule applies.
    """
    exact = _known(method.upper(), path)
    if exact is not None:
        return exact
    parent = path.rsplit("/", 1)[0]
    while parent:
        above = _known("GET", parent)
        if above is not None:
            return Operation(method.upper(), path, above.editions, None)
        parent = parent.rsplit("/", 1)[0]
    return None


@cache
def richest_edition(country: str) -> str:
    counts = Counter(name for op in table().values() for name, countries in op.editions.items()
                     if country in countries)
    return max(EDITIONS, key=lambda name: (counts[name], -EDITIONS.index(name)))


@dataclass(frozen=True)
class RecordRules:
    """Who may read, and who may change, a record of one resource, for operations that act on records of
    other resources (an attachment and the document it belongs to). None: Sage names no areas."""

    read: Rule | None
    write: Rule | None


@cache
def record_rules(path: str) -> RecordRules:
    """Reading a record of `/path` takes what `GET /path/{key}` takes; changing it what `PUT /path/{key}`
    takes, else `POST /path`. A resource Sage lets nobody change (transactions) is changed with the roles
    of its read rule that may write."""
    read = _known("GET", f"/{path}/{{key}}")
    read_rule = read.access if read is not None else None
    for method, template in (("PUT", f"/{path}/{{key}}"), ("POST", f"/{path}")):
        change = _known(method, template)
        if change is not None and change.access is not None:
            return RecordRules(read_rule, change.access)
    if read_rule is None:
        return RecordRules(None, None)
    return RecordRules(read_rule, {area: roles - {AreaRole.READ_ONLY} for area, roles in read_rule.items()})


def permitted(access: Access, rule: Rule | None, *, write: bool) -> bool:
    """Sage's rule where it names one; else some access somewhere (reads) or full access somewhere (writes)."""
    if rule is not None:
        return access.allows(rule)
    return access.can_write if write else access.can_read


def check(operation: Operation | None, *, business: Selected, write: bool, path: str) -> None:
    """The pipeline's gate for a business-scoped call, after the business is chosen.

    An operation the business's country does not offer answers 404 `RouteNotFound`, as it is absent from
    that country's API, with a message naming the country (a path that exists nowhere says so). Then the
    member's access: the operation's areas and roles where Sage names them, else some access (reads) or full access
    in some area (writes); without it 403 `MultiUserAccessDenied`.
    """
    if operation is not None and not operation.offered(business.country_id):
        where = country(business.country_id)
        raise RouteNotFound(f"The path {path} is not available to businesses in "
                            f"{where.name if where else business.country_id}.")
    if not permitted(business.access(), operation.access if operation is not None else None, write=write):
        raise Forbidden()
