"""The inventory (`ledgerd.sandbox.inventory`), driven over HTTP through the admin API (`/ledgerd/v1/admin/…`,
api/admin/inventory.py) and through the service; its CLI verbs are tested in tests/test_cli.py.

The database is shared by the session's tests: lists are read through their filters, or, for the users (which
have none), on their last page after the clock has moved past every account made so far.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.auth.models import App, BrowserSession, TokenFamily
from ledgerd.clock import Clock
from ledgerd.db.engine import unit_of_work
from ledgerd.errors import Invalid
from ledgerd.runtime import Runtime
from ledgerd.sandbox import inventory
from ledgerd.sandbox.demo import seed_demo_books
from ledgerd.tenancy.models import Membership, Role, User
from tests.support.factories import Factory

ADMIN = "/ledgerd/v1/admin"
ROUTES = [("GET", "/users"), ("DELETE", "/users/{user}"), ("GET", "/businesses"), ("GET", "/apps"),
          ("DELETE", "/apps/{client_id}"), ("GET", "/tokens"), ("POST", "/tokens/revoke")]


def administrator(factory: Factory) -> User:
    user = factory.user("Grace", "Hopper")
    return factory.administrator(user)


def bearer(token: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


def sage_error(response: Any, status: int, code: str | None = None, source: str | None = None) -> dict[str, str]:
    """The one problem of a Sage error array answered with `status`."""
    assert response.status_code == status, response.text
    problems = response.json()
    assert isinstance(problems, list) and len(problems) == 1, problems
    assert set(problems[0]) == {"$severity", "$dataCode", "$message", "$source"}
    if code is not None:
        assert problems[0]["$dataCode"] == code, problems
    if source is not None:
        assert problems[0]["$source"] == source, problems
    return dict(problems[0])


def family_of(token: dict[str, Any]) -> str:
    """The token family an issued token belongs to: its access token's `fam` claim."""
    payload = token["access_token"].split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["fam"])


def alive(client: TestClient, token: dict[str, Any]) -> bool:
    """Does the API accept this token's access token?"""
    status = client.get("/v3.1/user", headers=bearer(token)).status_code
    assert status in (200, 401)
    return status == 200


def refresh(client: TestClient, app: App, secret: str, token: dict[str, Any]) -> Any:
    return client.post("/token", data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"],
                                       "client_id": app.client_id, "client_secret": secret})


def request(client: TestClient, method: str, path: str, headers: dict[str, str], **values: str) -> Any:
    body = {"revocation": {"family": "0" * 32}} if method == "POST" else None
    return client.request(method, ADMIN + path.format(**values), headers=headers, json=body)


# --- who may call -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_only_an_administrator_may_call(client: TestClient, factory: Factory, method: str, path: str) -> None:
    member = factory.user()
    app, _ = factory.app(member)
    names = {"user": member.id, "client_id": app.client_id}

    refused = sage_error(request(client, method, path, {}, **names), 401, "AuthorizationFailure")
    assert "Authorization header is missing" in refused["$message"]
    refused = sage_error(request(client, method, path, factory.headers(member), **names), 403,
                         "MultiUserAccessDenied")
    assert "administrator" in refused["$message"] and "grant-admin" in refused["$message"]

    read_only = factory.headers(administrator(factory), scope="readonly")
    answer = request(client, method, path, read_only, **names)
    if method == "GET":
        assert answer.status_code == 200, answer.text
    else:  # a readonly token changes nothing, as anywhere in the API (pipeline.check_scope)
        assert "readonly scope" in sage_error(answer, 403, "MultiUserAccessDenied")["$message"]
    assert factory.tx(lambda db: db.get(User, member.id)) is not None
    assert factory.tx(lambda db: db.get(App, app.id)) is not None


# --- users ------------------------------------------------------------------------------------------------------

def test_users_list_every_account_with_the_businesses_it_can_see(client: TestClient, factory: Factory,
                                                                 clock: Clock) -> None:
    clock.shift(timedelta(days=365 * 300))  # later than every account made so far: ours come last
    owner = factory.user("Ada", "Lovelace")
    first = factory.business(owner, "First Ltd")
    clock.advance(timedelta(seconds=1))
    second = factory.business(owner, "Second SARL", country="FR")
    clock.advance(timedelta(seconds=1))
    member = factory.user("Charles", "Babbage")
    factory.member(second, member, Role.READ_ONLY)
    clock.advance(timedelta(seconds=1))
    admin = administrator(factory)
    headers = factory.headers(admin)

    total = client.get(f"{ADMIN}/users", params={"items_per_page": 1}, headers=headers).json()["$total"]
    page = client.get(f"{ADMIN}/users", params={"items_per_page": 3, "page": 1}, headers=headers).json()
    assert list(page) == ["$total", "$page", "$next", "$back", "$itemsPerPage", "$items"]
    assert page["$total"] == total and page["$next"] == "/admin/users?page=2&items_per_page=3"
    last = []
    for number in (total - 2, total - 1, total):
        listed = client.get(f"{ADMIN}/users", params={"items_per_page": 1, "page": number}, headers=headers).json()
        last += listed["$items"]
    assert listed["$next"] is None and listed["$back"] == f"/admin/users?page={total - 1}&items_per_page=1"

    assert [user["email"] for user in last] == [owner.email, member.email, admin.email]
    assert last[0] == {
        "id": owner.id, "displayed_as": "Ada Lovelace", "email": owner.email, "first_name": "Ada",
        "last_name": "Lovelace", "is_admin": False, "created_at": last[0]["created_at"],
        "businesses": [{"id": first.id, "displayed_as": "First Ltd", "role": "owner"},
                       {"id": second.id, "displayed_as": "Second SARL", "role": "owner"}]}
    assert last[0]["created_at"].endswith("Z") and last[0]["created_at"][:4] == str(clock.now().year)
    assert last[1]["businesses"] == [{"id": second.id, "displayed_as": "Second SARL", "role": "read_only"}]
    assert last[2]["is_admin"] is True and last[2]["businesses"] == []


def test_deleting_a_user_removes_its_account_access_apps_and_tokens(client: TestClient, factory: Factory) -> None:
    owner = factory.user()
    business = factory.business(owner, "Kept Ltd")
    leaving = factory.user()
    factory.member(business, leaving, Role.FULL_ACCESS)
    own_app, own_secret = factory.app(leaving)
    owners_app, _ = factory.app(owner)
    own_token = factory.token(leaving, own_app)
    elsewhere = factory.token(leaving, owners_app)  # the user's token on someone else's app
    visitor = factory.token(owner, own_app)  # someone else's token on the user's app
    kept = factory.token(owner, owners_app)
    factory.tx(lambda db: db.add(BrowserSession(id_hash=secrets.token_hex(32), user_id=leaving.id,
                                                created_at=datetime.now(UTC),
                                                expires_at=datetime.now(UTC) + timedelta(days=1))))
    assert all(alive(client, token) for token in (own_token, elsewhere, visitor, kept))

    response = client.delete(f"{ADMIN}/users/{leaving.id}", headers=factory.headers(administrator(factory)))
    assert response.status_code == 204 and response.content == b""

    assert not any(alive(client, token) for token in (own_token, elsewhere, visitor))
    assert alive(client, kept)
    assert refresh(client, own_app, own_secret, own_token).json()["error"] == "invalid_client"

    def left(db: Session) -> list[int]:
        return [len(db.scalars(select(model).where(where)).all()) for model, where in (
            (User, User.id == leaving.id), (Membership, Membership.user_id == leaving.id),
            (App, App.owner_id == leaving.id), (BrowserSession, BrowserSession.user_id == leaving.id),
            (TokenFamily, (TokenFamily.user_id == leaving.id) | (TokenFamily.app_id == own_app.id)))]

    assert factory.tx(left) == [0, 0, 0, 0, 0]
    listed = client.get(f"{ADMIN}/businesses", params={"owner": owner.email},
                        headers=factory.headers(administrator(factory))).json()["$items"]
    assert [(b["id"], b["members"]) for b in listed] == [(business.id, 1)]


def test_a_user_who_owns_a_business_is_not_deleted(client: TestClient, factory: Factory) -> None:
    owner = factory.user()
    first = factory.business(owner, "Alpha Ltd")
    second = factory.business(owner, "Beta Ltd")
    token = factory.token(owner)

    response = client.delete(f"{ADMIN}/users/{owner.email}", headers=factory.headers(administrator(factory)))
    message = sage_error(response, 422, "RecordInvalid", "user")["$message"]
    assert f"Alpha Ltd ({first.id})" in message and f"Beta Ltd ({second.id})" in message
    assert "ledgerd businesses delete" in message
    assert factory.tx(lambda db: db.get(User, owner.id)) is not None and alive(client, token)


def test_an_unknown_user_is_404(client: TestClient, factory: Factory) -> None:
    headers = factory.headers(administrator(factory))
    sage_error(client.delete(f"{ADMIN}/users/{secrets.token_hex(16)}", headers=headers), 404, "RecordNotFound", "id")
    sage_error(client.delete(f"{ADMIN}/users/nobody-{secrets.token_hex(4)}@example.com", headers=headers), 404,
               "RecordNotFound", "id")


def test_an_administrator_is_deleted_while_another_remains(client: TestClient, factory: Factory) -> None:
    other = administrator(factory)
    me = administrator(factory)
    assert client.delete(f"{ADMIN}/users/{other.id}", headers=factory.headers(me)).status_code == 204
    assert factory.tx(lambda db: db.get(User, other.id)) is None


class RolledBack(Exception):
    """Ends a test's unit of work without committing it."""


def test_the_last_administrator_is_not_deleted(runtime: Runtime, factory: Factory) -> None:
    last = administrator(factory)
    with pytest.raises(RolledBack), unit_of_work(runtime.sessions, write=True) as db:
        # The other administrators of the shared database, demoted in this transaction alone.
        db.execute(update(User).where(User.is_admin, User.id != last.id).values(is_admin=False))
        user = db.get(User, last.id)
        assert user is not None
        with pytest.raises(Invalid, match=r"is the last ledgerd administrator.*grant-admin"):
            inventory.delete_user(db, runtime.clock, user)
        raise RolledBack
    assert factory.tx(lambda db: db.get(User, last.id)) is not None


# --- businesses -------------------------------------------------------------------------------------------------

def test_businesses_list_owner_members_and_what_they_hold(client: TestClient, factory: Factory,
                                                          clock: Clock) -> None:
    owner = factory.user()
    demo = factory.business(owner, "Demo Books Ltd")
    factory.tx(lambda db: seed_demo_books(db, clock, demo.id))
    clock.advance(timedelta(seconds=1))
    empty = factory.business(owner, "Empty GmbH", country="DE")
    factory.member(demo, factory.user(), Role.READ_ONLY)
    factory.business(factory.user(), "Someone Else's Ltd")
    headers = factory.headers(administrator(factory))

    listed = client.get(f"{ADMIN}/businesses", params={"owner": owner.email}, headers=headers).json()
    assert listed["$total"] == 2 and [b["id"] for b in listed["$items"]] == [demo.id, empty.id]
    books = {"Authorization": factory.headers(owner)["Authorization"], "X-Business": demo.id}
    held = {path: client.get(f"/v3.1/{path}", headers=books).json()["$total"]
            for path in ("contacts", "sales_invoices", "purchase_invoices")}
    assert min(held.values()) > 0
    first = listed["$items"][0]
    assert first == {"id": demo.id, "displayed_as": "Demo Books Ltd", "name": "Demo Books Ltd",
                     "country": {"id": "GB", "displayed_as": "United Kingdom (GB)"},
                     "owner": {"id": owner.id, "email": owner.email}, "members": 2, "contacts": held["contacts"],
                     "sales_invoices": held["sales_invoices"], "purchase_invoices": held["purchase_invoices"],
                     "created_at": first["created_at"]}
    assert listed["$items"][1]["country"]["id"] == "DE" and listed["$items"][1]["members"] == 1
    assert (listed["$items"][1]["contacts"], listed["$items"][1]["sales_invoices"]) == (0, 0)

    by_id = client.get(f"{ADMIN}/businesses", params={"owner": owner.id, "items_per_page": 1}, headers=headers)
    assert by_id.json()["$items"] == [first] and by_id.json()["$next"] == (
        f"/admin/businesses?page=2&items_per_page=1&owner={owner.id}")
    everything = client.get(f"{ADMIN}/businesses", params={"items_per_page": 1}, headers=headers).json()
    assert everything["$total"] >= 3
    sage_error(client.get(f"{ADMIN}/businesses", params={"owner": "nobody@example.com"}, headers=headers), 404,
               "RecordNotFound", "owner")
    sage_error(client.get(f"{ADMIN}/businesses", params={"items_per_page": 0}, headers=headers), 400,
               "InvalidParameter", "items_per_page")


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("listing", ["users", "businesses", "apps", "token_families"])
def test_a_page_costs_the_same_statements_whatever_its_size(runtime: Runtime, factory: Factory,
                                                            listing: str) -> None:
    for _ in range(3):
        owner = factory.user()
        factory.business(owner)
        factory.token(owner)
    lists: dict[str, Callable[[Session, int], inventory.Listed[Any]]] = {
        "users": lambda db, size: inventory.users(db, limit=size),
        "businesses": lambda db, size: inventory.businesses(db, limit=size),
        "apps": lambda db, size: inventory.apps(db, runtime.clock, limit=size),
        "token_families": lambda db, size: inventory.token_families(db, runtime.clock, limit=size)}

    def cost(size: int) -> int:
        with unit_of_work(runtime.sessions, write=False) as db, statements(runtime) as seen:
            assert len(lists[listing](db, size).items) == size
        return len(seen)

    assert cost(1) == cost(3)


# --- apps -------------------------------------------------------------------------------------------------------

def test_apps_list_their_callbacks_and_live_token_families(client: TestClient, factory: Factory,
                                                           clock: Clock) -> None:
    owner = factory.user()
    first, _ = factory.app(owner, ["http://localhost:8080/callback", "https://app.example.com/cb"])
    second, _ = factory.app(owner)
    live, revoked = factory.token(owner, first), factory.token(owner, first)
    factory.token(factory.user(), second)
    factory.tx(lambda db: inventory.revoke(db, clock, family_id=family_of(revoked)))
    headers = factory.headers(administrator(factory))

    listed = client.get(f"{ADMIN}/apps", params={"owner": owner.email}, headers=headers).json()
    assert listed["$total"] == 2
    item = listed["$items"][0]
    assert item == {"id": first.id, "displayed_as": "Test App", "name": "Test App", "client_id": first.client_id,
                    "owner": {"id": owner.id, "email": owner.email},
                    "callbacks": ["http://localhost:8080/callback", "https://app.example.com/cb"],
                    "created_at": item["created_at"], "live_token_families": 1}
    assert listed["$items"][1]["live_token_families"] == 1
    assert alive(client, live)

    clock.advance(timedelta(days=32))  # past every refresh token's expiry
    later = client.get(f"{ADMIN}/apps", params={"owner": owner.id}, headers=factory.headers(administrator(factory)))
    assert [a["live_token_families"] for a in later.json()["$items"]] == [0, 0]


def test_deleting_an_app_revokes_its_tokens(client: TestClient, factory: Factory) -> None:
    owner = factory.user()
    doomed, secret = factory.app(owner)
    other, _ = factory.app(owner)
    tokens = [factory.token(owner, doomed), factory.token(factory.user(), doomed)]
    kept = factory.token(owner, other)
    headers = factory.headers(administrator(factory))

    # The client id holds a slash, sent as it is.
    response = client.delete(f"{ADMIN}/apps/{doomed.client_id}", headers=headers)
    assert response.status_code == 204, response.text
    assert not any(alive(client, token) for token in tokens) and alive(client, kept)
    assert refresh(client, doomed, secret, tokens[0]).json()["error"] == "invalid_client"
    listed = client.get(f"{ADMIN}/apps", params={"owner": owner.email}, headers=headers).json()
    assert [a["client_id"] for a in listed["$items"]] == [other.client_id]
    assert factory.tx(lambda db: db.scalars(select(TokenFamily).where(TokenFamily.app_id == doomed.id)).all()) == []
    sage_error(client.delete(f"{ADMIN}/apps/{doomed.client_id}", headers=headers), 404, "RecordNotFound",
               "client_id")


# --- token families ---------------------------------------------------------------------------------------------

def test_tokens_list_by_user_and_app(client: TestClient, factory: Factory, clock: Clock) -> None:
    user, other = factory.user(), factory.user()
    app, _ = factory.app(user)
    factory.token(user, app, scope="readonly")
    clock.advance(timedelta(seconds=1))
    factory.token(user)
    factory.token(other, app)
    headers = factory.headers(administrator(factory))

    mine = client.get(f"{ADMIN}/tokens", params={"user": user.email}, headers=headers).json()
    assert mine["$total"] == 2
    item = mine["$items"][0]
    assert item == {"id": item["id"], "displayed_as": f"{user.email} via Test App",
                    "user": {"id": user.id, "email": user.email},
                    "app": {"client_id": app.client_id, "name": "Test App"}, "scope": "readonly", "country": "GB",
                    "status": "live", "created_at": item["created_at"], "last_issued_at": item["created_at"],
                    "expires_at": item["expires_at"], "revoked_at": None, "revoked_reason": None}
    assert item["expires_at"] > item["created_at"]
    on_app = client.get(f"{ADMIN}/tokens", params={"app": app.client_id}, headers=headers).json()
    assert sorted(f["user"]["email"] for f in on_app["$items"]) == sorted([user.email, other.email])
    both = client.get(f"{ADMIN}/tokens", params={"app": app.client_id, "user": user.id}, headers=headers).json()
    assert [f["id"] for f in both["$items"]] == [item["id"]]
    sage_error(client.get(f"{ADMIN}/tokens", params={"app": "no/such"}, headers=headers), 404, "RecordNotFound", "app")


def revoke(client: TestClient, headers: dict[str, str], **which: Any) -> Any:
    return client.post(f"{ADMIN}/tokens/revoke", json={"revocation": which}, headers=headers)


def test_revoked_families_answer_401_and_refuse_their_refresh_tokens(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    app, secret = factory.app(user)
    other_app, other_secret = factory.app(user)
    first, second = factory.token(user, app), factory.token(user, other_app)
    bystander = factory.token(factory.user(), app)
    headers = factory.headers(administrator(factory))

    # One family: only its tokens stop working.
    family = family_of(first)
    response = revoke(client, headers, family=family)
    assert response.status_code == 200 and response.json() == {"revoked": [family]}
    assert not alive(client, first) and alive(client, second) and alive(client, bystander)
    assert refresh(client, app, secret, first).json()["error"] == "invalid_grant"
    assert revoke(client, headers, family=family).json() == {"revoked": []}  # already revoked: left as it was

    # A user's: every family of theirs, on every app.
    assert revoke(client, headers, user=user.email).json() == {"revoked": [family_of(second)]}
    assert not alive(client, second) and alive(client, bystander)
    assert refresh(client, other_app, other_secret, second).json()["error"] == "invalid_grant"

    # An app's: every user's family on it.
    assert revoke(client, headers, app=app.client_id).json() == {"revoked": [family_of(bystander)]}
    assert not alive(client, bystander)
    listed = client.get(f"{ADMIN}/tokens", params={"app": app.client_id}, headers=headers).json()["$items"]
    assert {(f["status"], f["revoked_reason"]) for f in listed} == {("revoked", "revoked_by_administrator")}


def test_a_revocation_names_what_it_revokes(client: TestClient, factory: Factory) -> None:
    headers = factory.headers(administrator(factory))
    sage_error(revoke(client, headers), 422, "RecordInvalid")
    sage_error(client.post(f"{ADMIN}/tokens/revoke", json={"user": "x@example.com"}, headers=headers), 422,
               "Validation", "revocation")
    sage_error(revoke(client, headers, family=secrets.token_hex(16)), 404, "RecordNotFound", "family")
    sage_error(revoke(client, headers, user="nobody@example.com"), 404, "RecordNotFound", "user")
    sage_error(revoke(client, headers, app="no/such"), 404, "RecordNotFound", "app")
    sage_error(revoke(client, headers, family="x" * 33), 422, "RecordInvalid", "family")


def test_the_service_revokes_what_all_given_names_match(runtime: Runtime, factory: Factory) -> None:
    user = factory.user()
    app, _ = factory.app(user)
    on_app, elsewhere = factory.token(user, app), factory.token(user)

    def run(db: Session) -> list[str]:
        return inventory.revoke(db, runtime.clock, user=inventory.user_named(db, user.id),
                                app=inventory.app_named(db, app.client_id))

    assert factory.tx(run) == [family_of(on_app)]
    listed = factory.tx(lambda db: inventory.token_families(db, runtime.clock,
                                                            user=inventory.user_named(db, user.email)).items)
    assert {(f.id, f.status) for f in listed} == {(family_of(on_app), "revoked"), (family_of(elsewhere), "live")}
