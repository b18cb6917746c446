"""Business state on SQLite: reset of a new business, snapshot and restore of a business with 1,000 invoices.

Each ledgerd operation runs as the CLI and the admin API run it (`ledgerd.sandbox.state`, one unit of work on
a migrated SQLite file), in this process. The baseline, measured in the same run on the same file, is what
the operation cannot do without: plain `sqlite3` reading the business's rows of every table the operation
touches (the snapshot's baseline also writes them as JSON, compressed), or deleting and inserting those same
rows again in one transaction (reset's and restore's). The targets are the issue's, in milliseconds; the
ratio says how far ledgerd is from the floor.

    .venv/bin/python bench/bench_sandbox.py [--invoices 1000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from common import verdict
from loaders import load_invoices
from sqlalchemy import create_engine

from ledgerd.app import build_runtime
from ledgerd.config import Settings
from ledgerd.contacts import service as contacts
from ledgerd.contacts.schemas import ContactCreate
from ledgerd.db.engine import unit_of_work
from ledgerd.db.migrate import upgrade
from ledgerd.db.tenancy import bind_business
from ledgerd.onboarding import open_business
from ledgerd.runtime import Runtime
from ledgerd.sandbox import state
from ledgerd.settings.service import base_currency
from ledgerd.tenancy.service import create_user

# reset: a new business in a database holding only it; reset+: the same once the other business holds the invoices.
TARGETS_MS = {"reset": 50.0, "reset+": 50.0, "snapshot": 1000.0, "restore": 1000.0}


def _tables(conn: sqlite3.Connection, business_id: str) -> list[tuple[str, str, list[Any]]]:
    """(table, the WHERE picking the business's rows, its parameters) for every table ledgerd's state touches,
    parents first (the same list, taken from ledgerd's metadata)."""
    out = []
    for owned in state._tables():
        if owned.link is None:
            out.append((owned.name, "business_id = ?", [business_id]))
        else:
            column, parent = owned.link
            out.append((owned.name, f"{column.name} IN (SELECT id FROM {parent.name} WHERE business_id = ?)",
                        [business_id]))
    return out


def raw_read(path: Path, business_id: str) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    with sqlite3.connect(path) as conn:
        out = {}
        for name, where, params in _tables(conn, business_id):
            cursor = conn.execute(f"SELECT * FROM {name} WHERE {where}", params)
            out[name] = ([column[0] for column in cursor.description], cursor.fetchall())
    return out


def raw_snapshot(path: Path, business_id: str) -> bytes:
    tables = raw_read(path, business_id)
    return zlib.compress(orjson.dumps({name: {"columns": c, "rows": r} for name, (c, r) in tables.items()}), 1)


def raw_rewrite(path: Path, business_id: str, tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("BEGIN IMMEDIATE")
        listed = _tables(conn, business_id)
        for name, where, params in reversed(listed):
            conn.execute(f"DELETE FROM {name} WHERE {where}", params)
        for name, _, _ in listed:
            columns, rows = tables[name]
            if rows:
                marks = ", ".join("?" for _ in columns)
                conn.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)
        conn.execute("COMMIT")
    finally:
        conn.close()


def measure(ours: Callable[[], object], baseline: Callable[[], object], repeat: int,
            warmup: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median (wall, CPU) seconds of each side, called in turns. Both run in this process, so CPU time (which
    another busy process on the machine does not inflate) compares them too."""
    samples: list[list[tuple[float, float]]] = [[], []]
    for turn in range(warmup + repeat):
        for fn, taken in zip((ours, baseline), samples, strict=True):
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            if turn >= warmup:
                taken.append((time.perf_counter() - wall, time.process_time() - cpu))
    return ((statistics.median(w for w, _ in samples[0]), statistics.median(c for _, c in samples[0])),
            (statistics.median(w for w, _ in samples[1]), statistics.median(c for _, c in samples[1])))


def prepare(runtime: Runtime) -> tuple[str, str, str]:
    """A new GB business to reset, and one with a customer to load invoices into; their ids and the customer's."""
    with unit_of_work(runtime.sessions, write=True) as db:
        owner = create_user(db, runtime.clock, email="bench@example.com", password_hash="not used")
        fresh = open_business(db, runtime.clock, owner=owner, name="Fresh", country_id="GB").id
        books = open_business(db, runtime.clock, owner=owner, name="Books", country_id="GB").id
        bind_business(db, books)
        customer = contacts.create(db, books, ContactCreate.model_validate(
            {"name": "Bench Customer", "contact_type_ids": ["CUSTOMER"], "reference": "BENCH"}), base_currency(db)).id
    return fresh, books, customer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        url = f"sqlite:///{path}"
        upgrade(url)
        runtime = build_runtime(Settings(database_url=url, env="development"))
        fresh, books, customer = prepare(runtime)

        def run(fn: Any) -> Any:
            with unit_of_work(runtime.sessions, write=True) as db:
                return fn(db)

        def reset() -> Any:
            return measure(lambda: run(lambda db: state.reset_business(db, runtime.clock, fresh)),
                           lambda: raw_rewrite(path, fresh, fresh_rows), args.repeat, warmup=2)

        fresh_rows = raw_read(path, fresh)
        results = {"reset": reset()}
        engine = create_engine(url)
        load_invoices(engine, books, customer, args.invoices, dt.datetime.now(dt.UTC), ledger=True)
        engine.dispose()
        rows = run(lambda db: state.take_snapshot(db, runtime.clock, books, "bench")).rows
        books_rows = raw_read(path, books)
        results.update({
            "reset+": reset(),
            "snapshot": measure(lambda: run(lambda db: state.take_snapshot(db, runtime.clock, books, "bench")),
                                lambda: raw_snapshot(path, books), args.repeat, warmup=1),
            "restore": measure(lambda: run(lambda db: state.restore_snapshot(db, books, "bench")),
                               lambda: raw_rewrite(path, books, books_rows), args.repeat, warmup=1),
        })
        runtime.engine.dispose()
    print(f"SQLite; reset: a new GB business; reset+: the same beside a business of {args.invoices} invoices with "
          f"their ledger (snapshot, restore: that business, {rows} rows); medians of {args.repeat} turns "
          "(ledgerd and baseline in turn)")
    print(f"{'operation':<10} {'ledgerd ms':>11} {'sqlite3 ms':>11} {'ratio':>7} {'CPU ms':>8} {'CPU ratio':>10} "
          f"{'target ms':>10}  verdict")
    for name, ((ours, ours_cpu), (baseline, baseline_cpu)) in results.items():
        print(f"{name:<10} {ours * 1000:>11.1f} {baseline * 1000:>11.1f} {ours / baseline:>7.2f} "
              f"{ours_cpu * 1000:>8.1f} {ours_cpu / baseline_cpu:>10.2f} {TARGETS_MS[name]:>10.0f}  "
              f"{verdict(ours * 1000 < TARGETS_MS[name])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
