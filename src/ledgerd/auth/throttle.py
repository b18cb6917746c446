"""Limits on sign-in and sign-up attempts, counted in the database so that every process shares them.

A limit allows so many attempts by one subject (an account, a client address) in a window that opens with
the subject's first attempt; past it, attempts are refused until the window closes, whatever they carry
(the right password included). Counting comes first, in its own short transaction, so concurrent attempts
each take a distinct place in the count and none slips past the limit. A successful sign-in gives its
place back (and clears the account's count), so that only failures use up a limit.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from ledgerd.auth.models import Throttle
from ledgerd.clock import Clock
from ledgerd.db.engine import unit_of_work, upsert_insert


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window: int  # seconds, from the first attempt

    def key(self, subject: str) -> str:
        return f"{self.name}:{hashlib.sha256(subject.encode()).hexdigest()}"


# Guessing one account's password: 10 tries per quarter of an hour (~1,000 a day, far from a useful rate).
SIGN_IN_ACCOUNT = Limit("sign-in:account", 10, 15 * 60)
# One client address guessing across many accounts; an office behind one address still has room.
SIGN_IN_ADDRESS = Limit("sign-in:address", 50, 15 * 60)
# Accounts created from one client address: each costs a password hash and a business's opening books.
SIGN_UP_ADDRESS = Limit("sign-up:address", 10, 60 * 60)


def client_address(host: str | None) -> str:
    """The subject of per-address limits: the client's IP address, an IPv6 client's /64 network (one host
    commonly holds a whole /64)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _take(db: Session, now: datetime, limit: Limit, subject: str) -> tuple[int, datetime]:
    """Count one attempt; the count so far in the window and when the window closes."""
    table = Throttle.__table__
    stmt = upsert_insert(db.get_bind().dialect.name)(table).values(
        key=limit.key(subject), attempts=1, resets_at=now + timedelta(seconds=limit.window))
    closed = table.c.resets_at <= now
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={
        "attempts": case((closed, 1), else_=table.c.attempts + 1),
        "resets_at": case((closed, stmt.excluded.resets_at), else_=table.c.resets_at)})
    attempts, resets_at = db.execute(stmt.returning(table.c.attempts, table.c.resets_at)).one()
    return int(attempts), resets_at


def attempt(sessions: sessionmaker[Session], clock: Clock, limits: Sequence[tuple[Limit, str]]) -> int | None:
    """Count an attempt against each `(limit, subject)`; the seconds to wait if it is over any of them."""
    now = clock.now()
    with unit_of_work(sessions, write=True) as db:
        counted = [(limit, *_take(db, now, limit, subject)) for limit, subject in limits]
    if any(attempts == 1 for _, attempts, _ in counted):  # a window opened: closed ones can go
        forget_closed(sessions, clock)
    waits = [math.ceil((resets_at - now).total_seconds()) for limit, attempts, resets_at in counted
             if attempts > limit.attempts]
    return max(1, *waits) if waits else None


def give_back(db: Session, limit: Limit, subject: str) -> None:
    """Uncount an attempt that turned out well."""
    db.execute(update(Throttle).where(Throttle.key == limit.key(subject), Throttle.attempts > 0)
               .values(attempts=Throttle.attempts - 1))


def clear(db: Session, limit: Limit, subject: str) -> None:
    db.execute(delete(Throttle).where(Throttle.key == limit.key(subject)))


def forget_closed(sessions: sessionmaker[Session], clock: Clock) -> None:
    """Delete counts whose window has closed, in a transaction of their own. Rows another transaction holds
    are skipped (PostgreSQL; SQLite writers are serial), so this never waits and cannot deadlock."""
    closed = (select(Throttle.key).where(Throttle.resets_at <= clock.now()).limit(1000)
              .with_for_update(skip_locked=True))
    with unit_of_work(sessions, write=True) as db:
        db.execute(delete(Throttle).where(Throttle.key.in_(closed.scalar_subquery())))
