"""The validator itself, on small hand-made definitions (no database): what it accepts and what it refuses."""

from __future__ import annotations

from typing import Any

from tests.conformance import differences
from tests.conformance.schema import Validator, missing_properties, response_problems

DEFINITIONS: dict[str, Any] = {
    "Thing": {"type": "object", "properties": {
        "id": {"type": "string"}, "displayed_as": {"type": "string"}, "$path": {"type": "string"},
        "date": {"type": "string", "format": "date"}, "created_at": {"type": "string", "format": "date-time"},
        "amount": {"type": "number", "format": "double"}, "count": {"type": "integer"},
        "active": {"type": "boolean"}, "owner": {"$ref": "#/definitions/Base"},
        "lines": {"type": "array", "items": {"$ref": "#/definitions/Base"}}}},
    "Base": {"type": "object", "properties": {
        "id": {"type": "string"}, "displayed_as": {"type": "string"}, "$path": {"type": "string"}}},
    # As Sage's swagger declares exchange rates: without `id` (differences.EXTRA_KEYS).
    "ExchangeRate": {"type": "object", "properties": {"displayed_as": {"type": "string"}, "rate": {"type": "number"}}},
}
THING = {"$ref": "#/definitions/Thing"}


def check(value: Any, schema: Any = THING) -> list[str]:
    return Validator(DEFINITIONS).check(value, schema)


def test_a_conforming_record_passes() -> None:
    assert check({"id": "a", "displayed_as": "A", "$path": "/things/a", "date": "2024-01-31",
                  "created_at": "2024-01-31T10:00:00Z", "amount": "12.5", "count": 3, "active": True,
                  "owner": {"id": "b", "displayed_as": "B", "$path": "/bases/b"},
                  "lines": [{"id": "c", "displayed_as": "C"}]}) == []


def test_unset_values_may_be_null_and_keys_may_be_missing() -> None:
    assert check({"id": "a", "amount": None, "owner": None, "lines": None}) == []


def test_keys_out_of_the_definitions_order_are_named() -> None:
    problems = check({"id": "a", "amount": "1.0", "date": "2024-01-01"})
    assert problems == ["$.date: comes after `amount`, but Thing declares it before (keys follow the definition's "
                        "property order)"]
    assert check({"id": "a", "owner": {"displayed_as": "B", "id": "b"}})[0].startswith("$.owner.id: comes after")


def test_decimals_are_strings_in_sage_form() -> None:
    assert differences.DECIMAL.match("0.0") and differences.DECIMAL.match("-430035.84")
    for wrong in (12.5, 12, "12", "1e3", "12.5.1"):
        expected = f"$.amount: expected a decimal string (differences.DECIMALS), got {wrong!r}"
        assert check({"amount": wrong}) == [expected]


def test_scalar_types_and_formats() -> None:
    assert check({"count": "3"}) and check({"count": True}) and check({"active": "true"})
    assert check({"date": "31/01/2024"}) and check({"created_at": "2024-01-31T10:00:00.123Z"})
    assert check({"lines": {"id": "x"}}) == ["$.lines: expected an array, got dict"]


def test_undeclared_keys_need_a_documented_reason() -> None:
    assert check({"id": "a", "surprise": 1}) == [
        "$.surprise: not a property of Thing (document it in differences.EXTRA_KEYS, or drop it)"]
    assert check({"id": "b", "displayed_as": "1 EUR", "rate": "1.1"}, {"$ref": "#/definitions/ExchangeRate"}) == []
    late = check({"displayed_as": "1 EUR", "id": "b"}, {"$ref": "#/definitions/ExchangeRate"})
    assert late == ["$.id: must come before the keys ExchangeRate declares"]


def test_lists_come_in_sages_envelope() -> None:
    listing = {"type": "array", "items": THING}
    good = {"$total": 1, "$page": 1, "$next": None, "$back": None, "$itemsPerPage": 20,
            "$items": [{"id": "a", "displayed_as": "A", "$path": "/things/a"}]}
    assert response_problems(DEFINITIONS, listing, good) == []
    assert response_problems(DEFINITIONS, listing, [good["$items"]])[0].startswith("$: expected the list envelope")
    wrong_item = {**good, "$items": [{"amount": 1.5}]}
    assert response_problems(DEFINITIONS, listing, wrong_item)[0].startswith("$.$items[0].amount: expected a decimal")


def test_a_single_record_comes_whole_but_for_sages_conditional_properties() -> None:
    schema = {"$ref": "#/definitions/Base"}
    assert missing_properties(DEFINITIONS, schema, {"id": "a", "displayed_as": "A", "$path": "/bases/a"}) == []
    assert missing_properties(DEFINITIONS, schema, {"id": "a", "$path": "/bases/a"}) == [
        "$.displayed_as: Base declares it, but the record leaves it out (or document it in differences.CONDITIONAL)"]
    assert "deleted_at" in differences.CONDITIONAL


def test_a_retyped_property_is_checked_against_its_documented_shape() -> None:
    definitions = {"AnalysisType": {"type": "object", "properties": {"analysis_type_level": {"type": "array"}}}}
    schema = {"$ref": "#/definitions/AnalysisType"}
    level = {"id": 1, "name": "TRANSACTION_LEVEL", "identifier": "TRANSACTION"}
    assert Validator(definitions).check({"analysis_type_level": level}, schema) == []
    assert Validator(definitions).check({"analysis_type_level": [level]}, schema) == [
        "$.analysis_type_level: expected an object, got list"]
