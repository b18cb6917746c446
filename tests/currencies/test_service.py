"""/exchange_rates, /live_exchange_rates and /business_exchange_rates over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.formats import decimal_str
from ledgerd.tenancy.models import Business, User
from tests.support.factories import Factory

RATE_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "rate", "inverse_rate", "base_currency",
             "currency"]
LIVE_KEYS = ["id", "displayed_as", "$path", "rate", "inverse_rate", "base_currency", "currency", "retrieved_at",
             "updated_at"]
# ECB reference rates of 28 February 2025 (units per 1 EUR), as in data/common/exchange_rates.toml.
GBP, USD, CAD = Decimal("0.82608"), Decimal("1.0411"), Decimal("1.5019")
FEED_CURRENCIES = 31  # 30 ECB currencies plus EUR


def six(value: Decimal) -> str:
    return decimal_str(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


@dataclass
class Books:
    client: TestClient
    business: Business
    owner: User
    headers: dict[str, str]

    def get(self, path: str, **query: str) -> Any:
        return self.client.get(f"/v3.1{path}", headers=self.headers, params=query)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.request(method, f"/v3.1{path}", headers=self.headers,
                                   json=None if body is None else {"business_exchange_rate": body})


def _books(client: TestClient, factory: Factory, country: str = "GB") -> Books:
    owner = factory.user()
    business = factory.business(owner, country=country)
    return Books(client, business, owner, factory.headers(owner, business=business.id))


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return _books(client, factory)


def _problem(response: Any, status: int, data_code: str, source: str) -> None:
    assert response.status_code == status, response.text
    [problem] = response.json()
    assert (problem["$dataCode"], problem["$source"]) == (data_code, source), problem


def test_exchange_rates_list_cross_rates_via_eur_for_a_gb_business(books: Books) -> None:
    listed = books.get("/exchange_rates", items_per_page="100").json()
    assert listed["$total"] == FEED_CURRENCIES - 1  # every feed currency but the base
    first = listed["$items"][0]
    assert first == {"id": "EUR", "displayed_as": "Euro (EUR)", "$path": "/exchange_rates/EUR"}
    assert "GBP" not in [i["id"] for i in listed["$items"]]

    full = {i["currency"]["id"]: i for i in books.get("/exchange_rates", attributes="all",
                                                       items_per_page="100").json()["$items"]}
    usd = full["USD"]
    assert list(usd) == RATE_KEYS
    assert usd["rate"] == six(USD / GBP) == "1.26029"
    assert usd["inverse_rate"] == six(GBP / USD)
    assert full["EUR"]["rate"] == six(1 / GBP)
    assert full["CAD"]["rate"] == six(CAD / GBP)
    assert usd["base_currency"] == {"id": "GBP", "displayed_as": "Pound Sterling (GBP)", "$path": "/currencies/GBP"}
    assert usd["currency"] == {"id": "USD", "displayed_as": "US Dollar (USD)", "$path": "/currencies/USD"}
    assert usd["$path"] == "/exchange_rates/USD" and usd["displayed_as"] == "US Dollar (USD)"
    assert usd["created_at"] == usd["updated_at"] == "2025-02-28T00:00:00Z"

    page = books.get("/exchange_rates", page="2", items_per_page="10", attributes="rate").json()
    assert page["$page"] == 2 and len(page["$items"]) == 10
    assert list(page["$items"][0]) == ["id", "displayed_as", "$path", "rate"]


def test_exchange_rate_read_and_404s(books: Books) -> None:
    usd = books.get("/exchange_rates/USD")
    assert usd.status_code == 200 and list(usd.json()) == RATE_KEYS
    assert books.get("/exchange_rates/usd").json()["rate"] == six(USD / GBP)
    assert list(books.get("/exchange_rates/USD", attributes="rate").json()) == ["id", "displayed_as", "$path", "rate"]
    for key in ("GBP", "XXX", "AED"):  # the base itself; unknown; known but not in the feed
        _problem(books.get(f"/exchange_rates/{key}"), 404, "RecordNotFound", "")


def test_us_business_quotes_against_usd(client: TestClient, factory: Factory) -> None:
    us = _books(client, factory, "US")
    gbp = us.get("/exchange_rates/GBP").json()
    assert gbp["base_currency"]["id"] == "USD"
    assert (gbp["rate"], gbp["inverse_rate"]) == (six(GBP / USD), six(USD / GBP))
    _problem(us.get("/exchange_rates/USD"), 404, "RecordNotFound", "")


def test_business_rate_overrides_the_feed_but_not_live_rates(books: Books) -> None:
    created = books.send("POST", "/business_exchange_rates", {"currency_id": "USD", "rate": 1.25})
    assert created.status_code == 201, created.text
    rate = books.get("/exchange_rates/USD").json()
    assert (rate["rate"], rate["inverse_rate"]) == ("1.25", "0.8")
    assert rate["created_at"] == created.json()["created_at"]
    assert rate["$path"] == "/exchange_rates/USD"
    # A business rate for a currency the feed does not quote appears in the list too.
    assert books.send("POST", "/business_exchange_rates", {"currency_id": "aed", "rate": "4.6"}).status_code == 201
    assert books.get("/exchange_rates/AED").json()["rate"] == "4.6"
    assert books.get("/exchange_rates").json()["$total"] == FEED_CURRENCIES

    live = books.get("/live_exchange_rates/USD").json()
    assert list(live) == LIVE_KEYS
    assert live["rate"] == six(USD / GBP) and live["$path"] == "/live_exchange_rates/USD"
    assert live["retrieved_at"] == "2025-02-28T00:00:00Z"
    assert books.get("/live_exchange_rates").json()["$total"] == FEED_CURRENCIES - 1
    _problem(books.get("/live_exchange_rates/AED"), 404, "RecordNotFound", "")

    assert books.send("DELETE", "/business_exchange_rates/USD").status_code == 204
    assert books.get("/exchange_rates/USD").json()["rate"] == six(USD / GBP)


def test_business_exchange_rate_crud_and_tombstones(books: Books) -> None:
    created = books.send("POST", "/business_exchange_rates",
                         {"currency_id": "USD", "rate": "1.2", "inverse_rate": 0.83, "base_currency_id": "GBP"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert list(body) == RATE_KEYS
    assert body["$path"] == "/business_exchange_rates/USD"
    assert (body["rate"], body["inverse_rate"]) == ("1.2", "0.83")
    assert body["base_currency"]["id"] == "GBP" and body["currency"]["displayed_as"] == "US Dollar (USD)"

    assert books.get("/business_exchange_rates/USD").json() == body
    listed = books.get("/business_exchange_rates").json()
    assert listed["$items"] == [{"id": "USD", "displayed_as": "US Dollar (USD)",
                                 "$path": "/business_exchange_rates/USD"}]

    updated = books.send("PUT", "/business_exchange_rates/USD", {"rate": 1.3})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["rate"], updated.json()["inverse_rate"]) == ("1.3", "0.769231")
    inverse = books.send("PUT", "/business_exchange_rates/USD", {"inverse_rate": "0.8", "currency_id": "USD"}).json()
    assert (inverse["rate"], inverse["inverse_rate"]) == ("1.25", "0.8")

    assert books.send("DELETE", "/business_exchange_rates/USD").status_code == 204
    _problem(books.get("/business_exchange_rates/USD"), 404, "RecordNotFound", "")
    _problem(books.send("PUT", "/business_exchange_rates/USD", {"rate": 1}), 404, "RecordNotFound", "")
    _problem(books.send("DELETE", "/business_exchange_rates/USD"), 404, "RecordNotFound", "")
    gone = books.get("/business_exchange_rates", deleted_since="2000-01-01T00:00:00Z").json()["$items"]
    assert [(g["id"], g["$path"]) for g in gone] == [("USD", "/business_exchange_rates/USD")]
    # The currency is free again.
    assert books.send("POST", "/business_exchange_rates", {"currency_id": "USD", "rate": 1.1}).status_code == 201


@pytest.mark.parametrize(("body", "source"), [
    ({"rate": 1.2}, "currency_id"),
    ({"currency_id": "USD"}, "rate"),
    ({"currency_id": "USD", "rate": 0}, "rate"),
    ({"currency_id": "USD", "rate": -1.5}, "rate"),
    ({"currency_id": "USD", "rate": "abc"}, "rate"),
    ({"currency_id": "USD", "rate": 0.0000001}, "rate"),
    ({"currency_id": "USD", "rate": 1.2, "inverse_rate": 0}, "inverse_rate"),
    ({"currency_id": "XXX", "rate": 1.2}, "currency_id"),
    ({"currency_id": "GBP", "rate": 1.2}, "currency_id"),
    ({"currency_id": "USD", "rate": 1.2, "base_currency_id": "EUR"}, "base_currency_id"),
])
def test_business_exchange_rate_validation(books: Books, body: dict[str, Any], source: str) -> None:
    _problem(books.send("POST", "/business_exchange_rates", body), 422, "RecordInvalid", source)
    assert books.get("/business_exchange_rates").json()["$total"] == 0


def test_business_exchange_rate_duplicates_and_update_rules(books: Books) -> None:
    assert books.send("POST", "/business_exchange_rates", {"currency_id": "USD", "rate": 1.2}).status_code == 201
    _problem(books.send("POST", "/business_exchange_rates", {"currency_id": "usd", "rate": 1.3}),
             422, "RecordInvalid", "currency_id")
    _problem(books.send("PUT", "/business_exchange_rates/USD", {"currency_id": "CAD"}), 422, "RecordInvalid",
             "currency_id")
    _problem(books.send("PUT", "/business_exchange_rates/USD", {"rate": 0}), 422, "RecordInvalid", "rate")
    _problem(books.send("PUT", "/business_exchange_rates/USD", {"base_currency_id": "USD"}), 422, "RecordInvalid",
             "base_currency_id")
    _problem(books.client.post("/v3.1/business_exchange_rates", headers=books.headers, json={"rate": 1}),
             422, "Validation", "business_exchange_rate")
    assert books.get("/business_exchange_rates/USD").json()["rate"] == "1.2"


def test_access_rules(books: Books, factory: Factory) -> None:
    assert books.send("POST", "/business_exchange_rates", {"currency_id": "USD", "rate": 1.2}).status_code == 201
    read_only = factory.headers(books.owner, scope="readonly", business=books.business.id)
    denied = books.client.post("/v3.1/business_exchange_rates", headers=read_only,
                               json={"business_exchange_rate": {"currency_id": "CAD", "rate": 1.7}})
    assert denied.status_code == 403
    assert books.client.put("/v3.1/business_exchange_rates/USD", headers=read_only,
                            json={"business_exchange_rate": {"rate": 2}}).status_code == 403
    assert books.client.delete("/v3.1/business_exchange_rates/USD", headers=read_only).status_code == 403
    assert books.client.get("/v3.1/business_exchange_rates/USD", headers=read_only).status_code == 200
    assert books.client.get("/v3.1/exchange_rates/USD", headers=read_only).json()["rate"] == "1.2"
    for path in ("/exchange_rates", "/live_exchange_rates", "/business_exchange_rates"):
        assert books.client.get(f"/v3.1{path}").status_code == 401

    # Another business sees neither the rate nor its override.
    other = _books(books.client, factory)
    _problem(other.get("/business_exchange_rates/USD"), 404, "RecordNotFound", "")
    assert other.get("/exchange_rates/USD").json()["rate"] == six(USD / GBP)
