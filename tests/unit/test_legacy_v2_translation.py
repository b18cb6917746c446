"""v2 ↔ v3.1 translation driven by the tables (pure)."""

from __future__ import annotations

import pytest

from ledgerd.api.legacy import v2_translation as translate
from ledgerd.api.legacy.v2_resources import BY_PATH
from ledgerd.errors import Invalid

EXPENSES = BY_PATH["expenses"].table
INVOICES = BY_PATH["sales_invoices"].table
CONTACTS = BY_PATH["contacts"].table


def test_a_flat_expense_becomes_a_payment_with_one_line() -> None:
    body = translate.to_v31(EXPENSES, {"date": "2024-06-15", "amount": "12.00", "expense_type_id": "77",
                                       "description": "Paper", "bank_account_id": "5"})
    assert body == {"date": "2024-06-15", "total_amount": "12.00", "bank_account_id": "5",
                    "payment_lines": [{"total_amount": "12.00", "ledger_account_id": "77", "details": "Paper"}]}
    found = {(ref.segment, ref.legacy_id, ref.path) for ref in translate.refs(body)}
    assert found == {("bank_accounts", 5, "bank_account_id"),
                     ("ledger_accounts", 77, "payment_lines.0.ledger_account_id")}
    assert translate.source(EXPENSES, "other_payment", "expense", "payment_lines[0].ledger_account_id") == \
        "expense_type_id"
    assert translate.source(EXPENSES, "other_payment", "expense", "total_amount") == "amount"


def test_lines_and_codes() -> None:
    body = translate.to_v31(INVOICES, {"contact_id": "3", "line_items_attributes": [{"description": "a"}],
                                       "main_address_attributes": {"city": "Leeds"}})
    assert body == {"contact_id": "3", "invoice_lines": [{"description": "a"}], "main_address": {"city": "Leeds"}}
    assert translate.to_v31(CONTACTS, {"contact_type_id": "2"}) == {"contact_type_ids": ["VENDOR"]}
    with pytest.raises(Invalid) as refused:
        translate.to_v31(CONTACTS, {"contact_type_id": "9"})
    assert refused.value.problems[0].source == "contact_type_id"
    assert translate.source(INVOICES, "sales_invoice", "sales_invoice", "invoice_lines[1].quantity") == \
        "line_items_attributes[1][quantity]"
    assert translate.source(INVOICES, "sales_invoice", "sales_invoice", "sales_invoice") == "sales_invoice"


def test_answers_take_legacy_ids_in_the_records_order() -> None:
    item = {"legacy_id": 9, "id": "a" * 32, "displayed_as": "SI-1", "$path": "/sales_invoices/" + "a" * 32,
            "contact": {"legacy_id": 3, "id": "b" * 32, "displayed_as": "Ada", "$path": "/contacts/" + "b" * 32},
            "invoice_lines": [{"id": "c" * 32, "description": "a",
                               "ledger_account": {"legacy_id": 4, "id": "d" * 32, "$path": "/ledger_accounts/x"}}],
            "total_amount": "1.0"}
    assert translate.resource(INVOICES, item) == {
        "id": 9, "displayed_as": "SI-1", "contact": {"id": 3, "displayed_as": "Ada", "$key": 3},
        "line_items": [{"id": "c" * 32, "description": "a", "ledger_account": {"id": 4, "$key": 4}}],
        "total_amount": "1.0", "$key": 9}
    contact = {"legacy_id": 1, "id": "e" * 32, "contact_types": [{"legacy_id": 5, "id": "VENDOR",
                                                                   "displayed_as": "Supplier"}]}
    assert translate.resource(CONTACTS, contact)["contact_type"] == \
        {"id": 2, "name": "VENDOR", "displayed_as": "Supplier", "$key": 2}
