"""Analysis types, analysis type categories and journal codes over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.analysis import service
from ledgerd.analysis.journal_codes import seed_journal_codes
from ledgerd.api.resources.analysis import line_items
from ledgerd.errors import Invalid
from ledgerd.regions.data import journal_codes
from tests.support import reference
from tests.support.books import Books, problem
from tests.support.factories import Factory

TYPE_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "active_areas", "analysis_type_level",
             "analysis_type_categories", "name"]
CATEGORY_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "code", "name", "combined_id",
                 "analysis_type"]
JOURNAL_CODE_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "name", "code", "journal_code_type",
                     "control_name", "reserved"]
DEFAULT_TYPES = ["Department", "Customer Group", "Cost Centre", "Supplier Group", "Project", "Product Group"]
TYPES, CATEGORIES, CODES = "/analysis_types", "/analysis_type_categories", "/journal_codes"


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Iterator[Books]:
    yield Books.open(client, factory)


@pytest.fixture
def french(client: TestClient, factory: Factory) -> Iterator[Books]:
    yield Books.open(client, factory, country="FR")


def types_by_name(books: Books) -> dict[str, dict[str, Any]]:
    items = books.get(TYPES, attributes="all").json()["$items"]
    return {item["name"]: item for item in items}


def new_category(books: Books, type_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return books.created(CATEGORIES, "analysis_type_category", {"analysis_type_id": type_id, "name": name, **extra})


def test_wire_shapes_follow_the_swagger_definitions() -> None:
    definitions = reference.definitions()
    assert list(definitions["AnalysisType"]["properties"]) == TYPE_KEYS
    assert list(definitions["AnalysisTypeCategory"]["properties"]) == CATEGORY_KEYS
    assert list(definitions["JournalCode"]["properties"]) == JOURNAL_CODE_KEYS


# --- analysis types ------------------------------------------------------------------------------------------

def test_every_business_starts_with_sages_six_types(books: Books) -> None:
    listed = books.get(TYPES).json()
    assert listed["$total"] == 6 and [i["displayed_as"] for i in listed["$items"]] == DEFAULT_TYPES
    assert all(list(item) == ["id", "displayed_as", "$path"] for item in listed["$items"])
    department = books.get(listed["$items"][0]["$path"]).json()
    assert list(department) == TYPE_KEYS
    assert (department["name"], department["active_areas"]) == ("Department", [])
    assert department["analysis_type_level"] == {"id": 1, "name": "TRANSACTION_LEVEL", "identifier": "TRANSACTION"}
    categories = department["analysis_type_categories"]
    assert [list(c) for c in categories] == [CATEGORY_KEYS] * 3
    assert [(c["code"], c["name"], c["combined_id"]) for c in categories] == [
        ("01", "Department 1", "1,1"), ("02", "Department 2", "1,2"), ("03", "Department 3", "1,3")]
    assert categories[0]["analysis_type"] == {"id": department["id"], "displayed_as": "Department",
                                              "$path": department["$path"]}
    group = types_by_name(books)["Customer Group"]
    assert group["analysis_type_level"]["identifier"] == "GROUP"
    assert [c["combined_id"] for c in group["analysis_type_categories"]] == ["2,4", "2,5", "2,6"]
    # The categories list shows all eighteen, type by type.
    every = books.get(CATEGORIES, items_per_page=50).json()["$items"]
    assert [c["displayed_as"] for c in every] == [f"{t} {n}" for t in DEFAULT_TYPES for n in (1, 2, 3)]
    assert books.get(every[4]["$path"]).json() == group["analysis_type_categories"][1]


def test_seeding_is_done_once(french: Books) -> None:
    now = french.factory.runtime.clock.now()
    french.tx(lambda db: service.seed_analysis_types(db, french.business_id, now))
    french.tx(lambda db: seed_journal_codes(db, french.business_id, "FR", now))
    assert french.get(TYPES).json()["$total"] == 6 and french.get(CATEGORIES).json()["$total"] == 18
    assert french.get(CODES).json()["$total"] == 4


def test_level_filter_and_search(books: Books) -> None:
    transaction = books.get(TYPES, analysis_type_level="TRANSACTION").json()["$items"]
    assert [i["displayed_as"] for i in transaction] == ["Department", "Cost Centre", "Project"]
    assert [i["displayed_as"] for i in books.get(TYPES, analysis_type_level="group").json()["$items"]] == [
        "Customer Group", "Supplier Group", "Product Group"]
    grouped = books.get(CATEGORIES, analysis_type_level="GROUP", items_per_page=50).json()
    assert grouped["$total"] == 9 and grouped["$items"][0]["displayed_as"] == "Customer Group 1"
    problem(books.get(TYPES, analysis_type_level="ALL"), 400, "InvalidParameter", "analysis_type_level")
    problem(books.get(CATEGORIES, analysis_type_level="x"), 400, "InvalidParameter", "analysis_type_level")
    assert [i["displayed_as"] for i in books.get(TYPES, search="cost").json()["$items"]] == ["Cost Centre"]
    assert [i["displayed_as"] for i in books.get(TYPES, search="group").json()["$items"]] == DEFAULT_TYPES[1::2]


def test_update_names_areas_and_categories(books: Books) -> None:
    department = types_by_name(books)["Department"]
    changed = books.updated(department["$path"], "analysis_type", {
        "name": "Branch", "active_areas": ["JOURNALS", "SALES", "SALES"],
        "analysis_type_categories": [{"code": "01", "name": "North"}, {"code": "04", "name": "West"}]})
    assert list(changed) == TYPE_KEYS
    assert (changed["name"], changed["displayed_as"], changed["active_areas"]) == ("Branch", "Branch",
                                                                                   ["SALES", "JOURNALS"])
    assert [(c["code"], c["name"]) for c in changed["analysis_type_categories"]] == [
        ("01", "North"), ("02", "Department 2"), ("03", "Department 3"), ("04", "West")]
    assert changed["analysis_type_categories"][0]["analysis_type"]["displayed_as"] == "Branch"
    assert books.get(CATEGORIES).json()["$total"] == 19
    # What a GET answers can be sent back as it is (the level object and the categories are accepted).
    again = books.updated(department["$path"], "analysis_type", changed)
    assert again["active_areas"] == ["SALES", "JOURNALS"] and len(again["analysis_type_categories"]) == 4
    assert books.updated(department["$path"], "analysis_type", {"active_areas": []})["active_areas"] == []

    group = types_by_name(books)["Customer Group"]
    cases: list[tuple[str, dict[str, Any], str]] = [
        (department["$path"], {"active_areas": ["EXPENSES", "CUSTOMERS"]}, "active_areas[1]"),
        (group["$path"], {"active_areas": ["SALES"]}, "active_areas[0]"),
        (department["$path"], {"name": ""}, "name"),
        (department["$path"], {"name": "x" * 51}, "name"),
        (department["$path"], {"active_areas": "SALES"}, "active_areas"),
        (department["$path"], {"analysis_type_categories": [{"name": "No code"}]}, "analysis_type_categories[0].code"),
        (department["$path"], {"analysis_type_categories": [{"code": "09"}]}, "analysis_type_categories[0].name"),
        (department["$path"], {"analysis_type_categories": [{"code": "X1", "name": "Odd"}]},
         "analysis_type_categories[0].code"),
        (department["$path"], {"analysis_type_categories": [
            {"code": "05", "name": "Y", "analysis_type_id": group["id"]}]},
         "analysis_type_categories[0].analysis_type_id"),
    ]
    for path, attrs, source in cases:
        problem(books.put(path, {"analysis_type": attrs}), 422, "RecordInvalid", source)
    assert books.get(group["$path"]).json()["active_areas"] == []
    assert books.get(CATEGORIES).json()["$total"] == 19
    assert books.updated(group["$path"], "analysis_type", {"active_areas": ["STOCK", "CUSTOMERS"]})[
        "active_areas"] == ["CUSTOMERS", "STOCK"]
    problem(books.post(TYPES, {"analysis_type": {"name": "Seventh"}}), 405, "MethodNotAllowed")
    problem(books.delete(department["$path"]), 405, "MethodNotAllowed")


# --- analysis type categories --------------------------------------------------------------------------------

def test_create_update_and_delete_categories(books: Books) -> None:
    project = types_by_name(books)["Project"]
    made = new_category(books, project["id"], "Apollo")
    assert list(made) == CATEGORY_KEYS
    assert (made["displayed_as"], made["code"], made["combined_id"]) == ("Apollo", "04", "5,19")
    assert made["analysis_type"]["id"] == project["id"]
    assert new_category(books, project["id"], "Gemini", code="10")["code"] == "10"
    assert new_category(books, project["id"], "Mercury")["code"] == "11"
    # Codes are unique within a type only.
    assert new_category(books, types_by_name(books)["Department"]["id"], "Depot", code="10")["code"] == "10"

    changed = books.updated(made["$path"], "analysis_type_category", {"name": "Artemis", "code": "20",
                                                                      "combined_id": "ignored"})
    assert (changed["name"], changed["code"], changed["combined_id"]) == ("Artemis", "20", "5,19")
    assert [c["name"] for c in books.get(project["$path"]).json()["analysis_type_categories"]][3:] == [
        "Artemis", "Gemini", "Mercury"]

    assert books.delete(made["$path"]).status_code == 204
    problem(books.get(made["$path"]), 404, "RecordNotFound")
    gone = books.get(CATEGORIES, deleted_since="2000-01-01").json()["$items"]
    assert [(g["id"], g["displayed_as"]) for g in gone] == [(made["id"], "Artemis")]
    assert len(books.get(project["$path"]).json()["analysis_type_categories"]) == 5


def test_category_validation(books: Books) -> None:
    project, group = types_by_name(books)["Project"], types_by_name(books)["Product Group"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "No type"}, "analysis_type_id"),
        ({"analysis_type_id": "0" * 32, "name": "Unknown type"}, "analysis_type_id"),
        ({"analysis_type_id": project["id"]}, "name"),
        ({"analysis_type_id": project["id"], "name": "x" * 51}, "name"),
        ({"analysis_type_id": project["id"], "name": "Long code", "code": "1" * 11}, "code"),
        ({"analysis_type_id": project["id"], "name": "Taken", "code": "02"}, "code"),
        ({"analysis_type_id": project["id"], "name": "Letters", "code": "AB"}, "code"),
    ]
    for attrs, source in cases:
        problem(books.post(CATEGORIES, {"analysis_type_category": attrs}), 422, "RecordInvalid", source)
    problem(books.post(CATEGORIES, {"category": {}}), 422, "Validation", "analysis_type_category")
    assert books.get(CATEGORIES).json()["$total"] == 18
    first = project["analysis_type_categories"][0]
    problem(books.put(first["$path"], {"analysis_type_category": {"code": "03"}}), 422, "RecordInvalid", "code")
    problem(books.put(first["$path"], {"analysis_type_category": {"analysis_type_id": group["id"]}}), 422,
            "RecordInvalid", "analysis_type_id")
    assert books.get(first["$path"]).json() == first


def test_a_category_in_use_cannot_be_deleted(books: Books) -> None:
    types = types_by_name(books)
    department, cost_centre = types["Department"], types["Cost Centre"]
    books.updated(department["$path"], "analysis_type", {"active_areas": ["SALES"]})
    dept_1, dept_2 = (c["id"] for c in department["analysis_type_categories"][:2])
    centre_1 = cost_centre["analysis_type_categories"][0]["id"]

    def assign(ids: list[str], area: str = "SALES") -> None:
        books.tx(lambda db: service.assign(db, "artefact_lines", "line-1", ids, area))

    with pytest.raises(Invalid, match="not enabled for Active Area SALES"):
        assign([dept_1, centre_1])  # Cost Centre is active nowhere yet
    with pytest.raises(Invalid, match="not enabled for Active Area EXPENSES"):
        assign([dept_1], "EXPENSES")
    with pytest.raises(Invalid, match="at most one category of Department"):
        assign([dept_1, dept_2])
    with pytest.raises(Invalid, match="Couldn't find"):
        assign(["0" * 32])
    books.updated(cost_centre["$path"], "analysis_type", {"active_areas": ["SALES", "EXPENSES"]})
    assign([centre_1, dept_1])

    def shown(db: Session) -> dict[str, list[dict[str, Any]]]:
        return line_items(db, "artefact_lines", ["line-1", "line-2"])

    lines = books.tx(shown)
    assert lines["line-2"] == []
    assert [(c["displayed_as"], c["analysis_type"]["displayed_as"]) for c in lines["line-1"]] == [
        ("Department 1", "Department"), ("Cost Centre 1", "Cost Centre")]
    assert list(lines["line-1"][0]) == ["id", "displayed_as", "$path", "analysis_type"]

    body = problem(books.delete(f"{CATEGORIES}/{dept_1}"), 405, "MethodNotAllowed")
    assert (body["$message"], body["$source"]) == ("You cannot delete an Analysis Type Category that is in use.", "")
    assert books.get(f"{CATEGORIES}/{dept_1}").status_code == 200
    # Assigning again replaces: Department 1 is free again, Department 2 is taken.
    assign([dept_2])
    assert books.delete(f"{CATEGORIES}/{dept_1}").status_code == 204
    problem(books.delete(f"{CATEGORIES}/{dept_2}"), 405, "MethodNotAllowed")


def test_another_business_sees_none_of_them(books: Books, client: TestClient, factory: Factory) -> None:
    other = Books.open(client, factory)
    mine = types_by_name(books)["Project"]
    problem(other.get(mine["$path"]), 404, "RecordNotFound")
    problem(other.put(mine["$path"], {"analysis_type": {"name": "Taken"}}), 404, "RecordNotFound")
    problem(other.post(CATEGORIES, {"analysis_type_category": {"analysis_type_id": mine["id"], "name": "X"}}), 422,
            "RecordInvalid", "analysis_type_id")
    problem(other.delete(mine["analysis_type_categories"][0]["$path"]), 404, "RecordNotFound")
    assert books.get(mine["$path"]).json()["name"] == "Project"


# --- journal codes -------------------------------------------------------------------------------------------

def test_a_french_business_starts_with_the_reserved_codes(french: Books) -> None:
    listed = french.get(CODES, attributes="all").json()["$items"]
    assert [list(item) for item in listed] == [JOURNAL_CODE_KEYS] * 4
    assert [(j["code"], j["name"], j["journal_code_type"]["id"], j["control_name"], j["reserved"]) for j in listed] == [
        ("AC", "Achats", "PURCHASES", "AC", True), ("VE", "Ventes", "SALES", "VE", True),
        ("OD", "Opérations diverses", "OTHER", "OD", True), ("REPBAL", "Reprise de balance", "OPENING_BALANCES",
                                                            "REPBAL", True)]
    assert listed[0]["journal_code_type"] == {"id": "PURCHASES", "displayed_as": "Purchases",
                                              "$path": "/journal_code_types/PURCHASES"}
    assert french.get(listed[0]["$path"]).json() == listed[0]
    assert listed[0]["displayed_as"] == "Achats"


def test_journal_codes_are_french(books: Books, french: Books) -> None:
    # Sage offers /journal_codes in France only: elsewhere the path does not exist (api/operations.py).
    problem(books.get(CODES), 404, "RouteNotFound")
    problem(books.post(CODES, {"journal_code": {"name": "Banque", "code": "BQ1", "journal_code_type_id": "BANK"}}),
            404, "RouteNotFound")
    code = french.get(CODES).json()["$items"][0]["id"]
    problem(books.get(f"{CODES}/{code}"), 404, "RouteNotFound")
    # The data files seed France alone.
    assert [country for country in ("GB", "IE", "US", "CA", "ES", "FR", "DE") if journal_codes(country)] == ["FR"]


def test_create_update_and_delete_journal_codes(french: Books) -> None:
    made = french.created(CODES, "journal_code", {"name": "Banque Populaire", "code": "BQ1",
                                                  "journal_code_type_id": "BANK", "reserved": True})
    assert list(made) == JOURNAL_CODE_KEYS
    assert (made["code"], made["control_name"], made["reserved"]) == ("BQ1", None, False)
    assert made["journal_code_type"]["displayed_as"] == "Bank"
    changed = french.updated(made["$path"], "journal_code", {"name": "Caisse", "code": "CA",
                                                             "journal_code_type_id": "CASH"})
    assert (changed["displayed_as"], changed["code"], changed["journal_code_type"]["id"]) == ("Caisse", "CA", "CASH")
    assert french.delete(made["$path"]).status_code == 204
    problem(french.get(made["$path"]), 404, "RecordNotFound")
    assert [g["id"] for g in french.get(CODES, deleted_since="2000-01-01").json()["$items"]] == [made["id"]]

    # A control name makes a code reserved: it keeps its control name and type and cannot be deleted.
    controlled = french.created(CODES, "journal_code", {"name": "Salaires", "code": "SAL",
                                                        "journal_code_type_id": "OTHER", "control_name": "SAL"})
    assert controlled["reserved"] is True
    renamed = french.updated(controlled["$path"], "journal_code", {"name": "Paie", "code": "PAIE",
                                                                   "control_name": "SAL"})
    assert (renamed["name"], renamed["code"], renamed["reserved"]) == ("Paie", "PAIE", True)
    problem(french.put(controlled["$path"], {"journal_code": {"control_name": "XX"}}), 422, "RecordInvalid",
            "control_name")
    problem(french.put(controlled["$path"], {"journal_code": {"journal_code_type_id": "BANK"}}), 422, "RecordInvalid",
            "journal_code_type_id")
    problem(french.delete(controlled["$path"]), 422, "RecordInvalid", "base")
    seeded = french.get(CODES).json()["$items"][0]
    problem(french.delete(seeded["$path"]), 422, "RecordInvalid", "base")
    assert french.get(CODES).json()["$total"] == 5

    # An unreserved code takes a control name, and is reserved from then on.
    plain = french.created(CODES, "journal_code", {"name": "Achats 2", "code": "AC2",
                                                   "journal_code_type_id": "PURCHASES"})
    assert french.updated(plain["$path"], "journal_code", {"control_name": "AC2"})["reserved"] is True


def test_journal_code_validation(french: Books) -> None:
    base = {"name": "Banque", "code": "BQ1", "journal_code_type_id": "BANK"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({**base, "name": ""}, "name"),
        ({key: value for key, value in base.items() if key != "code"}, "code"),
        ({key: value for key, value in base.items() if key != "journal_code_type_id"}, "journal_code_type_id"),
        ({**base, "journal_code_type_id": "PAYROLL"}, "journal_code_type_id"),
        ({**base, "code": "ac"}, "code"),  # taken by the reserved AC, whatever the case
        ({**base, "control_name": "VE"}, "control_name"),
        ({**base, "name": "x" * 256}, "name"),
    ]
    for attrs, source in cases:
        problem(french.post(CODES, {"journal_code": attrs}), 422, "RecordInvalid", source)
    assert french.get(CODES).json()["$total"] == 4
    first = french.get(CODES).json()["$items"][1]
    problem(french.put(first["$path"], {"journal_code": {"code": "OD"}}), 422, "RecordInvalid", "code")
    problem(french.put(first["$path"], {"journal_code": {"name": None, "code": ""}}), 422, "RecordInvalid", "code")
