"""Idempotent writes: `idempotency_id` in a POST/PUT body replays the first response for 7 days.

Sage's rule: the client puts a random 32-hex id in the resource's namespace
(`{"contact": {"idempotency_id": "…", …}}`); "for the next 7 days, a repetition of this very same
request will return the exact same result as the first request and not create a new object". Reusing
the id for another resource type answers `IdempotencyResourceMismatch` ("Entity type mismatch").

How it holds under concurrency: before the handler runs, the request claims the id with one
`INSERT … ON CONFLICT DO NOTHING` in its own write transaction, and stores its response in the same
transaction. A duplicate arriving meanwhile blocks on that unique key (PostgreSQL) or on the single
writer lock (SQLite) until the first commits, then finds the stored response and replays it; if the
first fails, its claim rolls back with everything else and the duplicate runs afresh. So exactly one
record is created, and nothing half-written is ever replayed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String, UniqueConstraint, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from starlette.responses import Response

from ledgerd.db.base import Base, IdMixin, new_id
from ledgerd.db.engine import upsert_insert
from ledgerd.db.tenancy import TenantScoped
from ledgerd.errors import Invalid, Problem
from ledgerd.http.errors import ApiError
from ledgerd.http.wire import dumps

FIELD = "idempotency_id"
RETENTION = timedelta(days=7)
METHODS = frozenset({"POST", "PUT"})
_VALID = re.compile(r"^[0-9a-fA-F]{32}$")


class IdempotencyRecord(TenantScoped, IdMixin, Base):
    """The first response to a request carrying an idempotency id, per business."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("business_id", "key"),)

    key: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    # The body's namespace (`contact`, `sales_invoice`…): the "entity type" of Sage's mismatch error.
    resource: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column()


class IdempotencyResourceMismatch(ApiError):
    """The id was first used for another resource type or path (Sage gives no status: 422, as for any
    request that cannot be completed with the data passed)."""

    status = 422
    code = "IdempotencyResourceMismatch"
    default_message = "Entity type mismatch"


@dataclass(frozen=True)
class Key:
    """The idempotency id of one request and what it is for."""

    value: str
    resource: str
    method: str
    path: str


@dataclass(frozen=True)
class Stored:
    """A response to send as is: the first one, or a replay of it."""

    status: int
    content: bytes | None
    headers: dict[str, str]

    def response(self) -> Response:
        if self.content is None:
            return Response(status_code=self.status, headers=self.headers)
        return Response(self.content, status_code=self.status, headers=self.headers)


def take(method: str, path: str, body: Any) -> Key | None:
    """Remove `idempotency_id` from the body's namespace (so no schema sees it) and check its form.

    Only POST and PUT use it (Sage: "Don't use this feature for GET and DELETE"); a malformed id is a
    422 naming the field.
    """
    if method not in METHODS or not isinstance(body, dict):
        return None
    found: Key | None = None
    for resource, inner in body.items():
        if isinstance(inner, dict) and FIELD in inner:
            raw = inner.pop(FIELD)
            if not isinstance(raw, str) or not _VALID.match(raw):
                raise Invalid(problems=[Problem(
                    "RecordInvalid", "idempotency_id must be a 32-character hexadecimal id without hyphens.",
                    FIELD)])
            found = found or Key(raw.lower(), str(resource), method, path)
    return found


def claim(db: Session, business_id: str, key: Key, now: datetime) -> Stored | None:
    """Claim the id for this request (None: go ahead), or the stored response to replay."""
    values = {"id": new_id(), "business_id": business_id, "key": key.value, "method": key.method,
              "path": key.path, "resource": key.resource, "status": 0, "content": None, "headers": {},
              "created_at": now}
    stmt = upsert_insert(db.get_bind().dialect.name)(IdempotencyRecord).values(**values).on_conflict_do_nothing(
        index_elements=["business_id", "key"]).returning(IdempotencyRecord.id)
    if db.execute(stmt).first() is not None:
        # Forget this business's expired ids while here, so the table holds at most a week of them.
        db.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= now - RETENTION),
                   execution_options={"synchronize_session": False})
        return None
    row = db.execute(select(IdempotencyRecord.id, IdempotencyRecord.method, IdempotencyRecord.path,
                            IdempotencyRecord.resource, IdempotencyRecord.status, IdempotencyRecord.content,
                            IdempotencyRecord.headers, IdempotencyRecord.created_at)
                     .where(IdempotencyRecord.key == key.value)).one()
    if row.created_at <= now - RETENTION:
        # Expired: the id is free again. Retake it unless a concurrent request retook it first.
        taken = db.execute(update(IdempotencyRecord)
                           .where(IdempotencyRecord.id == row.id, IdempotencyRecord.created_at == row.created_at)
                           .values(**{k: v for k, v in values.items() if k not in ("id", "business_id", "key")}),
                           execution_options={"synchronize_session": False})
        if getattr(taken, "rowcount", 0) == 1:
            return None
        return claim(db, business_id, key, now)
    if (row.method, row.path, row.resource) != (key.method, key.path, key.resource):
        raise IdempotencyResourceMismatch()
    return Stored(row.status, row.content, dict(row.headers or {}))


def remember(db: Session, key: Key, status: int, payload: Any, *, media_type: str | None,
             headers: dict[str, str], business_id: str | None) -> Stored:
    """Store the response of the request that claimed `key`, in its transaction: the status, the body
    as sent, and the headers that matter (`X-Business`, the content type, the handler's own)."""
    kept = dict(headers)
    if business_id:
        kept["X-Business"] = business_id
    content: bytes | None = None
    if status != 204:
        content = dumps(payload) if media_type is None else bytes(payload)
        kept["Content-Type"] = media_type or "application/json"
    db.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == key.value)
               .values(status=status, content=content, headers=kept),
               execution_options={"synchronize_session": False})
    return Stored(status, content, kept)
