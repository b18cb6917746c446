"""Region availability and per-area access, both taken from Sage's swagger (src/ledgerd/api/operations.toml).

Generated over the routes the app serves: an operation a country does not offer answers 404
`RouteNotFound` there and not elsewhere; an operation with access rules lets a member with one allowed
(area, role) in and keeps out one without. Then the rules around it: restricted access, per-area
overrides, owners, invitations and the CLI flag. The data file and the access rules alone are tested in tests/unit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from starlette.testclient import TestClient

from ledgerd.api import operations
from ledgerd.app import create_app
from ledgerd.runtime import Runtime
from ledgerd.tenancy import service
from ledgerd.tenancy.access import AREAS, AreaRole
from ledgerd.tenancy.models import Business, Membership, Role, User
from tests.support.books import Books, problem
from tests.support.cli import in_process
from tests.support.factories import PASSWORD, Factory
from tests.support.routes import concrete, served

PUBLIC_URL = "http://testserver"
COUNTRIES = ("GB", "IE", "US", "CA", "ES", "FR", "DE")
# Weakest first: the allowed member gets the least it needs, the denied one the most it may have.
STRENGTH = (AreaRole.NO_ACCESS, AreaRole.READ_ONLY, AreaRole.RESTRICTED_ACCESS, AreaRole.FULL_ACCESS)


@dataclass
class World:
    """A business per country, and members with given per-area roles in them (made once per module)."""

    client: TestClient
    factory: Factory
    businesses: dict[str, tuple[User, Business, dict[str, str]]] = field(default_factory=dict)
    members: dict[tuple[str, frozenset[tuple[str, AreaRole]]], dict[str, str]] = field(default_factory=dict)

    def owner(self, country: str) -> dict[str, str]:
        return self._business(country)[2]

    def _business(self, country: str) -> tuple[User, Business, dict[str, str]]:
        if country not in self.businesses:
            owner = self.factory.user()
            business = self.factory.business(owner, name=f"Access {country}", country=country)
            self.businesses[country] = (owner, business, self.factory.headers(owner, business=business.id))
        return self.businesses[country]

    def member(self, country: str, areas: dict[str, AreaRole], base: Role = Role.NO_ACCESS) -> dict[str, str]:
        key = (f"{country}:{base}", frozenset(areas.items()))
        if key not in self.members:
            business = self._business(country)[1]
            user = self.factory.user()
            self.factory.tx(lambda db: service.invite(db, self.factory.runtime.clock, email=user.email, role=base,
                                                      business=db.get(Business, business.id), areas=areas))
            self.members[key] = self.factory.headers(user, business=business.id)
        return self.members[key]

    def call(self, method: str, path: str, headers: dict[str, str]) -> Any:
        body = {} if method in ("POST", "PUT") else None
        return self.client.request(method, f"/v3.1{concrete(path)}", json=body, headers=headers)


@pytest.fixture(scope="module")
def world(runtime: Runtime) -> Iterator[World]:
    runtime.clock.reset()
    with TestClient(create_app(runtime=runtime), base_url=PUBLIC_URL) as client:
        yield World(client, Factory(runtime))


def sage_routes(world: World) -> list[tuple[str, str, operations.Operation]]:
    """Served routes that are operations of Sage's swagger."""
    out = []
    for method, path in served(world.client.app):  # type: ignore[arg-type]
        operation = operations.find(method, path)
        if operation is not None:
            out.append((method, path, operation))
    return out


def route_not_found(response: Any) -> bool:
    if response.status_code != 404:
        return False
    return bool(response.json()[0]["$dataCode"] == "RouteNotFound")


# --- availability, generated over the served routes ------------------------------------------------------------

@pytest.mark.parametrize("country", COUNTRIES)
def test_unavailable_operations_answer_route_not_found(country: str, world: World) -> None:
    headers, wrong = world.owner(country), []
    regional = [(m, p, op) for m, p, op in sage_routes(world) if not all(op.offered(c) for c in COUNTRIES)]
    assert len(regional) >= 20  # credit notes, estimates, corrective invoices, journal codes…
    for method, path, operation in regional:
        response = world.call(method, path, headers)
        if operation.offered(country) == route_not_found(response):
            wrong.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
        elif not operation.offered(country):
            name = {"GB": "United Kingdom", "IE": "Ireland", "US": "United States", "CA": "Canada", "ES": "Spain",
                    "FR": "France", "DE": "Germany"}[country]
            assert response.json()[0]["$message"] == (
                f"The path /v3.1{concrete(path)} is not available to businesses in {name}.")
            assert "x-business" not in response.headers
    assert not wrong, "\n".join(wrong)


def test_availability_comes_before_access(world: World) -> None:
    nobody = world.member("GB", {})
    problem(world.call("GET", "/contacts", nobody), 403, "MultiUserAccessDenied")
    unavailable = [(m, p) for m, p, op in sage_routes(world) if not op.offered("GB")]
    for method, path in unavailable:
        assert route_not_found(world.call(method, path, nobody)), (method, path)


# --- access, generated over the served routes -------------------------------------------------------------------

def _weakest(allowed: frozenset[AreaRole]) -> AreaRole:
    return next(role for role in STRENGTH if role in allowed)


def _strongest_refused(allowed: frozenset[AreaRole]) -> AreaRole:
    return next(role for role in reversed(STRENGTH) if role not in allowed)


def test_area_roles_decide_every_restricted_operation(world: World) -> None:
    wrong = []
    restricted = [(m, p, op) for m, p, op in sage_routes(world) if op.access is not None]
    assert len(restricted) >= 150
    for method, path, operation in restricted:
        country = next(c for c in COUNTRIES if operation.offered(c))
        area, allowed = next(iter(operation.access.items()))
        admitted = world.member(country, {area: _weakest(allowed)})
        refused = world.member(country, {a: _strongest_refused(roles) for a, roles in operation.access.items()})
        let_in, kept_out = world.call(method, path, admitted), world.call(method, path, refused)
        if let_in.status_code == 403 or kept_out.status_code != 403:
            wrong.append(f"{method} {path}: allowed {let_in.status_code}, refused {kept_out.status_code}")
        else:
            assert kept_out.json()[0]["$dataCode"] == "MultiUserAccessDenied"
    assert not wrong, "\n".join(wrong)


def test_operations_without_areas_need_some_access(world: World) -> None:
    sales_reader = world.member("GB", {"sales": AreaRole.READ_ONLY})
    assert world.call("GET", "/countries", sales_reader).status_code == 200
    problem(world.call("GET", "/countries", world.member("GB", {})), 403, "MultiUserAccessDenied")


# --- the rules, on real records -------------------------------------------------------------------------------

@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def _member(books: Books, factory: Factory, role: Role, **areas: AreaRole) -> dict[str, str]:
    user = factory.user()
    factory.tx(lambda db: service.invite(db, factory.runtime.clock, business=db.get(Business, books.business_id),
                                         email=user.email, role=role, areas=areas))
    return factory.headers(user, business=books.business_id)


def test_restricted_access_creates_and_edits_but_never_deletes(books: Books, factory: Factory) -> None:
    headers = _member(books, factory, Role.READ_ONLY, contacts=AreaRole.RESTRICTED_ACCESS)
    client = books.client
    made = client.post("/v3.1/contacts", headers=headers,
                       json={"contact": {"name": "Restricted Ltd", "contact_type_ids": ["CUSTOMER"]}})
    assert made.status_code == 201, made.text
    path = f"/v3.1/contacts/{made.json()['id']}"
    assert client.put(path, headers=headers, json={"contact": {"name": "Edited Ltd"}}).status_code == 200
    problem(client.delete(path, headers=headers), 403, "MultiUserAccessDenied")
    assert books.delete(f"/contacts/{made.json()['id']}").status_code == 204  # the owner may


def test_an_override_opens_one_area_only(books: Books, factory: Factory) -> None:
    headers = _member(books, factory, Role.READ_ONLY, bank=AreaRole.FULL_ACCESS)
    client = books.client
    made = client.post("/v3.1/bank_accounts", headers=headers, json={"bank_account": {
        "bank_account_type_id": "CHECKING", "bank_account_details": {"account_name": "Ops"}}})
    assert made.status_code == 201, made.text
    problem(client.post("/v3.1/contacts", headers=headers, json={"contact": {"name": "X"}}), 403,
            "MultiUserAccessDenied")
    assert client.get("/v3.1/contacts", headers=headers).status_code == 200  # read only elsewhere


def test_a_membership_change_reaches_the_next_call(books: Books, factory: Factory) -> None:
    """The business and the caller's membership are read outside the call's session (and remembered on
    SQLite until the database changes): a change made elsewhere still decides the very next call."""
    headers = _member(books, factory, Role.READ_ONLY)
    client = books.client
    body = {"contact": {"name": "Next Call Ltd", "contact_type_ids": ["CUSTOMER"]}}
    assert client.get("/v3.1/contacts", headers=headers).status_code == 200
    problem(client.post("/v3.1/contacts", headers=headers, json=body), 403, "MultiUserAccessDenied")

    def change(**values: Any) -> None:
        factory.tx(lambda db: db.execute(update(Membership).where(Membership.business_id == books.business_id,
                                                                  Membership.role != Role.OWNER).values(**values)))

    change(area_roles={"contacts": "full_access"})
    assert client.post("/v3.1/contacts", headers=headers, json=body).status_code == 201
    change(area_roles={}, role=Role.NO_ACCESS)
    problem(client.get("/v3.1/contacts", headers=headers), 403, "MultiUserAccessDenied")
    factory.tx(lambda db: db.execute(delete(Membership).where(Membership.business_id == books.business_id,
                                                              Membership.role != Role.OWNER)))
    problem(client.get("/v3.1/contacts", headers=headers), 403, "MultiUserAccessDenied")
    assert books.get("/contacts").status_code == 200  # the owner is untouched


def test_full_access_member_can_be_narrowed(books: Books, factory: Factory) -> None:
    headers = _member(books, factory, Role.FULL_ACCESS, contacts=AreaRole.NO_ACCESS, sales=AreaRole.NO_ACCESS,
                      purchases=AreaRole.NO_ACCESS)
    problem(books.client.get("/v3.1/contacts", headers=headers), 403, "MultiUserAccessDenied")
    assert books.client.get("/v3.1/bank_accounts", headers=headers).status_code == 200


def test_the_owner_is_never_narrowed(books: Books, factory: Factory) -> None:
    factory.tx(lambda db: db.execute(update(Membership).where(Membership.business_id == books.business_id)
                                     .values(area_roles=dict.fromkeys(AREAS, "no_access"))))
    assert books.get("/contacts").status_code == 200
    assert books.post("/contacts", {"contact": {"name": "Owner Ltd", "contact_type_ids": ["CUSTOMER"]}}
                      ).status_code == 201


# --- invitations and the CLI ----------------------------------------------------------------------------------


def test_invitations_carry_overrides_to_sign_up(factory: Factory) -> None:
    owner = factory.user()
    business = factory.business(owner)
    email = f"later-{os.urandom(4).hex()}@example.com"
    factory.tx(lambda db: service.invite(db, factory.runtime.clock, business=db.get(Business, business.id),
                                         email=email, role=Role.READ_ONLY, areas={"bank": AreaRole.FULL_ACCESS}))
    user = factory.user(email=email)

    def stored(db: Any) -> Any:
        return db.scalar(select(Membership.area_roles).where(Membership.user_id == user.id))

    assert factory.tx(stored) == {"bank": "full_access"}
    # Inviting again states the whole access: without areas, the overrides go.
    factory.member(business, user, Role.READ_ONLY)
    assert factory.tx(stored) == {}


def test_cli_invite_takes_area_roles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`ledgerd businesses invite`, run in this process (tests/support/cli.py)."""
    ledgerd = in_process(monkeypatch, capsys, f"sqlite:///{tmp_path / 'cli.sqlite'}", public_url=PUBLIC_URL)
    assert ledgerd("db", "upgrade").code == 0
    for email in ("boss@example.com", "clerk@example.com"):
        assert ledgerd("users", "create", "--email", email, "--password", PASSWORD).code == 0
    business = ledgerd("businesses", "create", "--owner", "boss@example.com", "--name", "CLI Ltd", "--country", "GB",
                       "--json").json()["id"]

    done = ledgerd("businesses", "invite", "--business", business, "--email", "clerk@example.com", "--role",
                   "read_only", "--area", "bank=full_access", "--area", "sales=restricted_access", "--json")
    assert done.json()["areas"] == {"bank": "full_access", "sales": "restricted_access"}
    plain = ledgerd("businesses", "invite", "--business", business, "--email", "clerk@example.com",
                    "--role", "full_access")
    assert plain.code == 0 and "member as full_access" in plain.out
    bad = ledgerd("businesses", "invite", "--business", business, "--email", "clerk@example.com", "--role",
                  "read_only", "--area", "kitchen=full_access")
    assert bad.code == 2 and "Unknown area" in bad.err and len(bad.err.strip().splitlines()) == 1
