"""Sage's bad days on demand: rules that make matching API and OAuth calls fail, slow down or go unanswered.

A rule says which calls it takes: a method, a glob of the path (`/v3.1/sales_invoices*`; `*` matches across `/`),
an app's client id, a business id, each left out to match any. It says when it fires: on every matching call, with
a probability, or on every Nth one, and with `times` only that many times (so "the next 3 calls": `times=3`). And
it says what the call gets: an error status in Sage's error shape (429 with `Retry-After`, 500, 502, 503, 504), a
named preset of a state Sage answers in (`PRESETS`), added latency (after which the call proceeds, or gets the
rule's error or drop), or a dropped connection. Rules are tried in the order they were added; the first that fires
answers the call.

`ledgerd faults add|list|clear` and `/ledgerd/v1/admin/faults` call these; the HTTP layer asks `FaultRules.fire`
once per call of the Sage API (`/v3.1`) and of the OAuth endpoints, never of the admin API (http/sandbox.py).
Each process keeps a copy of the rules for the shared version it read them at (sandbox/shared.py): adding or
clearing rules raises that version, so every process reloads them on its next call. Counting is the database's:
one `UPDATE … RETURNING` in autocommit per matching call, so "every 3rd call" and "the next 3 calls" hold across
every process of a deployment, exactly.
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import BigInteger, Boolean, Engine, Float, Integer, String, case, delete, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledgerd.db.base import Base
from ledgerd.db.engine import autocommit_write, read_connection
from ledgerd.errors import Invalid, NotFound
from ledgerd.formats import timestamp_str
from ledgerd.sandbox import shared

STATUSES = (429, 500, 502, 503, 504)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
# Longest latency a rule may add: past most clients' own timeouts, so a slow answer can still be simulated.
MAX_LATENCY_MS = 600_000
DEFAULT_RETRY_AFTER = 60
SAGE_API = "/v3.1/*"


@dataclass(frozen=True)
class Answer:
    """What a firing rule answers with when it names no text of its own."""

    status: int
    code: str
    message: str
    retry_after: int | None = None


# Sage's wording where its documents give one (docs/sandbox.md, "Faults"): the 429 and 503 texts of its response
# codes page, "An unexpected error occurred." of its frequently raised errors; 502 and 504 are not documented.
ANSWERS = {
    429: Answer(429, "TooManyRequests", "Too many requests have been made against the API. Please wait and retry.",
                DEFAULT_RETRY_AFTER),
    500: Answer(500, "UnexpectedError", "An unexpected error occurred."),
    502: Answer(502, "BadGateway", "One of our servers sent an invalid response. Please retry later."),
    503: Answer(503, "ServiceUnavailable",
                "One of our servers required to serve this request could not be reached. Please retry later."),
    504: Answer(504, "GatewayTimeout", "One of our servers did not answer in time. Please retry later."),
}


@dataclass(frozen=True)
class Preset:
    """A state Sage answers in, as a rule's defaults: the answer and the paths it takes."""

    answer: Answer
    path: str
    description: str


_NO_SUBSCRIPTION = Preset(Answer(401, "AuthorizationFailure", "No active subscription. (MSE)"), SAGE_API,
                          "the business's subscription is inactive or its trial has expired: 401 "
                          "AuthorizationFailure \"No active subscription. (MSE)\" on the API")
PRESETS: dict[str, Preset] = {
    "rate_limit": Preset(ANSWERS[429], SAGE_API, "the app's rate limit is used up: 429 with Retry-After on the API"),
    "subscription_inactive": _NO_SUBSCRIPTION,
    "trial_expired": _NO_SUBSCRIPTION,
    "token_revoked": Preset(Answer(401, "AuthorizationFailure", "The access token has been revoked."), "*",
                            "the user revoked the app: 401 on the API, invalid_grant at /token"),
    "maintenance": Preset(Answer(503, ANSWERS[503].code, ANSWERS[503].message, 300), "*",
                          "Sage is down for maintenance: 503 with Retry-After on the API and the OAuth endpoints"),
}
PresetName = Literal["rate_limit", "subscription_inactive", "trial_expired", "token_revoked", "maintenance"]


class FaultRule(Base):
    __tablename__ = "fault_rules"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused, as on PostgreSQL

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column()
    # Which calls
    method: Mapped[str | None] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str | None] = mapped_column(String(80))
    business_id: Mapped[str | None] = mapped_column(String(32))
    # When
    probability: Mapped[float | None] = mapped_column(Float)
    every: Mapped[int | None] = mapped_column(Integer)
    times: Mapped[int | None] = mapped_column(Integer)
    # What
    preset: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(60))
    message: Mapped[str | None] = mapped_column(String(500))
    retry_after: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    drop: Mapped[bool] = mapped_column(Boolean, default=False)
    # Counted by every process: calls that matched while the rule was live, and how many of them it answered.
    matched: Mapped[int] = mapped_column(BigInteger, default=0)
    fired: Mapped[int] = mapped_column(BigInteger, default=0)


class FaultCreate(BaseModel):
    """A new rule: `POST /ledgerd/v1/admin/faults {"fault": {...}}` and `ledgerd faults add`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    preset: PresetName | None = None
    status: int | None = None
    latency_ms: int = Field(0, ge=0, le=MAX_LATENCY_MS)
    drop: bool = False
    method: str | None = Field(None, max_length=10)
    path: str | None = Field(None, min_length=1, max_length=500)
    client_id: str | None = Field(None, min_length=1, max_length=80)
    business_id: str | None = Field(None, min_length=1, max_length=32)
    probability: float | None = Field(None, gt=0, le=1)
    every: int | None = Field(None, ge=1, le=1_000_000_000)
    times: int | None = Field(None, ge=1, le=1_000_000_000)
    retry_after: int | None = Field(None, ge=0, le=86_400 * 31)
    message: str | None = Field(None, min_length=1, max_length=500)

    @field_validator("status")
    @classmethod
    def _status(cls, value: int | None) -> int | None:
        if value is not None and value not in STATUSES:
            raise ValueError(f"must be one of {', '.join(map(str, STATUSES))}")
        return value

    @field_validator("method")
    @classmethod
    def _method(cls, value: str | None) -> str | None:
        if value is None or value == "*":
            return None
        if value.upper() not in METHODS:
            raise ValueError(f"must be one of {', '.join(METHODS)} (or * for any)")
        return value.upper()

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("/", "*")):
            raise ValueError("must be a glob of the request path, such as /v3.1/contacts* or *")
        return value


def check(spec: FaultCreate) -> None:
    """What one field of a rule says against another (422, `$source` the field that cannot go with the rest)."""
    if spec.preset is not None and spec.status is not None:
        raise Invalid("A preset already says how to answer: give no status with it.", "status")
    if spec.drop and (spec.preset is not None or spec.status is not None):
        raise Invalid("A rule answers with an error or drops the connection, not both.", "drop")
    if spec.preset is None and spec.status is None and not spec.drop and not spec.latency_ms:
        raise Invalid("Say what a matching call gets: a preset, a status, latency_ms or drop.", "")
    if spec.probability is not None and spec.every is not None:
        raise Invalid("A rule fires with a probability or on every Nth call, not both.", "every")
    answer = PRESETS[spec.preset].answer if spec.preset is not None else ANSWERS.get(spec.status or 0)
    if spec.retry_after is not None and (answer is None or answer.status not in (429, 503)):
        raise Invalid("retry_after goes with an answer of 429 or 503.", "retry_after")
    if spec.message is not None and answer is None:
        raise Invalid("message goes with an error answer (a status or a preset).", "message")


_LATENCY = re.compile(r"(\d{1,9}(?:\.\d{1,3})?)(ms|s|m)?")
_LATENCY_UNITS = {"ms": 1, "s": 1000, "m": 60_000}


def parse_latency(text: str) -> int:
    """Milliseconds from `250ms`, `2s`, `1.5s`, `1m` or a bare number of milliseconds."""
    match = _LATENCY.fullmatch(text.strip().lower())
    if match is None:
        raise Invalid(f"{text!r} is not a latency; write it as 250ms, 2s or 1m.", "latency_ms")
    return round(float(match.group(1)) * _LATENCY_UNITS[match.group(2) or "ms"])


def add(db: Session, now: datetime, spec: FaultCreate) -> FaultRule:
    """Add a rule (it is tried after the rules before it); every process takes it from its next call on."""
    check(spec)
    preset = PRESETS[spec.preset] if spec.preset is not None else None
    answer = preset.answer if preset is not None else ANSWERS.get(spec.status) if spec.status is not None else None
    rule = FaultRule(
        created_at=now, method=spec.method, path=spec.path or (preset.path if preset is not None else "*"),
        client_id=spec.client_id, business_id=spec.business_id, probability=spec.probability, every=spec.every,
        times=spec.times, preset=spec.preset, status=answer.status if answer else None,
        code=answer.code if answer else None, message=spec.message or (answer.message if answer else None),
        retry_after=spec.retry_after if spec.retry_after is not None else (answer.retry_after if answer else None),
        latency_ms=spec.latency_ms, drop=spec.drop, matched=0, fired=0)
    db.add(rule)
    db.flush()
    shared.write(db, now)
    return rule


def rules(db: Session) -> list[FaultRule]:
    return list(db.scalars(select(FaultRule).order_by(FaultRule.id)))


def clear(db: Session, now: datetime, ids: list[int] | None = None) -> int:
    """Remove the given rules (404 for one that does not exist), or every rule; how many were removed."""
    stmt = delete(FaultRule)
    if ids is not None:
        found = set(db.scalars(select(FaultRule.id).where(FaultRule.id.in_(ids))))
        missing = sorted(set(ids) - found)
        if missing:
            raise NotFound(f"No fault rule has the id {missing[0]}.", "id")
        stmt = stmt.where(FaultRule.id.in_(ids))
    removed = int(db.execute(stmt).rowcount)  # type: ignore[attr-defined]
    if removed:
        shared.write(db, now)
    return removed


def as_dict(rule: FaultRule) -> dict[str, Any]:
    """A rule as the admin API and `--json` show it."""
    return {"id": rule.id, "created_at": timestamp_str(rule.created_at), "method": rule.method, "path": rule.path,
            "client_id": rule.client_id, "business_id": rule.business_id, "probability": rule.probability,
            "every": rule.every, "times": rule.times, "preset": rule.preset, "status": rule.status,
            "code": rule.code, "message": rule.message, "retry_after": rule.retry_after,
            "latency_ms": rule.latency_ms, "drop": rule.drop, "matched": rule.matched, "fired": rule.fired,
            "spent": rule.times is not None and rule.fired >= rule.times}


def describe(rule: FaultRule) -> str:
    """One line for the CLI: `#3 GET /v3.1/contacts* app … → 503 ServiceUnavailable, next 3 calls (fired 1)`."""
    which = " ".join(part for part in (rule.method or "*", rule.path,
                                       f"app {rule.client_id}" if rule.client_id else "",
                                       f"business {rule.business_id}" if rule.business_id else "") if part)
    what = [f"preset {rule.preset}"] if rule.preset else []
    if rule.latency_ms:
        what.append(f"+{rule.latency_ms} ms")
    if rule.status is not None:
        what.append(f"{rule.status} {rule.code}" + (f" Retry-After {rule.retry_after}" if rule.retry_after else ""))
    if rule.drop:
        what.append("drop the connection")
    when = ("every call" if rule.probability is None and rule.every is None else
            f"probability {rule.probability:g}" if rule.probability is not None else f"every {rule.every} calls")
    if rule.times is not None:
        when += f", {rule.times} times"
    return f"#{rule.id} {which} -> {', '.join(what)}; {when} (matched {rule.matched}, fired {rule.fired})"


# --- matching, in every process -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Fired:
    """What a call gets from the rule that fired: `latency` seconds first, then an error, a drop, or (neither)
    the call proceeds."""

    rule_id: int
    preset: str | None
    status: int | None
    code: str | None
    message: str | None
    retry_after: int | None
    latency: float
    drop: bool


@dataclass(frozen=True)
class Call:
    """The call a rule is matched against. The app and the business cost a lookup: asked only of a rule that
    names one (None when the call has none, e.g. no valid token)."""

    method: str
    path: str
    client_id: Callable[[], str | None]
    business_id: Callable[[], str | None] = lambda: None


@dataclass(frozen=True)
class _Rule:
    """One process's copy of a rule's row."""

    id: int
    method: str | None
    path: str
    client_id: str | None
    business_id: str | None
    probability: float | None
    every: int | None
    times: int | None
    fired: Fired

    def matches(self, call: Call) -> bool:
        return ((self.method is None or self.method == call.method)
                and (self.path == "*" or fnmatch.fnmatchcase(call.path, self.path))
                and (self.client_id is None or self.client_id == call.client_id())
                and (self.business_id is None or self.business_id == call.business_id()))


_table = FaultRule.__table__
_c = _table.c


@dataclass
class FaultRules:
    """A process's copy of the rules, for the shared version it read them at, and which of them are spent."""

    version: int = -1
    live: tuple[_Rule, ...] = ()
    spent: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _load(self, engine: Engine, version: int) -> tuple[_Rule, ...]:
        with self._lock:
            if self.version == version:
                return self.live
            with read_connection(engine) as conn:
                rows = conn.execute(select(_table).order_by(_c.id)).mappings().all()
            self.live = tuple(_Rule(
                id=row["id"], method=row["method"], path=row["path"], client_id=row["client_id"],
                business_id=row["business_id"], probability=row["probability"], every=row["every"],
                times=row["times"],
                fired=Fired(rule_id=row["id"], preset=row["preset"], status=row["status"], code=row["code"],
                            message=row["message"], retry_after=row["retry_after"],
                            latency=row["latency_ms"] / 1000, drop=bool(row["drop"])))
                for row in rows if row["times"] is None or row["fired"] < row["times"])
            self.spent = set()
            self.version = version
            return self.live

    def fire(self, engine: Engine, version: int, call: Call) -> Fired | None:
        """The answer of the first rule that fires for `call`, counting the call against each rule it matches
        until then; None when no rule fires (nearly always: no rules at all)."""
        live = self.live if version == self.version else self._load(engine, version)
        for rule in live:
            if rule.id in self.spent or not rule.matches(call):
                continue
            if self._count(engine, rule):
                return rule.fired
        return None

    def _count(self, engine: Engine, rule: _Rule) -> bool:
        """Count one matching call in the database; whether the rule fires on it. A rule that has fired its
        `times` (or was removed meanwhile) takes no more calls."""
        if rule.every is not None:
            step: Any = case(((_c.matched + 1) % rule.every == 0, 1), else_=0)
        else:
            step = 1 if rule.probability is None or random.random() < rule.probability else 0
        stmt = (update(FaultRule).where(_c.id == rule.id, or_(_c.times.is_(None), _c.fired < _c.times))
                .values(matched=_c.matched + 1, fired=_c.fired + step).returning(_c.matched))
        with autocommit_write(engine) as conn:
            row = conn.execute(stmt).first()
        if row is None:
            self.spent.add(rule.id)
            return False
        if rule.every is not None:
            return int(row[0]) % rule.every == 0
        return bool(step)
