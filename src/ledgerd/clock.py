"""One injectable clock: token expiry, timestamps and default dates all read it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

_NO_OFFSET = timedelta(0)


class Clock:
    """Real time, optionally shifted by an offset or frozen at an instant.

    Tests and the sandbox move time with `freeze`, `advance` and `shift` instead of sleeping; every process of a
    deployment takes the setting shared through the database with `set` (ledgerd.sandbox.clock).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (frozen at, offset), replaced whole: a reader on another thread never sees half of a change.
        self._setting: tuple[datetime | None, timedelta] = (None, _NO_OFFSET)

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC, truncated to microseconds."""
        frozen, offset = self._setting
        if frozen is not None:
            return frozen
        return datetime.now(UTC) + offset

    def today(self) -> date:
        """Today's date in UTC: the default date of reports, reconciliations and whatever else is dated "now"."""
        return self.now().date()

    def timestamp(self) -> int:
        """Whole seconds since the epoch (token expiry); read on every API request."""
        frozen, offset = self._setting
        if frozen is None and not offset:
            return int(time.time())
        return int(self.now().timestamp())

    @property
    def frozen_at(self) -> datetime | None:
        return self._setting[0]

    @property
    def offset(self) -> timedelta:
        """How far a running clock is from the wall clock (zero while frozen)."""
        return self._setting[1]

    def set(self, frozen_at: datetime | None, offset: timedelta = _NO_OFFSET) -> None:
        """Take a whole setting at once: frozen at `frozen_at`, or running `offset` away from the wall clock."""
        with self._lock:
            self._setting = (_utc(frozen_at), _NO_OFFSET) if frozen_at is not None else (None, offset)

    def freeze(self, at: datetime | None = None) -> None:
        with self._lock:
            self._setting = (_utc(at or self.now()), _NO_OFFSET)

    def advance(self, delta: timedelta) -> None:
        """Move time forward (or back), whether frozen or offset."""
        with self._lock:
            frozen, offset = self._setting
            self._setting = (frozen + delta, offset) if frozen is not None else (None, offset + delta)

    def shift(self, offset: timedelta) -> None:
        """Run in real time, `offset` away from the wall clock."""
        self.set(None, offset)

    def reset(self) -> None:
        self.set(None)


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
