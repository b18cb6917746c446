"""Tax profiles over HTTP (SQLite and PostgreSQL): the region's tax types, the primary one shared with the
financial settings, Canada's updates, validation, and another business's profiles out of sight."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from tests.support.books import Books, problem
from tests.support.factories import Factory


@pytest.mark.parametrize(("country", "expected"), [
    ("GB", ["GB_VAT"]), ("IE", ["IE_VAT"]), ("FR", ["FR_TVA"]), ("DE", ["DE_UST"]), ("ES", ["ES_IVA", "ES_IRPF"]),
    ("US", ["US_SALES_TAX"]), ("CA", ["CA_GST_HST", "CA_PST_BC", "CA_PST_MB", "CA_PST_SK", "CA_QST"]),
])
def test_tax_profiles_per_region(client: TestClient, factory: Factory, frozen: Clock, country: str,
                                 expected: list[str]) -> None:
    books = Books.open(client, factory, country=country)
    listing = books.get("/tax_profiles", attributes="all").json()
    assert [p["tax_type"]["id"] for p in listing["$items"]] == expected
    primary = listing["$items"][0]
    assert primary["collect_tax"] is True and primary["address_region"] is None
    assert primary["tax_type"]["$path"] == f"/tax_types/{expected[0]}"
    frequency = books.get("/financial_settings").json()["tax_return_frequency"]
    assert primary["tax_return_frequency"] == frequency
    assert all(p["collect_tax"] is False for p in listing["$items"][1:])
    plain = books.get("/tax_profiles").json()["$items"][0]
    assert plain == {"id": primary["id"], "displayed_as": primary["displayed_as"], "$path": primary["$path"]}
    assert books.get(primary["$path"]).json() == primary


def test_tax_profile_update_canada(client: TestClient, factory: Factory, frozen: Clock) -> None:
    canada = Books.open(client, factory, country="CA")
    gst, bc, _, _, qst = canada.get("/tax_profiles", attributes="all").json()["$items"]
    assert bc["address_region"] == {"id": "CA-BC", "displayed_as": "British Columbia",
                                    "$path": "/address_regions/CA-BC", "code": "BC", "name": "British Columbia"}
    assert bc["tax_return_frequency"]["id"] == "QUARTERLY" and qst["displayed_as"] == "QST"
    frozen.advance(timedelta(minutes=1))
    updated = canada.updated(gst["$path"], "tax_profile", {
        "tax_type_id": "CA_GST_HST", "tax_number": "123456789", "tax_number_suffix": "RT0001",
        "tax_return_frequency_id": "QUARTERLY"})
    assert (updated["tax_number"], updated["tax_number_suffix"]) == ("123456789", "RT0001")
    assert updated["tax_return_frequency"]["id"] == "QUARTERLY" and updated["updated_at"] == "2024-06-15T12:01:00Z"
    # The primary tax type's registration is the financial settings' one.
    financial = canada.get("/financial_settings").json()
    assert financial["tax_number"] == "123456789" and financial["tax_return_frequency"]["id"] == "QUARTERLY"
    frozen.advance(timedelta(minutes=1))
    canada.put("/financial_settings", {"financial_settings": {"tax_number": "987654321"}})
    again = canada.get(gst["$path"]).json()
    assert again["tax_number"] == "987654321" and again["updated_at"] == "2024-06-15T12:02:00Z"
    own = canada.updated(qst["$path"], "tax_profile", {"tax_number": "1234567890", "tax_number_suffix": "TQ0001",
                                                       "collect_tax": True, "address_region": {"code": "QC"}})
    assert (own["tax_number"], own["collect_tax"]) == ("1234567890", True)
    assert canada.get("/financial_settings").json()["tax_number"] == "987654321"
    assert canada.get(qst["$path"]).json() == own
    since = canada.get("/tax_profiles", updated_or_created_since="2024-06-15T12:02:00Z").json()["$items"]
    assert [p["id"] for p in since] == [gst["id"], qst["id"]]
    cleared = canada.updated(qst["$path"], "tax_profile", {"tax_number": None})
    assert cleared["tax_number"] is None


@pytest.mark.parametrize(("index", "changes", "source"), [
    (0, {"tax_type_id": "CA_QST"}, "tax_type_id"),
    (0, {"tax_number": "12345"}, "tax_number"),
    (0, {"tax_number_suffix": "XX0001"}, "tax_number_suffix"),
    (1, {"tax_number": "1234-5678"}, "tax_number"),
    (4, {"tax_return_frequency_id": "DAILY"}, "tax_return_frequency_id"),
    (4, {"address_region": {"code": "ON"}}, "address_region.code"),
    (0, {"address_region": {"code": "BC"}}, "address_region.code"),
    (4, {"tax_number_suffix": "x" * 256}, "tax_number_suffix"),
])
def test_tax_profile_validation(client: TestClient, factory: Factory, frozen: Clock, index: int,
                                changes: dict[str, Any], source: str) -> None:
    canada = Books.open(client, factory, country="CA")
    profile = canada.get("/tax_profiles", attributes="all").json()["$items"][index]
    problem(canada.put(profile["$path"], {"tax_profile": changes}), 422, "RecordInvalid", source)
    assert canada.get(profile["$path"]).json() == profile


def test_tax_profiles_of_another_business_are_not_found(client: TestClient, factory: Factory, frozen: Clock) -> None:
    mine, other = Books.open(client, factory, country="CA"), Books.open(client, factory, country="CA")
    foreign = other.get("/tax_profiles").json()["$items"][0]["$path"]
    problem(mine.get(foreign), 404, "RecordNotFound")
    problem(mine.put(foreign, {"tax_profile": {"collect_tax": False}}), 404, "RecordNotFound")
    assert foreign not in [p["$path"] for p in mine.get("/tax_profiles").json()["$items"]]
