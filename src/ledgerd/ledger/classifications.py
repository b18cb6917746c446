"""Ledger account classifications: the classes of a national chart of accounts (France's plan comptable
général, Spain's plan general de contabilidad), listed in `regions/data/common/lookups.toml`.

In those charts an account's number carries its class (601000 is a charge, class 6), so a ledger account's
classification is derived from its nominal code and its business's country, never stored: it follows
every change of nominal code and cannot disagree with it. A class's ledger account types are those of the
region chart's accounts in the class, so `/ledger_account_classifications?ledger_account_type_id=` and
`/ledger_account_types?ledger_account_classification_id=` answer from the same data. Countries without
classes (GB, IE, US, CA, DE) get none, and their accounts show `null`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from ledgerd.regions import COUNTRIES
from ledgerd.regions.data import RegionDataError, lookups, region

Item = Mapping[str, Any]
LIST = "ledger_account_classifications"


@cache
def of_country(country: str) -> tuple[Item, ...]:
    """A country's classifications in file order, each with the `ledger_account_types` its chart files
    under it (in `/ledger_account_types` order); checked when first read."""
    if country not in COUNTRIES:
        return ()
    declared = [dict(c) for c in lookups().get(LIST, ()) if c.get("country") == country]
    accounts = region(country).accounts
    order = [t["id"] for t in lookups()["ledger_account_types"]]
    out: list[dict[str, Any]] = []
    for item in declared:
        prefix = str(item.get("prefix", ""))
        if not prefix.isdigit():
            raise RegionDataError(f"{LIST} {item.get('id')}: prefix must be digits")
        used = {a.type for a in accounts if str(a.nominal_code).startswith(prefix)}
        out.append({**item, "prefix": prefix, "ledger_account_types": [t for t in order if t in used]})
    prefixes = [c["prefix"] for c in out]
    if any(a != b and b.startswith(a) for a in prefixes for b in prefixes) or len(set(prefixes)) != len(prefixes):
        raise RegionDataError(f"{country} {LIST}: a nominal code would fall in two classes")
    return tuple(out)


@cache
def find(key: str) -> Item | None:
    """The classification with this id, of any country (ids name their country)."""
    return next((c for country in COUNTRIES for c in of_country(country) if c["id"] == key), None)


def classification_of(country: str, nominal_code: int) -> str | None:
    """The id of the class a nominal code falls in, in the country's chart (None where it has no classes)."""
    code = str(nominal_code)
    return next((c["id"] for c in of_country(country) if code.startswith(c["prefix"])), None)


def of_type(raw: str) -> Callable[[Item], bool]:
    """The `ledger_account_type_id` filter of `/ledger_account_classifications`."""
    wanted = raw.strip().upper()
    return lambda item: wanted in item["ledger_account_types"]


def types_in(raw: str) -> Callable[[Item], bool]:
    """The `ledger_account_classification_id` filter of `/ledger_account_types`: the types filed under it."""
    found = find(raw.strip().upper())
    types = set(found["ledger_account_types"]) if found else set()
    return lambda item: item["id"] in types
