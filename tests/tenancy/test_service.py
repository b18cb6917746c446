"""Tenancy: /businesses, /user, the lead business, X-Business selection, roles, ORM isolation, invitations.

Every test drives the real server over HTTP (or the real services inside one unit of work) on SQLite and on
PostgreSQL. The database is shared by the session, so each test makes its own users and businesses and only
asserts about those.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.app import create_app
from ledgerd.clock import Clock
from ledgerd.db.base import new_id
from ledgerd.db.counters import next_value, next_values, peek
from ledgerd.db.tenancy import TenancyViolation, bind_business, current_business
from ledgerd.errors import Forbidden, Invalid, NotFound
from ledgerd.http.errors import body, status_of
from ledgerd.onboarding import open_business
from ledgerd.runtime import Runtime
from ledgerd.tenancy import service
from ledgerd.tenancy.models import Business, Invitation, Membership, Role, Subscription, User
from tests.conftest import PUBLIC_URL
from tests.support.factories import PASSWORD, Factory

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
USER_KEYS = ["created_at", "updated_at", "displayed_as", "id", "first_name", "last_name", "initials", "email",
             "locale"]
BUSINESS_KEYS = ["created_at", "updated_at", "displayed_as", "id", "name", "address_line_1", "address_line_2",
                 "city", "postal_code", "country", "region", "telephone", "mobile", "website", "is_demo", "ni_based",
                 "subscriptions"]
ENVELOPE_KEYS = ["$total", "$page", "$next", "$back", "$items_per_page", "$items"]
NOT_FOUND = [{"$severity": "error", "$dataCode": "RecordNotFound", "$message": "Couldn't find record.",
              "$source": ""}]
ACCESS_DENIED = "The current user is not allowed to access that resource with that method."
NON_OWNER_ROLES = [Role.FULL_ACCESS, Role.READ_ONLY, Role.NO_ACCESS]


def _email(tag: str = "user") -> str:
    return f"{tag}-{secrets.token_hex(6)}@example.com"


def _link(business: Business) -> dict[str, str]:
    return {"displayed_as": business.name, "id": business.id, "$path": f"/businesses/{business.id}"}


def _problem(response: Any, status: int, data_code: str | None, source: str | None = None) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    problem: dict[str, str] = body[0]
    assert list(problem) == ["$severity", "$dataCode", "$message", "$source"]
    assert problem["$severity"] == "error"
    if data_code is not None:
        assert problem["$dataCode"] == data_code, problem
    if source is not None:
        assert problem["$source"] == source, problem
    return problem


def _stamp(clock: Clock) -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def _lead_id(factory: Factory, user: User) -> str | None:
    """The lead as the session lookup (PUT /businesses/lead) finds it."""
    def run(db: Session) -> str | None:
        try:
            return service.business_for_key(db, user.id, "lead")[0].id
        except NotFound:
            return None

    return factory.tx(run)


def _invite_pending(factory: Factory, business: Business, email: str, role: Role) -> Membership | Invitation:
    def run(db: Session) -> Membership | Invitation:
        row = db.get(Business, business.id)
        assert row is not None
        return service.invite(db, factory.runtime.clock, business=row, email=email, role=role)

    return factory.tx(run)


# --------------------------------------------------------------------------------------------------------------
# 1. GET /businesses


def test_list_businesses_envelope_lists_owned_and_invited_in_lead_order(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    own = factory.business(user, name="Own Ltd")
    invited = {}
    for role in NON_OWNER_ROLES:
        other = factory.user(first_name="Other")
        invited[role] = factory.business(other, name=f"Invited {role.value}")
        factory.member(invited[role], user, role)
    stranger = factory.business(factory.user(), name=f"Stranger {secrets.token_hex(4)}")

    response = client.get("/v3.1/businesses", headers=factory.headers(user))

    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ENVELOPE_KEYS
    assert body == {"$total": 4, "$page": 1, "$next": None, "$back": None, "$items_per_page": 2147483647,
                    "$items": [_link(own), *(_link(invited[r]) for r in NON_OWNER_ROLES)]}
    assert all(list(item) == ["displayed_as", "id", "$path"] for item in body["$items"])
    assert "x-business" not in response.headers
    assert stranger.id not in response.text and stranger.name not in response.text


def test_list_businesses_ignores_x_business_header_and_never_sets_it(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    first, second = factory.business(user, name="First"), factory.business(user, name="Second")

    response = client.get("/v3.1/businesses", headers=factory.headers(user, business=second.id))

    assert response.status_code == 200, response.text
    assert [i["id"] for i in response.json()["$items"]] == [first.id, second.id]
    assert "x-business" not in response.headers


def test_list_businesses_of_user_without_business_is_empty(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    factory.business(factory.user())  # someone else's

    response = client.get("/v3.1/businesses", headers=factory.headers(user))

    assert response.status_code == 200, response.text
    assert response.json() == {"$total": 0, "$page": 1, "$next": None, "$back": None,
                               "$items_per_page": 2147483647, "$items": []}
    assert "x-business" not in response.headers


def test_list_businesses_needs_a_bearer_token(client: TestClient) -> None:
    response = client.get("/v3.1/businesses")
    _problem(response, 401, "AuthorizationFailure")


# --------------------------------------------------------------------------------------------------------------
# 2. /user


def test_get_user_shape(client: TestClient, factory: Factory) -> None:
    email = _email("ada")
    user = factory.user(first_name="Ada", last_name="Lovelace", email=email)
    factory.business(user)

    response = client.get("/v3.1/user", headers=factory.headers(user))

    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == USER_KEYS
    assert "$path" not in body
    assert TIMESTAMP.match(body["created_at"]) and TIMESTAMP.match(body["updated_at"])
    assert body["created_at"] == user.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {k: v for k, v in body.items() if k not in ("created_at", "updated_at")} == {
        "displayed_as": "Ada Lovelace", "id": user.id, "first_name": "Ada", "last_name": "Lovelace",
        "initials": "AL", "email": email, "locale": "en-GB"}
    assert re.fullmatch(r"[0-9a-f]{32}", body["id"])
    assert "x-business" not in response.headers


def test_get_user_without_names_is_displayed_as_email(client: TestClient, factory: Factory) -> None:
    email = _email("plain")
    user = factory.user(first_name="", last_name="", email=email)

    body = client.get("/v3.1/user", headers=factory.headers(user)).json()

    assert body["displayed_as"] == email and body["initials"] == ""


def test_put_user_updates_recomputes_initials_and_bumps_updated_at(client: TestClient, factory: Factory,
                                                                  clock: Clock) -> None:
    clock.freeze()
    user = factory.user(first_name="Ada", last_name="Lovelace")
    factory.business(user)
    headers = factory.headers(user)
    created = _stamp(clock)
    clock.advance(timedelta(minutes=2))

    response = client.put("/v3.1/user", json={"user": {"last_name": "Smith"}}, headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == USER_KEYS
    assert body["last_name"] == "Smith" and body["first_name"] == "Ada"
    assert body["initials"] == "AS" and body["displayed_as"] == "Ada Smith"
    assert body["created_at"] == created
    assert body["updated_at"] == _stamp(clock) != created
    assert "x-business" not in response.headers

    again = client.get("/v3.1/user", headers=headers).json()
    assert again == body


def test_put_user_explicit_initials_win(client: TestClient, factory: Factory) -> None:
    user = factory.user(first_name="Ada", last_name="Lovelace")
    headers = factory.headers(user)

    body = client.put("/v3.1/user", json={"user": {"first_name": "Grace", "initials": "GX"}},
                      headers=headers).json()
    assert (body["first_name"], body["initials"]) == ("Grace", "GX")

    # Changing only the first name recomputes from both names.
    body = client.put("/v3.1/user", json={"user": {"first_name": "Henry"}}, headers=headers).json()
    assert (body["first_name"], body["initials"], body["displayed_as"]) == ("Henry", "HL", "Henry Lovelace")


def test_put_user_locale_is_an_enum(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    headers = factory.headers(user)

    problem = _problem(client.put("/v3.1/user", json={"user": {"locale": "xx-XX"}}, headers=headers),
                       422, "RecordInvalid", "locale")
    assert problem["$message"]
    assert client.get("/v3.1/user", headers=headers).json()["locale"] == "en-GB"

    response = client.put("/v3.1/user", json={"user": {"locale": "fr-FR"}}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["locale"] == "fr-FR"
    assert client.get("/v3.1/user", headers=headers).json()["locale"] == "fr-FR"


def test_put_user_ignores_unknown_and_read_only_keys(client: TestClient, factory: Factory) -> None:
    email = _email("keep")
    user = factory.user(first_name="Ada", email=email)
    headers = factory.headers(user)

    response = client.put("/v3.1/user", json={"user": {
        "first_name": "Grace", "email": "someone-else@example.com", "id": new_id(), "nickname": "G",
        "created_at": "2001-01-01T00:00:00Z"}}, headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["first_name"] == "Grace"
    assert body["email"] == email and body["id"] == user.id
    assert body["created_at"] != "2001-01-01T00:00:00Z"
    assert "nickname" not in body


def test_put_user_body_must_be_wrapped(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    headers = factory.headers(user)

    _problem(client.put("/v3.1/user", json={"last_name": "Smith"}, headers=headers), 422, None, "user")
    _problem(client.put("/v3.1/user", json={"user": "Smith"}, headers=headers), 422, None, "user")
    assert client.get("/v3.1/user", headers=headers).json()["last_name"] == "Lovelace"


def test_put_user_with_readonly_token_is_forbidden(client: TestClient, factory: Factory) -> None:
    user = factory.user()

    response = client.put("/v3.1/user", json={"user": {"last_name": "Smith"}},
                          headers=factory.headers(user, scope="readonly"))

    _problem(response, 403, "MultiUserAccessDenied")
    assert client.get("/v3.1/user", headers=factory.headers(user, scope="readonly")).json()["last_name"] == "Lovelace"


# --------------------------------------------------------------------------------------------------------------
# 3. GET /businesses/{key}


def test_get_business_by_id_and_lead_shape(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    business = factory.business(user, name="Acme Widgets Ltd")
    headers = factory.headers(user)

    by_id = client.get(f"/v3.1/businesses/{business.id}", headers=headers)
    lead = client.get("/v3.1/businesses/lead", headers=headers)

    for response in (by_id, lead):
        assert response.status_code == 200, response.text
        assert response.headers["x-business"] == business.id
        body = response.json()
        assert list(body) == BUSINESS_KEYS
        assert "$path" not in body
        assert TIMESTAMP.match(body["created_at"]) and TIMESTAMP.match(body["updated_at"])
        assert body["id"] == business.id
        assert body["displayed_as"] == body["name"] == "Acme Widgets Ltd"
        assert body["country"] == {"id": "GB", "displayed_as": "United Kingdom (GB)"}
        assert list(body["country"]) == ["id", "displayed_as"]
        for key in ("address_line_1", "address_line_2", "city", "postal_code", "region", "telephone", "mobile",
                    "website"):
            assert body[key] == ""
        assert body["is_demo"] is False and body["ni_based"] is False
        assert len(body["subscriptions"]) == 1
        sub = body["subscriptions"][0]
        assert list(sub) == ["created_at", "updated_at", "displayed_as", "id", "active", "status", "accountant_pays"]
        assert TIMESTAMP.match(sub["created_at"]) and TIMESTAMP.match(sub["updated_at"])
        assert {k: sub[k] for k in ("displayed_as", "id", "active", "status", "accountant_pays")} == {
            "displayed_as": "Accounting", "id": "ACCOUNTING", "active": True, "status": "paying",
            "accountant_pays": False}
    assert by_id.json() == lead.json()


def test_get_business_attributes_narrows(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    business = factory.business(user, name="Narrow Ltd")
    headers = factory.headers(user)

    for key in (business.id, "lead"):
        response = client.get(f"/v3.1/businesses/{key}", params={"attributes": "name"}, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        # The base keys are kept in the resource's own order; a business has no `$path` to keep.
        assert list(body) == ["displayed_as", "id", "name"]
        assert body == {"displayed_as": "Narrow Ltd", "id": business.id, "name": "Narrow Ltd"}
        assert response.headers["x-business"] == business.id

    body = client.get(f"/v3.1/businesses/{business.id}", params={"attributes": "name, is_demo,country"},
                      headers=headers).json()
    assert list(body) == ["displayed_as", "id", "name", "country", "is_demo"]

    full = client.get(f"/v3.1/businesses/{business.id}", params={"attributes": "all"}, headers=headers).json()
    assert list(full) == BUSINESS_KEYS


def test_get_business_of_invited_member(client: TestClient, factory: Factory) -> None:
    owner, member = factory.user(), factory.user()
    business = factory.business(owner, name="Shared Ltd")
    factory.member(business, member, Role.READ_ONLY)

    response = client.get(f"/v3.1/businesses/{business.id}", headers=factory.headers(member))

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Shared Ltd"
    assert response.headers["x-business"] == business.id


def test_get_business_not_found_leaks_nothing(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    mine = factory.business(user, name="Mine Ltd")
    secret_name = f"Secret {secrets.token_hex(6)}"
    foreign = factory.business(factory.user(), name=secret_name)
    invited_elsewhere = factory.business(factory.user(), name=f"Pending {secrets.token_hex(6)}")
    # An invitation to an e-mail address without an account gives that address nothing yet.
    _invite_pending(factory, invited_elsewhere, _email("pending"), Role.FULL_ACCESS)
    headers = factory.headers(user)

    for key in (new_id(), "not-a-business-id", new_id().upper(), f"{mine.id}x", foreign.id, invited_elsewhere.id):
        response = client.get(f"/v3.1/businesses/{key}", headers=headers)
        assert response.status_code == 404, key
        assert response.json() == NOT_FOUND
        assert "x-business" not in response.headers
        for leak in (secret_name, foreign.id, invited_elsewhere.name, mine.id, mine.name):
            assert leak not in response.text


def test_get_lead_of_user_without_business_is_not_found(client: TestClient, factory: Factory) -> None:
    user = factory.user()

    response = client.get("/v3.1/businesses/lead", headers=factory.headers(user))

    assert response.status_code == 404 and response.json() == NOT_FOUND
    assert "x-business" not in response.headers


# --------------------------------------------------------------------------------------------------------------
# 4. PUT /businesses/{key}


def test_owner_updates_business(client: TestClient, factory: Factory, clock: Clock) -> None:
    clock.freeze()
    user = factory.user()
    business = factory.business(user, name="Before Ltd")
    headers = factory.headers(user)
    created = _stamp(clock)
    clock.advance(timedelta(minutes=1))

    response = client.put(f"/v3.1/businesses/{business.id}", headers=headers, json={"business": {
        "address_line_1": "23 Acacia Ave.", "mobile": "0777654321", "website": "https://example.com/"}})

    assert response.status_code == 200, response.text
    assert response.headers["x-business"] == business.id
    body = response.json()
    assert list(body) == BUSINESS_KEYS
    assert (body["address_line_1"], body["mobile"], body["website"]) == (
        "23 Acacia Ave.", "0777654321", "https://example.com/")
    assert body["name"] == "Before Ltd" and body["city"] == ""
    assert body["created_at"] == created and body["updated_at"] == _stamp(clock) != created

    clock.advance(timedelta(minutes=1))
    renamed = client.put("/v3.1/businesses/lead", headers=headers, json={"business": {"name": "  After Ltd  "}})
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["x-business"] == business.id
    assert renamed.json()["name"] == renamed.json()["displayed_as"] == "After Ltd"
    assert renamed.json()["address_line_1"] == "23 Acacia Ave."

    fetched = client.get(f"/v3.1/businesses/{business.id}", headers=headers).json()
    assert fetched == renamed.json()
    listed = client.get("/v3.1/businesses", headers=headers).json()["$items"]
    assert listed == [{"displayed_as": "After Ltd", "id": business.id, "$path": f"/businesses/{business.id}"}]


def test_put_business_ignores_unknown_and_read_only_keys(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    business = factory.business(user, name="Steady Ltd")

    response = client.put(f"/v3.1/businesses/{business.id}", headers=factory.headers(user), json={"business": {
        "city": "Leeds", "id": new_id(), "is_demo": True, "country": {"id": "US"}, "legacy_id": 1, "colour": "red"}})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["city"] == "Leeds" and body["id"] == business.id and body["is_demo"] is False
    assert body["country"]["id"] == "GB"
    assert "colour" not in body and "legacy_id" not in body


@pytest.mark.parametrize("role", NON_OWNER_ROLES, ids=lambda r: r.value)
def test_non_owner_cannot_update_business(client: TestClient, factory: Factory, role: Role) -> None:
    owner, member = factory.user(), factory.user()
    business = factory.business(owner, name="Owned Ltd")
    factory.member(business, member, role)
    headers = factory.headers(member)

    for key in (business.id, "lead"):  # the invited business is the member's lead
        response = client.put(f"/v3.1/businesses/{key}", headers=headers, json={"business": {"name": "Hijacked"}})
        _problem(response, 403, "MultiUserAccessDenied")
        assert "x-business" not in response.headers

    # Role is checked before the body: an invalid body still answers 403.
    _problem(client.put(f"/v3.1/businesses/{business.id}", headers=headers, json={"business": {"name": ""}}),
             403, "MultiUserAccessDenied")
    assert client.get(f"/v3.1/businesses/{business.id}", headers=factory.headers(owner)).json()["name"] == "Owned Ltd"


@pytest.mark.parametrize("spelling", ["LEAD", "Lead", " lead "])
def test_lead_key_is_spelt_alike_on_get_and_put(client: TestClient, factory: Factory, spelling: str) -> None:
    user = factory.user()
    business = factory.business(user, name="Spelt Ltd")
    headers = factory.headers(user)

    fetched = client.get(f"/v3.1/businesses/{spelling}", headers=headers)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["id"] == business.id
    renamed = client.put(f"/v3.1/businesses/{spelling}", headers=headers, json={"business": {"name": "Respelt Ltd"}})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["id"] == business.id and renamed.json()["name"] == "Respelt Ltd"


def test_read_business_is_a_frozen_value_with_role_and_subscriptions(factory: Factory) -> None:
    owner = factory.user()
    own = factory.business(owner, name="Own Ltd")
    invited = factory.business(factory.user(), name="Invited Ltd")
    factory.member(invited, owner, Role.FULL_ACCESS)

    lead = service.read_business(factory.runtime.engine, owner.id, "lead")
    assert (lead.id, lead.name, lead.role) == (own.id, "Own Ltd", Role.OWNER)
    assert [(s.code, s.active, s.status) for s in lead.subscriptions] == [("ACCOUNTING", True, "paying")]
    by_id = service.read_business(factory.runtime.engine, owner.id, invited.id.upper())
    assert (by_id.id, by_id.role) == (invited.id, Role.FULL_ACCESS)
    with pytest.raises(AttributeError):
        lead.name = "Changed"  # type: ignore[misc]


def test_non_member_update_is_not_found(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    factory.business(user)
    foreign = factory.business(factory.user(), name="Foreign Ltd")

    for key in (foreign.id, new_id(), "garbage"):
        response = client.put(f"/v3.1/businesses/{key}", headers=factory.headers(user),
                              json={"business": {"name": "Hijacked"}})
        assert response.status_code == 404 and response.json() == NOT_FOUND
        assert "x-business" not in response.headers

    # A user without any business has no lead to change.
    response = client.put("/v3.1/businesses/lead", headers=factory.headers(factory.user()),
                          json={"business": {"name": "Hijacked"}})
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_put_business_validation(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    business = factory.business(user, name="Valid Ltd")
    headers = factory.headers(user)

    for changes, source in [({"name": ""}, "name"), ({"name": "   "}, "name"), ({"website": "w" * 256}, "website"),
                            ({"postal_code": "p" * 51}, "postal_code"), ({"mobile": 12}, "mobile")]:
        _problem(client.put(f"/v3.1/businesses/{business.id}", headers=headers, json={"business": changes}),
                 422, "RecordInvalid", source)
    # One bad attribute rejects the whole change.
    _problem(client.put(f"/v3.1/businesses/{business.id}", headers=headers,
                        json={"business": {"city": "Leeds", "name": ""}}), 422, "RecordInvalid", "name")

    body = client.get(f"/v3.1/businesses/{business.id}", headers=headers).json()
    assert body["name"] == "Valid Ltd" and body["website"] == "" and body["mobile"] == "" and body["city"] == ""


def test_put_business_body_must_be_wrapped(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    business = factory.business(user)
    headers = factory.headers(user)

    _problem(client.put(f"/v3.1/businesses/{business.id}", headers=headers, json={"name": "X"}),
             422, None, "business")
    _problem(client.put(f"/v3.1/businesses/{business.id}", headers=headers, json={"business": []}),
             422, None, "business")


def test_put_business_with_readonly_token_is_forbidden(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    business = factory.business(user, name="Readonly Ltd")

    response = client.put(f"/v3.1/businesses/{business.id}", headers=factory.headers(user, scope="readonly"),
                          json={"business": {"name": "Changed"}})

    _problem(response, 403, "MultiUserAccessDenied")
    assert client.get(f"/v3.1/businesses/{business.id}", headers=factory.headers(user)).json()["name"] == "Readonly Ltd"


# --------------------------------------------------------------------------------------------------------------
# 5. The lead business


def _lead_over_http(client: TestClient, factory: Factory, user: User) -> str:
    headers = factory.headers(user)
    response = client.get("/v3.1/businesses/lead", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["x-business"] == response.json()["id"]
    first_listed = client.get("/v3.1/businesses", headers=headers).json()["$items"][0]["id"]
    lead = str(response.json()["id"])
    assert first_listed == lead, "GET /businesses lists the lead business first"
    # Every lookup of "the user's business" agrees: the session's (PUT /businesses/lead) and the one a
    # business-scoped call without X-Business makes.
    assert _lead_id(factory, user) == lead
    assert service.select_business(factory.runtime.engine, user.id, None).id == lead
    return lead


def test_first_created_business_is_lead(client: TestClient, factory: Factory, clock: Clock) -> None:
    user = factory.user()
    first = factory.business(user, name="First Ltd")
    clock.advance(timedelta(seconds=1))
    second = factory.business(user, name="Second Ltd")
    clock.advance(timedelta(seconds=1))
    # Being invited later does not move the lead.
    elsewhere = factory.business(factory.user(), name="Elsewhere Ltd")
    factory.member(elsewhere, user, Role.FULL_ACCESS)

    assert _lead_over_http(client, factory, user) == first.id
    items = client.get("/v3.1/businesses", headers=factory.headers(user)).json()["$items"]
    assert [i["id"] for i in items] == [first.id, second.id, elsewhere.id]


def test_invited_only_user_leads_with_first_invitation(client: TestClient, factory: Factory, clock: Clock) -> None:
    user = factory.user()
    # The business created first is invited to last: the invitation order decides.
    late = factory.business(factory.user(), name="Late Ltd")
    clock.advance(timedelta(seconds=1))
    early = factory.business(factory.user(), name="Early Ltd")
    clock.advance(timedelta(seconds=1))
    factory.member(early, user, Role.READ_ONLY)
    clock.advance(timedelta(seconds=1))
    factory.member(late, user, Role.FULL_ACCESS)

    assert _lead_over_http(client, factory, user) == early.id


def test_creating_own_business_after_invitation_moves_the_lead(client: TestClient, factory: Factory,
                                                               clock: Clock) -> None:
    user = factory.user()
    invited = factory.business(factory.user(), name="Invited Ltd")
    factory.member(invited, user, Role.FULL_ACCESS)
    assert _lead_over_http(client, factory, user) == invited.id

    clock.advance(timedelta(seconds=1))
    own = factory.business(user, name="Own Ltd")

    assert _lead_over_http(client, factory, user) == own.id
    items = client.get("/v3.1/businesses", headers=factory.headers(user)).json()["$items"]
    assert [i["id"] for i in items] == [own.id, invited.id]


def test_deleting_lead_business_moves_lead_to_next_created(client: TestClient, factory: Factory,
                                                           clock: Clock) -> None:
    user, colleague = factory.user(), factory.user()
    first = factory.business(user, name="First Ltd")
    clock.advance(timedelta(seconds=1))
    invited = factory.business(factory.user(), name="Invited Ltd")
    factory.member(invited, user, Role.FULL_ACCESS)
    clock.advance(timedelta(seconds=1))
    second = factory.business(user, name="Second Ltd")
    clock.advance(timedelta(seconds=1))
    third = factory.business(user, name="Third Ltd")
    factory.member(first, colleague, Role.FULL_ACCESS)
    assert _lead_over_http(client, factory, user) == first.id

    def drop(db: Session) -> None:
        row = db.get(Business, first.id)
        assert row is not None
        db.delete(row)

    factory.tx(drop)

    assert _lead_over_http(client, factory, user) == second.id
    items = client.get("/v3.1/businesses", headers=factory.headers(user)).json()["$items"]
    assert [i["id"] for i in items] == [second.id, third.id, invited.id]
    # The deleted business is gone for everyone, with its memberships and subscriptions.
    assert client.get(f"/v3.1/businesses/{first.id}", headers=factory.headers(user)).status_code == 404
    assert client.get("/v3.1/businesses", headers=factory.headers(colleague)).json()["$total"] == 0

    def leftovers(db: Session) -> tuple[int, int]:
        memberships = db.scalar(select(func.count()).select_from(Membership).where(Membership.business_id == first.id))
        subs = db.scalar(select(func.count()).select_from(Subscription).where(Subscription.business_id == first.id))
        return memberships or 0, subs or 0

    assert factory.tx(leftovers) == (0, 0)


def test_deleting_only_business_leaves_no_lead(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    only = factory.business(user)
    factory.tx(lambda db: db.execute(delete(Business).where(Business.id == only.id)))

    assert _lead_id(factory, user) is None
    assert client.get("/v3.1/businesses/lead", headers=factory.headers(user)).status_code == 404


# --------------------------------------------------------------------------------------------------------------
# 6. X-Business selection: the service


@pytest.fixture(scope="module")
def tenants(runtime: Runtime) -> dict[str, Any]:
    """A user owning two businesses and invited to a third; a foreign business; a user without business.

    Shared by the module (per backend): the tests using it only read.
    """
    factory = Factory(runtime)
    user = factory.user()
    lead = factory.business(user, name="Lead Ltd")
    second = factory.business(user, name="Second Ltd")
    shared = factory.business(factory.user(), name="Shared Ltd")
    factory.member(shared, user, Role.READ_ONLY)
    foreign = factory.business(factory.user(), name="Foreign Ltd")
    return {"user": user, "lead": lead, "second": second, "shared": shared, "foreign": foreign,
            "homeless": factory.user()}


def test_select_business_without_header_is_lead(factory: Factory, tenants: dict[str, Any]) -> None:
    user = tenants["user"]

    chosen = [service.select_business(factory.runtime.engine, user.id, h) for h in (None, "", "   ")]
    assert [(b.id, b.role) for b in chosen] == [(tenants["lead"].id, Role.OWNER)] * 3


@pytest.mark.parametrize("spelling", ["exact", "upper", "padded", "mixed_padded"])
def test_select_business_by_header(factory: Factory, tenants: dict[str, Any], spelling: str) -> None:
    user = tenants["user"]

    def header(business_id: str) -> str:
        return {"exact": business_id, "upper": business_id.upper(), "padded": f"  {business_id}\t",
                "mixed_padded": f" {business_id[:16].upper()}{business_id[16:]} "}[spelling]

    chosen = [service.select_business(factory.runtime.engine, user.id, header(tenants[name].id))
              for name in ("second", "lead", "shared")]
    assert [(b.id, b.role) for b in chosen] == [(tenants["second"].id, Role.OWNER), (tenants["lead"].id, Role.OWNER),
                                                (tenants["shared"].id, Role.READ_ONLY)]


@pytest.mark.parametrize("kind", ["malformed", "too_short", "unknown", "foreign", "sql"])
def test_select_business_rejects_inaccessible_header(factory: Factory, tenants: dict[str, Any], kind: str) -> None:
    user = tenants["user"]
    header = {"malformed": "zz" * 16, "too_short": tenants["lead"].id[:31], "unknown": new_id(),
              "foreign": tenants["foreign"].id, "sql": f"{tenants['lead'].id}' OR '1'='1"}[kind]

    with pytest.raises(Forbidden) as caught:
        service.select_business(factory.runtime.engine, user.id, header)
    assert status_of(caught.value) == 403
    problem = body(caught.value)[0]
    assert problem["$dataCode"] == "MultiUserAccessDenied" and problem["$source"] == "X-Business"
    # Every inaccessible id is answered alike, so the header cannot probe for businesses.
    assert problem["$message"] == "The X-Business header names a business the current user cannot access."


@pytest.mark.parametrize("header", [None, "", "own_elsewhere"])
def test_select_business_for_user_without_business(factory: Factory, tenants: dict[str, Any],
                                                   header: str | None) -> None:
    homeless = tenants["homeless"]
    value = tenants["lead"].id if header == "own_elsewhere" else header

    with pytest.raises(Forbidden) as caught:
        service.select_business(factory.runtime.engine, homeless.id, value)
    assert status_of(caught.value) == 403 and body(caught.value)[0]["$source"] == "X-Business"


# --------------------------------------------------------------------------------------------------------------
# 6b. X-Business selection: the pipeline, through a test-local business-scoped route


def _scoped(call: BusinessCall) -> Result:
    codes = sorted({s.business_id for s in call.db.scalars(select(Subscription))})
    return Result({"business": call.business.id, "role": call.business.role.value, "bound": current_business(call.db),
                   "subscription_businesses": codes, "method": call.request.method},
                  business_id=call.business.id)


@pytest.fixture
def scoped(runtime: Runtime, clock: Clock) -> Iterator[TestClient]:
    app = create_app(runtime=runtime)
    route = business_route("/v3.1/_test/scoped", _scoped, methods=["GET", "PUT"])
    app.router.routes.insert(0, route)
    with TestClient(app, base_url=PUBLIC_URL) as test_client:
        yield test_client


def _scoped_ok(response: Any, business: Business, role: Role) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["x-business"] == business.id
    body = response.json()
    assert body["business"] == body["bound"] == business.id and body["role"] == role.value
    # The session is bound to the selected business: other tenants' rows are invisible.
    assert body["subscription_businesses"] == [business.id]


def test_pipeline_without_header_uses_lead(scoped: TestClient, factory: Factory, tenants: dict[str, Any]) -> None:
    headers = factory.headers(tenants["user"])

    _scoped_ok(scoped.get("/v3.1/_test/scoped", headers=headers), tenants["lead"], Role.OWNER)
    _scoped_ok(scoped.put("/v3.1/_test/scoped", headers=headers), tenants["lead"], Role.OWNER)
    # The real endpoints still answer in this app.
    assert scoped.get("/v3.1/businesses", headers=headers).json()["$total"] == 3


def test_pipeline_selects_header_business(scoped: TestClient, factory: Factory, tenants: dict[str, Any]) -> None:
    user = tenants["user"]

    response = scoped.get("/v3.1/_test/scoped",
                          headers=factory.headers(user, business=f" {tenants['second'].id.upper()} "))
    _scoped_ok(response, tenants["second"], Role.OWNER)

    response = scoped.put("/v3.1/_test/scoped", headers=factory.headers(user, business=tenants["second"].id))
    _scoped_ok(response, tenants["second"], Role.OWNER)


@pytest.mark.parametrize("kind", ["foreign", "unknown", "malformed"])
def test_pipeline_rejects_inaccessible_header(scoped: TestClient, factory: Factory, tenants: dict[str, Any],
                                              kind: str) -> None:
    value = {"foreign": tenants["foreign"].id, "unknown": new_id(), "malformed": "lead"}[kind]
    headers = factory.headers(tenants["user"], business=value)

    for response in (scoped.get("/v3.1/_test/scoped", headers=headers),
                     scoped.put("/v3.1/_test/scoped", headers=headers)):
        _problem(response, 403, "MultiUserAccessDenied", "X-Business")
        assert "x-business" not in response.headers
        assert tenants["foreign"].name not in response.text


def test_pipeline_user_without_business_is_forbidden(scoped: TestClient, factory: Factory,
                                                     tenants: dict[str, Any]) -> None:
    response = scoped.get("/v3.1/_test/scoped", headers=factory.headers(tenants["homeless"]))

    _problem(response, 403, "MultiUserAccessDenied", "X-Business")
    assert "x-business" not in response.headers


def test_pipeline_read_only_member_reads_but_cannot_write(scoped: TestClient, factory: Factory,
                                                          tenants: dict[str, Any]) -> None:
    headers = factory.headers(tenants["user"], business=tenants["shared"].id)

    _scoped_ok(scoped.get("/v3.1/_test/scoped", headers=headers), tenants["shared"], Role.READ_ONLY)
    response = scoped.put("/v3.1/_test/scoped", headers=headers)
    problem = _problem(response, 403, "MultiUserAccessDenied", "")
    assert problem["$message"] == ACCESS_DENIED
    assert "x-business" not in response.headers


def test_pipeline_full_access_member_reads_and_writes(scoped: TestClient, factory: Factory) -> None:
    owner, member = factory.user(), factory.user()
    business = factory.business(owner)
    factory.member(business, member, Role.FULL_ACCESS)
    headers = factory.headers(member, business=business.id)

    _scoped_ok(scoped.get("/v3.1/_test/scoped", headers=headers), business, Role.FULL_ACCESS)
    _scoped_ok(scoped.put("/v3.1/_test/scoped", headers=headers), business, Role.FULL_ACCESS)


def test_pipeline_no_access_member_is_forbidden(scoped: TestClient, factory: Factory) -> None:
    owner, member = factory.user(), factory.user()
    business = factory.business(owner)
    factory.member(business, member, Role.NO_ACCESS)

    # With the header, and without it (the no-access business is this member's lead).
    for headers in (factory.headers(member, business=business.id), factory.headers(member)):
        for response in (scoped.get("/v3.1/_test/scoped", headers=headers),
                         scoped.put("/v3.1/_test/scoped", headers=headers)):
            problem = _problem(response, 403, "MultiUserAccessDenied", "")
            assert problem["$message"] == ACCESS_DENIED
            assert "x-business" not in response.headers


def test_pipeline_readonly_token_cannot_write(scoped: TestClient, factory: Factory, tenants: dict[str, Any]) -> None:
    headers = factory.headers(tenants["user"], scope="readonly")

    _scoped_ok(scoped.get("/v3.1/_test/scoped", headers=headers), tenants["lead"], Role.OWNER)
    response = scoped.put("/v3.1/_test/scoped", headers=headers)
    _problem(response, 403, "MultiUserAccessDenied")
    assert "x-business" not in response.headers


def test_pipeline_authenticates_before_selecting(scoped: TestClient, tenants: dict[str, Any]) -> None:
    for headers in ({}, {"X-Business": tenants["lead"].id},
                    {"Authorization": "Bearer nope", "X-Business": tenants["lead"].id}):
        response = scoped.get("/v3.1/_test/scoped", headers=headers)
        _problem(response, 401, "AuthorizationFailure")
        assert "x-business" not in response.headers


# --------------------------------------------------------------------------------------------------------------
# 7. Tenant isolation in the ORM


@pytest.fixture
def two_tenants(factory: Factory) -> tuple[Business, Business]:
    a = factory.business(factory.user(), name="Tenant A")
    b = factory.business(factory.user(), name="Tenant B")

    def extra(db: Session) -> None:
        now = factory.runtime.clock.now()
        db.add(Subscription(business_id=b.id, code="START", created_at=now, updated_at=now))

    factory.tx(extra)
    return a, b


def _sub(db: Session, business_id: str, code: str) -> Subscription:
    row = db.get(Subscription, (business_id, code))
    assert row is not None
    return row


def test_bound_session_reads_only_its_business(factory: Factory, two_tenants: tuple[Business, Business]) -> None:
    a, b = two_tenants

    def run(db: Session) -> dict[str, Any]:
        unbound = set(db.scalars(select(Subscription.business_id).where(
            Subscription.business_id.in_([a.id, b.id]))))
        bind_business(db, a.id)
        bound = [(s.business_id, s.code) for s in db.scalars(select(Subscription))]
        columns = list(db.scalars(select(Subscription.business_id).distinct()))
        asked_for_b = list(db.scalars(select(Subscription).where(Subscription.business_id == b.id)))
        counted = db.scalar(select(func.count()).select_from(Subscription))
        bind_business(db, None)
        lifted = db.scalar(select(func.count()).select_from(Subscription).where(Subscription.business_id == b.id))
        return {"unbound": unbound, "bound": bound, "columns": columns, "asked_for_b": asked_for_b,
                "counted": counted, "lifted": lifted}

    out = factory.tx(run)
    assert out["unbound"] == {a.id, b.id}
    assert out["bound"] == [(a.id, "ACCOUNTING")]
    assert out["columns"] == [a.id]
    assert out["asked_for_b"] == []
    assert out["counted"] == 1
    assert out["lifted"] == 2


def test_bound_session_bulk_update_and_delete_stay_in_business(factory: Factory,
                                                               two_tenants: tuple[Business, Business]) -> None:
    a, b = two_tenants

    def run(db: Session) -> None:
        bind_business(db, a.id)
        db.execute(update(Subscription).values(status="cancelled"), execution_options={"synchronize_session": False})
        db.execute(delete(Subscription).where(Subscription.code == "START"),
                   execution_options={"synchronize_session": False})

    factory.tx(run)

    def statuses(db: Session) -> list[tuple[str, str, str]]:
        return [(s.business_id, s.code, s.status) for s in db.scalars(
            select(Subscription).where(Subscription.business_id.in_([a.id, b.id]))
            .order_by(Subscription.business_id == b.id, Subscription.code))]

    assert factory.tx(statuses) == [(a.id, "ACCOUNTING", "cancelled"), (b.id, "ACCOUNTING", "paying"),
                                    (b.id, "START", "paying")]


def test_bound_session_rejects_changing_another_tenants_row(factory: Factory,
                                                            two_tenants: tuple[Business, Business]) -> None:
    a, b = two_tenants

    def run(db: Session) -> None:
        foreign = _sub(db, b.id, "ACCOUNTING")  # loaded before the scope applies
        bind_business(db, a.id)
        foreign.status = "cancelled"
        db.flush()

    with pytest.raises(TenancyViolation, match=b.id):
        factory.tx(run)
    assert factory.tx(lambda db: _sub(db, b.id, "ACCOUNTING").status) == "paying"


def test_bound_session_rejects_moving_own_row_to_another_tenant(factory: Factory,
                                                                two_tenants: tuple[Business, Business]) -> None:
    a, b = two_tenants

    def run(db: Session) -> None:
        bind_business(db, a.id)
        own = db.scalars(select(Subscription)).one()
        own.business_id = b.id
        db.flush()

    with pytest.raises(TenancyViolation):
        factory.tx(run)
    assert factory.tx(lambda db: _sub(db, a.id, "ACCOUNTING").business_id) == a.id


def test_bound_session_rejects_adding_and_deleting_for_another_tenant(
        factory: Factory, two_tenants: tuple[Business, Business]) -> None:
    a, b = two_tenants

    def add(db: Session) -> None:
        bind_business(db, a.id)
        now = factory.runtime.clock.now()
        db.add(Subscription(business_id=b.id, code="MICRO", created_at=now, updated_at=now))
        db.flush()

    def remove(db: Session) -> None:
        foreign = _sub(db, b.id, "START")
        bind_business(db, a.id)
        db.delete(foreign)
        db.flush()

    with pytest.raises(TenancyViolation):
        factory.tx(add)
    with pytest.raises(TenancyViolation):
        factory.tx(remove)

    def codes(db: Session) -> list[str]:
        return sorted(db.scalars(select(Subscription.code).where(Subscription.business_id == b.id)))

    assert factory.tx(codes) == ["ACCOUNTING", "START"]


def test_bound_session_fills_in_business_of_new_rows(factory: Factory, two_tenants: tuple[Business, Business]) -> None:
    a, b = two_tenants

    def run(db: Session) -> str:
        bind_business(db, a.id)
        now = factory.runtime.clock.now()
        row = Subscription(code="MICRO", created_at=now, updated_at=now)
        db.add(row)
        db.flush()
        return row.business_id

    assert factory.tx(run) == a.id

    def where(db: Session) -> list[str]:
        return list(db.scalars(select(Subscription.business_id).where(
            Subscription.code == "MICRO", Subscription.business_id.in_([a.id, b.id]))))

    assert factory.tx(where) == [a.id]


def test_bound_session_allows_own_writes(factory: Factory, two_tenants: tuple[Business, Business]) -> None:
    a, _ = two_tenants

    def run(db: Session) -> None:
        bind_business(db, a.id)
        own = db.scalars(select(Subscription)).one()
        own.status = "trial"
        now = factory.runtime.clock.now()
        db.add(Subscription(business_id=a.id, code="START", created_at=now, updated_at=now))
        db.flush()

    factory.tx(run)

    def rows(db: Session) -> list[tuple[str, str]]:
        return [(s.code, s.status) for s in db.scalars(
            select(Subscription).where(Subscription.business_id == a.id).order_by(Subscription.code))]

    assert factory.tx(rows) == [("ACCOUNTING", "trial"), ("START", "paying")]


# --------------------------------------------------------------------------------------------------------------
# 8. Invitations


def test_invitation_of_unknown_email_becomes_membership_at_sign_up(client: TestClient, factory: Factory) -> None:
    owner = factory.user()
    business = factory.business(owner, name="Inviting Ltd")
    email = _email("newcomer")

    invitation = _invite_pending(factory, business, f"  {email.upper()} ", Role.READ_ONLY)
    assert isinstance(invitation, Invitation)
    assert (invitation.email, invitation.role, invitation.business_id) == (email, Role.READ_ONLY, business.id)

    def pending(db: Session) -> tuple[int, int]:
        invitations = db.scalar(select(func.count()).select_from(Invitation).where(Invitation.email == email))
        users = db.scalar(select(func.count()).select_from(User).where(User.email == email))
        return invitations or 0, users or 0

    assert factory.tx(pending) == (1, 0)

    newcomer = factory.user(first_name="New", last_name="Comer", email=email)

    def state(db: Session) -> tuple[int, list[tuple[str, Role]]]:
        left = db.scalar(select(func.count()).select_from(Invitation).where(Invitation.email == email)) or 0
        memberships = [(m.business_id, m.role) for m in db.scalars(
            select(Membership).where(Membership.user_id == newcomer.id))]
        return left, memberships

    assert factory.tx(state) == (0, [(business.id, Role.READ_ONLY)])
    headers = factory.headers(newcomer)
    assert client.get("/v3.1/businesses", headers=headers).json()["$items"] == [_link(business)]
    assert client.get("/v3.1/businesses/lead", headers=headers).json()["id"] == business.id


def test_pending_invitations_keep_their_order_at_sign_up(factory: Factory, clock: Clock) -> None:
    email = _email("order")
    first = factory.business(factory.user(), name="First Inviter")
    second = factory.business(factory.user(), name="Second Inviter")
    _invite_pending(factory, second, email, Role.FULL_ACCESS)
    clock.advance(timedelta(seconds=1))
    _invite_pending(factory, first, email, Role.NO_ACCESS)

    user = factory.user(email=email)

    assert factory.tx(lambda db: [(b.id, r) for b, r in service.accessible(db, user.id)]) == [
        (second.id, Role.FULL_ACCESS), (first.id, Role.NO_ACCESS)]


def test_invite_existing_user_makes_membership_at_once(factory: Factory) -> None:
    owner, member = factory.user(), factory.user()
    business = factory.business(owner)

    result = _invite_pending(factory, business, member.email.upper(), Role.FULL_ACCESS)

    assert isinstance(result, Membership)
    assert (result.user_id, result.business_id, result.role) == (member.id, business.id, Role.FULL_ACCESS)
    assert factory.tx(lambda db: db.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.business_id == business.id))) == 0


@pytest.mark.parametrize("existing", [True, False], ids=["existing_user", "pending"])
def test_invite_as_owner_is_invalid(factory: Factory, existing: bool) -> None:
    business = factory.business(factory.user())
    email = factory.user().email if existing else _email("owner")

    with pytest.raises(Invalid) as caught:
        _invite_pending(factory, business, email, Role.OWNER)
    assert status_of(caught.value) == 422 and body(caught.value)[0]["$source"] == "role"

    def count(db: Session) -> tuple[int, int]:
        memberships = db.scalar(select(func.count()).select_from(Membership).where(
            Membership.business_id == business.id))
        invitations = db.scalar(select(func.count()).select_from(Invitation).where(
            Invitation.business_id == business.id))
        return memberships or 0, invitations or 0

    assert factory.tx(count) == (1, 0)


def test_reinviting_member_changes_role(client: TestClient, factory: Factory, clock: Clock) -> None:
    owner, member = factory.user(), factory.user()
    business = factory.business(owner)
    factory.member(business, member, Role.READ_ONLY)
    clock.advance(timedelta(seconds=1))
    factory.member(business, member, Role.FULL_ACCESS)

    def roles(db: Session) -> list[Role]:
        return list(db.scalars(select(Membership.role).where(Membership.business_id == business.id,
                                                             Membership.user_id == member.id)))

    assert factory.tx(roles) == [Role.FULL_ACCESS]
    factory.member(business, member, Role.NO_ACCESS)
    assert factory.tx(roles) == [Role.NO_ACCESS]


def test_reinviting_pending_email_changes_role(factory: Factory) -> None:
    business = factory.business(factory.user())
    email = _email("again")
    _invite_pending(factory, business, email, Role.NO_ACCESS)
    _invite_pending(factory, business, email.upper(), Role.FULL_ACCESS)

    def invitations(db: Session) -> list[Role]:
        return list(db.scalars(select(Invitation.role).where(Invitation.business_id == business.id)))

    assert factory.tx(invitations) == [Role.FULL_ACCESS]
    user = factory.user(email=email)
    assert factory.tx(lambda db: [r for _, r in service.accessible(db, user.id)]) == [Role.FULL_ACCESS]


def test_owner_role_cannot_be_changed(factory: Factory) -> None:
    owner = factory.user()
    business = factory.business(owner)

    for role in NON_OWNER_ROLES:
        with pytest.raises(Invalid, match="owner"):
            factory.member(business, owner, role)

    assert factory.tx(lambda db: db.scalar(select(Membership.role).where(
        Membership.business_id == business.id, Membership.user_id == owner.id))) == Role.OWNER


def test_invite_rejects_bad_email(factory: Factory) -> None:
    business = factory.business(factory.user())

    with pytest.raises(Invalid) as caught:
        _invite_pending(factory, business, "not an e-mail", Role.READ_ONLY)
    assert body(caught.value)[0]["$source"] == "email"


def test_sign_up_rules(factory: Factory) -> None:
    email = _email("dup")
    factory.user(email=email)
    clock = factory.runtime.clock

    hashed = service.password_hash(factory.runtime.passwords, PASSWORD)
    with pytest.raises(Invalid) as duplicate:
        factory.tx(lambda db: service.create_user(db, clock, email=email.upper(), password_hash=hashed))
    assert body(duplicate.value)[0]["$source"] == "email"
    with pytest.raises(Invalid) as short:
        service.password_hash(factory.runtime.passwords, "short")
    assert body(short.value)[0]["$source"] == "password"


def test_create_business_rules(factory: Factory) -> None:
    owner = factory.user()

    def make(name: str, country: str) -> Any:
        def run(db: Session) -> Business:
            row = db.get(User, owner.id)
            assert row is not None
            return open_business(db, factory.runtime.clock, owner=row, name=name, country_id=country)
        return run

    with pytest.raises(Invalid) as country:
        factory.tx(make("Acme", "XX"))
    assert body(country.value)[0]["$source"] == "country"
    with pytest.raises(Invalid) as name:
        factory.tx(make("   ", "GB"))
    assert body(name.value)[0]["$source"] == "name"
    assert _lead_id(factory, owner) is None


# --------------------------------------------------------------------------------------------------------------
# 9. Counters


def test_counter_is_sequential_and_persistent(factory: Factory) -> None:
    name = f"test:{secrets.token_hex(6)}"
    other = f"test:{secrets.token_hex(6)}"

    assert factory.tx(lambda db: [next_value(db, name) for _ in range(3)]) == [1, 2, 3]
    assert factory.tx(lambda db: next_value(db, name)) == 4
    assert factory.tx(lambda db: [next_value(db, other, start=100), next_value(db, other)]) == [100, 101]
    assert factory.tx(lambda db: (peek(db, name), peek(db, other), peek(db, f"{name}:unused"))) == (4, 101, 0)


def test_counters_reserved_together_in_one_statement(factory: Factory) -> None:
    fresh, used, single = (f"test:{secrets.token_hex(6)}" for _ in range(3))
    factory.tx(lambda db: next_value(db, used, count=5))
    # A new counter starts at 1 and an existing one continues; each answer is the last value reserved.
    assert factory.tx(lambda db: next_values(db, {used: 2, fresh: 3})) == {used: 7, fresh: 3}
    assert factory.tx(lambda db: next_values(db, {single: 4})) == {single: 4}
    assert factory.tx(lambda db: (next_value(db, used), next_value(db, fresh), next_value(db, single))) == (8, 4, 5)


def test_counter_rollback_gives_the_number_back(factory: Factory) -> None:
    name = f"test:{secrets.token_hex(6)}"
    assert factory.tx(lambda db: next_value(db, name)) == 1

    def fail(db: Session) -> None:
        assert next_value(db, name) == 2
        raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        factory.tx(fail)
    assert factory.tx(lambda db: next_value(db, name)) == 2


def test_business_legacy_ids_are_unique_and_increasing(factory: Factory) -> None:
    owner = factory.user()
    businesses = [factory.business(owner, name=f"Legacy {i}") for i in range(4)]
    legacy_ids = [b.legacy_id for b in businesses]

    assert all(isinstance(i, int) and i > 0 for i in legacy_ids)
    assert legacy_ids == sorted(legacy_ids) and len(set(legacy_ids)) == 4

    def check(db: Session) -> tuple[int, int, int]:
        total = db.scalar(select(func.count()).select_from(Business)) or 0
        distinct = db.scalar(select(func.count(func.distinct(Business.legacy_id)))) or 0
        return total, distinct, peek(db, "global:business_legacy_id")

    total, distinct, counter = factory.tx(check)
    assert total == distinct
    assert counter >= legacy_ids[-1]


def test_held_finds_rows_the_unit_of_work_holds_of_its_own_business(factory: Factory) -> None:
    from ledgerd.db.unit import held
    from ledgerd.ledger.models import LedgerAccount, TaxRate

    owner = factory.user()
    mine, other = factory.business(owner, name="Held Ltd"), factory.business(owner, name="Other Ltd")

    def run(db: Session) -> None:
        theirs = db.scalars(select(LedgerAccount).where(LedgerAccount.business_id == other.id)).first()
        bind_business(db, mine.id)
        accounts = db.scalars(select(LedgerAccount).limit(3)).all()
        rate = db.scalars(select(TaxRate).where(TaxRate.id == "GB_STANDARD")).one()
        assert theirs is not None and theirs.business_id == other.id
        ids = [a.id for a in accounts] + [theirs.id, "unknown"]
        assert held(db, LedgerAccount, ids) == {a.id: a for a in accounts}  # not the other business's
        assert held(db, LedgerAccount, ids, other.id) == {theirs.id: theirs}
        # Tax rates are keyed by (id, business): Sage's mnemonic repeats in every business.
        assert held(db, TaxRate, ["GB_STANDARD", "GB_LOWER"]) == {"GB_STANDARD": rate}
        db.delete(accounts[0])
        assert set(held(db, LedgerAccount, ids)) == {a.id for a in accounts[1:]}
        db.rollback()

    factory.tx(run)


def test_a_unit_of_work_keeps_the_rows_it_loaded_until_it_ends(factory: Factory) -> None:
    """The identity map holds rows weakly; a unit of work keeps what it loaded, so a row no longer referenced
    is still held (no second read) until the transaction ends."""
    import gc

    from ledgerd.db.unit import held
    from ledgerd.ledger.models import LedgerAccount

    business = factory.business(factory.user(), name="Kept Ltd")

    def run(db: Session) -> None:
        bind_business(db, business.id)
        account_id = db.scalars(select(LedgerAccount.id).limit(1)).one()
        db.get(LedgerAccount, account_id)  # loaded, and no reference kept here
        gc.collect()
        assert set(held(db, LedgerAccount, [account_id])) == {account_id}
        db.commit()
        gc.collect()
        assert held(db, LedgerAccount, [account_id]) == {}  # released with the transaction

    factory.tx(run)
