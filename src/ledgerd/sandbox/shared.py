"""The one row of sandbox settings every process of a deployment follows.

The row (`sandbox_state`) holds the clock's setting, frozen at an instant or running some offset away from the
wall clock (sandbox/clock.py), and a version that every change of the clock or of the fault rules raises
(sandbox/faults.py). Each request reads the row once (`Follower.follow`: one prebuilt query; on SQLite answered
from the reading thread's cache while nothing has been committed, db/engine.py). A process that finds a newer
version takes its clock setting and drops its copy of the fault rules; so a change made through any process, the
CLI or the admin API holds in every process from its next request on.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Engine, Integer, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledgerd.clock import Clock
from ledgerd.db.base import Base
from ledgerd.db.engine import FastQuery, upsert_insert

ROW = 1  # the only row's id


class SandboxState(Base):
    __tablename__ = "sandbox_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
    clock_frozen_at: Mapped[datetime | None] = mapped_column()
    # Microseconds between the wall clock and the running clock (0 while frozen).
    clock_offset_us: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime | None] = mapped_column()


@dataclass(frozen=True)
class Setting:
    """The shared setting: the clock frozen at `frozen_at`, or running `offset` away from the wall clock."""

    version: int
    frozen_at: datetime | None
    offset: timedelta

    def now(self, wall: datetime) -> datetime:
        """What the clock shows when the wall clock shows `wall`."""
        return self.frozen_at if self.frozen_at is not None else wall + self.offset


REAL = Setting(0, None, timedelta(0))


def _setting(version: int, frozen_at: datetime | None, offset_us: int) -> Setting:
    return Setting(version, frozen_at, timedelta(microseconds=offset_us))


def read(db: Session, *, lock: bool = False) -> Setting:
    """The setting as this transaction sees it; `lock`: the row held until it ends, so changes follow one another
    (SQLite's write transactions already do)."""
    stmt = select(SandboxState.version, SandboxState.clock_frozen_at, SandboxState.clock_offset_us) \
        .where(SandboxState.id == ROW)
    row = db.execute(stmt.with_for_update() if lock else stmt).first()
    return REAL if row is None else _setting(*row)


def write(db: Session, now: datetime, *, frozen_at: datetime | None = None,
          offset: timedelta | None = None, clock: bool = False) -> int:
    """Raise the version, and with `clock` set the clock's setting too; the new version."""
    values: dict[str, object] = {"updated_at": now}
    if clock:
        values["clock_frozen_at"] = frozen_at
        values["clock_offset_us"] = 0 if frozen_at is not None else _microseconds(offset or timedelta(0))
    table = SandboxState.__table__
    stmt = upsert_insert(db.get_bind().dialect.name)(table).values(
        id=ROW, version=1, clock_frozen_at=values.get("clock_frozen_at"),
        clock_offset_us=values.get("clock_offset_us", 0), updated_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.id], set_={"version": table.c.version + 1, **values})
    return int(db.execute(stmt.returning(table.c.version)).scalar_one())


def _microseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_columns = SandboxState.__table__.c
_STATE = FastQuery(select(_columns.version, _columns.clock_frozen_at, _columns.clock_offset_us)
                   .where(_columns.id == ROW))


class Follower:
    """One process's view of the shared setting: the version it last took."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.version = 0

    def start(self, engine: Engine, clock: Clock, *, keep_clock: bool = False) -> None:
        """At start-up: take the shared setting; with `keep_clock` only its version, so a clock handed in (a test's
        frozen one) is kept until the shared setting next changes."""
        if not keep_clock:
            self.follow(engine, clock)
            return
        row = _STATE.first(engine)
        self.version = int(row["version"]) if row is not None else 0

    def follow(self, engine: Engine, clock: Clock) -> int:
        """Read the shared row and, when its version is newer than the one taken, set `clock` from it; the
        version read. Versions only grow, so a thread that read an older row never undoes a newer one."""
        row = _STATE.first(engine)
        if row is None:
            return self.version
        version = int(row["version"])
        if version > self.version:
            setting = _setting(version, row["clock_frozen_at"], row["clock_offset_us"])
            with self._lock:
                if version > self.version:
                    clock.set(setting.frozen_at, setting.offset)
                    self.version = version
        return version


def wall_clock() -> datetime:
    """The real time, whatever the sandbox clock shows."""
    return datetime.now(UTC)
