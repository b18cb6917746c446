"""Signing in to the pages: password hashing cost and upgrades, answers that take as long for unknown
accounts, attempt limits, and sessions that end on the server."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from ledgerd.app import build_runtime, create_app
from ledgerd.auth.passwords import OWASP_N, Passwords
from ledgerd.clock import Clock
from ledgerd.config import Settings, SettingsError
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import User
from tests.conftest import PUBLIC_URL, TEST_SCRYPT_N
from tests.support.factories import PASSWORD, Factory
from tests.test_portal import login


def _stored_hash(factory: Factory, user_id: str) -> str:
    return factory.tx(lambda db: db.scalars(select(User.password_hash).where(User.id == user_id)).one())


# ---- the cost of a hash ---------------------------------------------------------------------------------

def test_the_default_cost_is_owasps() -> None:
    assert OWASP_N == 2**17
    settings = Settings.load({})
    assert settings.password_scrypt_n == OWASP_N
    stored = Passwords(settings.password_scrypt_n).hash("correct horse")
    assert stored.startswith("scrypt$131072$8$1$")
    assert Passwords().verify("correct horse", stored) and not Passwords().verify("wrong horse", stored)


def test_a_cheaper_cost_is_for_development_and_tests_only() -> None:
    with pytest.raises(SettingsError, match="LEDGERD_PASSWORD_SCRYPT_N below 131072"):
        Settings.load({"LEDGERD_PASSWORD_SCRYPT_N": "16384"})
    with pytest.raises(SettingsError, match="power of two"):
        Settings.load({"LEDGERD_ENV": "test", "LEDGERD_PASSWORD_SCRYPT_N": "1000"})
    assert Settings.load({"LEDGERD_ENV": "development", "LEDGERD_PASSWORD_SCRYPT_N": "1024"}).password_scrypt_n == 1024


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

    known, unknown, malformed = [], [], []
    for _ in range(3):  # interleaved, so the machine's load reaches all three alike
        known.append(seconds(user.email))
        unknown.append(seconds("nobody-" + user.email))
        malformed.append(seconds("not an e-mail address"))
    slowest = statistics.median(known)
    # Before: ~5 ms for an unknown address against ~100 ms for a wrong password.
    assert statistics.median(unknown) > 0.6 * slowest and statistics.median(malformed) > 0.6 * slowest
