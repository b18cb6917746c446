"""Query strings and url-encoded forms at the edge (http/edge.py `fields`): each name and value, decoded, must be
UTF-8 text without control characters (line breaks allowed in values only)."""

from __future__ import annotations

import pytest

from ledgerd.http.edge import fields


@pytest.mark.parametrize("raw", [
    b"", b"page=2&items_per_page=20", b"search=caf%C3%A9+cr%C3%A8me", b"notes=line%0Aline%0D%0Atab%09",
    b"a=%25", b"=x", b"flag", b"a=1&&b=2", "search=caf\u00e9".encode(), b"q=%7E%20",
])
def test_acceptable_fields(raw: bytes) -> None:
    assert fields(raw, "query parameter") is None


@pytest.mark.parametrize(("raw", "message", "source"), [
    (b"search=a%00b", "The query parameter search contains the control character U+0000; it may hold no control "
                      "characters other than tab, line feed and carriage return.", "search"),
    (b"ok=1&search=%1F", "The query parameter search contains the control character U+001F", "search"),
    (b"se%0Aarch=1", "A query parameter name contains the control character U+000A; it may hold no control "
                     "characters.", "se\narch"),
    (b"search=%FF", "The query parameter search is not valid UTF-8.", "search"),
    (b"search=\xff", "The query parameter search is not valid UTF-8.", "search"),
    (b"%C3=1", "A query parameter name is not valid UTF-8.", "\ufffd"),
    (b"search=a\x01", "The query parameter search contains the control character U+0001", "search"),
])
def test_refused_fields_name_the_parameter(raw: bytes, message: str, source: str) -> None:
    refused = fields(raw, "query parameter")
    assert refused is not None
    assert refused.message.startswith(message)
    assert refused.source == source


def test_the_first_bad_field_is_named_and_plus_is_a_space() -> None:
    refused = fields(b"a+b=%00&c=%01", "form field")
    assert refused is not None
    assert (refused.source, refused.message.split(" contains")[0]) == ("a b", "The form field a b")
