"""The reference lists over HTTP (SQLite and PostgreSQL): wire order against Sage's swagger, each country's
content, the selecting filters (`country_id`, `coa_template_id`, `tax_type_id`), paging, `attributes` and 404s.
The region data behind them (lookups.toml) is tested without a database in tests/unit/regions/test_data.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from ledgerd.db.tenancy import bind_business
from ledgerd.ledger.models import LedgerAccount
from ledgerd.lookups.lists import LISTS
from ledgerd.regions import COUNTRIES
from ledgerd.regions.data import region
from ledgerd.runtime import Runtime
from tests.support import reference
from tests.support.factories import Factory

BASE = ["id", "displayed_as", "$path"]
# A country where Sage offers the list and ledgerd has items in it (the wire-order tests need an item).
SHOWN_IN = {"tax_offices": "DE", "tax_types": "CA", "corrective_reason_codes": "ES", "legal_form_types": "FR",
            "business_activity_types": "FR", "ledger_account_classifications": "FR"}


@dataclass
class Books:
    business_id: str
    headers: dict[str, str]


@pytest.fixture(scope="module")
def books(runtime: Runtime) -> dict[str, Books]:
    """One business per country, made once per backend for the whole module (the lists never change)."""
    factory = Factory(runtime)
    owner = factory.user()
    out = {}
    for country in COUNTRIES:
        business = factory.business(owner, name=f"{country} Books", country=country)
        out[country] = Books(business.id, factory.headers(owner, business=business.id))
    return out


@pytest.fixture
def api(client: TestClient, books: dict[str, Books]) -> Iterator[Any]:
    def get(country: str, path: str, **query: Any) -> Any:
        return client.get(f"/v3.1{path}", params=query, headers=books[country].headers)

    yield get


def definition(path: str) -> list[str]:
    """The property order of the definition Sage's swagger gives for `GET /<path>/{key}`."""
    schema = reference.swagger()["paths"][f"/{path}/{{key}}"]["get"]["responses"]["200"]["schema"]
    return list(reference.definitions()[schema["$ref"].split("/")[-1]]["properties"])


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["$items"]]


# --- wire shape, every list ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(LISTS))
def test_items_carry_their_definition_in_the_swagger_order(api: Any, path: str) -> None:
    country = SHOWN_IN.get(path, "GB")
    listed = ok(api(country, f"/{path}", attributes="all"))
    assert listed["$items"], path
    wanted = definition(path)
    assert all(list(item) == wanted for item in listed["$items"])
    first = listed["$items"][0]
    assert first["$path"] == f"/{path}/{first['id']}"
    assert ok(api(country, f"/{path}/{first['id']}")) == first
    plain = ok(api(country, f"/{path}"))["$items"][0]
    assert list(plain) == BASE


@pytest.mark.parametrize("path", sorted(LISTS))
def test_an_unknown_key_is_not_found(api: Any, path: str) -> None:
    response = api(SHOWN_IN.get(path, "GB"), f"/{path}/NO_SUCH_KEY")
    assert response.status_code == 404
    assert response.json()[0]["$dataCode"] == "RecordNotFound"


def test_the_old_static_lists_stay_base_objects(api: Any) -> None:
    assert definition("countries") == definition("currencies") == BASE
    assert ok(api("GB", "/countries/GB", attributes="all")) == {
        "id": "GB", "displayed_as": "United Kingdom (GB)", "$path": "/countries/GB"}
    assert ok(api("US", "/currencies/USD")) == {"id": "USD", "displayed_as": "US Dollar (USD)",
                                                  "$path": "/currencies/USD"}


# --- per-country content -----------------------------------------------------------------------------

def test_address_regions_are_the_business_countrys_unless_country_id_names_another(api: Any) -> None:
    gb = ok(api("GB", "/address_regions", attributes="all"))
    assert ids(gb) == ["GB-ENG", "GB-NIR", "GB-SCT", "GB-WLS"]
    assert gb["$items"][1] == {"id": "GB-NIR", "displayed_as": "Northern Ireland", "$path": "/address_regions/GB-NIR",
                               "code": "NIR", "name": "Northern Ireland"}
    ca = ok(api("CA", "/address_regions", items_per_page=200))
    assert ca["$total"] == 13 and "CA-BC" in ids(ca)
    assert ok(api("GB", "/address_regions", country_id="us"))["$total"] == 51
    assert ok(api("GB", "/address_regions", country_id="ES"))["$total"] == 52
    assert ok(api("GB", "/address_regions", country_id="JP"))["$total"] == 0
    # Any country's region can be read by key: contacts abroad link to theirs.
    assert ok(api("GB", "/address_regions/CA-BC"))["code"] == "BC"


def test_tax_types_are_the_business_countrys_with_their_regions_and_rates(api: Any) -> None:
    ca = ok(api("CA", "/tax_types", attributes="all"))
    assert ids(ca) == ["CA_GST_HST", "CA_PST_BC", "CA_PST_MB", "CA_PST_SK", "CA_QST"]
    gst, pst = ca["$items"][0], ca["$items"][1]
    assert gst["federal_tax"] is True and len(gst["address_regions"]) == 13
    assert gst["country"] == {"id": "CA", "displayed_as": "Canada (CA)", "$path": "/countries/CA"}
    assert {"id": "CA_GST", "displayed_as": "GST 5.00%", "$path": "/tax_rates/CA_GST"} in gst["tax_rates"]
    assert pst["federal_tax"] is False
    assert pst["address_regions"] == [{"id": "CA-BC", "displayed_as": "British Columbia",
                                       "$path": "/address_regions/CA-BC"}]
    assert [r["id"] for r in pst["tax_rates"]] == ["CA_PST_BC", "CA_GST_PST_BC"]
    vat = ok(api("GB", "/tax_types/GB_VAT"))
    assert vat["federal_tax"] is True and [r["id"] for r in vat["address_regions"]] == ["GB-ENG", "GB-NIR",
                                                                                        "GB-SCT", "GB-WLS"]
    assert {"id": "GB_STANDARD", "displayed_as": "Standard 20.00%", "$path": "/tax_rates/GB_STANDARD"} \
        in vat["tax_rates"]
    iva = ok(api("ES", "/tax_types/ES_IVA"))
    assert not {"ES-GC", "ES-TF", "ES-CE", "ES-ML"} & {r["id"] for r in iva["address_regions"]}
    assert ok(api("US", "/tax_types/US_SALES_TAX"))["federal_tax"] is False
    # Another country's tax type is not the business's.
    assert api("GB", "/tax_types/CA_GST_HST").status_code == 404


def test_tax_schemes_and_return_frequencies_follow_the_country(api: Any) -> None:
    assert ids(ok(api("GB", "/tax_schemes"))) == ["STANDARD", "CASH", "FLAT_RATE_INVOICE", "FLAT_RATE_CASH",
                                                  "NOT_REGISTERED"]
    assert ok(api("IE", "/tax_schemes/STANDARD"))["displayed_as"] == "Invoice Basis"
    assert ok(api("GB", "/tax_schemes/STANDARD"))["displayed_as"] == "Standard"
    assert api("GB", "/tax_schemes/EQUIV_SURCHARGE").status_code == 404
    assert ids(ok(api("IE", "/tax_return_frequencies"))) == ["BI_MONTHLY", "FOUR_MONTHLY", "SIX_MONTHLY", "ANNUALLY"]
    assert ids(ok(api("ES", "/tax_return_frequencies"))) == ["MONTHLY", "QUARTERLY"]
    assert ok(api("FR", "/tax_return_frequencies/ANNUALLY"))["displayed_as"] == "Annuelle"


def test_tax_return_frequencies_filter_by_tax_type(api: Any) -> None:
    everything = ["MONTHLY", "QUARTERLY", "SEMI_ANNUALLY", "ANNUALLY"]
    assert ids(ok(api("CA", "/tax_return_frequencies"))) == everything
    assert ids(ok(api("CA", "/tax_return_frequencies", tax_type_id="CA_PST_BC"))) == everything
    assert ids(ok(api("CA", "/tax_return_frequencies", tax_type_id="ca_gst_hst"))) == ["MONTHLY", "QUARTERLY",
                                                                                       "ANNUALLY"]
    assert ok(api("CA", "/tax_return_frequencies", tax_type_id="GB_VAT"))["$total"] == 0
    assert ids(ok(api("GB", "/tax_return_frequencies", tax_type_id="GB_VAT"))) == ["MONTHLY", "QUARTERLY",
                                                                                   "ANNUALLY"]


def test_tax_offices_are_germanys(api: Any) -> None:
    offices = ok(api("DE", "/tax_offices", attributes="all"))
    assert offices["$total"] == 10
    eichstatt = ok(api("DE", "/tax_offices/9171"))
    assert eichstatt == {"id": "9171", "displayed_as": "Finanzamt Eichstätt", "$path": "/tax_offices/9171",
                         "office_number": "9171", "name": "Finanzamt Eichstätt"}


def test_common_lists(api: Any) -> None:
    assert ids(ok(api("GB", "/quick_entry_types"))) == ["INVOICE", "CREDIT_NOTE"]
    assert ids(ok(api("ES", "/corrective_reason_codes"))) == ["R1", "R2", "R3", "R4", "R5"]
    assert ids(ok(api("GB", "/eu_goods_services_types"))) == ["GOODS", "SERVICES"]
    assert ids(ok(api("IE", "/eu_sales_descriptions"))) == ["GOODS", "TRIANGULATION", "SERVICES"]
    assert "REPUBLIC_OF_IRELAND" in ids(ok(api("IE", "/countries_of_registration")))
    assert {"SALES", "PURCHASES", "OTHER", "OPENING_BALANCES"} <= set(ids(ok(api("FR", "/journal_code_types"))))
    assert "SARL" in ids(ok(api("FR", "/legal_form_types")))
    contexts = ok(api("US", "/attachment_context_types", items_per_page=50))
    assert {"SALES_INVOICE", "PURCHASE_INVOICE", "CONTACT", "JOURNAL"} <= set(ids(contexts))
    sole = ok(api("US", "/business_types/SOLE_TRADER"))
    assert sole["name"] == sole["displayed_as"] == "Sole Trader" and sole["description"]


# --- charts of accounts -------------------------------------------------------------------------------

def test_coa_templates_one_per_country(api: Any) -> None:
    assert ids(ok(api("GB", "/coa_templates"))) == ["GB_DEFAULT"]
    french = ok(api("GB", "/coa_templates", country_id="FR", attributes="all"))["$items"]
    assert french == [{"id": "FR_DEFAULT", "displayed_as": "Plan comptable général",
                       "$path": "/coa_templates/FR_DEFAULT", "created_at": "2025-01-01T00:00:00Z",
                       "updated_at": "2025-01-01T00:00:00Z",
                       "name": "Plan comptable général",
                       "country": {"id": "FR", "displayed_as": "France (FR)", "$path": "/countries/FR"}}]
    assert ok(api("US", "/coa_templates/CA_DEFAULT"))["id"] == "CA_DEFAULT"


def test_coa_accounts_are_the_chart_a_new_business_gets(api: Any, runtime: Runtime, books: dict[str, Books]) -> None:
    def seeded(db: Any) -> set[tuple[int, str]]:
        bind_business(db, books["GB"].business_id)
        return {(code, name) for code, name in db.execute(select(LedgerAccount.nominal_code, LedgerAccount.name))}

    chart = ok(api("GB", "/coa_accounts", items_per_page=200, attributes="nominal_code,name"))
    assert chart["$total"] == len(region("GB").accounts)
    assert {(a["nominal_code"], a["name"]) for a in chart["$items"]} == Factory(runtime).tx(seeded)
    sales = ok(api("GB", "/coa_accounts/GB_DEFAULT_4000"))
    assert sales["displayed_as"] == "Sales - Products (4000)"
    assert sales["ledger_account_group"] == {"id": "INCOME", "displayed_as": "Income"}
    assert sales["ledger_account_type"] == {"id": "SALES", "displayed_as": "Sales",
                                            "$path": "/ledger_account_types/SALES"}
    assert sales["tax_rate"] == {"id": "GB_STANDARD", "displayed_as": "Standard 20.00%",
                                 "$path": "/tax_rates/GB_STANDARD"}
    assert (sales["control_name"], sales["ledger_account_classification"]) == (None, None)
    assert (sales["fixed_tax_rate"], sales["cis_materials"], sales["cis_labour"]) == (False, False, False)
    assert ok(api("GB", "/coa_accounts/GB_DEFAULT_1100"))["control_name"] == "DEBTORS"
    us = ok(api("GB", "/coa_accounts", coa_template_id="US_DEFAULT"))
    assert us["$total"] == len(region("US").accounts) and all(i.startswith("US_DEFAULT_") for i in ids(us))
    assert ok(api("GB", "/coa_accounts", coa_template_id="XX_DEFAULT"))["$total"] == 0


def test_coa_accounts_since(api: Any) -> None:
    total = len(region("GB").accounts)
    assert ok(api("GB", "/coa_accounts", updated_or_created_since="2025-01-01T00:00:00Z"))["$total"] == total
    assert ok(api("GB", "/coa_accounts", updated_or_created_since="2025-01-02"))["$total"] == 0
    response = api("GB", "/coa_accounts", updated_or_created_since="yesterday")
    assert response.status_code == 400
    assert response.json()[0]["$source"] == "updated_or_created_since"


# --- paging and attributes ----------------------------------------------------------------------------

def test_paging_keeps_the_selector_in_the_links(api: Any) -> None:
    last = ok(api("GB", "/address_regions", country_id="US", items_per_page=20, page=3))
    assert (last["$total"], last["$page"], len(last["$items"]), last["$next"]) == (51, 3, 11, None)
    assert last["$back"] == "/address_regions?page=2&items_per_page=20&country_id=US"
    past = ok(api("GB", "/address_regions", country_id="US", items_per_page=20, page=9))
    assert (past["$page"], past["$items"], past["$next"]) == (9, [], None)
    assert past["$back"] == "/address_regions?page=3&items_per_page=20&country_id=US"
    first = ok(api("GB", "/countries", items_per_page=5))
    assert len(first["$items"]) == 5 and first["$next"] == "/countries?page=2&items_per_page=5"
    assert api("GB", "/tax_schemes", items_per_page=0).status_code == 400


def test_attributes_choose_the_fields(api: Any) -> None:
    assert ok(api("CA", "/address_regions", attributes="code"))["$items"][0] == {
        "id": "CA-AB", "displayed_as": "Alberta", "$path": "/address_regions/CA-AB", "code": "AB"}
    assert ok(api("DE", "/tax_offices/9171", attributes="name")) == {
        "id": "9171", "displayed_as": "Finanzamt Eichstätt", "$path": "/tax_offices/9171",
        "name": "Finanzamt Eichstätt"}
