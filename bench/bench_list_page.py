"""A deep page of 100,000 sales invoices: ledgerd's list endpoint against raw sqlite3 + orjson.

    .venv/bin/python bench/bench_list_page.py [--invoices 100000] [--page 250] [--repeat 30]

1. ledgerd: a GB business on a SQLite file, a customer created over the API, 100,000 invoices with three
   lines each bulk-loaded (bench/loaders.py); `ledgerd serve` with one worker answers
   GET /v3.1/sales_invoices?attributes=all&items_per_page=200&page=250 over HTTP. Every answer must be
   200 with 200 invoices, the same ones as the baseline's, in order.
2. baseline, in this process on the server's CPU (the server idle meanwhile): the same 200 artefact rows
   (ORDER BY created_at, id with LIMIT/OFFSET) and their lines in one more query with the sqlite3
   module, as dicts with the lines nested, serialised with orjson.
   The two take turns, one ledgerd request then one baseline page, 2 warm-ups and then 30 each (--repeat):
   the medians compared were measured over the same minutes.
3. an in-process profile of ledgerd's request (ASGI app called directly, the hop to a request thread removed):
   where the time goes (auth and routing, the page query, presenting, JSON).

Ratio = ledgerd seconds / baseline seconds, target <= 3. This is a benchmark, not a test: it exits 0
once it has run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import httpx
import orjson
from common import (
    Cpus,
    create_customer,
    free_port,
    interleaved_medians,
    ledgerd_env,
    pin,
    prepare_ledgerd,
    serve_ledgerd,
    verdict,
)

TARGET = 3.0
HERE = Path(__file__).resolve()
PATH = "/v3.1/sales_invoices"
PER_PAGE = 200


def params(page: int) -> dict[str, str]:
    return {"attributes": "all", "items_per_page": str(PER_PAGE), "page": str(page)}


# ---- the baseline ----------------------------------------------------------------------------------

def baseline_page(conn: sqlite3.Connection, business_id: str, offset: int) -> tuple[bytes, list[str]]:
    """One page the shortest way: two queries, dicts, orjson. The JSON and the invoice ids in order."""
    cursor = conn.execute("SELECT * FROM artefacts WHERE business_id = ? AND kind = 'SALES_INVOICE' "
                          "ORDER BY created_at, id LIMIT ? OFFSET ?", (business_id, PER_PAGE, offset))
    columns = [d[0] for d in cursor.description]
    docs = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    ids = [doc["id"] for doc in docs]
    lines = conn.execute(f"SELECT * FROM artefact_lines WHERE artefact_id IN ({','.join('?' * len(ids))}) "
                         "ORDER BY artefact_id, position", ids)
    line_columns = [d[0] for d in lines.description]
    nested: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in lines.fetchall():
        line = dict(zip(line_columns, row, strict=True))
        nested[line["artefact_id"]].append(line)
    for doc in docs:
        doc["invoice_lines"] = nested[doc["id"]]
    return orjson.dumps({"$items": docs}), ids


# ---- the in-process profile ------------------------------------------------------------------------

def profile(token: str, page: int, repeat: int) -> None:
    """Time the phases of the list request in-process (run in a subprocess: it patches ledgerd)."""
    import asyncio
    import logging

    from sqlalchemy import event

    from ledgerd.api import resource
    from ledgerd.http import wire

    assert "ledgerd.api.resources.artefacts" not in sys.modules, "the list routes must be built after the patch"
    spent: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    phase = ["auth/routing"]

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            outer, phase[0] = phase[0], name
            start = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - start
                phase[0] = outer

        return wrapper

    make_list_handler = resource.list_handler
    setattr(resource, "list_handler", lambda spec: timed("handler", make_list_handler(spec)))  # noqa: B010
    setattr(resource.Resource, "show", timed("present", resource.Resource.show))  # noqa: B010
    setattr(wire.JsonResponse, "render", timed("json", wire.JsonResponse.render))  # noqa: B010

    class Inline(Executor):
        """Runs the handler where it is submitted: the profile leaves out the hop to a request thread."""

        def submit(self, fn: Callable[..., Any], /, *a: Any, **kw: Any) -> Future[Any]:
            future: Future[Any] = Future()
            try:
                future.set_result(fn(*a, **kw))
            except BaseException as exc:
                future.set_exception(exc)
            return future

    from ledgerd.app import app_from_env

    app = app_from_env()
    app.state.runtime.threads = Inline()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # app_from_env logs at INFO
    engine = app.state.runtime.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, *_: Any) -> None:
        conn.info["bench_start"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, *_: Any) -> None:
        spent[f"sql in {phase[0]}"] += time.perf_counter() - conn.info.pop("bench_start")
        counts[f"sql in {phase[0]}"] += 1

    async def run() -> float:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
            for _ in range(2):
                (await client.get(PATH, params=params(page))).raise_for_status()
            spent.clear()
            counts.clear()
            start = time.perf_counter()
            for _ in range(repeat):
                (await client.get(PATH, params=params(page))).raise_for_status()
            return time.perf_counter() - start

    total = asyncio.run(run())
    handler, present, json = spent["handler"], spent["present"], spent["json"]
    rows = [("whole request (no sockets)", total, None),
            ("  auth, business, routing, response", total - handler - json, "sql in auth/routing"),
            ("  handler: count + page query + lines", handler - present, "sql in handler"),
            ("  handler: present (wire dicts, links)", present, "sql in present"),
            ("  JSON rendering (orjson + Decimal default)", json, None)]
    print(f"  in-process profile, mean of {repeat} requests (ASGI app called directly, no thread-pool hop):")
    for label, seconds, sql in rows:
        extra = (f"   of which SQL execute {spent[sql] / repeat * 1000:6.1f} ms in {counts[sql] // repeat} queries"
                 if sql else "")
        print(f"    {label:<44} {seconds / repeat * 1000:7.1f} ms {seconds / total:>5.0%}{extra}", flush=True)


# ---- main ------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=100_000, help="invoices loaded (default 100000)")
    parser.add_argument("--page", type=int, default=250, help="page read, 200 invoices a page (default 250)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per row (default 30)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and the baseline to CPU 0")
    parser.add_argument("--profile", metavar="TOKEN", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.page, args.repeat)
        return 0
    if args.page * PER_PAGE > args.invoices:
        parser.error(f"page {args.page} is beyond {args.invoices} invoices")

    from loaders import load_invoices
    from sqlalchemy import create_engine

    cpus = Cpus.split(args.no_pin)
    print(f"{args.invoices} invoices, page {args.page} of {PER_PAGE}; "
          f"{cpus.describe().replace('wrk', 'the HTTP client')}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ledgerd-bench-") as tmp_name:
        tmp = Path(tmp_name)
        database = tmp / "ledgerd.sqlite"
        port = free_port()
        env = ledgerd_env(f"sqlite:///{database}", port)
        prepared = prepare_ledgerd(env)
        server = serve_ledgerd(env, port, tmp / "ledgerd.log", cpus.server)
        try:
            with httpx.Client(base_url=server.url, headers=prepared.headers, timeout=120) as client:
                contact_id = create_customer(client)
                start = time.perf_counter()
                engine = create_engine(f"sqlite:///{database}")
                load_invoices(engine, prepared.business_id, contact_id, args.invoices, dt.datetime.now(dt.UTC))
                engine.dispose()
                print(f"  loaded {args.invoices} invoices in {time.perf_counter() - start:.1f} s", flush=True)
                conn = sqlite3.connect(database)
                offset = (args.page - 1) * PER_PAGE
                responses: list[httpx.Response] = []
                payload: list[tuple[bytes, list[str]]] = []

                def get() -> None:
                    responses.append(client.get(PATH, params=params(args.page)))

                # The two sides take turns, one request then one baseline page, so a machine that speeds up
                # or slows down during the run (shared VMs do, by 1.5x within minutes) moves both alike.
                # Each runs on the server's CPU: the HTTP client on the other one while ledgerd answers.
                (seconds, samples), (base_seconds, base_samples) = interleaved_medians(
                    [(lambda: pin(0, cpus.client), get),
                     (lambda: pin(0, cpus.server), lambda: payload.append(baseline_page(conn, prepared.business_id,
                                                                                        offset)))],
                    repeat=args.repeat, warmup=2)
                conn.close()
        finally:
            server.stop()
        pin(0, cpus.server)
        ids = payload[-1][1]

        problems = [f"GET answered {r.status_code}" for r in responses if r.status_code != 200][:1]
        if not problems:
            body = responses[-1].json()
            if body["$total"] != args.invoices:
                problems.append(f"$total {body['$total']} != {args.invoices}")
            if [item["id"] for item in body["$items"]] != ids:
                problems.append("the page's invoices differ from the baseline's (ORDER BY created_at, id)")
        for problem in problems:
            print(f"  INVALID: {problem}", flush=True)
        print(f"  ledgerd  median {seconds * 1000:7.1f} ms (min {min(samples) * 1000:.1f}, max "
              f"{max(samples) * 1000:.1f}), {len(responses[-1].content)} bytes", flush=True)
        print(f"  baseline median {base_seconds * 1000:7.1f} ms (min {min(base_samples) * 1000:.1f}, max "
              f"{max(base_samples) * 1000:.1f}), {len(payload[-1][0])} bytes", flush=True)
        argv = [sys.executable, str(HERE), "--profile", prepared.token, "--page", str(args.page), "--repeat",
                str(args.repeat)]
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        pin(process.pid, cpus.server)
        out, err = process.communicate(timeout=600)
        print(out if process.returncode == 0 else f"  (profile failed: {err[-1500:]})", flush=True)

    ratio = seconds / base_seconds if base_seconds else 0.0
    print(f"{'row':<62} {'median ms':>10} {'ratio':>7}  target <= {TARGET:g}")
    print("-" * 96)
    print(f"{'baseline: sqlite3 + orjson, in-process':<62} {base_seconds * 1000:>10.1f} {1:>7.2f}")
    print(f"{f'ledgerd GET {PATH} page {args.page} (HTTP, 1 worker)':<62} {seconds * 1000:>10.1f} {ratio:>7.2f}  "
          f"{verdict(ratio <= TARGET, not problems)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
