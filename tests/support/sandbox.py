"""Helpers of the sandbox tests (clock and faults): an administrator's headers, and putting the shared clock and
fault rules back as they were, since every test of a session shares its database."""

from __future__ import annotations

from ledgerd.db.engine import unit_of_work
from ledgerd.runtime import Runtime
from ledgerd.sandbox import clock, faults
from ledgerd.tenancy.models import User
from tests.support.factories import Factory

ADMIN = "/ledgerd/v1/admin"


def administrator(factory: Factory) -> User:
    """A new user who is a ledgerd administrator."""
    return factory.administrator(factory.user())


def admin_headers(factory: Factory) -> dict[str, str]:
    return factory.headers(administrator(factory))


def back_to_normal(runtime: Runtime) -> None:
    """The wall clock and no fault rules, in the database and in this process."""
    with unit_of_work(runtime.sessions, write=True) as db:
        faults.clear(db, runtime.clock.now())
        clock.resume(db)
    runtime.sandbox.follow(runtime.engine, runtime.clock)
