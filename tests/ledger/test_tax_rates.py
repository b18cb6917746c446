"""Tax rates over HTTP (SQLite and PostgreSQL): each region's rates and their percentage on a date, US businesses'
own and combined rates, and GB CIS deduction rates: listed only with `cis_only=true`, readable by key (so
`/cis_settings` links resolve), and kept out of every VAT list and VAT line."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from ledgerd.regions.data import lookups
from tests.support import reference
from tests.support.books import Books, problem
from tests.support.factories import Factory

TAX_RATE_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "name", "agency", "percentage",
                 "percentages", "is_visible", "retailer", "editable", "deletable", "is_combined_rate",
                 "component_tax_rates"]
VAT = ["GB_STANDARD", "GB_LOWER", "GB_ZERO", "GB_EXEMPT", "GB_NO_TAX"]
# HMRC: 20% registered, 30% not registered, none with gross payment status.
CIS = {"GB_CIS_REGISTERED": ("CIS Registered 20.00%", "20.0"),
       "GB_CIS_UNREGISTERED": ("CIS Unregistered 30.00%", "30.0"),
       "GB_CIS_GROSS": ("CIS Gross 0.00%", "0.0")}


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


# --- tax rates -----------------------------------------------------------------------------------------------

def test_tax_rates_and_percentage_on_a_date(books: Books, frozen: Clock) -> None:
    listing = books.get("/tax_rates").json()
    assert [i["id"] for i in listing["$items"]] == ["GB_STANDARD", "GB_LOWER", "GB_ZERO", "GB_EXEMPT", "GB_NO_TAX"]
    assert listing["$items"][0] == {"id": "GB_STANDARD", "displayed_as": "Standard 20.00%",
                                    "$path": "/tax_rates/GB_STANDARD"}
    assert listing["$items"][4]["displayed_as"] == "No VAT"
    standard = books.get("/tax_rates/GB_STANDARD").json()
    assert list(standard) == TAX_RATE_KEYS
    assert standard["percentage"] == "20.0" and standard["is_combined_rate"] is False
    assert standard["percentages"] == [{"percentage": "17.5", "from_date": "2010-01-01", "to_date": "2011-01-03"},
                                       {"percentage": "20.0", "from_date": "2011-01-04", "to_date": None}]
    assert (standard["editable"], standard["deletable"], standard["component_tax_rates"]) == (False, False, [])
    old = books.get("/tax_rates/GB_STANDARD", date="2010-06-01").json()
    assert old["percentage"] == "17.5" and old["displayed_as"] == "Standard 17.50%"
    assert books.get("/tax_rates", date="2010-06-01").json()["$items"][0]["displayed_as"] == "Standard 17.50%"
    assert books.get("/tax_rates", usage="sales").json()["$total"] == 5
    assert books.get("/tax_rates", cis_only="true").json()["$total"] == 3  # the CIS rates: below
    problem(books.get("/tax_rates", usage="both"), 400, "InvalidParameter", "usage")
    problem(books.get("/tax_rates", date="June"), 400, "InvalidParameter", "date")
    problem(books.get("/tax_rates/US_NO_TAX"), 404, "RecordNotFound")


def test_tax_rate_writes_are_us_only(books: Books) -> None:
    source = "base"
    problem(books.post("/tax_rates", {"tax_rate": {"name": "City"}}), 422, "RecordInvalid", source)
    problem(books.put("/tax_rates/GB_STANDARD", {"tax_rate": {"name": "Std"}}), 422, "RecordInvalid", source)
    problem(books.delete("/tax_rates/GB_STANDARD"), 422, "RecordInvalid", source)
    problem(books.delete("/tax_rates/NOPE"), 404, "RecordNotFound")
    assert books.get("/tax_rates/GB_STANDARD").json()["name"] == "Standard"


def test_us_custom_and_combined_tax_rates(client: TestClient, factory: Factory, frozen: Clock) -> None:
    books = Books.open(client, factory, country="US")
    response = books.post("/tax_rates", {"tax_rate": {"name": "Springfield", "agency": "State of Illinois",
                                                      "component_tax_rate": [
                                                          {"name": "State", "percentage": 6.25},
                                                          {"name": "City", "agency": "City of Springfield",
                                                           "percentage": "2.5"}]}})
    assert response.status_code == 201, response.text
    combined = response.json()
    assert list(combined) == TAX_RATE_KEYS and len(combined["id"]) == 32
    assert combined["is_combined_rate"] is True and combined["percentage"] == "8.75"
    assert combined["displayed_as"] == "Springfield 8.75%" and combined["agency"] == "State of Illinois"
    assert combined["editable"] is True and combined["deletable"] is True
    parts = combined["component_tax_rates"]
    assert [(p["name"], p["agency"], p["percentage"]) for p in parts] == [
        ("State", "State of Illinois", "6.25"), ("City", "City of Springfield", "2.5")]
    assert "component_tax_rates" not in parts[0] and parts[0]["deletable"] is False

    # A new city rate from 1 July: the combined rate follows on that date only.
    city = parts[1]["$path"]
    changed = books.put(city, {"tax_rate": {"percentage": 3, "from_date": "2024-07-01"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["percentages"] == [
        {"percentage": "2.5", "from_date": "2010-01-01", "to_date": "2024-06-30"},
        {"percentage": "3.0", "from_date": "2024-07-01", "to_date": None}]
    assert books.get(combined["$path"]).json()["percentage"] == "8.75"
    assert books.get(combined["$path"], date="2024-07-01").json()["percentage"] == "9.25"
    problem(books.put(combined["$path"], {"tax_rate": {"percentage": 1}}), 422, "RecordInvalid", "percentage")
    problem(books.delete(city), 422, "RecordInvalid", "base")
    problem(books.put("/tax_rates/US_NO_TAX", {"tax_rate": {"name": "None"}}), 422, "RecordInvalid", "base")

    simple = books.post("/tax_rates", {"tax_rate": {"name": "Use tax", "is_visible": False}}).json()
    assert simple["percentage"] == "0.0" and simple["is_combined_rate"] is False and simple["is_visible"] is False
    renamed = books.put(simple["$path"], {"tax_rate": {"name": "Use tax IL", "percentage": "6.25"}}).json()
    assert renamed["name"] == "Use tax IL" and renamed["percentage"] == "6.25"
    assert books.delete(simple["$path"]).status_code == 204
    problem(books.get(simple["$path"]), 404, "RecordNotFound")
    assert [i["id"] for i in books.get("/tax_rates", deleted_since="2000-01-01").json()["$items"]] == [simple["id"]]
    assert books.delete(combined["$path"]).status_code == 204
    assert books.delete(city).status_code == 204
    problem(books.post("/tax_rates", {"tax_rate": {"agency": "X"}}), 422, "RecordInvalid", "name")
    problem(books.post("/tax_rates", {"tax_rate": {"name": "X", "component_tax_rate": [{"percentage": 1}]}}),
            422, "RecordInvalid", "component_tax_rate[0].name")


def test_qst_keeps_its_three_decimals_in_its_label(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory, country="CA")
    # Revenu Québec's QST is 9.975 %: two decimals would show 9.98 %; GST 5 % + QST 9.975 % = 14.975 %.
    assert books.get("/tax_rates/CA_QST_QC").json()["displayed_as"] == "QST 9.975%"
    assert books.get("/tax_rates/CA_GST_QST_QC").json()["displayed_as"] == "GST & QST 14.975%"
    assert books.get("/tax_rates/CA_GST").json()["displayed_as"] == "GST 5.00%"
