"""The console's pages over 100,000 sales invoices, against the API's first page of the same invoices.

    .venv/bin/python bench/bench_console.py [--invoices 100000] [--repeat 20]

1. ledgerd: a GB business on a SQLite file, a customer created over the API, N invoices with three lines each and
   their ledger transactions bulk-loaded (bench/loaders.py, daily balances rebuilt); `ledgerd serve` with one
   worker; the user signs in to the pages (a browser session cookie).
2. baseline: `GET /v3.1/sales_invoices` (the API's first page, 20 invoices) with a bearer token.
3. the console: the sales document list (first page, 50 invoices), one invoice's page (lines, tax breakdown,
   allocations, its transaction's entries), and the trial balance over the two years the invoices cover; shown
   too: the overview (12 monthly P&Ls, aged debtors over every open invoice, the bank chart) and the page of the
   customer all the invoices are for. All of them take turns, 2 warm-ups and then --repeat each, so the medians
   compared were measured over the same minutes.

Prints each page's median in ms and its ratio to the baseline; target: every console page under 300 ms. This is a
benchmark, not a test: it exits 0 once it has run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx
from common import create_customer, free_port, interleaved_medians, ledgerd_env, prepare_ledgerd, serve_ledgerd, verdict
from loaders import load_invoices
from sqlalchemy import create_engine, select

TARGET_MS = 300.0
PASSWORD = "bench-password-1"  # prepare_ledgerd's


def sign_in(url: str, email: str) -> httpx.Client:
    """A browser-like client signed in to the pages (CSRF double-submit, then the session cookie)."""
    client = httpx.Client(base_url=url, timeout=120)
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    answer = client.post("/login", data={"csrf": token.group(1), "email": email, "password": PASSWORD,
                                         "next": "/console"})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in answered {answer.status_code}")
    return client


def fetch(client: httpx.Client, path: str, params: dict[str, str] | None = None) -> Callable[[], None]:
    def run() -> None:
        answer = client.get(path, params=params)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}: {answer.text[:300]}")

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=100_000, help="invoices loaded (default 100000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (default 20)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ledgerd-bench-") as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'ledgerd.sqlite'}"
        port = free_port()
        env = ledgerd_env(url, port)
        prepared = prepare_ledgerd(env)
        server = serve_ledgerd(env, port, tmp / "ledgerd.log", None)
        try:
            with httpx.Client(base_url=server.url, headers=prepared.headers, timeout=120) as api:
                contact_id = create_customer(api)
                engine = create_engine(url)
                print(f"loading {args.invoices:,} invoices with their transactions ...", flush=True)
                load_invoices(engine, prepared.business_id, contact_id, args.invoices,
                              dt.datetime.now(dt.UTC), ledger=True)
                from ledgerd.artefacts.models import Artefact

                with engine.connect() as conn:
                    middle = conn.execute(select(Artefact.id).where(Artefact.number == args.invoices // 2)).scalar()
                engine.dispose()
                console = sign_in(server.url, prepared.email)
                home = f"/console/{prepared.business_id}"
                pages = [
                    ("API GET /v3.1/sales_invoices (baseline)", fetch(api, "/v3.1/sales_invoices")),
                    ("console: sales document list", fetch(console, home + "/sales")),
                    ("console: one sales invoice", fetch(console, f"{home}/sales/{middle}")),
                    ("console: trial balance 2024-2025", fetch(console, home + "/reports/trial-balance",
                                                               {"from_date": "2024-01-01", "to_date": "2025-12-31"})),
                    # Beyond the three the target names: the pages that read every open invoice or a contact's.
                    ("console: overview (charts)", fetch(console, home)),
                    ("console: the customer of every invoice", fetch(console, f"{home}/contacts/{contact_id}")),
                ]
                results = interleaved_medians([(lambda: None, run) for _, run in pages], args.repeat, warmup=2)
                console.close()
        finally:
            server.stop()
    baseline = results[0][0]
    print(f"\n{args.invoices:,} invoices, median of {args.repeat} requests each (one worker, SQLite):")
    print(f"  {'page':<42} {'ms':>8} {'÷ baseline':>11}  target < {TARGET_MS:.0f} ms")
    ok = True
    for (label, _), (seconds, _) in zip(pages, results, strict=True):
        ms = seconds * 1000
        is_baseline = label.endswith("(baseline)")
        within = is_baseline or ms < TARGET_MS
        ok &= within
        print(f"  {label:<42} {ms:8.1f} {seconds / baseline:11.2f}  {'' if is_baseline else verdict(within)}")
    print(f"\nconsole pages under {TARGET_MS:.0f} ms: {verdict(ok)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
