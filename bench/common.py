"""What every benchmark shares: processes, CPU pinning, wrk, the `ledgerd` CLI and a prepared ledgerd.

The benchmark scripts import this module as `common` (Python puts the script's own directory, bench/,
first on sys.path). See bench/README.md for the choices made (pinning, one worker, wrk settings).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
# The peers' scripts live in the shared folder beside the repository; they are called there, never copied.
PEERS = BENCH.parents[1] / "shared/bench/peers"
MISSING = 2  # exit status when a prerequisite is missing


def missing(what: str, hint: str) -> int:
    print(f"{what} is not installed. {hint}", file=sys.stderr)
    return MISSING


def is_root() -> bool:
    return os.geteuid() == 0


# ---- processes and CPUs ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pin(pid: int, cpus: set[int] | None) -> None:
    if cpus is not None:
        os.sched_setaffinity(pid, cpus)


@dataclass(frozen=True)
class Cpus:
    """The server (or in-process peer) on the first CPU, the load generator on the others."""

    server: set[int] | None
    client: set[int] | None
    count: int

    @classmethod
    def split(cls, no_pin: bool) -> Cpus:
        cpus = sorted(os.sched_getaffinity(0))
        if no_pin or len(cpus) < 2:
            return cls(None, None, len(cpus))
        return cls({cpus[0]}, set(cpus[1:]), len(cpus))

    def describe(self) -> str:
        if self.server is None:
            return f"{self.count} CPUs, no CPU pinning"
        return f"{self.count} CPUs, server on CPU {min(self.server)}, wrk on {sorted(self.client or [])}"


class Server:
    """A server process, started and probed until `probe` answers 200 (60 s at most)."""

    def __init__(self, argv: list[str], port: int, probe: str, env: dict[str, str], log: Path,
                 cpus: set[int] | None) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._log = log.open("wb")
        self.log = log
        self.process = subprocess.Popen(argv, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        pin(self.process.pid, cpus)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + probe, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux /proc; uvicorn's worker processes are children of `ledgerd serve`)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):  # the task ended meanwhile
                todo += [int(child) for child in task.read_text().split()]
    return found


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """CPU time (user + system) each live process among `pids` has used so far."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        used[pid] = (int(fields[11]) + int(fields[12])) / _TICKS  # utime and stime, fields 14 and 15 of stat
    return used


def median_seconds(fn: Callable[[], object], repeat: int, warmup: int = 0) -> tuple[float, list[float]]:
    """Median wall time of `repeat` calls of `fn` after `warmup` discarded calls, and every sample."""
    return interleaved_medians([(_nothing, fn)], repeat, warmup)[0]


def _nothing() -> None:
    pass


def interleaved_medians(sides: Sequence[tuple[Callable[[], object], Callable[[], object]]], repeat: int,
                        warmup: int = 0) -> list[tuple[float, list[float]]]:
    """`median_seconds` of several sides measured in turns (one call of each, `repeat` times), so drift of the
    machine during the run reaches every side alike. Each side is `(prepare, fn)`: `prepare` runs untimed
    before every call of `fn` (e.g. pinning this process to the CPU the side should use)."""
    samples: list[list[float]] = [[] for _ in sides]
    for turn in range(warmup + repeat):
        for (prepare, fn), taken in zip(sides, samples, strict=True):
            prepare()
            start = time.perf_counter()
            fn()
            if turn >= warmup:
                taken.append(time.perf_counter() - start)
    return [(statistics.median(taken), taken) for taken in samples]


# ---- wrk -------------------------------------------------------------------------------------------

WRK_HINT = "On Debian/Ubuntu: sudo apt-get install wrk (or `make bench` as root)."


def find_wrk() -> str | None:
    return shutil.which("wrk") or ("/usr/bin/wrk" if os.access("/usr/bin/wrk", os.X_OK) else None)


def add_wrk_arguments(parser: argparse.ArgumentParser, *, connections: int, duration: int = 10) -> None:
    parser.add_argument("--duration", type=int, default=duration, help=f"seconds measured per row (default {duration})")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each row (default 2)")
    parser.add_argument("--connections", type=int, default=connections, help=f"wrk connections (default {connections})")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--no-pin", action="store_true",
                        help="do not pin the server to the first CPU and wrk to the others")


@dataclass
class Run:
    label: str
    rps: float
    requests: int
    latency_avg: str
    latency_p99: str
    bad_status: int
    socket_errors: int

    @property
    def valid(self) -> bool:
        return self.requests > 0 and self.bad_status == 0 and self.socket_errors == 0


def wrk(wrk_bin: str, url: str, args: argparse.Namespace, duration: int, headers: dict[str, str],
        cpus: set[int] | None, script: Path | None = None, timeout: int = 5) -> str:
    """wrk's output; a response slower than `timeout` seconds counts as a socket error (timeout)."""
    cmd = [wrk_bin, f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s", "--latency",
           "--timeout", f"{timeout}s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    if script is not None:
        cmd += ["-s", str(script)]
    process = subprocess.Popen([*cmd, url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    pin(process.pid, cpus)
    out, _ = process.communicate(timeout=duration + 60)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {out}")
    return out


def parse(label: str, out: str) -> Run:
    def find(pattern: str, default: str = "0") -> str:
        match = re.search(pattern, out, re.MULTILINE)
        return match.group(1) if match else default

    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Run(label=label, rps=float(find(r"^Requests/sec:\s+([\d.]+)")),
               requests=int(find(r"^\s*(\d+) requests in")),
               latency_avg=find(r"^\s+Latency\s+(\S+)", "?"), latency_p99=find(r"^\s+99%\s+(\S+)", "?"),
               bad_status=int(find(r"Non-2xx or 3xx responses: (\d+)")),
               socket_errors=sum(int(n) for n in socket.groups()) if socket else 0)


def measure(label: str, wrk_bin: str, url: str, args: argparse.Namespace, headers: dict[str, str],
            cpus: set[int] | None) -> Run:
    """A warm-up run (thrown away), then the measured run; prints one line."""
    wrk(wrk_bin, url, args, args.warmup, headers, cpus)
    run = parse(label, wrk(wrk_bin, url, args, args.duration, headers, cpus))
    state = "ok" if run.valid else f"INVALID ({run.bad_status} non-2xx, {run.socket_errors} socket errors)"
    print(f"  {label:<42} {run.rps:>10.0f} req/s  avg {run.latency_avg:>8}  p99 {run.latency_p99:>8}  {state}",
          flush=True)
    return run


# ---- ledgerd ---------------------------------------------------------------------------------------

def ledgerd_env(database_url: str, port: int) -> dict[str, str]:
    return {**os.environ, "LEDGERD_DATABASE_URL": database_url, "LEDGERD_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "LEDGERD_ACCESS_TOKEN_TTL": "3600", "LEDGERD_LOG_LEVEL": "warning", "LEDGERD_RATE_LIMIT": "0"}


def cli(env: dict[str, str], *argv: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "ledgerd", *argv], env=env, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"ledgerd {' '.join(argv[:2])} failed: {done.stderr}")
    if "--json" not in argv:
        return {}
    data: dict[str, Any] = json.loads(done.stdout)
    return data


@dataclass(frozen=True)
class Prepared:
    token: str
    business_id: str
    email: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def prepare_ledgerd(env: dict[str, str]) -> Prepared:
    """Migrate, create a user, a GB business and an app with the CLI, and issue an access token."""
    email = f"bench-{secrets.token_hex(4)}@example.com"
    cli(env, "db", "upgrade")
    cli(env, "users", "create", "--email", email, "--password", "bench-password-1", "--first-name", "Bench",
        "--last-name", "Mark", "--json")
    business = cli(env, "businesses", "create", "--owner", email, "--name", "Bench Ltd", "--country", "GB", "--json")
    app = cli(env, "apps", "create", "--owner", email, "--name", "Bench", "--redirect-uri",
              "http://localhost:8080/callback", "--json")
    token: str = cli(env, "tokens", "issue", "--user", email, "--app", app["client_id"], "--json")["access_token"]
    return Prepared(token, business["id"], email)


def serve_ledgerd(env: dict[str, str], port: int, log: Path, cpus: set[int] | None, workers: int = 1) -> Server:
    """`ledgerd serve` with one worker (as production runs it per core) unless told otherwise."""
    return Server([sys.executable, "-m", "ledgerd", "serve", "--port", str(port), "--workers", str(workers)], port,
                  "/.well-known/oauth-authorization-server", env, log, cpus)


def api_pages(client: httpx.Client, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Every item of a v3.1 list, page by page (200 a page)."""
    page = 1
    while True:
        response = client.get(path, params={**params, "items_per_page": "200", "page": str(page)})
        response.raise_for_status()
        body = response.json()
        yield from body["$items"]
        if not body.get("$next"):
            return
        page += 1


def create_customer(client: httpx.Client, reference: str = "BENCH") -> str:
    """A customer (references are unique within a business)."""
    response = client.post("/v3.1/contacts", json={"contact": {"name": "Bench Customer", "reference": reference,
                                                               "contact_type_ids": ["CUSTOMER"]}})
    if response.status_code != 201:
        raise RuntimeError(f"POST /v3.1/contacts answered {response.status_code}: {response.text}")
    contact_id: str = response.json()["id"]
    return contact_id


LINES = ((1, 15), (2, 25), (3, 35))  # (quantity, unit price) of the benchmark invoice's three line items
INVOICE_TOTAL = sum(Decimal(q * p) * Decimal("1.2") for q, p in LINES)  # 204.00 with 20 % tax


def invoice_body(contact_id: str, account_id: str, on: dt.date) -> dict[str, Any]:
    """A sales invoice of three GB_STANDARD lines (LINES) on ledger account `account_id`, total INVOICE_TOTAL."""
    lines = [{"description": f"Item {k}", "ledger_account_id": account_id, "quantity": quantity,
              "unit_price": price, "tax_rate_id": "GB_STANDARD", "tax_amount": float(Decimal(quantity * price) / 5)}
             for k, (quantity, price) in enumerate(LINES, start=1)]
    return {"sales_invoice": {"contact_id": contact_id, "date": on.isoformat(), "reference": "bench",
                              "invoice_lines": lines}}


def ledger_account_id(client: httpx.Client, nominal_code: int) -> str:
    for item in api_pages(client, "/v3.1/ledger_accounts", {"attributes": "nominal_code"}):
        if item["nominal_code"] == nominal_code:
            found: str = item["id"]
            return found
    raise RuntimeError(f"no ledger account {nominal_code}")


def scratch_postgres(url: str) -> tuple[str, Callable[[], None]]:
    """A new database on the server of `url` (dropped afterwards), or `url` itself without CREATEDB."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")
    name = f"ledgerd_bench_{secrets.token_hex(4)}"
    conninfo = parsed.render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        print(f"  (cannot create a scratch database, using {parsed.database} as it is: {exc})", flush=True)
        return url, lambda: None

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    return parsed.set(database=name).render_as_string(hide_password=False), drop


def verdict(ok: bool, valid: bool = True) -> str:
    return ("PASS" if ok else "FAIL") if valid else "INVALID"
