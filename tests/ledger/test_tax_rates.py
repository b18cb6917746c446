"""GB CIS deduction rates served as tax rates (SQLite and PostgreSQL): listed only with `cis_only=true`,
readable by key (so `/cis_settings` links resolve), and kept out of every VAT list and VAT line."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.regions.data import lookups
from tests.support import reference
from tests.support.books import Books, problem
from tests.support.factories import Factory

VAT = ["GB_STANDARD", "GB_LOWER", "GB_ZERO", "GB_EXEMPT", "GB_NO_TAX"]
# HMRC: 20% registered, 30% not registered, none with gross payment status.
CIS = {"GB_CIS_REGISTERED": ("CIS Registered 20.00%", "20.0"),
       "GB_CIS_UNREGISTERED": ("CIS Unregistered 30.00%", "30.0"),
       "GB_CIS_GROSS": ("CIS Gross 0.00%", "0.0")}


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def _ids(books: Books, **params: Any) -> list[str]:
    response = books.get("/tax_rates", items_per_page=200, **params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["$items"]]


def test_cis_rates_are_listed_only_with_cis_only(books: Books) -> None:
    listing = books.get("/tax_rates", cis_only="true").json()
    assert listing["$total"] == 3
    assert listing["$items"] == [{"id": key, "displayed_as": label, "$path": f"/tax_rates/{key}"}
                                 for key, (label, _) in CIS.items()]
    # The plain list is Sage's recorded GB list: the five VAT rates.
    assert _ids(books) == VAT == _ids(books, cis_only="false")
    assert _ids(books, usage="sales") == VAT == _ids(books, usage="purchase")
    assert _ids(books, cis_only="true", usage="sales") == []
    assert _ids(books, cis_only="TRUE", attributes="all") == list(CIS)
    problem(books.get("/tax_rates", cis_only="maybe"), 400, "InvalidParameter", "cis_only")


def test_cis_rate_reads_by_key_in_swagger_order(books: Books) -> None:
    for key, (label, percentage) in CIS.items():
        rate = books.get(f"/tax_rates/{key}").json()
        assert list(rate) == list(reference.definitions()["TaxRate"]["properties"])
        assert (rate["displayed_as"], rate["percentage"]) == (label, percentage)
        assert rate["percentages"] == [{"percentage": percentage, "from_date": "2010-01-01", "to_date": None}]
        assert (rate["editable"], rate["deletable"], rate["is_combined_rate"]) == (False, False, False)
    problem(books.put("/tax_rates/GB_CIS_GROSS", {"tax_rate": {"name": "Gross"}}), 422, "RecordInvalid", "base")


def test_cis_settings_links_resolve(books: Books) -> None:
    body = books.put("/cis_settings", {"cis_settings": {"subcontractor": True,
                                                         "unique_tax_reference": "1234567890"}}).json()
    link = body["tax_rate"]
    assert link["id"] == "GB_CIS_REGISTERED"
    assert books.get(link["$path"]).json()["displayed_as"] == link["displayed_as"]
    # The settings' list of deduction rates and the tax rates never drift apart.
    listed = [{"id": r["id"], "displayed_as": r["displayed_as"]} for r in lookups()["cis_deduction_rates"]]
    served = [{"id": r["id"], "displayed_as": r["displayed_as"]}
              for r in books.get("/tax_rates", cis_only="true").json()["$items"]]
    assert listed == served


def test_cis_rates_stay_off_vat_lines_and_lists(books: Books) -> None:
    line = {"description": "Labour", "ledger_account_id": books.accounts[4000], "quantity": "1",
            "unit_price": "100.00", "tax_rate_id": "GB_CIS_REGISTERED", "tax_amount": "20.00"}
    problem(books.post("/sales_invoices", {"sales_invoice": {
        "contact_id": books.contact("CUSTOMER"), "date": "2024-06-01", "invoice_lines": [line]}}),
        422, "RecordInvalid", "invoice_lines[0].tax_rate_id")
    problem(books.post("/purchase_invoices", {"purchase_invoice": {
        "contact_id": books.contact("VENDOR"), "date": "2024-06-01", "due_date": "2024-07-01",
        "vendor_reference": "V1",
        "invoice_lines": [{**line, "ledger_account_id": books.accounts[5000]}]}}),
        422, "RecordInvalid", "invoice_lines[0].tax_rate_id")
    problem(books.put(f"/ledger_accounts/{books.accounts[5000]}", {"ledger_account": {
        "tax_rate_id": "GB_CIS_UNREGISTERED"}}), 422, "RecordInvalid", "tax_rate_id")
    vat = books.get("/tax_types/GB_VAT").json()
    assert [r["id"] for r in vat["tax_rates"]] == VAT
    for usage in ("sales", "purchase"):
        offered = books.get("/tax_determinations", usage=usage, items_per_page=200).json()["$items"]
        assert not {r["id"] for r in offered} & set(CIS)


@pytest.mark.parametrize("country", ["IE", "FR", "US"])
def test_no_cis_rates_outside_gb(client: TestClient, factory: Factory, country: str) -> None:
    books = Books.open(client, factory, country=country)
    assert books.get("/tax_rates", cis_only="true").json()["$total"] == 0
    problem(books.get("/tax_rates/GB_CIS_REGISTERED"), 404, "RecordNotFound")
