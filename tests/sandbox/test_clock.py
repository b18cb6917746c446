"""The deployment's clock (sandbox/clock.py) through its service and the admin API (api/admin/clock.py), in
process: what it moves (token expiry, refresh tokens, created_at) and that another process on the same database
follows it. Two real servers agreeing on it: tests/system/test_sandbox.py; the CLI: tests/test_cli.py; parsing
durations and instants: tests/unit/sandbox/test_clock.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from ledgerd.app import build_runtime
from ledgerd.clock import Clock
from ledgerd.db.engine import unit_of_work
from ledgerd.runtime import Runtime
from ledgerd.sandbox import clock
from tests.support.factories import Factory
from tests.support.sandbox import ADMIN, admin_headers, back_to_normal

NOON = "2024-06-15T12:00:00Z"


@pytest.fixture
def shared(runtime: Runtime, clock: Clock) -> Iterator[Runtime]:
    """The shared clock may be moved; it is on the wall clock again afterwards."""
    yield runtime
    back_to_normal(runtime)


@pytest.fixture
def admin(factory: Factory, shared: Runtime) -> dict[str, str]:
    return admin_headers(factory)


def move(client: TestClient, admin: dict[str, str], **change: object) -> dict[str, object]:
    response = client.post(f"{ADMIN}/clock", json={"clock": change}, headers=admin)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def shown(view: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(view["now"]))


def test_the_clock_is_the_wall_clock_until_moved(client: TestClient, admin: dict[str, str]) -> None:
    shown = client.get(f"{ADMIN}/clock", headers=admin).json()
    assert shown["frozen"] is False and shown["offset"] == "0s" and shown["offset_seconds"] == 0
    assert abs(datetime.fromisoformat(shown["now"]) - datetime.now(UTC)) < timedelta(seconds=30)


def test_advancing_six_minutes_expires_a_fresh_access_token(client: TestClient, factory: Factory,
                                                          admin: dict[str, str]) -> None:
    user = factory.user()
    headers = factory.headers(user)
    assert client.get("/v3.1/user", headers=headers).status_code == 200
    moved = move(client, admin, action="advance", by="6m")
    assert moved["offset"] == "6m" and moved["frozen"] is False
    refused = client.get("/v3.1/user", headers=headers)
    assert refused.status_code == 401
    assert refused.json() == [{"$severity": "error", "$dataCode": "AuthorizationFailure",
                               "$message": "The access token has expired.", "$source": ""}]


def test_advancing_32_days_ends_the_refresh_token(client: TestClient, factory: Factory,
                                                 admin: dict[str, str]) -> None:
    user = factory.user()
    app, secret = factory.app(user)
    token = factory.token(user, app)
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app.client_id,
               "client_secret": secret}
    move(client, admin, action="advance", by="32d")
    refused = client.post("/token", data=refresh)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert "expired" in refused.json()["error_description"]


def test_a_refresh_token_lives_until_its_31st_day(client: TestClient, factory: Factory,
                                                 admin: dict[str, str]) -> None:
    """The counterpart of the test above: 30 days on, the same refresh works and gives a new pair."""
    user = factory.user()
    app, secret = factory.app(user)
    token = factory.token(user, app)
    move(client, admin, action="advance", by="30d")
    renewed = client.post("/token", data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"],
                                          "client_id": app.client_id, "client_secret": secret})
    assert renewed.status_code == 200, renewed.text
    assert client.get("/v3.1/user", headers={"Authorization": f"Bearer {renewed.json()['access_token']}"}) \
        .status_code == 200


def test_new_records_are_stamped_by_the_clock(client: TestClient, factory: Factory, admin: dict[str, str]) -> None:
    user = factory.user()
    business = factory.business(user)
    move(client, admin, action="freeze", at=NOON)
    headers = factory.headers(user, business=business.id)  # issued at noon 2024, by the frozen clock
    created = client.post("/v3.1/contacts", json={"contact": {"name": "Then", "contact_type_ids": ["CUSTOMER"]}},
                          headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["created_at"] == created.json()["updated_at"] == NOON
    move(client, admin, action="advance", by="1h30m")
    changed = client.put(f"/v3.1/contacts/{created.json()['id']}", json={"contact": {"name": "Later"}},
                         headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["created_at"] == NOON and changed.json()["updated_at"] == "2024-06-15T13:30:00Z"


def test_freeze_advance_and_resume(client: TestClient, admin: dict[str, str]) -> None:
    frozen = move(client, admin, action="freeze", at="2024-06-15T14:00:00+02:00")
    assert frozen["now"] == NOON and frozen["frozen"] is True
    assert move(client, admin, action="advance", by="P1DT12H")["now"] == "2024-06-17T00:00:00Z"
    here = move(client, admin, action="resume", here=True)
    assert here["frozen"] is False
    assert timedelta(0) <= shown(here) - datetime(2024, 6, 17, tzinfo=UTC) < timedelta(minutes=5)
    # a running clock moved on keeps running from there
    ahead = move(client, admin, action="advance", by="1d")
    assert timedelta(0) <= shown(ahead) - datetime(2024, 6, 18, tzinfo=UTC) < timedelta(minutes=5)
    assert client.get(f"{ADMIN}/clock", headers=admin).json()["frozen"] is False
    back = move(client, admin, action="resume")
    assert back["offset"] == "0s" and back["frozen"] is False
    # freezing without an instant stops the clock where it stands
    stopped = move(client, admin, action="freeze")
    assert stopped["frozen"] is True
    assert abs(shown(stopped) - datetime.now(UTC)) < timedelta(seconds=30)


@pytest.mark.parametrize(("change", "source"), [
    ({"action": "advance"}, "by"),
    ({"action": "advance", "by": "6 minutes"}, "by"),
    ({"action": "advance", "by": "0m"}, "by"),
    ({"action": "freeze", "at": "next tuesday"}, "at"),
    ({"action": "freeze", "at": "1969-12-31T23:59:59Z"}, "at"),
    ({"action": "freeze", "by": "6m"}, "by"),
    ({"action": "rewind"}, "action"),
    ({"action": "resume", "when": "now"}, "when"),
])
def test_a_bad_change_is_422_and_moves_nothing(client: TestClient, admin: dict[str, str], change: dict[str, str],
                                               source: str) -> None:
    before = client.get(f"{ADMIN}/clock", headers=admin).json()
    refused = client.post(f"{ADMIN}/clock", json={"clock": change}, headers=admin)
    assert refused.status_code == 422, refused.text
    assert [problem["$source"] for problem in refused.json()] == [source]
    after = client.get(f"{ADMIN}/clock", headers=admin).json()
    assert (after["frozen"], after["offset"]) == (before["frozen"], before["offset"])


def test_only_administrators_move_the_clock(client: TestClient, factory: Factory, shared: Runtime) -> None:
    headers = factory.headers(factory.user())
    assert client.get(f"{ADMIN}/clock", headers=headers).status_code == 403
    refused = client.post(f"{ADMIN}/clock", json={"clock": {"action": "advance", "by": "1d"}}, headers=headers)
    assert refused.status_code == 403
    assert client.get(f"{ADMIN}/clock").status_code == 401


def test_another_process_follows_the_clock(client: TestClient, admin: dict[str, str], database_url: str,
                                          runtime: Runtime) -> None:
    """A second runtime on the same database (another process, as far as the clock knows) takes the setting
    with the one query of its next request, and a change made through it holds here."""
    other = build_runtime(runtime.settings, Clock())
    try:
        move(client, admin, action="freeze", at=NOON)
        other.sandbox.follow(other.engine, other.clock)
        assert other.clock.now() == datetime(2024, 6, 15, 12, tzinfo=UTC)
        with unit_of_work(other.sessions, write=True) as db:
            clock.advance(db, timedelta(days=2))
        assert client.get(f"{ADMIN}/clock", headers=admin).json()["now"] == "2024-06-17T12:00:00Z"
        assert runtime.clock.now() == datetime(2024, 6, 17, 12, tzinfo=UTC)  # taken by that request
    finally:
        other.engine.dispose()


def test_changes_queue_rather_than_overwrite(shared: Runtime) -> None:
    """Each change reads the stored setting under the row's lock: advances made one after another add up."""
    with unit_of_work(shared.sessions, write=True) as db:
        clock.freeze(db, datetime(2024, 1, 1, tzinfo=UTC))
    for _ in range(3):
        with unit_of_work(shared.sessions, write=True) as db:
            clock.advance(db, timedelta(hours=1))
    with unit_of_work(shared.sessions, write=False) as db:
        assert clock.show(db).now == datetime(2024, 1, 1, 3, tzinfo=UTC)
