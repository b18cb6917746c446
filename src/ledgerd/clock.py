"""One injectable clock: token expiry, timestamps and default dates all read it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta


class Clock:
    """Real time, optionally shifted by an offset or frozen at an instant.

    Tests and the sandbox move time with `freeze`, `advance` and `shift` instead of sleeping.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC, truncated to microseconds."""
        frozen = self._frozen
        if frozen is not None:
            return frozen
        return datetime.now(UTC) + self._offset

    def today(self) -> date:
        """Today's date in UTC: the default date of reports, reconciliations and whatever else is dated "now"."""
        return self.now().date()

    def timestamp(self) -> int:
        """Whole seconds since the epoch (token expiry); read on every API request."""
        if self._frozen is None and not self._offset:
            return int(time.time())
        return int(self.now().timestamp())

    def freeze(self, at: datetime | None = None) -> None:
        with self._lock:
            at = at or self.now()
            self._frozen = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)

    def advance(self, delta: timedelta) -> None:
        """Move time forward (or back), whether frozen or offset."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def shift(self, offset: timedelta) -> None:
        """Run in real time, `offset` away from the wall clock."""
        with self._lock:
            self._frozen = None
            self._offset = offset

    def reset(self) -> None:
        with self._lock:
            self._frozen = None
            self._offset = timedelta(0)
