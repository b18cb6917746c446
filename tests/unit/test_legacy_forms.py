"""Rails-style nested form parameters of API v1/v2 bodies."""

from __future__ import annotations

import pytest

from ledgerd.api.legacy import forms
from ledgerd.errors import Invalid


def test_nested_hashes_lists_and_numbered_hashes() -> None:
    parsed = forms.parse([
        ("contact[name]", "My Customer"), ("contact[contact_type_id]", "1"),
        ("sales_invoice[line_items_attributes][1][description]", "second"),
        ("sales_invoice[line_items_attributes][0][description]", "first"),
        ("sales_invoice[line_items_attributes][0][quantity]", "2"),
        ("sales_invoice[line_items_attributes][10][description]", "third"),
        ("tags[]", "a"), ("tags[]", "b"), ("plain", ""),
    ])
    assert parsed == {
        "contact": {"name": "My Customer", "contact_type_id": "1"},
        "sales_invoice": {"line_items_attributes": [
            {"description": "first", "quantity": "2"}, {"description": "second"}, {"description": "third"}]},
        "tags": ["a", "b"], "plain": ""}


@pytest.mark.parametrize("pairs", [
    [("a", "1"), ("a[b]", "2")],
    [("a[b]", "2"), ("a", "1")],
    [("a[b]", "1"), ("a[b]", "2")],
    [("a[]", "1"), ("a[b]", "2")],
    [("a[][b]", "1")],
    [("[a]", "1")],
    [("a[b", "1")],
    [("a" + "[b]" * 9, "1")],
])
def test_malformed_names_are_refused(pairs: list[tuple[str, str]]) -> None:
    with pytest.raises(Invalid):
        forms.parse(pairs)
