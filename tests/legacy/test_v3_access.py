"""API v3's admission (api/legacy/v3.py): APIM's subscription key and X-Site checks, the v3 token, the business
X-Site names and the path's region; errors before forwarding in Sage's array."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from starlette.testclient import TestClient

from ledgerd.app import create_app
from ledgerd.clock import Clock
from ledgerd.runtime import Runtime
from tests.legacy.conftest import V3, v3_caller
from tests.support.factories import Factory

NO_SUBSCRIPTION = [{"$severity": "APIM error", "$dataCode": "AuthorizationFailure",
                    "$message": "Access denied. Cannot verify subscription. Please try again later. (MRF)",
                    "$source": ""}]
NO_SITE = [{"$severity": "APIM error", "$dataCode": "HeaderNotFound",
            "$message": "Header X-Site was not found in the request. Access denied.", "$source": "check-header[2]"}]


def test_the_subscription_key_is_required(v3: V3) -> None:
    missing = v3.get("/contacts", headers={"Ocp-Apim-Subscription-Key": None})
    wrong = v3.get("/contacts", headers={"Ocp-Apim-Subscription-Key": "0" * 32})
    assert (missing.status_code, missing.json()) == (401, NO_SUBSCRIPTION)
    assert (wrong.status_code, wrong.json()) == (401, NO_SUBSCRIPTION)
    assert v3.get("/contacts", headers={"Ocp-Apim-Subscription-Key": v3.keys["secondary"]}).status_code == 200


def test_the_subscription_key_may_come_in_the_query_and_is_not_passed_on(v3: V3) -> None:
    response = v3.get("/contacts", headers={"Ocp-Apim-Subscription-Key": None},
                      params={"subscription-key": v3.keys["primary"], "items_per_page": "7"})
    assert response.status_code == 200, response.text
    assert response.json()["$itemsPerPage"] == 7
    v3.request("POST", "/contacts", json={"contact": {"name": "A", "contact_type_ids": ["CUSTOMER"]}})
    v3.request("POST", "/contacts", json={"contact": {"name": "B", "contact_type_ids": ["CUSTOMER"]}})
    paged = v3.get("/contacts", headers={"Ocp-Apim-Subscription-Key": None},
                   params={"subscription-key": v3.keys["primary"], "items_per_page": "1"}).json()
    assert paged["$next"] == "/contacts?page=2&items_per_page=1"  # relative, and no key in it


def test_x_site_is_required(v3: V3) -> None:
    response = v3.get("/contacts", headers={"X-Site": None})
    assert (response.status_code, response.json()) == (401, NO_SITE)
    assert v3.get("/me", api="core", headers={"X-Site": None}).json() == NO_SITE


def test_a_v3_token_is_required(v3: V3, factory: Factory) -> None:
    for authorization in (None, "Bearer " + "f" * 40, factory.headers(v3.user)["Authorization"]):
        response = v3.get("/contacts", headers={"Authorization": authorization})
        assert response.status_code == 401, response.text
        assert response.json()[0]["$dataCode"] == "AuthorizationFailure"


def test_an_expired_token_is_refused(v3: V3, clock: Clock) -> None:
    assert v3.get("/contacts").status_code == 200
    clock.advance(timedelta(minutes=61))
    response = v3.get("/contacts")
    assert response.status_code == 401
    assert response.json()[0]["$message"] == "The access token has expired."


def test_x_site_chooses_between_the_users_businesses(v3: V3, factory: Factory) -> None:
    other = factory.business(v3.user, name="Second Ltd", country="IE")
    v3.request("POST", "/contacts", json={"contact": {"name": "In the first", "contact_type_ids": ["CUSTOMER"]}})
    first = v3.get("/contacts").json()["$items"]
    second = v3.get("/contacts", headers={"X-Site": other.id}).json()["$items"]
    assert [c["displayed_as"] for c in first] == ["In the first (INTHEFI001)"] and second == []
    assert v3.get("/business", api="core", headers={"X-Site": other.id}).json()["name"] == "Second Ltd"


def test_a_business_not_the_users_is_refused(v3: V3, factory: Factory) -> None:
    stranger = factory.user()
    theirs = factory.business(stranger, name="Not yours")
    for site in (theirs.id, "0" * 32, "nonsense"):
        response = v3.get("/contacts", headers={"X-Site": site})
        assert response.status_code == 403, response.text
        problem = response.json()[0]
        assert (problem["$dataCode"], problem["$source"]) == ("AuthorizationFailure", "X-Site")
        assert problem["$message"].startswith("Access denied.")


def test_the_region_must_serve_the_business_country(client: TestClient, factory: Factory) -> None:
    ireland = v3_caller(client, factory, "IE")
    assert ireland.get("/contacts").status_code == 200  # uki serves GB and IE
    for region in ("us", "de", "fr"):
        response = ireland.get("/contacts", region=region)
        assert response.status_code == 403, response.text
        assert "IE" in response.json()[0]["$message"]
    us = v3_caller(client, factory, "US")
    assert us.get("/contacts", region="us").status_code == 200
    assert us.get("/contacts", region="uki").status_code == 403


def test_v31_only_paths_and_unknown_paths_answer_404(v3: V3) -> None:
    bank = v3.v31("POST", "/bank_accounts", json={"bank_account": {
        "bank_account_type_id": "CHECKING", "bank_account_details": {"account_name": "Current"}}}).json()
    assert v3.v31("GET", f"/bank_accounts/{bank['id']}/bank_feed").status_code == 200
    for path in ("/analysis_types", "/analysis_type_categories", "/cis_settings",
                 f"/bank_accounts/{bank['id']}/bank_feed", "/nothing_here"):
        response = v3.get(path)
        assert response.status_code == 404, path
        assert response.json()[0]["$dataCode"] == "RouteNotFound"
    unknown = v3.client.get("/uki/sageone/elsewhere/v3/contacts", headers=v3.headers())
    assert unknown.status_code == 404 and unknown.json()[0]["$dataCode"] == "RouteNotFound"


def test_a_method_the_path_lacks_is_405_naming_them_all(v3: V3) -> None:
    response = v3.request("PATCH", "/contacts")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST"


def test_refusals_before_any_route_are_sages_array(v3: V3) -> None:
    text = v3.client.get(f"/{v3.region}/sageone/accounts/v3/contacts%01", headers=v3.headers())
    assert text.status_code == 400 and text.json()[0]["$dataCode"] == "InvalidCharacters"
    huge = v3.client.post(f"/{v3.region}/sageone/accounts/v3/contacts", content=b"{" + b" " * (5 * 1024 * 1024) + b"}",
                          headers={**v3.headers(), "Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json()[0]["$dataCode"] == "RequestEntityTooLarge"


def test_v3_is_json_only(v3: V3) -> None:
    response = v3.client.post(f"/{v3.region}/sageone/accounts/v3/contacts", content=b"contact[name]=A",
                              headers={**v3.headers(), "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415


def test_legacy_apis_off_removes_v3(runtime: Runtime, factory: Factory, clock: Clock) -> None:
    settings = runtime.settings.model_copy(update={"legacy_apis": False})
    with TestClient(create_app(runtime=dataclasses.replace(runtime, settings=settings)),
                    base_url="http://testserver") as client:
        caller = v3_caller(client, factory)
        assert caller.get("/contacts").status_code == 404
        assert caller.get("/me", api="core").status_code == 404
        assert client.get("/v3.1/contacts", headers=factory.headers(caller.user)).status_code == 200
