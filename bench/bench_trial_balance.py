"""Trial balance over 100,000 transactions: ledgerd's GET /v3.1/trial_balance against `hledger bal`.

    .venv/bin/python bench/bench_trial_balance.py [--transactions 100000] [--postgres URL]

1. The books: the shared peer script gen_hledger_journal.py writes N invoice-like transactions (three
   postings each) as an hledger journal in a temp dir.
2. peer: `hledger -f books.journal bal` (Debian's hledger), median wall time of 3 runs.
3. ledgerd: the same books bulk-loaded (bench/loaders.py) into a GB business on a SQLite file (and on
   PostgreSQL with --postgres), `ledgerd serve` with one worker, GET /v3.1/trial_balance for 2024-2025
   over HTTP with a bearer token: median of 10 after 2 warm-ups. Every account's balance must equal
   hledger's total for it exactly, and the debits must equal the credits.

Ratio = hledger seconds / ledgerd seconds, target >= 50. This is a benchmark, not a test: it exits 0 once
it has run (2 when hledger is missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from common import (
    PEERS,
    Cpus,
    free_port,
    ledgerd_env,
    median_seconds,
    missing,
    pin,
    prepare_ledgerd,
    scratch_postgres,
    serve_ledgerd,
    verdict,
)
from loaders import ACCOUNTS, load_journal
from sqlalchemy import create_engine

TARGET = 50.0
GENERATOR = PEERS / "gen_hledger_journal.py"
PATH = "/v3.1/trial_balance"
PARAMS = {"from_date": "2024-01-01", "to_date": "2025-12-31", "items_per_page": "200"}
_BAL_LINE = re.compile(r"^\s*£(-?[\d,]+(?:\.\d+)?)\s+(\S+)\s*$")


@dataclass
class Row:
    label: str
    seconds: float
    samples: list[float]
    valid: bool


def run_pinned(argv: list[str], cpus: Cpus) -> str:
    """Run a command on the server's CPU; its standard output."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pin(process.pid, cpus.server)
    out, err = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({process.returncode}): {err[-2000:]}")
    return out


def hledger_totals(output: str) -> dict[int, Decimal]:
    """Per-account totals of `hledger bal` output, by nominal code (debits positive)."""
    totals: dict[int, Decimal] = {}
    for line in output.splitlines():
        if match := _BAL_LINE.match(line):
            totals[ACCOUNTS[match.group(2)]] = Decimal(match.group(1).replace(",", ""))
    if not totals:
        raise RuntimeError(f"no account totals in hledger's output:\n{output[:2000]}")
    return totals


def bench_hledger(journal: Path, cpus: Cpus) -> tuple[Row, dict[int, Decimal]]:
    argv = ["hledger", "-f", str(journal), "bal"]
    outputs: list[str] = []
    seconds, samples = median_seconds(lambda: outputs.append(run_pinned(argv, cpus)), repeat=3)
    row = Row("hledger -f books.journal bal", seconds, samples, True)
    print(f"  {row.label:<44} median {seconds * 1000:>9.1f} ms of {len(samples)}", flush=True)
    return row, hledger_totals(outputs[-1])


def check(body: dict[str, Any], expected: dict[int, Decimal]) -> list[str]:
    """Problems with ledgerd's trial balance (none: it equals hledger's totals, account by account)."""
    items: list[dict[str, Any]] = body["$items"]
    got = {int(item["nominal_code"]): Decimal(str(item["balance"])) for item in items}
    problems = [f"account {code}: ledgerd {got.get(code)} != hledger {amount}"
                for code, amount in sorted(expected.items()) if got.get(code) != amount]
    problems += [f"account {code}: ledgerd {amount}, hledger has no such account"
                 for code, amount in sorted(got.items()) if code not in expected and amount]
    debits = sum(Decimal(str(item["debit"])) for item in items)
    credits = sum(Decimal(str(item["credit"])) for item in items)
    if debits != credits:
        problems.append(f"debits {debits} != credits {credits}")
    if body.get("$total") != len(items):
        problems.append(f"$total {body.get('$total')} but {len(items)} items on the page")
    return problems


def bench_ledgerd(backend: str, database_url: str, journal: Path, expected: dict[int, Decimal], tmp: Path,
                  cpus: Cpus, repeat: int) -> Row:
    port = free_port()
    env = ledgerd_env(database_url, port)
    prepared = prepare_ledgerd(env)
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    start = time.perf_counter()
    try:
        count = load_journal(engine, prepared.business_id, journal, dt.datetime.now(dt.UTC))
    finally:
        engine.dispose()
    print(f"  loaded {count} transactions into ledgerd ({backend}) in {time.perf_counter() - start:.1f} s",
          flush=True)
    server = serve_ledgerd(env, port, tmp / f"ledgerd-{backend}.log", cpus.server)
    try:
        with httpx.Client(base_url=server.url, headers=prepared.headers, timeout=120) as client:
            responses: list[httpx.Response] = []

            def get() -> None:
                responses.append(client.get(PATH, params=PARAMS))

            seconds, samples = median_seconds(get, repeat=repeat, warmup=2)
    finally:
        server.stop()
    bad = [r.status_code for r in responses if r.status_code != 200]
    problems = [f"{len(bad)} responses were not 200 (first: {bad[0]})"] if bad else check(responses[-1].json(),
                                                                                          expected)
    row = Row(f"ledgerd {backend} GET {PATH}", seconds, samples, not problems)
    for problem in problems:
        print(f"  INVALID: {problem}", flush=True)
    print(f"  {row.label:<44} median {seconds * 1000:>9.1f} ms of {len(samples)} "
          f"(min {min(samples) * 1000:.1f}, max {max(samples) * 1000:.1f}); balances "
          f"{'equal hledger' if not problems else 'WRONG'}", flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=100_000, help="size of the books (default 100000)")
    parser.add_argument("--repeat", type=int, default=10, help="timed ledgerd requests (default 10)")
    parser.add_argument("--postgres", metavar="URL",
                        help="also measure ledgerd on PostgreSQL: a scratch database is created on this server "
                             "and dropped afterwards (without CREATEDB rights, this database itself is used)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin hledger and the server to the first CPU")
    args = parser.parse_args()
    if shutil.which("hledger") is None:
        return missing("hledger", "On Debian/Ubuntu: sudo apt-get install hledger")

    cpus = Cpus.split(args.no_pin)
    pin(0, cpus.client)  # this process is the HTTP client; hledger and the server get their own CPU
    print(f"{args.transactions} transactions; {cpus.describe().replace('wrk', 'the HTTP client')}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ledgerd-bench-") as tmp_name:
        tmp = Path(tmp_name)
        journal = tmp / "books.journal"
        with journal.open("w") as out:
            subprocess.run([sys.executable, str(GENERATOR), str(args.transactions)], stdout=out, check=True)
        peer, expected = bench_hledger(journal, cpus)
        rows = [bench_ledgerd("sqlite", f"sqlite:///{tmp / 'ledgerd.sqlite'}", journal, expected, tmp, cpus,
                              args.repeat)]
        if args.postgres:
            database_url, drop = scratch_postgres(args.postgres)
            try:
                rows.append(bench_ledgerd("postgresql", database_url, journal, expected, tmp, cpus, args.repeat))
            finally:
                drop()

    print()
    print(f"{'row':<50} {'median ms':>10} {'ratio':>8}  target >= {TARGET:g}")
    print("-" * 84)
    print(f"{peer.label:<50} {peer.seconds * 1000:>10.1f} {1:>8.2f}  baseline")
    for row in rows:
        ratio = peer.seconds / row.seconds if row.seconds else 0.0
        print(f"{row.label:<50} {row.seconds * 1000:>10.1f} {ratio:>8.1f}  {verdict(ratio >= TARGET, row.valid)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
