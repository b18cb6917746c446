"""Posting throughput: ledgerd's POST /v3.1/sales_invoices over HTTP against python-accounting in-process.

    .venv/bin/python bench/bench_posting.py [--duration 10] [--connections 8] [--peer-n 300]

1. peer: python-accounting 2.0 posting the same client invoice (three 20 %-taxed lines: 1 x 15, 2 x 25,
   3 x 35) on a SQLite file, in-process, with the shared peer script, once with pysqlite's defaults and
   once with `--wal` (WAL + synchronous=NORMAL, as ledgerd runs SQLite); the better figure is the baseline.
   It runs in its own virtualenv, bench/.peer-venv, created on first use.
2. ledgerd: `ledgerd serve` (one worker, SQLite file) answering POST /v3.1/sales_invoices with wrk and a
   Lua script. Every response must be 201. Afterwards the API must show exactly as many invoices as
   were answered 201, numbered without gaps, and the debtors balance must be their sum.
3. the pipeline's ceiling: the same server, endpoint, token and connections, with the body
   {"sales_invoice": {}}, which every request pipeline step takes (token, business, operation rules, a
   write transaction, validation) before it is refused with 422. No posting can be faster than this row;
   it is printed as a ratio to the peer too, so the run shows how much of the target the pipeline leaves.

Ratio = ledgerd invoices/s ÷ peer invoices/s, target >= 20. This is a benchmark, not a test: it exits 0
once it has run (2 when wrk, the peer's system packages or its virtualenv are missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from common import (
    BENCH,
    INVOICE_TOTAL,
    PEERS,
    WRK_HINT,
    Cpus,
    add_wrk_arguments,
    api_pages,
    create_customer,
    find_wrk,
    free_port,
    invoice_body,
    is_root,
    ledger_account_id,
    ledgerd_env,
    missing,
    parse,
    pin,
    prepare_ledgerd,
    serve_ledgerd,
    verdict,
    wrk,
)

TARGET = 20.0
PEER = PEERS / "python_accounting_post.py"
PEER_VENV = BENCH / ".peer-venv"
PEER_PYTHON = PEER_VENV / "bin/python"
APT_PACKAGES = ("default-libmysqlclient-dev", "pkg-config")
# Seconds wrk may run past the window while the last answers arrive (its threads stop as soon as they have
# them all); and how slow an answer may be before wrk calls it a timeout (it is still counted).
DRAIN = 10
TIMEOUT = 30

# The window starts at the first response; after it, delay() holds every connection and the thread stops
# once every request it sent has been answered, so every invoice the server commits is counted.
LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

wrk.method = "POST"
wrk.body = [==[BODY]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer TOKEN"

local threads = {}
function setup(thread) table.insert(threads, thread) end

created, other, first, last = 0, 0, 0, 0
local deadline, held = nil, 0

-- Called before each request a connection sends: after the window, hold it; when all of this thread's
-- connections are held, nothing is in flight and the thread stops.
function delay()
  if deadline == nil or now() < deadline then return 0 end
  held = held + 1
  if held >= CONNECTIONS then wrk.thread:stop() end
  return 3600000
end

function response(status, headers, body)
  last = now()
  if deadline == nil then first = last; deadline = last + WINDOW end
  if status == EXPECTED then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o, t0, t1 = 0, 0, nil, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    o = o + thread:get("other")
    local f, l = thread:get("first"), thread:get("last")
    if f > 0 and (t0 == nil or f < t0) then t0 = f end
    if l > t1 then t1 = l end
  end
  io.write(string.format("BENCH created=%d other=%d seconds=%.6f\n", c, o, t1 - (t0 or t1)))
end
"""


@dataclass
class Rate:
    label: str
    count: int
    seconds: float
    valid: bool = True

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


# ---- the peer --------------------------------------------------------------------------------------

def missing_apt() -> list[str]:
    def installed(name: str) -> bool:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True)
        return done.returncode == 0 and done.stdout.endswith("installed")

    return [name for name in APT_PACKAGES if not installed(name)]


def ensure_peer() -> str | None:
    """Create bench/.peer-venv with python-accounting when missing; an install hint when that is impossible."""
    check = [str(PEER_PYTHON), "-c", "import python_accounting"]
    if PEER_PYTHON.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return None
    if not PEER.exists():
        return f"the peer script {PEER} is missing (it lives in shared/bench/peers beside the repository)."
    if absent := missing_apt():
        if not is_root() or not shutil.which("apt-get"):
            return f"python-accounting builds mysqlclient: sudo apt-get install {' '.join(absent)}"
        print(f"installing {' '.join(absent)} with apt-get", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *absent], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    print(f"creating {PEER_VENV.relative_to(BENCH.parent)} with python-accounting", flush=True)
    steps = [["python3", "-m", "venv", str(PEER_VENV)],
             [str(PEER_PYTHON), "-m", "pip", "install", "--quiet", "python-accounting"]]
    for step in steps:
        if subprocess.run(step).returncode != 0:
            return f"`{' '.join(step)}` failed; create the venv by hand: python3 -m venv bench/.peer-venv && " \
                   "bench/.peer-venv/bin/pip install python-accounting"
    return None


def run_peer(n: int, wal: bool, tmp: Path, cpus: Cpus) -> Rate:
    label = "python-accounting, SQLite " + ("WAL + synchronous=NORMAL" if wal else "defaults")
    argv = [str(PEER_PYTHON), str(PEER), "--n", str(n), "--db", str(tmp / f"peer-{'wal' if wal else 'default'}.sqlite")]
    process = subprocess.Popen([*argv, *(["--wal"] if wal else [])], cwd=tmp, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    pin(process.pid, cpus.server)
    out, _ = process.communicate(timeout=1800)
    match = re.search(r"python-accounting: (\d+) invoices posted in ([\d.]+) s", out)
    if process.returncode != 0 or match is None:
        print(out[-2000:], file=sys.stderr)
        return Rate(label, 0, 0.0, valid=False)
    rate = Rate(label, int(match.group(1)), float(match.group(2)))
    print(f"  {label:<50} {rate.per_second:>9.1f} invoices/s  ({rate.count} in {rate.seconds:.2f} s)", flush=True)
    return rate


# ---- ledgerd ---------------------------------------------------------------------------------------

@dataclass
class Posted:
    label: str
    created: int  # responses with the expected status
    seconds: float  # from the first response to the last
    valid: bool

    @property
    def rate(self) -> Rate:
        # The first response opens the window: created - 1 intervals follow it.
        return Rate(self.label, max(self.created - 1, 0), self.seconds, self.valid)


def post_run(label: str, wrk_bin: str, url: str, args: argparse.Namespace, window: int, script: Path,
             cpus: Cpus, expected: int = 201) -> Posted:
    out = wrk(wrk_bin, url, args, window + DRAIN, {}, cpus.client, script=script, timeout=TIMEOUT)
    run = parse(label, out)
    found = re.search(r"^BENCH created=(\d+) other=(\d+) seconds=([\d.]+)", out, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"the wrk script printed no summary: {out}")
    other = int(found.group(2))
    # The script sorts every answer by status (`other` counts the unexpected ones); wrk's own check would call
    # the ceiling's 422s bad.
    posted = Posted(label, int(found.group(1)), float(found.group(3)), other == 0 and run.socket_errors == 0)
    state = "ok" if posted.valid else f"INVALID ({other} not {expected}, {run.socket_errors} socket errors)"
    print(f"  {label:<50} {posted.rate.per_second:>9.1f} requests/s  ({posted.created} answered {expected}, "
          f"avg {run.latency_avg}, p99 {run.latency_p99})  {state}", flush=True)
    return posted


def verify(client: httpx.Client, expected: int, on: dt.date) -> list[str]:
    """Problems with the books after the run (none: every 201 is one invoice, numbered without gaps)."""
    problems = []
    total = client.get("/v3.1/sales_invoices", params={"items_per_page": "1"}).json()["$total"]
    if total != expected:
        problems.append(f"$total of /sales_invoices is {total}, but {expected} POSTs were answered 201")
    numbers = sorted(int(item["invoice_number"].removeprefix("SI-"))
                     for item in api_pages(client, "/v3.1/sales_invoices", {"attributes": "invoice_number"}))
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"invoice numbers are not 1..{len(numbers)} without gaps or repeats")
    lines = list(api_pages(client, "/v3.1/trial_balance", {"from_date": on.isoformat(), "to_date": on.isoformat()}))
    debits = sum(Decimal(str(line["debit"])) for line in lines)
    credits = sum(Decimal(str(line["credit"])) for line in lines)
    debtors = sum(Decimal(str(line["balance"])) for line in lines if line["nominal_code"] == 1100)
    if debits != credits:
        problems.append(f"trial balance does not balance: {debits} != {credits}")
    if debtors != INVOICE_TOTAL * expected:
        problems.append(f"debtors balance {debtors} != {expected} x {INVOICE_TOTAL}")
    return problems


def write_script(path: Path, window: int, connections: int, body: dict[str, Any], token: str,
                 expected: int = 201) -> Path:
    """The Lua script; `connections` per wrk thread, counting the answers with status `expected`."""
    script = path.with_name(f"{path.stem}-{window}.lua")
    script.write_text(LUA.replace("WINDOW", str(window)).replace("CONNECTIONS", str(connections))
                      .replace("EXPECTED", str(expected)).replace("BODY", json.dumps(body)).replace("TOKEN", token))
    return script


REFUSED: dict[str, Any] = {"sales_invoice": {}}  # passes every pipeline step, then validation answers 422


def bench_ledgerd(wrk_bin: str, args: argparse.Namespace, tmp: Path, cpus: Cpus) -> tuple[Rate, Rate]:
    """Invoices posted per second, and the ceiling: requests refused at validation per second."""
    port = free_port()
    env = ledgerd_env(f"sqlite:///{tmp / 'ledgerd.sqlite'}", port)
    prepared = prepare_ledgerd(env)
    server = serve_ledgerd(env, port, tmp / "ledgerd.log", cpus.server)
    try:
        with httpx.Client(base_url=server.url, headers=prepared.headers, timeout=60) as client:
            today = dt.date.today()
            body = invoice_body(create_customer(client), ledger_account_id(client, 4000), today)
            check = client.post("/v3.1/sales_invoices", json=body)
            if check.status_code != 201:
                raise RuntimeError(f"POST /v3.1/sales_invoices answered {check.status_code}: {check.text}")
            url = server.url + "/v3.1/sales_invoices"
            scripts = [write_script(tmp / "post.lua", window, args.connections // args.threads, body, prepared.token)
                       for window in (args.warmup, args.duration)]
            warm = post_run("ledgerd warm-up (discarded)", wrk_bin, url, args, args.warmup, scripts[0], cpus)
            posted = post_run("ledgerd POST /v3.1/sales_invoices", wrk_bin, url, args, args.duration, scripts[1],
                              cpus)
            problems = verify(client, 1 + warm.created + posted.created, today)
            refused = write_script(tmp / "refused.lua", args.duration, args.connections // args.threads, REFUSED,
                                   prepared.token, expected=422)
            ceiling = post_run("ledgerd POST refused at validation (422)", wrk_bin, url, args, args.duration,
                               refused, cpus, expected=422)
    finally:
        server.stop()
    for problem in problems:
        print(f"  INVALID: {problem}", flush=True)
    print(f"  books after the run: {'ok' if not problems else 'WRONG'} (every 201 is one invoice, numbered "
          "without gaps; trial balance balances; debtors = invoices x 204.00)", flush=True)
    rate = posted.rate
    rate.valid = rate.valid and warm.valid and not problems
    return rate, ceiling.rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_wrk_arguments(parser, connections=8)
    parser.add_argument("--peer-n", type=int, default=300, help="invoices the peer posts per variant (default 300)")
    args = parser.parse_args()
    wrk_bin = find_wrk()
    if wrk_bin is None:
        return missing("wrk", WRK_HINT)
    if hint := ensure_peer():
        return missing("python-accounting (bench/.peer-venv)", hint)

    cpus = Cpus.split(args.no_pin)
    print(f"peer: --n {args.peer_n}; ledgerd: wrk -t{args.threads} -c{args.connections}, {args.duration}s window "
          f"(warm-up {args.warmup}s); {cpus.describe()} (the peer runs on the server's CPU)", flush=True)
    with tempfile.TemporaryDirectory(prefix="ledgerd-bench-") as tmp_name:
        tmp = Path(tmp_name)
        peers = [run_peer(args.peer_n, wal, tmp, cpus) for wal in (False, True)]
        ledgerd, ceiling = bench_ledgerd(wrk_bin, args, tmp, cpus)

    best = max(peers, key=lambda rate: rate.per_second)
    print()
    print(f"{'row':<54} {'per second':>10} {'ratio':>8}  target >= {TARGET:g}")
    print("-" * 90)
    for peer in peers:
        share = peer.per_second / best.per_second if best.per_second else 0.0
        print(f"{peer.label:<54} {peer.per_second:>10.1f} {share:>8.2f}" + ("  baseline" if peer is best else ""))
    ratio = ledgerd.per_second / best.per_second if best.per_second else 0.0
    state = verdict(ratio >= TARGET, ledgerd.valid and best.valid)
    print(f"{'ledgerd POST /v3.1/sales_invoices (1 worker)':<54} {ledgerd.per_second:>10.1f} {ratio:>8.2f}  {state}")
    ceiling_ratio = ceiling.per_second / best.per_second if best.per_second else 0.0
    print(f"{'ceiling: the same POST refused at validation (422)':<54} {ceiling.per_second:>10.1f} "
          f"{ceiling_ratio:>8.2f}  {'(no document: what the pipeline alone allows)' if ceiling.valid else 'INVALID'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
