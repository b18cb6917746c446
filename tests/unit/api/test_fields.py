"""The response declaration vocabulary (api/fields.py): order, joins and the JSON Schema it generates."""

from __future__ import annotations

from ledgerd.api.fields import (
    BOOLEAN,
    DATE,
    DECIMAL,
    LINK,
    NULL,
    TEXT,
    Page,
    keyed,
    many,
    maybe,
    obj,
    record,
)


def test_declaration_order_is_kept_through_joins() -> None:
    head = obj(a=TEXT, c=TEXT)
    joined = head.then(obj(d=TEXT), keyed({"$e": TEXT}), f=TEXT).before("c", b=TEXT).without("d")
    assert joined.keys == ("a", "b", "c", "$e", "f")
    assert record(name=TEXT).keys == ("id", "displayed_as", "$path", "name")
    assert record(name=TEXT).then(x=TEXT).record


def test_a_record_requires_its_base_keys_and_every_other_field_may_be_null() -> None:
    schema = record(total=DECIMAL, on=DATE, contact=LINK, lines=many(obj(done=BOOLEAN)), gone=NULL).schema()
    assert schema["required"] == ["id", "displayed_as", "$path"]
    properties = schema["properties"]
    assert properties["id"] == {"type": "string"}
    assert properties["total"] == {"type": ["string", "null"], "format": "decimal", "pattern": r"^-?[0-9]+\.[0-9]+$"}
    assert properties["on"] == {"type": ["string", "null"], "format": "date"}
    assert properties["contact"]["type"] == ["object", "null"]
    assert properties["contact"]["required"] == ["id", "displayed_as", "$path"]
    assert properties["lines"]["items"] == {"type": "object", "properties": {"done": {"type": ["boolean", "null"]}},
                                            "required": ["done"]}
    assert properties["gone"] == {"type": "null"}


def test_a_nested_object_requires_every_key_but_those_shown_on_request() -> None:
    schema = obj(a=TEXT, b=maybe(many(TEXT))).schema()
    assert schema["required"] == ["a"]
    assert schema["properties"]["b"] == {"type": ["array", "null"], "items": {"type": "string"}}


def test_a_page_wraps_its_records_in_the_list_envelope() -> None:
    schema = Page(record(name=TEXT)).schema()
    assert schema["required"] == ["$total", "$page", "$next", "$back", "$itemsPerPage", "$items"]
    item, tombstone = schema["properties"]["$items"]["items"]["anyOf"]
    assert list(item["properties"]) == ["id", "displayed_as", "$path", "name"]
    assert tombstone["required"] == ["id", "displayed_as", "$path", "deleted_at"]
