"""The sandbox controls as the kit's fixtures hand them to a test: thin wrappers over `Admin` that put the server
back as it was when the test ends (`reset`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ledgerd.client.admin import Admin


def _instant(view: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(view["now"]))


class Clock:
    """The server's clock (every process of it). After the test it runs on the wall clock again."""

    def __init__(self, admin: Admin) -> None:
        self.admin = admin

    def now(self) -> datetime:
        """What the server's clock shows."""
        return _instant(self.admin.clock())

    def freeze(self, at: datetime | str | None = None) -> datetime:
        """Stop the clock at `at` (or where it stands); the instant it shows."""
        return _instant(self.admin.freeze(at))

    def advance(self, by: timedelta | str) -> datetime:
        """Move the clock on (`timedelta`, or `6m`, `32d`, `1h30m`); the instant it shows."""
        return _instant(self.admin.advance(by))

    def resume(self) -> datetime:
        """Run on the wall clock again."""
        return _instant(self.admin.resume())

    def reset(self) -> None:
        self.admin.resume()


class Faults:
    """The server's fault rules. After the test every rule is cleared."""

    def __init__(self, admin: Admin) -> None:
        self.admin = admin

    def add(self, **rule: Any) -> dict[str, Any]:
        """A rule, as `Admin.add_fault` takes it: `faults.add(status=503, times=3)`,
        `faults.add(preset="rate_limit", path="/v3.1/contacts*")`, `faults.add(latency_ms=500)`."""
        return self.admin.add_fault(**rule)

    def rules(self) -> list[dict[str, Any]]:
        """The rules with how often each matched and fired."""
        return self.admin.faults()

    def clear(self) -> int:
        return self.admin.clear_faults()

    def reset(self) -> None:
        self.admin.clear_faults()


class Journal:
    """The server's request journal, as much of it as the test made: `entries` are those written after the mark,
    which is taken when the fixture is set up (after the kit's own setup requests) and moved on by `mark()`.
    The journal itself is never emptied (it is shared by the session); the mark is what keeps tests apart."""

    def __init__(self, admin: Admin) -> None:
        self.admin = admin
        self.since = 0
        self.mark()

    def mark(self) -> int:
        """From now on: later `entries` are those written after this call. The id of the newest entry so far."""
        newest = next(self.admin.journal(per_page=1), None)
        self.since = int(newest["id"]) if newest is not None else 0
        return self.since

    def entries(self, *, app: str | None = None, business: str | None = None, status: int | str | None = None,
                request_id: str | None = None) -> list[dict[str, Any]]:
        """The entries since the mark, newest first, without headers and bodies; filtered as `Admin.journal`
        (`app`, `business`, `status` such as `404` or `"4xx"`, `request_id`)."""
        found: list[dict[str, Any]] = []
        seen: set[int] = set()
        for entry in self.admin.journal(app=app, business=business, status=status, request_id=request_id):
            number = int(entry["id"])
            if number <= self.since:
                break
            if number not in seen:  # a page may repeat an entry when new ones arrive while paging
                seen.add(number)
                found.append(entry)
        return found

    def request(self, request_id: str) -> dict[str, Any]:
        """The entry of the request whose answer carried this `X-Request-Id`, with its headers and bodies
        (secrets redacted: `Authorization` is `Bearer [redacted]`)."""
        return self.admin.journal_entry(request_id)

    def entry(self, entry_id: int) -> dict[str, Any]:
        """One entry by its id, with its headers and bodies."""
        return self.admin.journal_entry(entry_id)

    @staticmethod
    def header(part: dict[str, Any], name: str) -> str | None:
        """A header of an entry's `request` or `response` (`[name, value]` pairs), by name in any case."""
        return next((value for key, value in part["headers"] if key.lower() == name.lower()), None)
