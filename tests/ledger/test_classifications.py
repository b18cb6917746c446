"""Ledger account classifications (SQLite and PostgreSQL): the classes of the French PCG and the Spanish PGC,
derived for every ledger account and chart account from its nominal code; none for GB, IE, US, CA."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.regions.data import region
from tests.support.books import Books, problem
from tests.support.factories import Factory

FR_CLASSES = ["Comptes de capitaux", "Comptes d'immobilisations", "Comptes de stocks et en-cours",
              "Comptes de tiers", "Comptes financiers", "Comptes de charges", "Comptes de produits",
              "Comptes spéciaux"]
ES_GROUPS = ["Financiación básica", "Activo no corriente", "Existencias",
             "Acreedores y deudores por operaciones comerciales", "Cuentas financieras", "Compras y gastos",
             "Ventas e ingresos", "Gastos imputados al patrimonio neto", "Ingresos imputados al patrimonio neto"]


@pytest.fixture
def france(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory, country="FR")


def _link(key: str, label: str) -> dict[str, str]:
    return {"id": key, "displayed_as": label, "$path": f"/ledger_account_classifications/{key}"}


def _ids(books: Books, path: str, **params: Any) -> list[Any]:
    response = books.get(path, items_per_page=200, **params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["$items"]]


def _codes(books: Books, **params: Any) -> list[int]:
    response = books.get("/ledger_accounts", items_per_page=200, attributes="nominal_code", **params)
    assert response.status_code == 200, response.text
    return [item["nominal_code"] for item in response.json()["$items"]]


def test_french_classes(france: Books) -> None:
    listing = france.get("/ledger_account_classifications").json()
    assert listing["$total"] == 8
    assert listing["$items"] == [_link(f"FR_CLASS_{n}", f"Classe {n} - {name}")
                                 for n, name in enumerate(FR_CLASSES, start=1)]
    assert france.get("/ledger_account_classifications/FR_CLASS_6", attributes="all").json() == \
        _link("FR_CLASS_6", "Classe 6 - Comptes de charges")
    problem(france.get("/ledger_account_classifications/ES_GROUP_6"), 404, "RecordNotFound")
    page = france.get("/ledger_account_classifications", items_per_page=3, page=3).json()
    assert [i["id"] for i in page["$items"]] == ["FR_CLASS_7", "FR_CLASS_8"]
    # Classes by type and types by class answer from the same chart.
    assert _ids(france, "/ledger_account_classifications", ledger_account_type_id="sales") == ["FR_CLASS_7"]
    assert _ids(france, "/ledger_account_classifications", ledger_account_type_id="BANK") == ["FR_CLASS_5"]
    assert _ids(france, "/ledger_account_types", ledger_account_classification_id="FR_CLASS_4") == \
        ["CURRENT_ASSETS", "CURRENT_LIABILITY", "TAXES"]
    assert _ids(france, "/ledger_account_types", ledger_account_classification_id="NOPE") == []
    assert len(_ids(france, "/ledger_account_types")) == 14


def test_spanish_groups(client: TestClient, factory: Factory) -> None:
    spain = Books.open(client, factory, country="ES")
    assert spain.get("/ledger_account_classifications", items_per_page=200).json()["$items"] == \
        [_link(f"ES_GROUP_{n}", f"Grupo {n} - {name}") for n, name in enumerate(ES_GROUPS, start=1)]
    clients = spain.get(f"/ledger_accounts/{spain.accounts[4300]}").json()
    assert clients["ledger_account_classification"] == \
        _link("ES_GROUP_4", "Grupo 4 - Acreedores y deudores por operaciones comerciales")
    assert _codes(spain, ledger_account_classification_id="ES_GROUP_7") == \
        sorted(a.nominal_code for a in region("ES").accounts if str(a.nominal_code).startswith("7"))


@pytest.mark.parametrize("country", ["GB", "IE", "US", "CA", "DE"])
def test_no_classes_where_the_chart_has_none(client: TestClient, factory: Factory, country: str) -> None:
    books = Books.open(client, factory, country=country)
    assert books.get("/ledger_account_classifications", ledger_account_type_id="SALES").json() == {
        "$total": 0, "$page": 1, "$next": None, "$back": None, "$itemsPerPage": 20, "$items": []}
    problem(books.get("/ledger_account_classifications/FR_CLASS_1"), 404, "RecordNotFound")
    shown = books.get("/ledger_accounts", items_per_page=200, attributes="ledger_account_classification").json()
    assert {item["ledger_account_classification"] is None for item in shown["$items"]} == {True}
    # A class of another country filters nothing in.
    assert _codes(books, ledger_account_classification_id="FR_CLASS_6") == []


def test_germany_has_none(client: TestClient, factory: Factory) -> None:
    germany = Books.open(client, factory, country="DE")
    assert germany.get("/ledger_account_classifications").json()["$total"] == 0
    account = germany.get(f"/ledger_accounts/{germany.accounts[8400]}").json()
    assert account["ledger_account_classification"] is None


def test_ledger_accounts_show_the_class_of_their_nominal_code(france: Books) -> None:
    listed = france.get("/ledger_accounts", items_per_page=200,
                        attributes="nominal_code,ledger_account_classification").json()["$items"]
    for item in listed:
        assert item["ledger_account_classification"]["id"] == f"FR_CLASS_{str(item['nominal_code'])[0]}", item
    opening = france.get(f"/ledger_accounts/{france.accounts[890000]}").json()
    assert opening["ledger_account_classification"] == _link("FR_CLASS_8", "Classe 8 - Comptes spéciaux")
    charges = _codes(france, ledger_account_classification_id="fr_class_6")
    assert charges and charges == [a["nominal_code"] for a in listed if str(a["nominal_code"]).startswith("6")]
    assert _codes(france, ledger_account_classification_id="ES_GROUP_6") == []
    coa = france.get("/coa_accounts", coa_template_id="FR_DEFAULT", items_per_page=200,
                     attributes="nominal_code,ledger_account_classification").json()["$items"]
    assert {(a["nominal_code"], a["ledger_account_classification"]["id"]) for a in coa} == \
        {(a["nominal_code"], a["ledger_account_classification"]["id"]) for a in listed}


def test_classification_in_a_body_must_match_the_nominal_code(france: Books) -> None:
    body = {"ledger_account_type_id": "OVERHEADS", "included_in_chart": True, "name": "Eau",
            "display_name": "Eau", "nominal_code": 606110}
    problem(france.post("/ledger_accounts", {"ledger_account": {**body, "ledger_account_classification_id":
                                                                "FR_CLASS_7"}}),
            422, "RecordInvalid", "ledger_account_classification_id")
    problem(france.post("/ledger_accounts", {"ledger_account": {**body, "ledger_account_classification_id":
                                                                "ES_GROUP_6"}}),
            422, "RecordInvalid", "ledger_account_classification_id")
    assert 606110 not in _codes(france)
    created = france.created("/ledger_accounts", "ledger_account",
                             {**body, "ledger_account_classification_id": "FR_CLASS_6"})
    assert created["ledger_account_classification"]["id"] == "FR_CLASS_6"
    path = f"/ledger_accounts/{created['id']}"
    # The class follows the nominal code; a class that contradicts it changes nothing.
    moved = france.updated(path, "ledger_account", {"nominal_code": 758100})
    assert moved["ledger_account_classification"]["id"] == "FR_CLASS_7"
    problem(france.put(path, {"ledger_account": {"nominal_code": 606110, "ledger_account_classification_id":
                                                 "FR_CLASS_7"}}), 422, "RecordInvalid",
            "ledger_account_classification_id")
    assert france.get(path).json()["nominal_code"] == 758100


def test_gb_accounts_take_no_classification(client: TestClient, factory: Factory) -> None:
    books = Books.open(client, factory)
    problem(books.post("/ledger_accounts", {"ledger_account": {
        "ledger_account_type_id": "OVERHEADS", "included_in_chart": True, "name": "Water", "display_name": "Water",
        "nominal_code": 7105, "ledger_account_classification_id": "FR_CLASS_6"}}),
        422, "RecordInvalid", "ledger_account_classification_id")
