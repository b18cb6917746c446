"""The recargo de equivalencia on one line (docs/decisions/spain.md): a sale to a retailer in the regime at
"General + recargo de equivalencia" (ES_STANDARD_WITH_RE) carries IVA 21% and RE 5.2% on the same net.

Worked example (Ley 37/1992 art. 161; AEAT rates): 100.00 at IVA 21% = 21.00, RE 5.2% = 5.20, tax 26.20, total
126.20. Posted: Dr 4300 126.20 / Cr 7000 100.00 (the net once), Cr 4770 21.00 (ES_STANDARD) and Cr 4770 5.20
(ES_STANDARD_RE), each tax entry naming its own rate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text
from starlette.testclient import TestClient

from ledgerd.db.migrate import alembic_config, upgrade
from ledgerd.ledger.models import LedgerEntry, TaxRate
from tests.support.books import Books, D, books_on, problem
from tests.support.factories import Factory


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory, country="ES")


def _sale(books: Books, rate: str, tax: str, price: str = "100") -> Any:
    return books.post("/sales_invoices", {"sales_invoice": {
        "contact_id": books.contact("CUSTOMER", name="Ultramarinos Pepa"), "date": "2026-03-02",
        "invoice_lines": [{"description": "Aceite", "ledger_account_id": books.accounts[7000], "quantity": "1",
                           "unit_price": price, "tax_rate_id": rate, "tax_amount": tax}]}})


def test_one_line_carries_iva_and_recargo(books: Books) -> None:
    made = _sale(books, "ES_STANDARD_WITH_RE", "26.20")
    assert made.status_code == 201, made.text
    sale = made.json()
    line = sale["invoice_lines"][0]
    assert [(p["tax_rate"]["id"], D(p["percentage"]), D(p["amount"])) for p in line["tax_breakdown"]] == [
        ("ES_STANDARD", D("21"), D("21.00")), ("ES_STANDARD_RE", D("5.2"), D("5.20"))]
    assert (D(sale["net_amount"]), D(sale["tax_amount"]), D(sale["total_amount"])) == (
        D("100"), D("26.20"), D("126.20"))
    _, entries = books.transaction(sale["transaction"]["id"])
    assert entries == [(4300, D("126.20"), D(0)), (4770, D(0), D("5.20")), (4770, D(0), D("21.00")),
                       (7000, D(0), D("100.00"))]
    # The sale's account is credited the net once, not twice.
    assert books.balance(code=7000) == D("-100.00")
    rates = books.tx(lambda db: sorted((e.tax_rate_id, e.credit) for e in db.scalars(
        select(LedgerEntry).where(LedgerEntry.transaction_id == sale["transaction"]["id"],
                                  LedgerEntry.credit > 0))))
    # The net names the line's combined rate; each tax entry its component.
    assert rates == [("ES_STANDARD", D("21.00")), ("ES_STANDARD_RE", D("5.20")),
                     ("ES_STANDARD_WITH_RE", D("100.00"))]


def test_the_reduced_and_super_reduced_combinations(books: Books) -> None:
    # 250.00 x (10% + 1.4%) = 25.00 + 3.50 = 28.50; 250.00 x (4% + 0.5%) = 10.00 + 1.25 = 11.25.
    reduced = _sale(books, "ES_REDUCED_WITH_RE", "28.50", "250")
    assert reduced.status_code == 201, reduced.text
    assert D(reduced.json()["total_amount"]) == D("278.50")
    super_reduced = _sale(books, "ES_SUPER_REDUCED_WITH_RE", "11.25", "250")
    assert super_reduced.status_code == 201, super_reduced.text
    assert [D(p["amount"]) for p in super_reduced.json()["invoice_lines"][0]["tax_breakdown"]] == [
        D("10.00"), D("1.25")]


def test_a_tax_amount_of_the_iva_alone_is_refused(books: Books) -> None:
    # 21.00 is 5.20 short of 26.20: beyond the 0.05 tolerance.
    assert "26.20" in problem(_sale(books, "ES_STANDARD_WITH_RE", "21.00"), 422)["$message"]


def test_the_combined_rates_are_retailer_rates(books: Books) -> None:
    shown = books.get("/tax_rates/ES_STANDARD_WITH_RE").json()
    assert (shown["retailer"], D(shown["percentage"])) == (True, D("26.2"))
    # The existing ids still work: ES_STANDARD alone is 21.00 on 100.00.
    assert _sale(books, "ES_STANDARD", "21.00").status_code == 201


def test_the_migration_gives_existing_businesses_the_combined_rates(fresh_database: Callable[[str], str],
                                                                     backend: str) -> None:
    url = fresh_database(backend)
    with books_on(url, country="ES") as (books, runtime):
        runtime.engine.dispose()
        command.downgrade(alembic_config(url), "0012")
        # A business opened before the combined rates existed.
        books.tx(lambda db: db.execute(text("DELETE FROM tax_rates WHERE id LIKE '%_WITH_RE'")))
        upgrade(url)
        rates = books.tx(lambda db: {r.id: (r.components, r.retailer, r.legacy_id)
                                     for r in db.scalars(select(TaxRate))})
        assert rates["ES_STANDARD_WITH_RE"][:2] == (["ES_STANDARD", "ES_STANDARD_RE"], True)
        assert len({legacy for _, _, legacy in rates.values()}) == len(rates)
        # 100.00 at 21% + 5.2% = 26.20, as on a new business.
        assert _sale(books, "ES_STANDARD_WITH_RE", "26.20").status_code == 201
