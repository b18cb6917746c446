"""Throughput of authenticated API reads against a bare Starlette app, measured with wrk.

    .venv/bin/python bench/bench_auth.py [--duration 10] [--connections 32] [--threads 1]
                                         [--postgres postgresql://user@host/db]

Servers run one at a time, one uvicorn worker each, with the uvicorn options of `ledgerd serve`:

1. baseline: a Starlette app with one endpoint returning JSONResponse({"hello": "world"});
2. ledgerd on a SQLite file in a temp dir (and on PostgreSQL with --postgres), reading
   GET /v3.1/user and GET /v3.1/businesses/lead with a bearer token from `ledgerd tokens issue`, as
   `ledgerd serve` runs by default (request journal and access log on); then GET /v3.1/user again with
   both off (LEDGERD_JOURNAL=off, LEDGERD_ACCESS_LOG=off): what recording every request costs;
3. the baseline again: the baseline figure is the mean of its two runs.

Every measurement is preceded by a warm-up run with the same settings. Any non-2xx/3xx response or
socket error makes that row INVALID. This is a benchmark, not a test: it always exits 0 once it
has run (2 when wrk is missing). See bench/README.md for the choices made.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import httpx
from common import (
    WRK_HINT,
    Cpus,
    Run,
    Server,
    add_wrk_arguments,
    find_wrk,
    free_port,
    ledgerd_env,
    measure,
    missing,
    prepare_ledgerd,
    scratch_postgres,
    serve_ledgerd,
    verdict,
)

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


# ---- the rows --------------------------------------------------------------------------------------

UNRECORDED = {"LEDGERD_JOURNAL": "off", "LEDGERD_ACCESS_LOG": "off"}


def bench_ledgerd(backend: str, database_url: str, wrk_bin: str, args: argparse.Namespace, tmp: Path,
                  cpus: Cpus) -> list[Run]:
    port = free_port()
    env = ledgerd_env(database_url, port)
    headers = prepare_ledgerd(env).headers
    runs = []
    for extra, paths, note in (({}, ("/v3.1/user", "/v3.1/businesses/lead"), ""),
                               (UNRECORDED, ("/v3.1/user",), ", no journal")):
        server = serve_ledgerd({**env, **extra}, port, tmp / f"ledgerd-{backend}.log", cpus.server)
        try:
            for path in paths:
                check = httpx.get(server.url + path, headers=headers)
                if check.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {check.status_code}: {check.text}")
                runs.append(measure(f"ledgerd {backend} GET {path}{note}", wrk_bin, server.url + path, args,
                                    headers, cpus.client))
        finally:
            server.stop()
    return runs


def bench_baseline(label: str, wrk_bin: str, args: argparse.Namespace, tmp: Path, cpus: Cpus) -> Run:
    port = free_port()
    server = Server([sys.executable, str(HERE), "--serve-baseline", str(port)], port, "/hello", dict(os.environ),
                    tmp / "baseline.log", cpus.server)
    try:
        return measure(label, wrk_bin, server.url + "/hello", args, {}, cpus.client)
    finally:
        server.stop()


# ---- main ------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_wrk_arguments(parser, connections=32)
    parser.add_argument("--postgres", metavar="URL",
                        help="also measure ledgerd on PostgreSQL: a scratch database is created on this server "
                             "and dropped afterwards (without CREATEDB rights, this database itself is used)")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        serve_baseline(args.serve_baseline)
        return 0

    wrk_bin = find_wrk()
    if wrk_bin is None:
        return missing("wrk", WRK_HINT)
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads")

    cpus = Cpus.split(args.no_pin)
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s (warm-up {args.warmup:g}s), "
          f"{cpus.describe()}", flush=True)

    with tempfile.TemporaryDirectory(prefix="ledgerd-bench-") as tmp_name:
        tmp = Path(tmp_name)
        before = bench_baseline("baseline (before)", wrk_bin, args, tmp, cpus)
        runs = bench_ledgerd("sqlite", f"sqlite:///{tmp / 'ledgerd.sqlite'}", wrk_bin, args, tmp, cpus)
        if args.postgres:
            database_url, drop = scratch_postgres(args.postgres)
            try:
                runs += bench_ledgerd("postgresql", database_url, wrk_bin, args, tmp, cpus)
            finally:
                drop()
        after = bench_baseline("baseline (after)", wrk_bin, args, tmp, cpus)

    baseline = (before.rps + after.rps) / 2
    drift = abs(before.rps - after.rps) / baseline if baseline else 0.0
    print()
    print(f"{'endpoint':<46} {'req/s':>10} {'vs baseline':>12}  target >= {TARGET:.2f}")
    print("-" * 88)
    print(f"{'baseline (mean of before/after)':<46} {baseline:>10.0f} {1:>12.2f}  drift {drift:.0%}")
    for run in runs:
        ratio = run.rps / baseline if baseline else 0.0
        state = verdict(ratio >= TARGET, run.valid and before.valid and after.valid)
        print(f"{run.label:<46} {run.rps:>10.0f} {ratio:>12.2f}  {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
