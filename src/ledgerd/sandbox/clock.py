"""The deployment's clock: show it, freeze it, move it forward, let it run again.

`ledgerd clock show|freeze [INSTANT]|advance DURATION|resume` and `/ledgerd/v1/admin/clock` call these. The setting
lives in the database (sandbox/shared.py), so every process of a deployment follows it from its next request on;
everything in ledgerd that reads the time reads `runtime.clock` (token expiry, `created_at`/`updated_at`,
default dates, ageing, rate-limit windows, sign-in throttles, idempotency and code expiry). A change is computed
from the stored setting, never from one process's clock, with the row locked: two changes at once follow one
another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from ledgerd.errors import Invalid
from ledgerd.formats import timestamp_str
from ledgerd.sandbox import shared

# The instants the clock may show: from the Unix epoch (tokens carry whole seconds since it) to a year before
# ledgerd's last day, so that what is dated from "now" (token lifetimes, due dates) still fits in the date range.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)

_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1),
          "s": timedelta(seconds=1)}
_SHORT = re.compile(r"(?:(\d{1,7})w)?(?:(\d{1,7})d)?(?:(\d{1,8})h)?(?:(\d{1,9})m)?(?:(\d{1,10})s)?")
_ISO = re.compile(r"P(?:(\d{1,7})W)?(?:(\d{1,7})D)?(?:T(?:(\d{1,8})H)?(?:(\d{1,9})M)?(?:(\d{1,10})S)?)?")


@dataclass(frozen=True)
class ClockView:
    """What the clock shows, and how it is set."""

    now: datetime
    frozen: bool
    offset: timedelta
    wall_clock: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"now": _instant_str(self.now), "frozen": self.frozen,
                "offset": duration_str(self.offset), "offset_seconds": self.offset.total_seconds(),
                "wall_clock": _instant_str(self.wall_clock)}

    def text(self) -> str:
        if self.frozen:
            return f"{_instant_str(self.now)} (frozen; the wall clock shows {timestamp_str(self.wall_clock)})"
        if self.offset:
            return f"{timestamp_str(self.now)} (running, {duration_str(self.offset)} from the wall clock)"
        return f"{timestamp_str(self.now)} (the wall clock)"


def _instant_str(value: datetime) -> str:
    """As Sage writes timestamps, with the microseconds a frozen instant may carry when it has any."""
    text = timestamp_str(value)
    return text if not value.microsecond else f"{text[:-1]}.{value.microsecond:06d}Z"


def duration_str(delta: timedelta) -> str:
    """`1h30m`, `32d`, `-6m`, `0s`: the form `parse_duration` reads."""
    if not delta:
        return "0s"
    sign, rest = ("-", -delta) if delta < timedelta(0) else ("", delta)
    parts = []
    for unit in ("d", "h", "m"):
        count, rest = divmod(rest, _UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    seconds = round(rest.total_seconds(), 3)
    if seconds or not parts:
        parts.append(f"{seconds:g}s")
    return sign + "".join(parts)


def parse_duration(text: str, source: str = "duration") -> timedelta:
    """A positive duration: `6m`, `32d`, `1h30m`, `2w`, `90s`, or ISO 8601 (`PT6M`, `P32D`, `P1DT12H`)."""
    raw = text.strip()
    match = _SHORT.fullmatch(raw.lower()) or _ISO.fullmatch(raw.upper())
    if match is None or not any(match.groups()):
        raise Invalid(f"{text!r} is not a duration; write it as 6m, 32d, 1h30m, 2w, 90s or ISO 8601 (PT6M, P32D).",
                      source)
    try:
        delta = sum((int(count) * _UNITS[unit] for count, unit in zip(match.groups(), "wdhms", strict=True)
                     if count), timedelta(0))
    except OverflowError:
        delta = LATEST - EARLIEST + timedelta(days=1)
    if not delta:
        raise Invalid("The duration must be longer than zero.", source)
    return delta


def parse_instant(text: str, source: str = "at") -> datetime:
    """An ISO 8601 instant (`2024-06-15T12:00:00Z`, `…+02:00`); without an offset it is UTC, a bare date its
    midnight UTC."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw) if "T" in raw.upper() or " " in raw else \
            datetime.combine(date.fromisoformat(raw), datetime.min.time())
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Invalid(f"{text!r} is not an ISO 8601 instant such as 2024-06-15T12:00:00Z.", source) from None
    return _within(moment, source)


def _within(moment: datetime, source: str) -> datetime:
    if not EARLIEST <= moment <= LATEST:
        raise Invalid(f"The clock can show instants from {timestamp_str(EARLIEST)} to {timestamp_str(LATEST)}; "
                      f"{_instant_str(moment)} is outside them.", source)
    return moment


def _view(setting: shared.Setting) -> ClockView:
    wall = shared.wall_clock()
    return ClockView(now=setting.now(wall), frozen=setting.frozen_at is not None, offset=setting.offset,
                     wall_clock=wall)


def show(db: Session) -> ClockView:
    """The clock as every process of the deployment follows it."""
    return _view(shared.read(db))


def _change(db: Session, frozen_at: datetime | None, offset: timedelta) -> ClockView:
    wall = shared.wall_clock()
    version = shared.write(db, wall, frozen_at=frozen_at, offset=offset, clock=True)
    return _view(shared.Setting(version, frozen_at, offset))


def freeze(db: Session, at: datetime | None = None) -> ClockView:
    """Stop the clock at `at`, or where it stands now."""
    current = shared.read(db, lock=True)
    moment = _within(at, "at") if at is not None else current.now(shared.wall_clock())
    return _change(db, moment, timedelta(0))


def advance(db: Session, delta: timedelta) -> ClockView:
    """Move the clock `delta` forward: a frozen clock stays frozen there, a running one keeps running from there."""
    if delta <= timedelta(0):
        raise Invalid("The clock only moves forward; freeze it at an earlier instant instead.", "by")
    current = shared.read(db, lock=True)
    wall = shared.wall_clock()
    try:
        moment = current.now(wall) + delta
    except OverflowError:
        moment = LATEST + timedelta(seconds=1)
    _within(moment, "by")
    if current.frozen_at is not None:
        return _change(db, moment, timedelta(0))
    return _change(db, None, current.offset + delta)


def resume(db: Session, *, here: bool = False) -> ClockView:
    """Let the clock run again: on the wall clock, or with `here` from the instant it shows now (keeping the
    distance from the wall clock)."""
    current = shared.read(db, lock=True)
    if not here:
        return _change(db, None, timedelta(0))
    wall = shared.wall_clock()
    return _change(db, None, current.now(wall) - wall)


class ClockChange(BaseModel):
    """`POST /ledgerd/v1/admin/clock {"clock": {...}}`: `freeze` (at `at`, or where the clock stands), `advance`
    (by the duration `by`), `resume` (on the wall clock, or with `here` from where the clock stands)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal["freeze", "advance", "resume"]
    at: str | None = None
    by: str | None = None
    here: bool = False


def change(db: Session, body: ClockChange) -> ClockView:
    """One change as the admin API asks for it; a value that goes with another action is refused."""
    if body.at is not None and body.action != "freeze":
        raise Invalid("at goes with the freeze action.", "at")
    if body.by is not None and body.action != "advance":
        raise Invalid("by goes with the advance action.", "by")
    if body.here and body.action != "resume":
        raise Invalid("here goes with the resume action.", "here")
    if body.action == "freeze":
        return freeze(db, parse_instant(body.at) if body.at is not None else None)
    if body.action == "advance":
        if body.by is None:
            raise Invalid("by is required to advance the clock (a duration such as 6m, 32d or 1h30m).", "by")
        return advance(db, parse_duration(body.by, "by"))
    return resume(db, here=body.here)
