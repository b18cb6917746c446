"""Signing in to the pages: password hashing cost and upgrades, answers that take as long for unknown
accounts, attempt limits, and sessions that end on the server."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from ledgerd.app import build_runtime, create_app
from ledgerd.auth.models import Throttle
from ledgerd.auth.throttle import SIGN_IN_ACCOUNT, SIGN_IN_ADDRESS, SIGN_UP_ADDRESS
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.passwords import Passwords
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import User
from tests.conftest import PUBLIC_URL, TEST_SCRYPT_N
from tests.conftest import client_address as another_address
from tests.support.factories import PASSWORD, Factory
from tests.web.test_pages import login, signup


def _stored_hash(factory: Factory, user_id: str) -> str:
    return factory.tx(lambda db: db.scalars(select(User.password_hash).where(User.id == user_id)).one())


# ---- the cost of a hash ---------------------------------------------------------------------------------


def test_an_old_hash_is_replaced_at_sign_in(client: TestClient, factory: Factory, runtime: Runtime) -> None:
    user = factory.user()
    old = Passwords(TEST_SCRYPT_N // 16).hash(PASSWORD)
    factory.tx(lambda db: db.execute(update(User).where(User.id == user.id).values(password_hash=old)))
    assert login(client, user.email, "wrong password!").status_code == 401
    assert _stored_hash(factory, user.id) == old  # only a proved password is rehashed
    assert login(client, user.email).status_code == 303
    upgraded = _stored_hash(factory, user.id)
    assert upgraded.startswith(f"scrypt${TEST_SCRYPT_N}$8$1$") and runtime.passwords.verify(PASSWORD, upgraded)
    client.cookies.clear()
    assert login(client, user.email).status_code == 303
    assert _stored_hash(factory, user.id) == upgraded  # current hashes are left alone


def test_a_stronger_hash_is_kept(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    strong = Passwords(TEST_SCRYPT_N * 2).hash(PASSWORD)
    factory.tx(lambda db: db.execute(update(User).where(User.id == user.id).values(password_hash=strong)))
    assert login(client, user.email).status_code == 303
    assert _stored_hash(factory, user.id) == strong


# ---- unknown accounts take as long -------------------------------------------------------------------

@pytest.fixture
def costly(database_url: str) -> Iterator[tuple[Runtime, TestClient]]:
    """A server whose hashes cost tens of milliseconds, so that skipping one shows in the time taken."""
    runtime = build_runtime(Settings(database_url=database_url, env="test", public_url=PUBLIC_URL,
                                     password_scrypt_n=2**14), Clock())
    try:
        with TestClient(create_app(runtime=runtime), base_url=PUBLIC_URL) as client:
            yield runtime, client
    finally:
        runtime.engine.dispose()


def test_an_unknown_address_takes_as_long_as_a_wrong_password(costly: tuple[Runtime, TestClient]) -> None:
    runtime, client = costly
    user = Factory(runtime).user()

    def seconds(email: str) -> float:
        started = time.perf_counter()
        assert login(client, email, "wrong password!").status_code == 401
        return time.perf_counter() - started

    known: list[float] = []
    unknown: list[float] = []
    malformed: list[float] = []
    for _ in range(7):  # interleaved, so the machine's load reaches all three alike; the fastest of each counts
        known.append(seconds(user.email))
        unknown.append(seconds("nobody-" + user.email))
        malformed.append(seconds("not an e-mail address"))
    # Before: ~5 ms for an unknown address against ~50-100 ms for a wrong password.
    assert min(unknown) > 0.5 * min(known) and min(malformed) > 0.5 * min(known), (known, unknown, malformed)


# ---- attempt limits ----------------------------------------------------------------------------------

TOO_MANY = "There have been too many sign-in attempts for this account or from your network."


def test_an_account_is_locked_after_ten_failures(client: TestClient, factory: Factory, clock: Clock) -> None:
    clock.freeze()
    user = factory.user()
    for _ in range(SIGN_IN_ACCOUNT.attempts):
        assert login(client, user.email, "wrong password!").status_code == 401
    clock.advance(timedelta(minutes=5))
    locked = login(client, user.email)  # the right password, too late
    assert locked.status_code == 429 and locked.headers["retry-after"] == "600"
    assert TOO_MANY in locked.text and "wait 10 minutes" in locked.text and 'id="login-submit"' in locked.text
    assert "ledgerd_session" not in client.cookies
    # From another address too: the account itself is locked (and the e-mail's case does not matter).
    with TestClient(client.app, base_url=PUBLIC_URL, client=another_address()) as elsewhere:
        assert login(elsewhere, user.email.upper()).status_code == 429
    clock.advance(timedelta(minutes=10))  # the window opened with the first failure
    assert login(client, user.email).status_code == 303


def test_a_sign_in_clears_the_accounts_count(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    for _ in range(2):
        for _ in range(SIGN_IN_ACCOUNT.attempts - 1):
            assert login(client, user.email, "wrong password!").status_code == 401
        assert login(client, user.email).status_code == 303
        client.cookies.clear()


def test_unknown_accounts_are_limited_alike(client: TestClient) -> None:
    email = f"nobody-{secrets.token_hex(4)}@example.com"
    answers = [login(client, email, "wrong password!").status_code for _ in range(SIGN_IN_ACCOUNT.attempts + 1)]
    assert answers == [401] * SIGN_IN_ACCOUNT.attempts + [429]


def test_one_address_guessing_across_accounts_is_stopped(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    for i in range(SIGN_IN_ADDRESS.attempts):
        assert login(client, f"guess-{i}-{secrets.token_hex(3)}@example.com", "wrong password!").status_code == 401
    assert login(client, user.email).status_code == 429
    with TestClient(client.app, base_url=PUBLIC_URL, client=another_address()) as elsewhere:
        assert login(elsewhere, user.email).status_code == 303


def test_successful_sign_ins_do_not_use_up_an_address(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    for _ in range(SIGN_IN_ADDRESS.attempts + 5):
        assert login(client, user.email).status_code == 303
        client.cookies.clear()


def test_concurrent_guesses_never_pass_the_limit(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    tries = SIGN_IN_ACCOUNT.attempts + 6
    barrier = threading.Barrier(tries)

    def guess(_: int) -> int:
        with TestClient(client.app, base_url=PUBLIC_URL, client=another_address()) as own:
            own.get("/login")
            barrier.wait()
            return login(own, user.email, "wrong password!").status_code

    with ThreadPoolExecutor(tries) as pool:
        answers = sorted(pool.map(guess, range(tries)))
    assert answers == [401] * SIGN_IN_ACCOUNT.attempts + [429] * 6


def test_sign_ups_are_limited_per_address(client: TestClient, factory: Factory, clock: Clock) -> None:
    clock.freeze()
    for _ in range(SIGN_UP_ADDRESS.attempts):  # refused ones count as well: each may probe an address
        assert signup(client, password="short").status_code == 422
    email = f"late-{secrets.token_hex(4)}@example.com"
    refused = signup(client, email=email)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "3600"
    assert "There have been too many sign-ups from your network." in refused.text and "wait 60 minutes" in refused.text
    assert factory.tx(lambda db: db.scalar(select(User.id).where(User.email == email))) is None
    clock.advance(timedelta(hours=1))
    assert signup(client, email=email).status_code == 303


def test_closed_windows_are_forgotten(client: TestClient, factory: Factory, clock: Clock) -> None:
    clock.freeze()
    user = factory.user()
    assert login(client, user.email, "wrong password!").status_code == 401
    stale = SIGN_IN_ACCOUNT.key(user.email)

    def keys() -> set[str]:
        return factory.tx(lambda db: set(db.scalars(select(Throttle.key))))

    assert stale in keys()
    clock.advance(timedelta(minutes=16))
    assert login(client, f"other-{user.email}", "wrong password!").status_code == 401  # opens a new window
    assert stale not in keys()


# ---- sessions end on the server ----------------------------------------------------------------------

def _signed_in_copy(client: TestClient) -> TestClient:
    """Another browser holding a copy of `client`'s session cookie."""
    copy = TestClient(client.app, base_url=PUBLIC_URL, client=another_address())
    copy.cookies.set("ledgerd_session", client.cookies["ledgerd_session"])
    return copy


def _signed_in(browser: TestClient) -> bool:
    response = browser.get("/developer", follow_redirects=False)
    assert response.status_code in (200, 303)
    return response.status_code == 200


def test_a_copied_cookie_stops_working_at_sign_out(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    assert login(client, user.email).status_code == 303
    with _signed_in_copy(client) as stolen:
        assert _signed_in(stolen)
        assert client.post("/logout", data={"csrf": client.cookies["ledgerd_csrf"]},
                           follow_redirects=False).status_code == 303
        assert not _signed_in(stolen)


def test_signing_out_ends_that_browsers_session_only(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    with TestClient(client.app, base_url=PUBLIC_URL, client=another_address()) as other:
        assert login(client, user.email).status_code == 303 and login(other, user.email).status_code == 303
        assert client.post("/logout", data={"csrf": client.cookies["ledgerd_csrf"]},
                           follow_redirects=False).status_code == 303
        assert not _signed_in(client) and _signed_in(other)


def test_a_new_sign_in_replaces_the_browsers_session(client: TestClient, factory: Factory) -> None:
    first, second = factory.user(), factory.user()
    assert login(client, first.email).status_code == 303
    earlier = _signed_in_copy(client)
    assert login(client, second.email).status_code == 303
    with earlier:
        assert not _signed_in(earlier)
    assert second.email in client.get("/developer").text


def test_a_session_lasts_twelve_hours(client: TestClient, factory: Factory, clock: Clock) -> None:
    clock.freeze()
    assert login(client, factory.user().email).status_code == 303
    clock.advance(timedelta(hours=12, seconds=-1))
    assert _signed_in(client)
    clock.advance(timedelta(seconds=1))
    assert not _signed_in(client)
