"""Throughput of authenticated API reads against a bare Starlette app, measured with wrk.

    .venv/bin/python bench/bench_auth.py [--duration 10] [--connections 32] [--threads 1]
                                         [--postgres postgresql://user@host/db]

Servers run one at a time, one uvicorn worker each, with the uvicorn options of `ledgerd serve`:

1. baseline: a Starlette app with one endpoint returning JSONResponse({"hello": "world"});
2. ledgerd on a SQLite file in a temp dir (and on PostgreSQL with --postgres), reading
   GET /v3.1/user and GET /v3.1/businesses/lead with a bearer token from `ledgerd tokens issue`;
3. the baseline again: the baseline figure is the mean of its two runs.

Every measurement is preceded by a warm-up run with the same settings. Any non-2xx/3xx response or
socket error makes that row INVALID. This is a benchmark, not a test: it always exits 0 once it
has run (2 when wrk is missing). See bench/README.md for the choices made.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

TARGET = 0.30
HERE = Path(__file__).resolve()


# ---- the baseline server ---------------------------------------------------------------------------

def serve_baseline(port: int) -> None:
    """Run the bare app exactly as `ledgerd.cli._serve` runs ledgerd (one worker, no access log)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def hello(request: Request) -> JSONResponse:
        return JSONResponse({"hello": "world"})

    app = Starlette(routes=[Route("/hello", hello, methods=["GET"])])
    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False,
                proxy_headers=True, server_header=False)


# ---- processes -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pin(pid: int, cpus: set[int] | None) -> None:
    if cpus is not None:
        os.sched_setaffinity(pid, cpus)


class Server:
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


# ---- wrk -------------------------------------------------------------------------------------------

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
        cpus: set[int] | None) -> str:
    cmd = [wrk_bin, f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
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


def prepare_ledgerd(env: dict[str, str]) -> str:
    """Migrate, create a user, business and app with the CLI, and return an access token."""
    email = f"bench-{secrets.token_hex(4)}@example.com"
    cli(env, "db", "upgrade")
    cli(env, "users", "create", "--email", email, "--password", "bench-password-1", "--first-name", "Bench",
        "--last-name", "Mark", "--json")
    cli(env, "businesses", "create", "--owner", email, "--name", "Bench Ltd", "--country", "GB", "--json")
    app = cli(env, "apps", "create", "--owner", email, "--name", "Bench", "--redirect-uri",
              "http://localhost:8080/callback", "--json")
    token: str = cli(env, "tokens", "issue", "--user", email, "--app", app["client_id"], "--json")["access_token"]
    return token


def bench_ledgerd(backend: str, database_url: str, wrk_bin: str, args: argparse.Namespace, tmp: Path,
                  server_cpus: set[int] | None, client_cpus: set[int] | None) -> list[Run]:
    port = free_port()
    env = ledgerd_env(database_url, port)
    headers = {"Authorization": f"Bearer {prepare_ledgerd(env)}"}
    server = Server([sys.executable, "-m", "ledgerd", "serve", "--port", str(port), "--workers", "1"], port,
                    "/.well-known/oauth-authorization-server", env, tmp / f"ledgerd-{backend}.log", server_cpus)
    runs = []
    try:
        for path in ("/v3.1/user", "/v3.1/businesses/lead"):
            check = httpx.get(server.url + path, headers=headers)
            if check.status_code != 200:
                raise RuntimeError(f"GET {path} answered {check.status_code}: {check.text}")
            runs.append(measure(f"ledgerd {backend} GET {path}", wrk_bin, server.url + path, args, headers,
                                client_cpus))
    finally:
        server.stop()
    return runs


def bench_baseline(label: str, wrk_bin: str, args: argparse.Namespace, tmp: Path,
                   server_cpus: set[int] | None, client_cpus: set[int] | None) -> Run:
    port = free_port()
    server = Server([sys.executable, str(HERE), "--serve-baseline", str(port)], port, "/hello", dict(os.environ),
                    tmp / "baseline.log", server_cpus)
    try:
        return measure(label, wrk_bin, server.url + "/hello", args, {}, client_cpus)
    finally:
        server.stop()


def scratch_postgres(url: str) -> tuple[str, Any]:
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


# ---- main ------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per row (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each row (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--postgres", metavar="URL",
                        help="also measure ledgerd on PostgreSQL: a scratch database is created on this server "
                             "and dropped afterwards (without CREATEDB rights, this database itself is used)")
    parser.add_argument("--no-pin", action="store_true",
                        help="do not pin the server to the first CPU and wrk to the others")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        serve_baseline(args.serve_baseline)
        return 0

    wrk_bin = shutil.which("wrk") or ("/usr/bin/wrk" if os.access("/usr/bin/wrk", os.X_OK) else None)
    if wrk_bin is None:
        print("wrk is not installed. On Debian/Ubuntu: sudo apt-get install wrk (or `make bench` as root).",
              file=sys.stderr)
        return 2
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads")

    cpus = sorted(os.sched_getaffinity(0))
    server_cpus = client_cpus = None
    if not args.no_pin and len(cpus) >= 2:
        server_cpus, client_cpus = {cpus[0]}, set(cpus[1:])
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s (warm-up {args.warmup:g}s), "
          f"{len(cpus)} CPUs, " + (f"server on CPU {cpus[0]}, wrk on {sorted(client_cpus or [])}"
                                   if server_cpus else "no CPU pinning"), flush=True)

    with tempfile.TemporaryDirectory(prefix="ledgerd-bench-") as tmp_name:
        tmp = Path(tmp_name)
        before = bench_baseline("baseline (before)", wrk_bin, args, tmp, server_cpus, client_cpus)
        runs = bench_ledgerd("sqlite", f"sqlite:///{tmp / 'ledgerd.sqlite'}", wrk_bin, args, tmp,
                             server_cpus, client_cpus)
        if args.postgres:
            database_url, drop = scratch_postgres(args.postgres)
            try:
                runs += bench_ledgerd("postgresql", database_url, wrk_bin, args, tmp, server_cpus, client_cpus)
            finally:
                drop()
        after = bench_baseline("baseline (after)", wrk_bin, args, tmp, server_cpus, client_cpus)

    baseline = (before.rps + after.rps) / 2
    drift = abs(before.rps - after.rps) / baseline if baseline else 0.0
    print()
    print(f"{'endpoint':<46} {'req/s':>10} {'vs baseline':>12}  target >= {TARGET:.2f}")
    print("-" * 88)
    print(f"{'baseline (mean of before/after)':<46} {baseline:>10.0f} {1:>12.2f}  drift {drift:.0%}")
    for run in runs:
        ratio = run.rps / baseline if baseline else 0.0
        verdict = ("PASS" if ratio >= TARGET else "FAIL") if run.valid and before.valid and after.valid else "INVALID"
        print(f"{run.label:<46} {run.rps:>10.0f} {ratio:>12.2f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
