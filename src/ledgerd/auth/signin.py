"""Signing in to the pages with an e-mail address and a password.

Attempts are limited per account and per client address (auth/throttle.py) before any password is checked.
The check takes as long whether or not the address has an account (an unknown one is checked against a
dummy hash of the same cost), and a hash made with a weaker cost than the configured one is replaced by a
new hash of the same password once it has been proved right.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledgerd.auth import throttle
from ledgerd.auth.throttle import SIGN_IN_ACCOUNT, SIGN_IN_ADDRESS, SIGN_UP_ADDRESS, client_address
from ledgerd.clock import Clock
from ledgerd.db.engine import unit_of_work
from ledgerd.errors import Invalid
from ledgerd.passwords import Passwords
from ledgerd.tenancy.models import User
from ledgerd.tenancy.service import normalise_email, upgrade_password_hash


@dataclass(frozen=True)
class Outcome:
    user_id: str | None = None
    # Set when the attempt was refused for too many attempts: the seconds until it may be tried again.
    retry_after: int | None = None


def _account(sessions: sessionmaker[Session], email: str) -> tuple[str, str] | None:
    """The id and password hash of the account with this e-mail address, if there is one."""
    try:
        address = normalise_email(email)
    except Invalid:
        return None
    with unit_of_work(sessions, write=False) as db:
        row = db.execute(select(User.id, User.password_hash).where(User.email == address)).first()
    return (row[0], row[1]) if row else None


def sign_in(sessions: sessionmaker[Session], clock: Clock, passwords: Passwords, email: str, password: str,
            host: str | None) -> Outcome:
    """Who these credentials prove, from this client host. Blocking: run it in a worker thread."""
    account_subject, address = email.strip().lower(), client_address(host)
    wait = throttle.attempt(sessions, clock, [(SIGN_IN_ACCOUNT, account_subject), (SIGN_IN_ADDRESS, address)])
    if wait is not None:
        return Outcome(retry_after=wait)
    account = _account(sessions, email)
    if not passwords.verify(password, account[1] if account else None) or account is None:
        return Outcome()
    user_id, stored = account
    rehashed = passwords.hash(password) if passwords.outdated(stored) else None
    with unit_of_work(sessions, write=True) as db:
        throttle.clear(db, SIGN_IN_ACCOUNT, account_subject)
        throttle.give_back(db, SIGN_IN_ADDRESS, address)
        if rehashed is not None:
            upgrade_password_hash(db, user_id, stored, rehashed)
    return Outcome(user_id=user_id)


def may_sign_up(sessions: sessionmaker[Session], clock: Clock, host: str | None) -> int | None:
    """Count a sign-up attempt from this client host; the seconds to wait if there were too many."""
    return throttle.attempt(sessions, clock, [(SIGN_UP_ADDRESS, client_address(host))])
