"""Request bodies of documents (artefacts/schemas.py): one shape for every kind, within ledgerd's limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ledgerd.artefacts.kinds import KINDS
from ledgerd.artefacts.schemas import BODIES, CreditNoteIn, InvoiceIn, LineIn
from ledgerd.limits import MAX_LINES


def errors(model: Any, body: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return [tuple(e["loc"]) for e in caught.value.errors()]


def test_every_kind_has_a_body_whose_lines_are_its_lines_key() -> None:
    for kind in KINDS:
        body = BODIES[kind.lines_key].model_validate({kind.lines_key: [{"description": "d"}]})
        lines = body.lines()
        assert lines is not None and lines[0].description == "d", kind.kind
    assert InvoiceIn().lines() is None


def test_text_is_stripped_and_unknown_or_derived_attributes_ignored() -> None:
    body = InvoiceIn.model_validate({"reference": "  R-1 ", "total_amount": "999", "net_amount": "1",
                                     "invoice_lines": [{"description": " Widget\n", "quantity": "2"}]})
    assert body.reference == "R-1"
    assert body.invoice_lines is not None and body.invoice_lines[0].description == "Widget"
    assert "total_amount" not in body.model_dump()


def test_a_line_of_blanks_has_no_description() -> None:
    assert errors(LineIn, {"description": "   "}) == [("description",)]


@pytest.mark.parametrize(("field", "value"), [
    ("discount_amount", "-0.01"), ("discount_percentage", "100.5"), ("quantity", "1e9"), ("unit_price", "1e10"),
    ("tax_amount", "0.001"), ("id", "a" * 33), ("eu_goods_services_type_id", "x" * 21),
])
def test_line_limits(field: str, value: str) -> None:
    assert errors(LineIn, {field: value}) == [(field,)]


def test_a_line_may_send_its_figures_as_json_numbers_or_strings() -> None:
    line = LineIn.model_validate({"quantity": 2, "unit_price": "1.5e1", "discount_amount": "0",
                                  "analysis_type_categories": ["a", {"id": "b", "displayed_as": "B"}]})
    assert (line.quantity, line.unit_price, line.discount_amount) == (2, Decimal(15), 0)
    assert line.analysis_type_categories == ["a", "b"]


@pytest.mark.parametrize(("field", "value"), [
    ("reference", "x" * 26), ("vendor_reference", "x" * 32), ("contact_reference", "x" * 51), ("notes", "x" * 2001),
    ("terms_and_conditions", "x" * 2001), ("currency_id", "EU"), ("currency_id", "EURO"), ("exchange_rate", "0"),
    ("shipping_net_amount", "-1"), ("date", "1899-12-31"), ("due_date", "not a date"),
])
def test_header_limits(field: str, value: str) -> None:
    assert errors(InvoiceIn, {field: value}) == [(field,)]


def test_a_credit_note_takes_longer_terms() -> None:
    assert CreditNoteIn.model_validate({"terms_and_conditions": "x" * 65535}).terms_and_conditions
    assert errors(CreditNoteIn, {"terms_and_conditions": "x" * 65536}) == [("terms_and_conditions",)]


def test_at_most_max_lines() -> None:
    assert len(InvoiceIn.model_validate({"invoice_lines": [{}] * MAX_LINES}).invoice_lines or []) == MAX_LINES
    assert errors(InvoiceIn, {"invoice_lines": [{}] * (MAX_LINES + 1)}) == [("invoice_lines",)]


def test_a_bad_line_is_named_by_its_index() -> None:
    assert errors(InvoiceIn, {"invoice_lines": [{}, {"quantity": "x"}]}) == [("invoice_lines", 1, "quantity")]
