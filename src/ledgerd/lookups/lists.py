"""Sage's reference lists: where each list's items come from and how an item goes on the wire.

Items are data: `data/common/*.toml` (the same for every business), `data/<cc>/lookups.toml` (per country,
read by `region_lookups`) or derived from a region's chart of accounts (coa.py). A `LookupList` says, per
endpoint, which fields its swagger definition has beyond `id, displayed_as, $path` (in the definition's
order), which query parameters choose or narrow the items, and how a stored value becomes its wire value.
Reading those parameters and putting an item on the wire is HTTP (api/resources/lookups.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from ledgerd.ledger import classifications
from ledgerd.lookups import coa
from ledgerd.regions import COUNTRIES
from ledgerd.regions.data import lookups, region_lookups

Item = Mapping[str, Any]
# A stored value, the item holding it and today's date (tax-rate labels) → the wire value.
Render = Callable[[Any, Item, date], Any]
# A filter's value (the query parameter's text, or the instant a since-filter names) → a test each item must pass.
Filter = Callable[[Any], Callable[[Item], bool]]


@dataclass(frozen=True)
class LookupList:
    path: str
    # The items a business of a country sees (common lists ignore the country).
    items: Callable[[str], Sequence[Item]]
    # Wire keys after id, displayed_as and $path, in the swagger definition's order.
    fields: tuple[str, ...] = ()
    regional: bool = False
    # Query parameters that choose the items instead of the business's country (`country_id`,
    # `coa_template_id`). A list with one also finds any country's item by key.
    selectors: Mapping[str, Callable[[str], Sequence[Item]]] = field(default_factory=dict)
    filters: Mapping[str, Filter] = field(default_factory=dict)
    render: Mapping[str, Render] = field(default_factory=dict)


def _common(name: str) -> Callable[[str], Sequence[Item]]:
    return lambda _country: lookups().get(name, ())


def _regional(name: str) -> Callable[[str], Sequence[Item]]:
    return lambda country: region_lookups(country)[name] if country in COUNTRIES else ()


def _by_country(name: str) -> Callable[[str], Sequence[Item]]:
    """A `country_id` selector: the named country's items (none for a country ledgerd has no data for)."""
    items = _regional(name)
    return lambda raw: items(raw.upper())


def _link(path: str) -> Render:
    return lambda value, item, _today: link(path, value, item.get("country"))


def _links(path: str) -> Render:
    return lambda values, item, _today: [link(path, v, item.get("country")) for v in values]


def _tax_rate(value: Any, item: Item, today: date) -> Any:
    return coa.tax_rate_link(item["country"], value, today)


def _tax_rates(values: Any, item: Item, today: date) -> Any:
    return [coa.tax_rate_link(item["country"], v, today) for v in values]


def _name(value: Any, item: Item, _today: date) -> Any:
    # Common lists written for other endpoints (business_types) carry the name as displayed_as only.
    return value if value is not None else item["displayed_as"]


def _serves(raw: str) -> Callable[[Item], bool]:
    wanted = raw.upper()
    return lambda item: wanted in item["tax_types"]


def updated_since(since: datetime) -> Callable[[Item], bool]:
    """Items created or changed at or after `since`."""
    return lambda item: bool(item["updated_at"] >= since or item["created_at"] >= since)


_BASE_LISTS = ("countries", "currencies", "country_groups", "artefact_statuses",
               "transaction_types", "payment_methods", "bank_account_types", "contact_types", "address_types",
               "contact_person_types", "catalog_item_types", "attachment_context_types", "business_activity_types",
               "corrective_reason_codes", "countries_of_registration", "eu_goods_services_types",
               "eu_sales_descriptions", "journal_code_types", "legal_form_types", "quick_entry_types")

LISTS: dict[str, LookupList] = {
    **{name: LookupList(name, _common(name)) for name in _BASE_LISTS},
    "ledger_account_types": LookupList("ledger_account_types", _common("ledger_account_types"),
                                       filters={"ledger_account_classification_id": classifications.types_in}),
    "ledger_account_classifications": LookupList("ledger_account_classifications", classifications.of_country,
                                                 regional=True,
                                                 filters={"ledger_account_type_id": classifications.of_type}),
    "business_types": LookupList("business_types", _common("business_types"), ("name", "description"),
                                 render={"name": _name}),
    "address_regions": LookupList("address_regions", _regional("address_regions"), ("code", "name"),
                                  regional=True, selectors={"country_id": _by_country("address_regions")}),
    "tax_types": LookupList("tax_types", _regional("tax_types"),
                            ("federal_tax", "country", "address_regions", "tax_rates"), regional=True,
                            render={"country": _link("countries"), "address_regions": _links("address_regions"),
                                    "tax_rates": _tax_rates}),
    "tax_schemes": LookupList("tax_schemes", _regional("tax_schemes"), regional=True),
    "tax_return_frequencies": LookupList("tax_return_frequencies", _regional("tax_return_frequencies"),
                                         regional=True, filters={"tax_type_id": _serves}),
    "tax_offices": LookupList("tax_offices", _regional("tax_offices"), ("office_number", "name"), regional=True),
    "coa_templates": LookupList("coa_templates", _regional("coa_templates"),
                                ("created_at", "updated_at", "name", "country"), regional=True,
                                selectors={"country_id": _by_country("coa_templates")},
                                render={"country": _link("countries")}),
    "coa_accounts": LookupList("coa_accounts", coa.country_accounts,
                               ("created_at", "updated_at", "ledger_account_group", "name", "control_name",
                                "nominal_code", "ledger_account_type", "ledger_account_classification", "tax_rate",
                                "fixed_tax_rate", "cis_materials", "cis_labour"), regional=True,
                               selectors={"coa_template_id": lambda raw: coa.template_accounts(raw.upper())},
                               filters={"updated_or_created_since": updated_since},
                               render={"ledger_account_type": _link("ledger_account_types"),
                                       "ledger_account_classification": _link("ledger_account_classifications"),
                                       "tax_rate": _tax_rate}),
}


@cache
def everywhere(path: str) -> tuple[Item, ...]:
    """Every country's items of a list (a common list's items once)."""
    spec = LISTS[path]
    if not spec.regional:
        return tuple(spec.items(""))
    return tuple(item for country in COUNTRIES for item in spec.items(country))


@cache
def _index(path: str, country: str | None) -> dict[str, Item]:
    """Items by id: the country's own first, then (first one wins) every country's; for a name that is not
    served, the common list of that name (`ledger_account_groups`)."""
    spec = LISTS.get(path)
    if spec is None:
        return {item["id"]: item for item in lookups().get(path, ())}
    found: dict[str, Item] = {}
    own = spec.items(country) if country and spec.regional else ()
    for item in (*own, *everywhere(path)):
        found.setdefault(item["id"], item)
    return found


def link(path: str, key: str | None, country: str | None = None) -> dict[str, str] | None:
    """`{"id","displayed_as","$path"}` for a list id; a regional list names it as `country` does (a tax scheme
    id means different schemes in different countries). None stays None; an unknown id shows itself."""
    if key is None:
        return None
    item = _index(path, country).get(key)
    return {"id": key, "displayed_as": item["displayed_as"] if item else key, "$path": f"/{path}/{key}"}


def select(spec: LookupList, country: str, given: Mapping[str, Any]) -> list[Item]:
    """The items a list request shows, before paging: chosen by a selector given or the business's country,
    then narrowed by the filters given. `given`: the selectors' and filters' values by parameter name (only
    those the request names)."""
    items = spec.items(country)
    for name, choose in spec.selectors.items():
        if name in given:
            items = choose(given[name])
    tests = [build(given[name]) for name, build in spec.filters.items() if name in given]
    return [item for item in items if all(test(item) for test in tests)]


def find(spec: LookupList, key: str, country: str) -> Item | None:
    """The item with this id the business can see: of its country, or of any country for lists whose
    selectors reach other countries."""
    if spec.selectors or not spec.regional:
        return _index(spec.path, None).get(key)
    return next((item for item in spec.items(country) if item["id"] == key), None)
