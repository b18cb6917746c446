"""Every id ledgerd emits fits what Sage's swagger declares for it, in every country.

Generated clients validate responses against the swagger and crash on an id longer than its `maxLength` (a
legal form type `MICRO_ENTREPRISE` of 16 characters against 15 was one). The swagger constrains the `id` of
nine lookup lists (and `Migration`); records carry those lists' entries as nested objects (a business's
legal form, a financial settings' tax scheme, a tax profile's address region, a journal code's type, a
contact person's types). For each country: every entry of every list, and the records that nest them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from ledgerd.regions import COUNTRIES
from tests.conformance.world import World
from tests.support import reference

ID_RULES = ("maxLength", "pattern", "enum")


def _constrained() -> dict[str, dict[str, Any]]:
    """Definition name → the rules its `id` must keep, for every definition that declares any."""
    out = {}
    for name, schema in reference.definitions().items():
        rules = {rule: value for rule, value in (schema.get("properties", {}).get("id") or {}).items()
                 if rule in ID_RULES}
        if rules:
            out[name] = rules
    return out


def _ref(schema: Mapping[str, Any]) -> str | None:
    ref = schema.get("$ref") or (schema.get("items") or {}).get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


def _lists() -> dict[str, str]:
    """List path → the definition of its items, for the lists whose ids are constrained."""
    constrained = _constrained()
    out = {}
    for path, operations in reference.swagger()["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        name = _ref(get["responses"].get("200", {}).get("schema", {}))
        if name in constrained:
            out[path] = name
    return out


def broken(value: str, rules: Mapping[str, Any]) -> str | None:
    if "maxLength" in rules and len(value) > rules["maxLength"]:
        return f"{len(value)} characters, more than maxLength {rules['maxLength']}"
    if "pattern" in rules and not re.search(rules["pattern"], value):
        return f"does not match pattern {rules['pattern']}"
    if "enum" in rules and value not in rules["enum"]:
        return f"not one of {rules['enum']}"
    return None


def problems(value: Any, definition: str, where: str) -> Iterator[str]:
    """What breaks the id rules in `value`, read as `definition`, and in the constrained objects it nests."""
    definitions = reference.definitions()
    constrained = _constrained()
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from problems(item, definition, f"{where}[{index}]")
        return
    if not isinstance(value, dict):
        return
    if definition in constrained and isinstance(value.get("id"), str):
        why = broken(value["id"], constrained[definition])
        if why:
            yield f"{where}.id {value['id']!r}: {why}"
    for key, schema in (definitions.get(definition, {}).get("properties") or {}).items():
        inner = _ref(schema)
        if inner is not None and key in value:
            yield from problems(value[key], inner, f"{where}.{key}")


def test_the_swagger_constrains_the_lists_this_test_reads() -> None:
    assert set(_lists()) >= {"/legal_form_types", "/tax_schemes", "/address_regions", "/tax_offices", "/tax_types",
                             "/business_activity_types", "/contact_person_types", "/journal_code_types",
                             "/coa_templates"}


def test_the_check_finds_an_id_too_long() -> None:
    assert list(problems({"id": "MICRO_ENTREPRISE"}, "LegalFormType", "$")) == [
        "$.id 'MICRO_ENTREPRISE': 16 characters, more than maxLength 15"]
    settings = {"legal_form_type": {"id": "X" * 16}, "business_activity_type": {"id": "OK"}}
    assert len(list(problems(settings, "BusinessSettings", "$"))) == 1


# Records that nest constrained lookups, by path; read with attributes=all.
RECORDS = ("/business_settings", "/financial_settings", "/tax_profiles", "/journal_codes", "/contact_persons")


@pytest.mark.parametrize("country", sorted(COUNTRIES))
def test_every_id_fits_the_swagger(country: str, world: World) -> None:
    books = world.tenant("ids", country)
    found: list[str] = []
    read = 0
    for path, definition in sorted(_lists().items()):
        page = 1
        while True:
            response = world.send(books, "GET", path, params={"items_per_page": "200", "page": str(page)})
            if response.status_code != 200:  # a list this country does not offer
                break
            body = response.json()
            items = body["$items"] if isinstance(body, dict) and "$items" in body else body
            read += len(items) if isinstance(items, list) else 1
            found += problems(items, definition, f"{path}?page={page}")
            if not (isinstance(body, dict) and body.get("$next")):
                break
            page += 1
    for path in RECORDS:
        name = _ref(reference.swagger()["paths"][path]["get"]["responses"]["200"]["schema"])
        response = world.send(books, "GET", path, params={"attributes": "all"})
        if response.status_code == 200 and name:
            body = response.json()
            found += problems(body["$items"] if isinstance(body, dict) and "$items" in body else body, name, path)
    assert read > 0
    assert not found, "\n".join(found)
