"""Signing in to the pages with an e-mail address and a password.

The check takes as long whether or not the address has an account (an unknown one is checked against a
dummy hash of the same cost), and a hash made with a weaker cost than the configured one is replaced by
a new hash of the same password once it has been proved right.
"""

from __future__ import annotations

from sqlalchemy import select

from ledgerd.api.errors import Invalid
from ledgerd.db.engine import unit_of_work
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import User
from ledgerd.tenancy.service import normalise_email, upgrade_password_hash


def _account(runtime: Runtime, email: str) -> tuple[str, str] | None:
    """The id and password hash of the account with this e-mail address, if there is one."""
    try:
        address = normalise_email(email)
    except Invalid:
        return None
    with unit_of_work(runtime.sessions, write=False) as db:
        row = db.execute(select(User.id, User.password_hash).where(User.email == address)).first()
    return (row[0], row[1]) if row else None


def sign_in(runtime: Runtime, email: str, password: str) -> str | None:
    """The id of the account these credentials prove, or None. Blocking: run it in a worker thread."""
    account = _account(runtime, email)
    passwords = runtime.passwords
    if not passwords.verify(password, account[1] if account else None) or account is None:
        return None
    user_id, stored = account
    if passwords.outdated(stored):
        rehashed = passwords.hash(password)
        with unit_of_work(runtime.sessions, write=True) as db:
            upgrade_password_hash(db, user_id, stored, rehashed)
    return user_id
