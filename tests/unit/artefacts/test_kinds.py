"""The document kinds (artefacts/kinds.py): what sets each apart, and the table's own consistency."""

from __future__ import annotations

import pytest

from ledgerd.artefacts.kinds import (
    BY_KIND,
    CORRECTIVE_KINDS,
    KINDS,
    PURCHASE_CREDIT_NOTE,
    PURCHASE_INVOICE,
    PURCHASE_QUICK_ENTRY_CREDIT_NOTE,
    QUICK_ENTRIES,
    QUICK_ENTRY_KINDS,
    SALES_CORRECTIVE_INVOICE,
    SALES_CREDIT_NOTE,
    SALES_ESTIMATE,
    SALES_INVOICE,
    SALES_QUICK_ENTRY_INVOICE,
    SALES_QUOTE,
    UNPOSTED,
    Kind,
)

ALL = (*KINDS, *CORRECTIVE_KINDS, *QUICK_ENTRY_KINDS)


def test_every_kind_is_listed_once_by_its_name() -> None:
    assert len(BY_KIND) == len(ALL) == 12
    assert all(BY_KIND[k.kind] is k for k in ALL)
    assert {k.kind for k in QUICK_ENTRY_KINDS} == QUICK_ENTRIES


@pytest.mark.parametrize("attribute", ["path", "wrapper"])
def test_paths_and_wrappers_are_unique_but_a_sides_quick_entries_share_one(attribute: str) -> None:
    values = [getattr(k, attribute) for k in (*KINDS, *CORRECTIVE_KINDS)]
    quick = {getattr(k, attribute) for k in QUICK_ENTRY_KINDS}
    assert len(set(values)) == len(values)
    assert len(quick) == 2 and quick.isdisjoint(values)


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.kind)
def test_a_kind_is_consistent(kind: Kind) -> None:
    assert kind.path == kind.wrapper.replace("_quick_entry", "_quick_entries") or kind.path == f"{kind.wrapper}s"
    assert kind.sign in (-1, 0, 1)
    assert kind.posts == (kind.sign != 0)
    assert (kind.transaction_type_id is not None) == kind.posts
    assert kind.initial_statuses and len(set(kind.initial_statuses)) == len(kind.initial_statuses)
    assert kind.wrapper.startswith("sales_" if kind.sales else "purchase_")
    assert kind.has_due_date == (kind.sign > 0)
    assert kind.has_shipping == kind.has_discounts == kind.sales


@pytest.mark.parametrize(("kind", "contact", "label", "area", "usage"), [
    (SALES_INVOICE, "CUSTOMER", "Customer", "sales", "sales"),
    (SALES_QUOTE, "CUSTOMER", "Customer", "sales", "sales"),
    (PURCHASE_INVOICE, "VENDOR", "Supplier", "expenses", "purchase"),
    (PURCHASE_QUICK_ENTRY_CREDIT_NOTE, "VENDOR", "Supplier", "expenses", "purchase"),
])
def test_the_side_decides_contact_ledger_area_and_tax_usage(kind: Kind, contact: str, label: str, area: str,
                                                            usage: str) -> None:
    assert (kind.contact_type, kind.contact_label, kind.ledger_area, kind.tax_usage) == (contact, label, area, usage)


def test_invoices_grow_balances_credit_notes_shrink_them_quotes_never_post() -> None:
    signs = [k.sign for k in (SALES_INVOICE, SALES_CREDIT_NOTE, PURCHASE_INVOICE, PURCHASE_CREDIT_NOTE)]
    assert signs == [1, -1, 1, -1]
    assert not SALES_QUOTE.posts and not SALES_ESTIMATE.posts
    assert SALES_QUOTE.is_quote and SALES_ESTIMATE.is_quote and not SALES_INVOICE.is_quote


def test_which_kinds_are_numbered() -> None:
    assert SALES_INVOICE.number_field == "invoice_number"
    assert SALES_CREDIT_NOTE.number_field == "credit_note_number"
    numbered = {k.kind for k in ALL if k.number_field is not None}
    assert numbered == {"SALES_INVOICE", "SALES_CREDIT_NOTE", "SALES_QUOTE", "SALES_ESTIMATE",
                        "SALES_CORRECTIVE_INVOICE"}
    assert PURCHASE_INVOICE.number_field is None
    assert all(k.number_field is None for k in QUICK_ENTRY_KINDS)


def test_only_purchases_and_quotes_require_a_line_quantity() -> None:
    required = {k.kind for k in ALL if k.line_quantity_required}
    assert required == {"SALES_QUOTE", "SALES_ESTIMATE", "PURCHASE_INVOICE", "PURCHASE_CREDIT_NOTE",
                        "PURCHASE_CORRECTIVE_INVOICE"}


def test_initial_statuses() -> None:
    assert SALES_INVOICE.initial_statuses == ("UNPAID", "DRAFT", "PRO_FORMA")
    assert SALES_QUOTE.initial_statuses[0] == "PENDING"
    assert all(k.initial_statuses == ("UNPAID",) for k in QUICK_ENTRY_KINDS)
    assert {"DRAFT", "PRO_FORMA"} == UNPOSTED
    assert all(set(k.initial_statuses[:1]).isdisjoint(UNPOSTED) for k in ALL)


def test_corrective_and_quick_entry_kinds() -> None:
    assert [k.corrective for k in ALL].count(True) == 2
    assert SALES_CORRECTIVE_INVOICE.corrective and SALES_CORRECTIVE_INVOICE.sign == 1
    expected = Kind("SALES_QUICK_ENTRY_INVOICE", "sales_quick_entries", "sales_quick_entry", "lines", None, True,
                    1, "SALES_QUICK_ENTRY_INVOICE", False, ("UNPAID",))
    assert expected == SALES_QUICK_ENTRY_INVOICE
    assert PURCHASE_QUICK_ENTRY_CREDIT_NOTE.kind == "PURCHASE_QUICK_ENTRY_CREDIT_NOTE"
    assert PURCHASE_QUICK_ENTRY_CREDIT_NOTE.sign == -1
