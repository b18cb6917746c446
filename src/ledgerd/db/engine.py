"""Engines and the per-request unit of work."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Select, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from ledgerd.config import Settings
from ledgerd.db.session import LedgerdSession

WRITE_OPTION = "ledgerd_write"
AUTOCOMMIT_OPTION = "ledgerd_autocommit"


# Every SQLite connection: wait up to 30 s for the write lock; read the file through a memory map (256 MiB,
# shared with the OS page cache, so no per-connection copy) instead of a read() system call per 4 KiB page:
# a deep list page walks thousands of index pages, and mapped reads cut its query by about a seventh.
_SQLITE_PRAGMAS = ("busy_timeout=30000", "mmap_size=268435456")


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured database; SQLite gets WAL, foreign keys and IMMEDIATE writes."""
    url = make_url(settings.database_url)
    if url.drivername.startswith("sqlite"):
        return _sqlite_engine(url.database)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url, pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size)
    _ping_when_idle(engine)
    return engine


# A pooled PostgreSQL connection unused for this long is checked before it is handed out. SQLAlchemy's
# `pool_pre_ping` checks on every checkout, and a request checks out three (the token family, the business, the
# unit of work): on psycopg each check was a transaction of its own (BEGIN, an empty statement, ROLLBACK), so
# ~3 of a request's ~6 transactions and a round trip per checkout were pings (bench/README.md, bench_load.py).
# A connection used a moment ago is alive unless the server went away in that moment; then the request that
# meets it fails (503), SQLAlchemy discards every connection of the pool made before the failure, and the next
# requests connect afresh.
PING_AFTER_IDLE = 10.0
_IDLE_SINCE = "ledgerd_idle_since"


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        # `info` is emptied when a connection is replaced: a new connection has no idle time and is not pinged.
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            dbapi_conn.autocommit = True  # no transaction for the check; idle connections can switch freely
            try:
                dbapi_conn.execute(";")
            finally:
                dbapi_conn.autocommit = False
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool replaces the connection and tries again (SQLAlchemy's "pessimistic" disconnect handling).
            raise DisconnectionError(f"a pooled connection idle for {time.monotonic() - since:.0f} s is gone") \
                from exc


def _sqlite_engine(path: str | None) -> Engine:
    if not path or path == ":memory:":
        raise ValueError("ledgerd needs a SQLite file, not an in-memory database")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # JSON columns are parsed with orjson (SQLite hands them over as text; PostgreSQL's driver parses them).
    engine = create_engine(f"sqlite:///{path}", poolclass=QueuePool, pool_size=8, max_overflow=24,
                           connect_args={"check_same_thread": False, "timeout": 30}, json_deserializer=orjson.loads)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself, so writes can take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", *_SQLITE_PRAGMAS):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A write transaction takes SQLite's write lock at BEGIN: two writers then queue on
        # busy_timeout instead of failing with "database is locked" when a reader upgrades.
        options = conn.get_execution_options()
        if options.get(AUTOCOMMIT_OPTION):
            return  # single-statement reads (see read_connection) need no transaction
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, class_=LedgerdSession, expire_on_commit=False, autoflush=True)


# SQLite has one writer at a time. Threads of one process queue here, in order, instead of in SQLite's
# busy handler (which sleeps and retries, unfairly, and turns a queue of writers into seconds of latency);
# other processes still queue on busy_timeout.
_writer_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def _writer_lock(engine: Any) -> threading.RLock | None:
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return None
    lock = _writer_locks.get(engine)
    if lock is None:
        with _readers_lock:
            lock = _writer_locks.setdefault(engine, threading.RLock())
    return lock


# SQLite API writes of one process run on one thread per engine, in arrival order. They queue on the writer
# lock anyway; on a single thread they also stop competing with each other for the GIL while the lock
# holder works (measured: 8 concurrent invoice POSTs gave ~25 % fewer invoices a second than one at a time).
_writer_threads: weakref.WeakKeyDictionary[Engine, ThreadPoolExecutor] = weakref.WeakKeyDictionary()


def sqlite_writer(engine: Engine) -> ThreadPoolExecutor | None:
    """The thread API write requests run on for a SQLite engine (None for other engines)."""
    if engine.dialect.name != "sqlite":
        return None
    executor = _writer_threads.get(engine)
    if executor is None:
        with _readers_lock:
            executor = _writer_threads.get(engine)
            if executor is None:
                executor = _writer_threads[engine] = ThreadPoolExecutor(1, thread_name_prefix="ledgerd-writer")
                event.listen(engine, "engine_disposed", _stop_writer)
    return executor


def _stop_writer(engine: Engine) -> None:
    executor = _writer_threads.pop(engine, None)
    if executor is not None:
        executor.shutdown(wait=False)


def upsert_insert(dialect: str) -> Any:
    """The `insert` of a dialect (by name), the one with `on_conflict_do_update` (SQLite or PostgreSQL)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class UnitOfWork:
    """One transaction, opened on first use: services flush, `__exit__` commits on success and rolls back
    on any error. A request that never touches the database never opens a session."""

    def __init__(self, factory: sessionmaker[Session], *, write: bool) -> None:
        self._factory = factory
        self._write = write
        self._session: Session | None = None
        self._lock: threading.RLock | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            if self._write:
                self._lock = _writer_lock(self._factory.kw.get("bind"))
                if self._lock is not None:
                    self._lock.acquire()
            self._session = self._factory()
            if self._write:
                self._session.connection(execution_options={WRITE_OPTION: True})
            elif getattr(self._factory.kw.get("bind"), "name", "") == "postgresql":
                # Every statement of a read sees one snapshot, as on SQLite: a list's count, and the chunks a long
                # page is read in (api/resource.py), agree with each other whatever commits meanwhile. A read-only
                # transaction never fails to serialise at this level; it costs no round trip (psycopg sends it
                # with the BEGIN).
                self._session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return self._session

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        session, self._session = self._session, None
        lock, self._lock = self._lock, None
        if session is None:
            return
        try:
            if kind is None:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()
            if lock is not None:
                lock.release()


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, write: bool) -> Iterator[Session]:
    """One transaction around a block (eager form of `UnitOfWork`)."""
    with UnitOfWork(factory, write=write) as work:
        yield work.session


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for single-statement reads, without BEGIN/COMMIT round trips."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # pysqlite already runs in autocommit mode here (isolation_level=None); just skip our BEGIN.
            yield conn.execution_options(**{AUTOCOMMIT_OPTION: True})
        else:
            yield conn.execution_options(isolation_level="AUTOCOMMIT", **{AUTOCOMMIT_OPTION: True})


@contextmanager
def autocommit_write(engine: Engine) -> Iterator[Connection]:
    """A connection for single-statement writes, each committed on its own, outside any unit of work (e.g. the
    rate-limit counters). On SQLite it holds the process's writer lock meanwhile, so it queues with the other
    writers in order instead of in SQLite's busy handler."""
    lock = _writer_lock(engine)
    if lock is not None:
        lock.acquire()
    try:
        with read_connection(engine) as conn:
            yield conn
    finally:
        if lock is not None:
            lock.release()


# SQLite: each thread keeps one plain read connection per engine for FastQuery. Checking a connection out
# of the pool and back costs more than these reads; WAL readers need no coordination with the pool's
# writers. Closed when the engine is disposed.
_readers: weakref.WeakKeyDictionary[Engine, tuple[threading.local, list[_Reader]]] = weakref.WeakKeyDictionary()
_readers_lock = threading.Lock()
# Distinct FastQuery results a reader keeps between database changes (cleared whole when full).
READER_CACHE_SIZE = 4096


class _Reader:
    """One thread's read connection, remembering FastQuery results until the database changes.

    `PRAGMA data_version` changes whenever another connection (any thread or process) has committed since
    this connection last asked; the reader never writes, so an unchanged version means every remembered
    result is still what the query would return. Checking costs about a quarter of the cheapest table read,
    which matters on the per-request lookups (token family, lead business) of read-heavy traffic.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.version: int | None = None
        self.results: dict[tuple[str, Any], list[dict[str, Any]]] = {}

    def read(self, sql: str, args: Any, records: Callable[[list[Any]], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """The query's records (`records` turns fetched rows into them), remembered until the database changes."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self.version:
            self.results.clear()
            self.version = version
        key = (sql, args)
        found = self.results.get(key)
        if found is None:
            # Fetched after the version was read: a commit in between shows in the next version check.
            found = records(self.conn.execute(sql, args).fetchall())
            if len(self.results) >= READER_CACHE_SIZE:
                self.results.clear()
            self.results[key] = found
        return [record.copy() for record in found]  # callers get their own dicts


def _close_readers(engine: Engine) -> None:
    with _readers_lock:
        _, opened = _readers.pop(engine, (None, []))
    for reader in opened:
        reader.conn.close()


def _sqlite_reader(engine: Engine) -> _Reader:
    entry = _readers.get(engine)
    if entry is None:
        with _readers_lock:
            if engine not in _readers:
                _readers[engine] = (threading.local(), [])
                event.listen(engine, "engine_disposed", _close_readers)
            entry = _readers[engine]
    local, opened = entry
    reader: _Reader | None = getattr(local, "reader", None)
    if reader is None:
        conn = sqlite3.connect(str(engine.url.database), timeout=30, isolation_level=None, check_same_thread=False)
        for pragma in ("query_only=1", "temp_store=MEMORY", *_SQLITE_PRAGMAS):
            conn.execute(f"PRAGMA {pragma}")
        reader = local.reader = _Reader(conn)
        with _readers_lock:
            opened.append(reader)
    return reader


@dataclass(frozen=True)
class _Prepared:
    """A FastQuery compiled for one dialect."""

    sql: str
    bind: Callable[[dict[str, Any]], Any]
    names: tuple[str, ...]
    # The columns whose values need the type's result processing, with their processors.
    converted: tuple[tuple[str, Callable[[Any], Any]], ...]

    def records(self, rows: list[Any]) -> list[dict[str, Any]]:
        # Most columns need no conversion: zip each row into a dict, then convert only the few that do.
        names, converted = self.names, self.converted
        records = []
        for row in rows:
            record = dict(zip(names, row, strict=True))
            for name, process in converted:
                record[name] = process(record[name])
            records.append(record)
        return records


# Told of every FastQuery lookup, cached or not (the query-count tests count them with the session's statements,
# which SQLAlchemy's statement events report; these reads bypass its Connection). Empty in a server.
fast_query_observers: list[Callable[[Engine, str], None]] = []


class FastQuery:
    """A prebuilt SELECT run straight on a pooled DBAPI connection, in autocommit.

    For the lookups every request makes (token family, lead business), SQLAlchemy's execution
    machinery costs several times the query itself. The statement is still built with SQLAlchemy and
    compiled once per dialect, and each column's own result processing is applied, so values come back
    exactly as a normal query would return them (rows as dicts). On SQLite, each thread's reader keeps the
    records until the database changes (see _Reader).
    """

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._prepared: dict[str, _Prepared] = {}

    def _prepare(self, dialect: Dialect) -> _Prepared:
        """Compile for `dialect` (once: `all` looks in `_prepared` first)."""
        compiled = self.statement.compile(dialect=dialect)
        names = tuple(str(column.key) for column in self.statement.selected_columns)
        processors = [(name, column.type.dialect_impl(dialect).result_processor(dialect, None))
                      for name, column in zip(names, self.statement.selected_columns, strict=True)]
        # Literal values bound in the statement (e.g. LIMIT 20) never change: take them once.
        fixed = {name: value for name, value in compiled.construct_params({}, _check=False).items()
                 if value is not None}
        order = tuple(compiled.positiontup or ())

        def bind(params: dict[str, Any]) -> Any:
            values = {**fixed, **params}
            return tuple(values[name] for name in order) if compiled.positional else values

        prepared = self._prepared[dialect.name] = _Prepared(
            compiled.string, bind, names, tuple((name, process) for name, process in processors if process))
        return prepared

    def all(self, engine: Engine, **params: Any) -> list[dict[str, Any]]:
        prepared = self._prepared.get(engine.dialect.name) or self._prepare(engine.dialect)
        args = prepared.bind(params)
        for observe in fast_query_observers:
            observe(engine, prepared.sql)
        if engine.dialect.name == "sqlite":
            return _sqlite_reader(engine).read(prepared.sql, args, prepared.records)
        return prepared.records(self._pooled(engine, prepared.sql, args))

    @staticmethod
    def _pooled(engine: Engine, sql: str, args: Any) -> list[Any]:
        raw = engine.raw_connection()
        # psycopg is switched to autocommit for the read and back, so the pooled connection returns as
        # sessions expect it.
        driver: Any = raw.driver_connection
        try:
            driver.autocommit = True
            cursor = raw.cursor()
            try:
                cursor.execute(sql, args)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        finally:
            driver.autocommit = False
            raw.close()
        return list(rows)

    def first(self, engine: Engine, **params: Any) -> dict[str, Any] | None:
        rows = self.all(engine, **params)
        return rows[0] if rows else None
