"""The request journal: every API, OAuth and admin request, kept in the database for the developer to read.

The HTTP layer captures each exchange as it happens (`Exchange`: a few references and the first bytes of each
body, nothing more on the request's path) and hands it to the process's `Journal`. A background thread writes
what has queued up, in batches, every `FLUSH_INTERVAL` (or sooner when a batch is full): requests never wait for
the journal's writes. Secrets are taken out there (sandbox/redaction.py), then the table is cut back to the
newest `size` entries. The queue is bounded: when the database cannot keep up, entries beyond `MAX_PENDING` are
dropped and counted, never the requests. `close` writes what is left (the server's shutdown).

Every process of a deployment writes to the same table, so a reader sees the requests of all of them, each with
the `server` (host and process id) that answered it. Reading: `entries`, `entry`, presented by `summary` and
`detail` for the CLI (`ledgerd journal`) and the admin API (`GET /ledgerd/v1/admin/journal`) alike.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import socket
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from urllib.parse import parse_qsl, unquote

import orjson
from sqlalchemy import BigInteger, Boolean, Float, Integer, Select, String, Table, Text, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, load_only, mapped_column, sessionmaker

from ledgerd.db.base import Base, IdColumn
from ledgerd.db.engine import unit_of_work
from ledgerd.errors import NotFound
from ledgerd.sandbox import redaction

log = logging.getLogger("ledgerd.journal")

# Seconds between two writes of the queue; a reader in another process sees a request at most this late.
FLUSH_INTERVAL = 0.25
# Entries written in one statement; a fuller queue wakes the writer at once.
BATCH = 500
# Entries waiting to be written at most (each holds at most twice the body size).
MAX_PENDING = 5_000
# Entries one read returns at most.
MAX_READ = 10_000

# SQLite numbers rows itself only for an INTEGER primary key; elsewhere 64 bits, so ids never wrap.
_Id = BigInteger().with_variant(Integer(), "sqlite")
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
_TEXT_MEDIA = ("application/x-www-form-urlencoded", "application/xml", "application/javascript")


class JournalEntry(Base):
    """One request and its answer. No foreign keys: an entry outlives the app, user or business it names."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column()
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text)
    query: Mapped[str] = mapped_column(Text)
    # None when the client went away before any answer.
    status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)
    request_id: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str | None] = mapped_column(String(80))
    user_id: Mapped[str | None] = mapped_column(IdColumn)
    business_id: Mapped[str | None] = mapped_column(IdColumn)
    server: Mapped[str] = mapped_column(String(200))
    # Headers as JSON text, `[[name, value], ...]` (written with orjson: SQLAlchemy's JSON type costs more than
    # the rest of an entry).
    request_headers: Mapped[str] = mapped_column(Text)
    # The first `journal_body_bytes` bytes as text, redacted; None for a binary body. `*_bytes`: the whole size;
    # `*_truncated`: more was sent than was kept.
    request_body: Mapped[str | None] = mapped_column(Text)
    request_bytes: Mapped[int] = mapped_column(Integer)
    request_truncated: Mapped[bool] = mapped_column(Boolean)
    response_headers: Mapped[str] = mapped_column(Text)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_bytes: Mapped[int] = mapped_column(Integer)
    response_truncated: Mapped[bool] = mapped_column(Boolean)


# Written with Core: the ORM's bulk insert spends more per row than SQLite does.
_TABLE = cast(Table, JournalEntry.__table__)


@dataclass(slots=True)
class Exchange:
    """One request and its answer as the HTTP layer saw them, before anything is decoded or redacted."""

    at: datetime
    method: str
    path: str
    query: bytes
    request_id: str
    # The OAuth endpoints' parameters name authorization codes and revoked tokens: secrets there (redaction.py).
    oauth: bool
    request_headers: Sequence[tuple[bytes, bytes]]
    request_body: list[bytes] = field(default_factory=list)
    request_bytes: int = 0
    status: int | None = None
    response_headers: Sequence[tuple[bytes, bytes]] = ()
    response_body: list[bytes] = field(default_factory=list)
    response_bytes: int = 0
    duration_ms: float = 0.0
    client_id: str | None = None
    user_id: str | None = None
    business_id: str | None = None


def _media_type(headers: Sequence[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower()
    return ""


def _text(chunks: list[bytes], media_type: str, *, oauth: bool) -> str | None:
    """A captured body as redacted text; None for a binary one (a file, an image)."""
    raw = b"".join(chunks)
    if not raw:
        return ""
    textual = (not media_type or media_type.startswith("text/") or media_type.endswith(("json", "+xml"))
               or media_type in _TEXT_MEDIA)
    if not textual:
        return None
    return redaction.body(raw.decode("utf-8", "replace"), media_type, oauth=oauth)


def _client_of(exchange: Exchange, media_type: str) -> str | None:
    """The app of an OAuth request that did not get as far as naming it: its `client_id` parameter or the user
    name of its Basic credentials."""
    for name, value in exchange.request_headers:
        if name.lower() == b"authorization" and value[:6].lower() == b"basic ":
            try:
                credentials = base64.b64decode(value[6:].strip(), validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                continue
            return unquote(credentials.partition(":")[0])[:80] or None
    sources = [exchange.query.decode("latin-1")]
    raw = b"".join(exchange.request_body)
    if media_type == "application/x-www-form-urlencoded":
        sources.append(raw.decode("utf-8", "replace"))
    for source in sources:
        for key, given in parse_qsl(source, keep_blank_values=False):
            if key == "client_id":
                return given[:80]
    if media_type == "application/json":
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        if isinstance(parsed, dict) and isinstance(parsed.get("client_id"), str):
            return str(parsed["client_id"])[:80]
    return None


def _row(exchange: Exchange, server: str) -> dict[str, Any]:
    oauth = exchange.oauth
    request_media = _media_type(exchange.request_headers)
    client_id = exchange.client_id
    if client_id is None and oauth:
        client_id = _client_of(exchange, request_media)
    return {
        "at": exchange.at, "method": exchange.method, "path": exchange.path,
        "query": redaction.form(exchange.query.decode("latin-1"), oauth=oauth),
        "status": exchange.status, "duration_ms": round(exchange.duration_ms, 3),
        "request_id": exchange.request_id, "client_id": client_id, "user_id": exchange.user_id,
        "business_id": exchange.business_id, "server": server,
        "request_headers": orjson.dumps(redaction.headers(exchange.request_headers, oauth=oauth)).decode(),
        "request_body": _text(exchange.request_body, request_media, oauth=oauth),
        "request_bytes": exchange.request_bytes,
        "request_truncated": exchange.request_bytes > sum(map(len, exchange.request_body)),
        "response_headers": orjson.dumps(redaction.headers(exchange.response_headers, oauth=oauth)).decode(),
        "response_body": _text(exchange.response_body, _media_type(exchange.response_headers), oauth=oauth),
        "response_bytes": exchange.response_bytes,
        "response_truncated": exchange.response_bytes > sum(map(len, exchange.response_body)),
    }


def prune(db: Session, size: int) -> None:
    """Keep the newest `size` entries."""
    oldest_kept = select(JournalEntry.id).order_by(JournalEntry.id.desc()).offset(size - 1).limit(1).scalar_subquery()
    db.execute(delete(JournalEntry).where(JournalEntry.id < oldest_kept))


class Journal:
    """The process's journal: `record` queues an exchange (on the request's path: no I/O), a background thread
    writes the queue in batches; `flush` writes it now, `close` writes it and stops the thread (the next `record`
    starts it again)."""

    def __init__(self, sessions: sessionmaker[Session], *, size: int, body_bytes: int) -> None:
        self.sessions = sessions
        self.size = size
        self.body_bytes = body_bytes
        self.server = f"{socket.gethostname()}:{os.getpid()}"[:200]
        self.dropped = 0
        self._pending: deque[Exchange] = deque()
        self._writing = threading.Lock()
        self._starting = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, exchange: Exchange) -> None:
        if len(self._pending) >= MAX_PENDING:
            self.dropped += 1
            return
        self._pending.append(exchange)
        if self._thread is None:
            self._start()
        elif len(self._pending) >= BATCH:
            self._wake.set()

    def _start(self) -> None:
        with self._starting:
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="ledgerd-journal", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(FLUSH_INTERVAL)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the writer outlives any one batch
                log.exception("request journal: writing failed")

    def flush(self) -> None:
        """Write every queued exchange now, then cut the table back to its size."""
        with self._writing:
            if self.dropped:
                log.warning("request journal: %d requests not recorded (the queue was full)", self.dropped)
                self.dropped = 0
            while self._pending:
                batch = [self._pending.popleft() for _ in range(min(BATCH, len(self._pending)))]
                self._write(batch)

    def _write(self, batch: list[Exchange]) -> None:
        try:
            rows = [_row(exchange, self.server) for exchange in batch]
        except Exception:  # a bug in shaping one entry must not stop the journal
            log.exception("request journal: could not shape %d entries", len(batch))
            return
        for attempt in (1, 2):
            try:
                with unit_of_work(self.sessions, write=True) as db:
                    db.execute(insert(_TABLE), rows)
                    prune(db, self.size)
                return
            except SQLAlchemyError as exc:
                # PostgreSQL: two processes cutting the same oldest rows may deadlock; the second try goes through.
                if attempt == 2:
                    log.warning("request journal: %d entries not written (%s)", len(batch), type(exc).__name__)

    def close(self) -> None:
        """Write what is queued and stop the background thread."""
        with self._starting:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            self._wake.set()
            thread.join(timeout=30)
        self.flush()


# --- reading ---------------------------------------------------------------------------------------------------

def status_range(text: str) -> tuple[int, int]:
    """A status filter: one status (`404`) or a class (`4xx`). ValueError names what is expected."""
    value = text.strip().lower()
    if len(value) == 3 and value[0] in "12345" and value[1:] == "xx":
        first = int(value[0]) * 100
        return first, first + 99
    if len(value) == 3 and value.isdigit() and value.isascii() and 100 <= int(value) <= 599:
        return int(value), int(value)
    raise ValueError(f"a status is a code such as 404 or a class such as 4xx, not {text!r}")


@dataclass(frozen=True)
class Filters:
    """Which entries to read: all given conditions hold. `after`: ids above this one only."""

    client_id: str | None = None
    business_id: str | None = None
    status: tuple[int, int] | None = None
    request_id: str | None = None
    after: int | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.client_id is not None:
            query = query.where(JournalEntry.client_id == self.client_id)
        if self.business_id is not None:
            query = query.where(JournalEntry.business_id == self.business_id)
        if self.status is not None:
            query = query.where(JournalEntry.status.between(*self.status))
        if self.request_id is not None:
            query = query.where(JournalEntry.request_id == self.request_id.lower())
        if self.after is not None:
            query = query.where(JournalEntry.id > self.after)
        return query


# What a list shows (`summary`): headers and bodies stay in the database until one entry is read.
_SUMMARY = load_only(JournalEntry.id, JournalEntry.at, JournalEntry.method, JournalEntry.path, JournalEntry.query,
                     JournalEntry.status, JournalEntry.duration_ms, JournalEntry.request_id, JournalEntry.client_id,
                     JournalEntry.user_id, JournalEntry.business_id, JournalEntry.server, JournalEntry.request_bytes,
                     JournalEntry.response_bytes, raiseload=True)


def entries(db: Session, filters: Filters, *, limit: int, offset: int = 0) -> list[JournalEntry]:
    """The matching entries, newest first, as much of each as `summary` shows."""
    query = filters.apply(select(JournalEntry).options(_SUMMARY))
    return list(db.scalars(query.order_by(JournalEntry.id.desc()).offset(offset).limit(limit)))


def count(db: Session, filters: Filters) -> int:
    return db.scalar(filters.apply(select(func.count()).select_from(JournalEntry))) or 0


def entry(db: Session, key: str) -> JournalEntry:
    """One entry, by its id or by the request id its answer carried (`X-Request-Id`)."""
    key = key.strip().lower()
    found: JournalEntry | None = None
    if key.isdigit() and key.isascii() and len(key) <= 18:
        found = db.get(JournalEntry, int(key))
    elif _REQUEST_ID.fullmatch(key):
        found = db.scalars(select(JournalEntry).where(JournalEntry.request_id == key)
                           .order_by(JournalEntry.id.desc()).limit(1)).first()
    if found is None:
        raise NotFound(f"There is no journal entry {key!r} (an entry id or a request id); the journal keeps the "
                       "newest requests only.")
    return found


def _instant(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def summary(found: JournalEntry) -> dict[str, Any]:
    """An entry without its headers and bodies: a line of a list."""
    return {
        "id": found.id, "at": _instant(found.at), "method": found.method, "path": found.path, "query": found.query,
        "status": found.status, "duration_ms": found.duration_ms, "request_id": found.request_id,
        "client_id": found.client_id, "user_id": found.user_id, "business_id": found.business_id,
        "server": found.server, "request_bytes": found.request_bytes, "response_bytes": found.response_bytes,
    }


def detail(found: JournalEntry) -> dict[str, Any]:
    """An entry with its headers and bodies (`truncated`: the body was longer than what the journal kept)."""
    return {
        **summary(found),
        "request": {"headers": orjson.loads(found.request_headers), "body": found.request_body,
                    "truncated": found.request_truncated},
        "response": {"headers": orjson.loads(found.response_headers), "body": found.response_body,
                     "truncated": found.response_truncated},
    }
