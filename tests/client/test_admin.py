"""`Admin`, the client's helpers for ledgerd's admin API, against ledgerd in process: the inventory (lists paged
over `$next`, token revocation, deletions), the clock, fault rules, business state, the request journal, and the
refusals of a caller who is not an administrator."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from ledgerd.app import create_app
from ledgerd.client.admin import Admin
from ledgerd.client.api import SageClient
from ledgerd.client.errors import ApiError, Forbidden, NotFound, RateLimited, ServerError, Unauthorized, Unprocessable
from ledgerd.client.oauth import Endpoints, OAuthClient, TokenSet
from ledgerd.clock import Clock
from ledgerd.runtime import Runtime
from ledgerd.sandbox.journal import Journal
from ledgerd.tenancy.models import User
from tests.conftest import PUBLIC_URL, client_address
from tests.support.factories import Factory

CALLBACK = "http://localhost:8080/callback"


def admin_of(client: TestClient, factory: Factory, *, administrator: bool = True) -> tuple[Admin, User]:
    user = factory.user()
    if administrator:
        factory.administrator(user)
    app, secret = factory.app(user, [CALLBACK])
    oauth = OAuthClient(app.client_id, secret, CALLBACK, endpoints=Endpoints.under(PUBLIC_URL), http=client)
    return Admin.connect(PUBLIC_URL, TokenSet.from_response(factory.token(user, app)), oauth), user


def test_inventory_lists_page_over_next(client: TestClient, factory: Factory) -> None:
    admin, me = admin_of(client, factory)
    owners = [factory.user() for _ in range(3)]
    made = [factory.business(owner, name=f"Listed {n}").id for n, owner in enumerate(owners)]
    assert set(made) <= {b["id"] for b in admin.businesses()}
    assert [b["id"] for b in admin.businesses(owner=owners[0].email)] == [made[0]]
    emails = [u["email"] for u in admin.users()]
    assert me.email in emails and all(o.email in emails for o in owners)
    # More than one page: the helpers follow `$next`, which names paths under /ledgerd/v1.
    page = admin.client.get("/admin/users", {"items_per_page": 1})
    assert page["$next"].startswith("/admin/users?page=2")
    assert len(list(admin.client.items("/admin/users", {"items_per_page": 2}))) == len(emails)


def test_tokens_are_listed_and_revoked(client: TestClient, factory: Factory) -> None:
    admin, _ = admin_of(client, factory)
    user = factory.user()
    factory.business(user)
    app, _ = factory.app(user)
    issued = factory.token(user, app)
    families = list(admin.tokens(user=user.email))
    assert [f["status"] for f in families] == ["live"] and families[0]["app"]["client_id"] == app.client_id
    assert admin.revoke_tokens(user=user.email) == [families[0]["id"]]
    assert [f["status"] for f in admin.tokens(user=user.email)] == ["revoked"]
    answer = client.get("/v3.1/user", headers={"Authorization": f"Bearer {issued['access_token']}"})
    assert answer.status_code == 401


def test_apps_and_users_are_deleted(client: TestClient, factory: Factory) -> None:
    admin, _ = admin_of(client, factory)
    user = factory.user()
    app, _ = factory.app(user)
    assert app.client_id in [a["client_id"] for a in admin.apps(owner=user.email)]
    admin.delete_app(app.client_id)
    assert list(admin.apps(owner=user.email)) == []
    admin.delete_user(user.id)
    assert user.email not in [u["email"] for u in admin.users()]
    with pytest.raises(NotFound):
        admin.delete_user(user.id)


def test_only_an_administrator(client: TestClient, factory: Factory) -> None:
    someone, _ = admin_of(client, factory, administrator=False)
    with pytest.raises(Forbidden) as refused:
        list(someone.users())
    assert refused.value.problems[0].message.startswith("Only a ledgerd administrator")
    assert someone.client.oauth is not None
    nobody = Admin.connect(PUBLIC_URL, TokenSet.from_response({"access_token": "nonsense"}), someone.client.oauth)
    with pytest.raises(Unauthorized):
        list(nobody.users())


def test_clock(client: TestClient, factory: Factory, clock: Clock) -> None:
    admin, _ = admin_of(client, factory)
    try:
        frozen = admin.freeze(datetime(2024, 6, 15, 12, tzinfo=UTC))
        assert frozen["frozen"] and frozen["now"] == "2024-06-15T12:00:00Z"
        assert admin.advance(timedelta(minutes=6))["now"] == "2024-06-15T12:06:00Z"
        assert admin.advance("1h30m")["now"] == admin.clock()["now"] == "2024-06-15T13:36:00Z"
        # The admin's pair, issued on the wall clock, still works with the clock in the past (only exp counts).
        with pytest.raises(Unprocessable) as refused:
            admin.advance("-5m")
        assert refused.value.problems[0].source == "by"
    finally:
        resumed = admin.resume()
    assert not resumed["frozen"] and resumed["offset_seconds"] == 0


def test_faults(client: TestClient, factory: Factory) -> None:
    admin, user = admin_of(client, factory)
    business = factory.business(user)
    api = SageClient(admin.client.tokens, admin.client.oauth, business=business.id)
    try:
        rule = admin.add_fault(status=503, times=1, path="/v3.1/contacts*", retry_after=7)
        with pytest.raises(ServerError) as unavailable:
            api.get("/contacts")
        assert unavailable.value.status == 503 and unavailable.value.retry_after == 7.0
        assert api.get("/contacts")["$total"] == 0
        assert [(r["id"], r["fired"], r["spent"]) for r in admin.faults()] == [(rule["id"], 1, True)]
        admin.add_fault(preset="rate_limit", path="/v3.1/contacts*")
        with pytest.raises(RateLimited):
            api.get("/contacts")
        with pytest.raises(Unprocessable):
            admin.add_fault(status=418)
    finally:
        assert admin.clear_faults() == 2
    assert admin.faults() == []


def test_business_state(client: TestClient, factory: Factory) -> None:
    admin, user = admin_of(client, factory)
    business = factory.business(user)
    api = SageClient(admin.client.tokens, admin.client.oauth, business=business.id)
    assert admin.snapshot(business.id, "before")["name"] == "before"
    made = api.post("/contacts", {"contact": {"name": "Gone soon", "contact_type_ids": ["CUSTOMER"]}})
    assert [s["name"] for s in admin.snapshots(business.id)] == ["before"]
    admin.restore(business.id, "before")
    with pytest.raises(NotFound):
        api.get(f"/contacts/{made['id']}")
    api.post("/contacts", {"contact": {"name": "Reset away", "contact_type_ids": ["CUSTOMER"]}})
    assert admin.reset(business.id)["id"] == business.id
    assert api.get("/contacts")["$total"] == 0
    admin.delete_snapshot(business.id, "before")
    with pytest.raises(NotFound):
        admin.restore(business.id, "before")


def test_journal(runtime: Runtime, factory: Factory, clock: Clock) -> None:
    # The shared runtime records nothing (tests/conftest.py); this app gets a journal of its own.
    journal = Journal(runtime.sessions, size=10_000, body_bytes=16 * 1024)
    try:
        with TestClient(create_app(runtime=replace(runtime, journal=journal)), base_url=PUBLIC_URL,
                        client=client_address()) as client:
            admin, user = admin_of(client, factory)
            business = factory.business(user)
            api = SageClient(admin.client.tokens, admin.client.oauth, business=business.id)
            made = api.request("POST", "/contacts", json={"contact": {"name": "Seen Ltd",
                                                                      "contact_type_ids": ["CUSTOMER"]}})
            for _ in range(2):
                with pytest.raises(NotFound):
                    api.get("/contacts/00000000000000000000000000000000")
            # Newest first, over every page (`$next` under /ledgerd/v1); the journal's own reads are not in it.
            entries = list(admin.journal(business=business.id, per_page=1))
            assert [(e["method"], e["status"]) for e in entries] == [("GET", 404), ("GET", 404), ("POST", 201)]
            assert [e["id"] for e in admin.journal(business=business.id, status="4xx")] == [e["id"] for e in
                                                                                             entries[:2]]
            assert len(list(admin.journal(business=business.id, status=404))) == 2
            assert admin.client.oauth is not None
            assert entries[2]["id"] in [e["id"] for e in admin.journal(app=admin.client.oauth.client_id)]
            (only,) = admin.journal(request_id=made.headers["x-request-id"])
            assert only["id"] == entries[2]["id"] and only["path"] == "/v3.1/contacts"
            # One entry by the request id its answer carried, or by its id: headers and bodies, secrets out.
            detail = admin.journal_entry(made.headers["x-request-id"])
            assert detail == admin.journal_entry(only["id"])
            assert ["authorization", "Bearer [redacted]"] in [[k.lower(), v] for k, v in detail["request"]["headers"]]
            assert "Seen Ltd" in detail["request"]["body"] and detail["response"]["body"]
            with pytest.raises(NotFound):
                admin.journal_entry("f" * 32)
            with pytest.raises(ApiError) as refused:
                list(admin.journal(status="teapot"))
            assert refused.value.status == 400 and refused.value.problems[0].source == "status"
    finally:
        journal.close()
