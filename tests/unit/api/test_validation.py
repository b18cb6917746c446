"""Request bodies (api/validation.py): control characters are refused with the field's path; the wrapper key and
the model's errors become Sage's problems."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from ledgerd.api.validation import check_text, parse_body
from ledgerd.errors import Invalid
from ledgerd.http.errors import InvalidCharacters
from ledgerd.limits import Amount


class Line(BaseModel):
    description: str
    quantity: Amount


class Invoice(BaseModel):
    reference: str | None = None
    lines: list[Line] = []


def check(body: Any) -> None:
    check_text(json.dumps(body).encode(), body)


def test_a_body_without_control_characters_passes() -> None:
    check({"invoice": {"notes": "line one\nline two\ttabbed\r\n", "x": "caf\u00e9 \u20ac"}})


@pytest.mark.parametrize(("body", "source", "where"), [
    ({"invoice": {"reference": "a\x00b"}}, "reference", "invoice.reference"),
    ({"invoice": {"lines": [{"d": "ok"}, {"d": "\x1f"}]}}, "lines[1].d", "invoice.lines[1].d"),
    ({"invoice": {"k\x07": 1}}, "k\x07", "invoice.k\x07"),
    ({"invoice": "\x0b"}, "invoice", "invoice"),
])
def test_a_control_character_is_refused_with_its_path_inside_the_wrapper(body: Any, source: str, where: str) -> None:
    with pytest.raises(InvalidCharacters) as caught:
        check(body)
    problem = caught.value.problems[0]
    assert problem.source == source
    assert problem.message.startswith(f"{where} contains the control character U+00")


def test_only_escaped_control_characters_are_looked_for() -> None:
    # The raw text decides whether the body is walked: strict JSON escapes every control character.
    check_text(b'{"a": "\\u00e9"}', {"a": "\x00"})
    with pytest.raises(InvalidCharacters):
        check_text(b'{"a": "\\b"}', {"a": "\b"})
    with pytest.raises(InvalidCharacters):
        check_text(b'{"a": "\\U001F"}'.replace(b"U", b"u"), {"a": "\x1f"})


def test_parse_body_validates_the_wrapped_object_and_ignores_unknown_attributes() -> None:
    parsed = parse_body({"invoice": {"reference": "R1", "lines": [{"description": "d", "quantity": "2.50"}],
                                     "unknown": 1}}, "invoice", Invoice)
    assert parsed.reference == "R1"
    assert str(parsed.lines[0].quantity) == "2.50"


@pytest.mark.parametrize(("body", "message"), [
    ({}, "invoice is missing"), ([], "invoice is missing"), ({"sales_invoice": {}}, "invoice is missing"),
    ({"invoice": []}, "invoice must be an object"), ({"invoice": None}, "invoice must be an object"),
])
def test_the_wrapper_must_be_there_and_an_object(body: Any, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_body(body, "invoice", Invoice)
    assert [(p.code, p.message, p.source) for p in caught.value.problems] == [("Validation", message, "invoice")]


def test_every_model_error_is_a_problem_with_its_source() -> None:
    with pytest.raises(Invalid) as caught:
        parse_body({"invoice": {"reference": 5, "lines": [{"description": "ok", "quantity": "1"},
                                                          {"quantity": "1.001"}]}}, "invoice", Invoice)
    problems = caught.value.problems
    assert [p.source for p in problems] == ["reference", "lines[1].description", "lines[1].quantity"]
    assert {p.code for p in problems} == {"RecordInvalid"}
