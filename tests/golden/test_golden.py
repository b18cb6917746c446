"""ledgerd's answers against what real Sage answers show (tests/golden/facts.py), key by key.

Each case makes the kind of record a recording shows (tests/golden/records.py), asks ledgerd as the recording
asked Sage, and compares: the same keys in the same order (less the keys the facts skip, each with its reason),
and each value of the recorded kind, nested objects included. Runs on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.golden import facts as golden
from tests.golden import records
from tests.golden.facts import Facts
from tests.support.books import Books
from tests.support.factories import Factory

DECIMAL = re.compile(r"^-?\d+\.\d+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PATH = re.compile(r"^/[a-z_]+/[0-9A-Za-z_]+$")


def _is_link(value: Any) -> bool:
    return (isinstance(value, dict) and list(value) == ["id", "displayed_as", "$path"]
            and isinstance(value["id"], str) and isinstance(value["displayed_as"], str)
            and bool(PATH.match(value["$path"])))


SIMPLE: dict[str, Callable[[Any], bool]] = {
    "id": lambda v: isinstance(v, str) and v != "",
    "text": lambda v: isinstance(v, str) and v != "",
    '""': lambda v: v == "",
    "null": lambda v: v is None,
    "link": _is_link,
    "label": lambda v: isinstance(v, dict) and list(v) == ["id", "displayed_as"],
    "statement": lambda v: isinstance(v, dict) and list(v) == ["id", "name"],
    "decimal": lambda v: isinstance(v, str) and bool(DECIMAL.match(v)),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, str) and bool(DATE.match(v)),
    "timestamp": lambda v: isinstance(v, str) and bool(TIMESTAMP.match(v)),
    "path": lambda v: isinstance(v, str) and bool(PATH.match(v)),
    "[link]": lambda v: isinstance(v, list) and len(v) > 0 and all(_is_link(i) for i in v),
    "[text]": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "[href]": lambda v: isinstance(v, list) and all(isinstance(i, dict) and list(i) == ["href", "rel", "type"]
                                                    for i in v),
}


def differences(facts: Facts, answer: Any, where: str = "") -> list[str]:
    """Every way `answer` differs from `facts`, as readable lines ("" when it matches)."""
    if not isinstance(answer, dict):
        return [f"{where or '.'}: expected an object, got {answer!r}"]
    wanted = [key for key, _ in facts.keys if key not in facts.skip]
    got = [key for key in answer if key not in facts.skip]
    out = []
    if "order" in facts.skip:
        if sorted(wanted) != sorted(got):
            out.append(f"{where or '.'}: keys missing {sorted(set(wanted) - set(got))}, "
                       f"extra {sorted(set(got) - set(wanted))}")
    elif wanted != got:
        out.append(f"{where or '.'}: keys differ (missing {[k for k in wanted if k not in got]}, "
                   f"extra {[k for k in got if k not in wanted]})\n  Sage:    {wanted}\n  ledgerd: {got}")
    for key, kind in facts.keys:
        if key in facts.skip or key not in answer:
            continue
        value, at = answer[key], f"{where}.{key}"
        if kind in SIMPLE:
            if not SIMPLE[kind](value):
                out.append(f"{at}: expected {kind}, got {value!r}")
        elif kind.startswith("[{"):
            if not isinstance(value, list) or not value:
                out.append(f"{at}: expected a non-empty array of {kind[2:-2]}, got {value!r}")
            else:
                for i, inner in enumerate(value):
                    out += differences(golden.NAMED[kind[2:-2]], inner, f"{at}[{i}]")
        elif kind.startswith("{"):
            out += differences(golden.NAMED[kind[1:-1]], value, at)
        else:
            raise AssertionError(f"unknown kind {kind} in {facts.source}")
    return out


CASES: dict[str, tuple[Facts, Callable[[Books], dict[str, Any]]]] = {
    "contact read": (golden.CONTACT_READ, records.contact_read),
    "supplier read": (golden.SUPPLIER_READ, records.supplier_read),
    "contact list item": (golden.CONTACT_LIST_ITEM, records.contact_list_item),
    "address": (golden.ADDRESS_READ, records.address_read),
    "contact person": (golden.CONTACT_PERSON_READ, records.contact_person_read),
    "bank account list item": (golden.BANK_ACCOUNT_LIST_ITEM, records.bank_account_list_item),
    "ledger account": (golden.LEDGER_ACCOUNT, records.ledger_account_read),
    "product list item": (golden.PRODUCT_LIST_ITEM, records.product_list_item),
    "sales invoice read": (golden.SALES_INVOICE_READ, records.sales_invoice_read),
    "sales invoice read, nested_attributes=all": (golden.SALES_INVOICE_READ_NESTED, records.sales_invoice_read_nested),
    "sales invoice sorted list item": (golden.SALES_INVOICE_SORTED_ITEM, records.sales_invoice_sorted_item),
    "contact payment": (golden.CONTACT_PAYMENT_READ, records.contact_payment_read),
    "tax rate": (golden.TAX_RATE_READ, records.tax_rate_read),
    "financial settings": (golden.FINANCIAL_SETTINGS, records.financial_settings),
    "business": (golden.BUSINESS_READ, records.business_read),
    "business list": (golden.BUSINESS_LIST, records.business_list),
}


@pytest.mark.parametrize("case", CASES)
def test_answer_matches_the_recorded_sage_answer(client: TestClient, factory: Factory, case: str) -> None:
    facts, make = CASES[case]
    answer = make(Books.open(client, factory))
    found = differences(facts, answer)
    assert not found, f"{case} ({facts.request}; source {facts.source}):\n" + "\n".join(found)


def test_the_comparison_finds_each_kind_of_difference() -> None:
    facts = golden.facts("test", "test", """
a link
b ""
c decimal
""", order="")
    good = {"a": {"id": "X", "displayed_as": "X", "$path": "/xs/X"}, "b": "", "c": "1.0"}
    assert differences(facts, good) == []
    assert len(differences(facts, {**good, "a": {"id": "X", "displayed_as": "X"}})) == 1
    assert len(differences(facts, {**good, "b": None})) == 1
    assert len(differences(facts, {**good, "c": 1.0})) == 1
    assert len(differences(facts, {"a": good["a"], "b": ""})) == 1
    strict = golden.facts("test", "test", "a int\nb int")
    assert len(differences(strict, {"b": 1, "a": 1})) == 1
