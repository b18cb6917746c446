"""Does one heavy reader stall everyone else? Light calls' p99 latency while a heavy page is pulled in a loop.

    .venv/bin/python bench/bench_stall.py [--journals 40] [--lines 1000] [--duration 10] [--connections 16]
                                          [--rate-limit] [--postgres URL]

1. ledgerd (`ledgerd serve`, one worker, SQLite file; with --postgres also a scratch PostgreSQL database):
   a GB business with --journals journals of --lines lines each, created over the API.
2. idle: wrk with --connections connections calls GET /v3.1/user for --duration seconds; its p99 is the
   baseline, measured before and after the loaded run: the lower of the two is used (a shared machine's
   other load only ever adds to a p99), and the drift between them shows how much that load moved it.
3. loaded: the same wrk run while one client (a thread of this process, on the client CPU) pulls
   GET /v3.1/journals?attributes=all&nested_attributes=all&items_per_page=200 in a loop, one request after
   the other.

Ratio = loaded p99 / idle p99 of GET /v3.1/user, target <= 10. `--rate-limit` serves with a rate limit
(LEDGERD_RATE_LIMIT set high enough never to refuse), so every call also counts itself. This is a
benchmark, not a test: it exits 0 once it has run (2 when wrk is missing).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from common import (
    WRK_HINT,
    Cpus,
    Prepared,
    Run,
    add_wrk_arguments,
    find_wrk,
    free_port,
    ledger_account_id,
    ledgerd_env,
    missing,
    parse,
    pin,
    prepare_ledgerd,
    scratch_postgres,
    serve_ledgerd,
    verdict,
    wrk,
)

TARGET = 10.0
LIGHT = "/v3.1/user"
HEAVY = "/v3.1/journals?attributes=all&nested_attributes=all&items_per_page=200"
# Journal lines alternate over these GB accounts, so nested_attributes expands several ledger accounts.
NOMINAL_CODES = (4000, 5000, 7100, 7500)


def milliseconds(text: str) -> float:
    """wrk's latency figure (`850.00us`, `12.34ms`, `1.20s`) in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"not a wrk latency: {text!r}")
    return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[match.group(2)]


def create_journals(client: httpx.Client, journals: int, lines: int) -> None:
    accounts = [ledger_account_id(client, code) for code in NOMINAL_CODES]
    for number in range(journals):
        journal_lines = [{"ledger_account_id": accounts[i % len(accounts)], "details": f"line {i}",
                          "debit": "10.00" if i % 2 == 0 else "0", "credit": "0" if i % 2 == 0 else "10.00"}
                         for i in range(lines)]
        response = client.post("/v3.1/journals", json={"journal": {
            "date": "2024-03-01", "reference": f"STALL-{number}", "journal_lines": journal_lines}})
        if response.status_code != 201:
            raise RuntimeError(f"POST /v3.1/journals answered {response.status_code}: {response.text[:500]}")


class HeavyLoop:
    """One client pulling the heavy page in a loop, on its own thread, until stopped."""

    def __init__(self, url: str, headers: dict[str, str], cpus: set[int] | None) -> None:
        self.url, self.headers, self.cpus = url, headers, cpus
        self.seconds: list[float] = []
        self.sizes: list[int] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pin(threading.get_native_id(), self.cpus)
        with httpx.Client(headers=self.headers, timeout=300) as client:
            while not self._stop.is_set():
                start = time.perf_counter()
                response = client.get(self.url)
                self.seconds.append(time.perf_counter() - start)
                self.sizes.append(len(response.content))
                if response.status_code != 200:
                    self.failures.append(f"{response.status_code}: {response.text[:200]}")

    def __enter__(self) -> HeavyLoop:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def light_run(label: str, wrk_bin: str, url: str, args: argparse.Namespace, headers: dict[str, str],
              cpus: set[int] | None) -> Run:
    wrk(wrk_bin, url, args, args.warmup, headers, cpus, timeout=30)
    run = parse(label, wrk(wrk_bin, url, args, args.duration, headers, cpus, timeout=30))
    state = "ok" if run.valid else f"INVALID ({run.bad_status} non-2xx, {run.socket_errors} socket errors)"
    print(f"  {label:<46} {run.rps:>8.0f} req/s  avg {run.latency_avg:>8}  p99 {run.latency_p99:>8}  {state}",
          flush=True)
    return run


@dataclass
class Result:
    backend: str
    idle: tuple[Run, Run]  # before and after the loaded run
    loaded: Run
    heavy: HeavyLoop

    @property
    def idle_p99(self) -> float:
        return min(milliseconds(run.latency_p99) for run in self.idle)

    @property
    def drift(self) -> float:
        before, after = (milliseconds(run.latency_p99) for run in self.idle)
        return abs(before - after) / self.idle_p99

    @property
    def valid(self) -> bool:
        return all(run.valid for run in (*self.idle, self.loaded)) and not self.heavy.failures \
            and len(self.heavy.seconds) > 0


def bench(backend: str, database_url: str, wrk_bin: str, args: argparse.Namespace, tmp: Path,
          cpus: Cpus) -> Result:
    port = free_port()
    env = ledgerd_env(database_url, port)
    if args.rate_limit:
        env["LEDGERD_RATE_LIMIT"] = str(10**9)
    prepared: Prepared = prepare_ledgerd(env)
    server = serve_ledgerd(env, port, tmp / f"ledgerd-{backend}.log", cpus.server)
    try:
        with httpx.Client(base_url=server.url, headers=prepared.headers, timeout=300) as client:
            start = time.perf_counter()
            create_journals(client, args.journals, args.lines)
            print(f"  {backend}: created {args.journals} journals of {args.lines} lines in "
                  f"{time.perf_counter() - start:.1f} s", flush=True)
        before = light_run(f"{backend} GET {LIGHT}, idle (before)", wrk_bin, server.url + LIGHT, args,
                           prepared.headers, cpus.client)
        with HeavyLoop(server.url + HEAVY, prepared.headers, cpus.client) as heavy:
            loaded = light_run(f"{backend} GET {LIGHT}, heavy page in a loop", wrk_bin, server.url + LIGHT, args,
                               prepared.headers, cpus.client)
        after = light_run(f"{backend} GET {LIGHT}, idle (after)", wrk_bin, server.url + LIGHT, args,
                          prepared.headers, cpus.client)
    finally:
        server.stop()
    if heavy.seconds:
        print(f"  {backend} heavy page: {len(heavy.seconds)} requests, median "
              f"{sorted(heavy.seconds)[len(heavy.seconds) // 2] * 1000:.0f} ms, {heavy.sizes[-1] / 1e6:.1f} MB",
              flush=True)
    return Result(backend, (before, after), loaded, heavy)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_wrk_arguments(parser, connections=16)
    # 40 x 1,000 lines (the most a document may have, limits.MAX_LINES) make the same 40,000-line page as the
    # 20 x 2,000 of the runs before the limit.
    parser.add_argument("--journals", type=int, default=40, help="journals created (default 40)")
    parser.add_argument("--lines", type=int, default=1000, help="lines per journal (default 1000)")
    parser.add_argument("--rate-limit", action="store_true", help="serve with a (never reached) rate limit")
    parser.add_argument("--postgres", metavar="URL", help="also measure ledgerd on a scratch PostgreSQL database")
    args = parser.parse_args()
    wrk_bin = find_wrk()
    if wrk_bin is None:
        return missing("wrk", WRK_HINT)
    cpus = Cpus.split(args.no_pin)
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s (warm-up {args.warmup:g}s), "
          f"heavy client on the client CPU; {cpus.describe()}; rate limit {'on' if args.rate_limit else 'off'}",
          flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="ledgerd-bench-") as tmp_name:
        tmp = Path(tmp_name)
        results.append(bench("sqlite", f"sqlite:///{tmp / 'ledgerd.sqlite'}", wrk_bin, args, tmp, cpus))
        if args.postgres:
            database_url, drop = scratch_postgres(args.postgres)
            cleanup: Callable[[], None] = drop
            try:
                results.append(bench("postgresql", database_url, wrk_bin, args, tmp, cpus))
            finally:
                cleanup()
    print()
    print(f"{'backend':<12} {'idle p99 ms':>12} {'drift':>6} {'loaded p99 ms':>14} {'ratio':>7}  target <= {TARGET:g}")
    print("-" * 72)
    for result in results:
        loaded = milliseconds(result.loaded.latency_p99)
        ratio = loaded / result.idle_p99
        print(f"{result.backend:<12} {result.idle_p99:>12.2f} {result.drift:>6.0%} {loaded:>14.2f} {ratio:>7.2f}  "
              f"{verdict(ratio <= TARGET, result.valid)}")
        for failure in result.heavy.failures[:1]:
            print(f"  INVALID: the heavy page answered {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
