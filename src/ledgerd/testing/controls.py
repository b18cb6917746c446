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
