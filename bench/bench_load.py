"""Writers under load: 32 clients posting invoices and receipts, SQLite with one worker against PostgreSQL with two.

    .venv/bin/python bench/bench_load.py [--duration 15] [--warmup 3] [--clients 32]
                                         [--postgres URL] [--pg-workers 2] [--scenarios one,spread]

1. Each database gets its own ledgerd (`ledgerd serve`, SQLite file with one worker; a scratch PostgreSQL
   database with --pg-workers workers), prepared with the CLI: a user, BUSINESSES + 1 GB businesses and a token.
   Every business gets one customer per client over the API.
2. Each scenario runs --clients client threads in this process for --warmup + --duration seconds, each with
   its own keep-alive connection, looping: POST a sales invoice (three 20 %-taxed lines, 204.00), POST a
   customer receipt allocated to it in full, and every SHARED_EVERY-th round one more invoice in the
   business shared by every client.
   - one: every client and the shared invoices in one business (they all take its numbering counters and,
     on PostgreSQL, its writer lock, db/locks.py);
   - spread: client i works in business i % BUSINESSES; the shared invoices go to one more business.
3. Requests that start in the window after the warm-up count: req/s = those answered ÷ --duration; p50 and
   p99 of their latency; every answer that is not 201 is counted by status (a 503 is the database giving up
   on a deadlock or lock wait) and so is every failed connection.

Ratio = PostgreSQL req/s ÷ SQLite req/s per scenario, target >= 1 ("PostgreSQL with two processes does at
least as well as SQLite with one"). No CPU pinning: the database server, the workers and the clients share
the machine, as they would on one host. This is a benchmark, not a test: it exits 0 once it has run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from common import (
    INVOICE_TOTAL,
    Prepared,
    Server,
    cli,
    cpu_seconds,
    create_customer,
    free_port,
    invoice_body,
    ledger_account_id,
    ledgerd_env,
    prepare_ledgerd,
    process_tree,
    scratch_postgres,
    serve_ledgerd,
    verdict,
)
from sqlalchemy.engine import make_url

TARGET = 1.0
BUSINESSES = 8
SHARED_EVERY = 4  # every 4th round of a client also posts an invoice in the shared business
TIMEOUT = 60.0  # seconds an answer may take before it counts as a failed request
SCENARIOS = ("one", "spread")


@dataclass(frozen=True)
class Books:
    """One business as a client sees it: its header, its customer for this client, and the accounts used."""

    headers: dict[str, str]
    customer: str
    sales: str  # ledger account 4000
    bank: str


def prepare_business(url: str, token_headers: dict[str, str], business_id: str, clients: list[int]) -> dict[int, Books]:
    """Books of each of `clients` in the business: a customer of its own, the same accounts for all."""
    headers = {**token_headers, "X-Business": business_id}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        sales = ledger_account_id(client, 4000)
        banks = client.get("/v3.1/bank_accounts")
        banks.raise_for_status()
        bank: str = banks.json()["$items"][0]["id"]
        return {n: Books(headers, create_customer(client, f"BENCH{n}"), sales, bank) for n in clients}


def receipt_body(books: Books, invoice_id: str, on: dt.date) -> dict[str, Any]:
    return {"contact_payment": {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": books.customer, "bank_account_id": books.bank,
        "date": on.isoformat(), "total_amount": str(INVOICE_TOTAL),
        "allocated_artefacts": [{"artefact_id": invoice_id, "amount": str(INVOICE_TOTAL)}]}}


@dataclass
class Sample:
    start: float  # perf_counter when the request was sent
    seconds: float
    status: int  # 0: no answer (connection error or timeout)


@dataclass
class Client:
    """One client thread: its own books, the shared business's books, and what it measured."""

    own: Books
    shared: Books
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def post(self, http: httpx.Client, path: str, books: Books, body: dict[str, Any]) -> dict[str, Any] | None:
        start = time.perf_counter()
        try:
            response = http.post(path, json=body, headers=books.headers)
        except httpx.HTTPError as exc:
            self.samples.append(Sample(start, time.perf_counter() - start, 0))
            self.failures.append(f"{type(exc).__name__}: {exc}")
            return None
        self.samples.append(Sample(start, time.perf_counter() - start, response.status_code))
        if response.status_code != 201:
            self.failures.append(f"{response.status_code} {path}: {response.text[:300]}")
            return None
        created: dict[str, Any] = response.json()
        return created

    def run(self, url: str, stop_at: float) -> None:
        on = dt.date.today()
        with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
            round_ = 0
            while time.perf_counter() < stop_at:
                round_ += 1
                invoice = self.post(http, "/v3.1/sales_invoices", self.own,
                                    invoice_body(self.own.customer, self.own.sales, on))
                if invoice is not None and time.perf_counter() < stop_at:
                    self.post(http, "/v3.1/contact_payments", self.own, receipt_body(self.own, invoice["id"], on))
                if round_ % SHARED_EVERY == 0 and time.perf_counter() < stop_at:
                    self.post(http, "/v3.1/sales_invoices", self.shared,
                              invoice_body(self.shared.customer, self.shared.sales, on))


@dataclass(frozen=True)
class Snapshot:
    """CPU seconds used so far by ledgerd's processes, by the database's server processes serving this database
    (PostgreSQL backends, by pid) and by this process (the clients); PostgreSQL sessions opened so far."""

    ledgerd: float
    backends: dict[int, float]
    clients: float
    sessions: int


class Meter:
    """Snapshots of the CPU a run uses, split by who used it."""

    def __init__(self, server: Server, database_url: str) -> None:
        self.server = server
        self.conninfo = None
        if database_url.startswith("postgresql"):
            self.conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)

    def snapshot(self) -> Snapshot:
        ledgerd = sum(cpu_seconds(process_tree(self.server.process.pid)).values())
        backends: dict[int, float] = {}
        sessions = 0
        if self.conninfo is not None:
            with psycopg.connect(self.conninfo, autocommit=True) as conn:
                pids = [pid for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
                row = conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
                                   ).fetchone()
                sessions = int(row[0]) if row else 0
            backends = cpu_seconds(pids)
        return Snapshot(ledgerd, backends, time.process_time(), sessions)


@dataclass(frozen=True)
class Cpu:
    """CPU seconds used in the window: ledgerd, the database's backends, the clients; sessions opened."""

    ledgerd: float
    database: float
    clients: float
    sessions: int

    @classmethod
    def between(cls, before: Snapshot, after: Snapshot) -> Cpu:
        # A backend started in the window counts from zero; one that ended in it is missed (see `sessions`).
        database = sum(used - before.backends.get(pid, 0.0) for pid, used in after.backends.items())
        return cls(after.ledgerd - before.ledgerd, database, after.clients - before.clients,
                   after.sessions - before.sessions)


@dataclass
class Result:
    backend: str
    scenario: str
    workers: int
    answered: int
    seconds: float
    latencies: list[float]
    statuses: Counter[int]
    failures: list[str]
    cpu: Cpu

    @property
    def rps(self) -> float:
        return self.answered / self.seconds

    def percentile(self, share: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[round(share * 100) - 1] * 1000

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 201)

    @property
    def valid(self) -> bool:
        return self.answered > 0 and self.errors == 0


def run_scenario(backend: str, scenario: str, workers: int, meter: Meter, books: list[dict[int, Books]],
                 args: argparse.Namespace) -> Result:
    """`books[b][i]`: client i's books in business b; the last business is the spread scenario's shared one."""
    if scenario == "one":
        clients = [Client(books[0][i], books[0][i]) for i in range(args.clients)]
    else:
        clients = [Client(books[i % BUSINESSES][i], books[BUSINESSES][i]) for i in range(args.clients)]
    begin = time.perf_counter()
    window = (begin + args.warmup, begin + args.warmup + args.duration)
    threads = [threading.Thread(target=client.run, args=(meter.server.url, window[1]), daemon=True)
               for client in clients]
    for thread in threads:
        thread.start()
    time.sleep(max(window[0] - time.perf_counter(), 0))
    before = meter.snapshot()
    time.sleep(max(window[1] - time.perf_counter(), 0))
    cpu = Cpu.between(before, meter.snapshot())
    for thread in threads:
        thread.join()
    counted = [sample for client in clients for sample in client.samples if window[0] <= sample.start < window[1]]
    failures = [failure for client in clients for failure in client.failures]
    result = Result(backend, scenario, workers, len(counted), args.duration,
                    [sample.seconds for sample in counted], Counter(sample.status for sample in counted), failures,
                    cpu)
    state = "ok" if result.valid else f"INVALID ({errors_text(result)})"
    print(f"  {backend:<10} {scenario:<6} {workers} worker(s) {result.rps:>7.1f} req/s"
          f"  p50 {result.percentile(0.5):>7.0f} ms  p99 {result.percentile(0.99):>7.0f} ms  {state}", flush=True)
    print(f"    CPU in the window: ledgerd {cpu.ledgerd:.1f} s, database {cpu.database:.1f} s, clients "
          f"{cpu.clients:.1f} s ({cpu_per_request(result)}); {cpu.sessions} database sessions opened", flush=True)
    for failure in failures[:3]:
        print(f"    e.g. {failure}", flush=True)
    return result


def cpu_per_request(result: Result) -> str:
    if not result.answered:
        return "no requests"
    per = 1000 / result.answered
    return (f"per request: ledgerd {result.cpu.ledgerd * per:.1f} ms + database {result.cpu.database * per:.1f} ms "
            f"+ clients {result.cpu.clients * per:.1f} ms")


def errors_text(result: Result) -> str:
    if not result.errors:
        return "0"
    return ", ".join(f"{count} x {status or 'no answer'}" for status, count in sorted(result.statuses.items())
                     if status != 201)


def bench(backend: str, database_url: str, workers: int, args: argparse.Namespace, tmp: Path) -> list[Result]:
    port = free_port()
    env = ledgerd_env(database_url, port)
    prepared: Prepared = prepare_ledgerd(env)
    extra = BUSINESSES if "spread" in args.scenarios else 0  # the spread scenario's businesses and shared one
    business_ids = [prepared.business_id] + [
        cli(env, "businesses", "create", "--owner", prepared.email, "--name", f"Bench {n} Ltd", "--country", "GB",
            "--json")["id"] for n in range(1, extra + 1)]
    server = serve_ledgerd(env, port, tmp / f"ledgerd-{backend}.log", None, workers=workers)
    try:
        everyone = list(range(args.clients))
        books = [prepare_business(server.url, prepared.headers, business_id,
                                  everyone if b in (0, BUSINESSES) else everyone[b::BUSINESSES])
                 for b, business_id in enumerate(business_ids)]
        meter = Meter(server, database_url)
        return [run_scenario(backend, scenario, workers, meter, books, args) for scenario in args.scenarios]
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15, help="seconds measured per scenario (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each (default 3)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--postgres", metavar="URL", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL server for the scratch database (default %(default)s); '' skips it")
    parser.add_argument("--pg-workers", type=int, default=2, help="ledgerd workers on PostgreSQL (default 2)")
    parser.add_argument("--sqlite-workers", type=int, default=1, help="ledgerd workers on SQLite (default 1)")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL alone")
    parser.add_argument("--scenarios", type=lambda text: text.split(","), default=list(SCENARIOS),
                        help="comma-separated: one, spread (default both)")
    args = parser.parse_args()
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    print(f"{args.clients} clients, {args.warmup}s warm-up + {args.duration}s per scenario; invoice, receipt and "
          f"every {SHARED_EVERY}th round a shared invoice; no CPU pinning", flush=True)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="ledgerd-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if not args.no_sqlite:
            results += bench("sqlite", f"sqlite:///{tmp / 'ledgerd.sqlite'}", args.sqlite_workers, args, tmp)
        if args.postgres:
            database_url, drop = scratch_postgres(args.postgres)
            cleanup: Callable[[], None] = drop
            try:
                results += bench("postgresql", database_url, args.pg_workers, args, tmp)
            finally:
                cleanup()
    print()
    print(f"{'backend':<11} {'scenario':<9} {'workers':>7} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}  errors")
    print("-" * 64)
    for result in results:
        print(f"{result.backend:<11} {result.scenario:<9} {result.workers:>7} {result.rps:>7.1f} "
              f"{result.percentile(0.5):>7.0f} {result.percentile(0.99):>7.0f}  {errors_text(result)}")
    by_key = {(result.backend, result.scenario): result for result in results}
    for scenario in args.scenarios:
        sqlite, postgres = by_key.get(("sqlite", scenario)), by_key.get(("postgresql", scenario))
        if sqlite and postgres and sqlite.rps:
            ratio = postgres.rps / sqlite.rps
            print(f"{scenario:<9} PostgreSQL ÷ SQLite req/s {ratio:.2f}, target >= {TARGET:g}: "
                  f"{verdict(ratio >= TARGET, sqlite.valid and postgres.valid)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
