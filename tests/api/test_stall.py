"""No request stalls the others: a heavy page pulled in a loop leaves light calls about as fast as when idle.

A real `ledgerd serve` on SQLite, where reads used to run on the event loop: while one of them presented a
page of long journals, every other request of the process waited. The full measurement (16 light clients,
journals of 2,000 lines, p99) is bench/bench_stall.py; this is its smaller pass/fail version.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.cluster import COMMON_URL, bearer, cli
from tests.support.live import LiveServer

pytestmark = pytest.mark.server

EMAIL, PASSWORD = "stall@example.com", "stall-password-1"
HEAVY = "/v3.1/journals?attributes=all&nested_attributes=all&items_per_page=200"
LIGHT = "/v3.1/user"
JOURNALS, LINES = 4, 1000
LIGHT_CLIENTS = 8


@pytest.fixture(scope="module")
def server(fresh_database: Callable[[str], str]) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    url = fresh_database("sqlite")
    cli(url, "users", "create", "--email", EMAIL, "--password", PASSWORD, "--first-name", "Stall",
        "--last-name", "Test")
    cli(url, "businesses", "create", "--owner", EMAIL, "--name", "Stall Ltd", "--country", "GB")
    app = cli(url, "apps", "create", "--owner", EMAIL, "--name", "Stall App", "--redirect-uri",
              "http://localhost:8080/callback")
    headers = bearer(cli(url, "tokens", "issue", "--user", EMAIL, "--app", app["client_id"]))
    live = LiveServer(url, extra_env={"LEDGERD_PUBLIC_URL": COMMON_URL, "LEDGERD_ACCESS_TOKEN_TTL": "3600"})
    try:
        yield live, headers
    finally:
        live.stop()


def _journals(client: httpx.Client) -> None:
    accounts = client.get("/v3.1/ledger_accounts", params={"attributes": "nominal_code", "items_per_page": "200"})
    ids = [a["id"] for a in accounts.json()["$items"] if a["nominal_code"] in (4000, 5000, 7100, 7500)]
    for number in range(JOURNALS):
        lines = [{"ledger_account_id": ids[i % len(ids)], "debit": "0" if i % 2 else "5.00",
                  "credit": "5.00" if i % 2 else "0", "details": f"line {i}"} for i in range(LINES)]
        response = client.post("/v3.1/journals", json={"journal": {"date": "2024-03-01", "reference": f"S-{number}",
                                                                   "journal_lines": lines}})
        assert response.status_code == 201, response.text[:300]


def _light_latencies(url: str, headers: dict[str, str], seconds: float) -> list[float]:
    """LIGHT_CLIENTS clients calling LIGHT back to back for `seconds`; every call's latency."""
    taken: list[float] = []
    guard = threading.Lock()
    stop = time.monotonic() + seconds

    def run() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            while time.monotonic() < stop:
                start = time.perf_counter()
                assert client.get(LIGHT).status_code == 200
                with guard:
                    taken.append(time.perf_counter() - start)

    threads = [threading.Thread(target=run) for _ in range(LIGHT_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return taken


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def test_a_heavy_page_in_a_loop_leaves_light_calls_fast(server: tuple[LiveServer, dict[str, str]]) -> None:
    live, headers = server
    with httpx.Client(base_url=live.url, headers=headers, timeout=120) as client:
        _journals(client)
        heavy_seconds: list[float] = []
        start = time.perf_counter()
        assert client.get(HEAVY).status_code == 200
        heavy_seconds.append(time.perf_counter() - start)
    idle = _light_latencies(live.url, headers, 3)
    stop = threading.Event()
    failures: list[Any] = []

    def pull() -> None:
        with httpx.Client(base_url=live.url, headers=headers, timeout=120) as heavy:
            while not stop.is_set():
                begin = time.perf_counter()
                response = heavy.get(HEAVY)
                heavy_seconds.append(time.perf_counter() - begin)
                if response.status_code != 200:
                    failures.append(response.status_code)

    puller = threading.Thread(target=pull)
    puller.start()
    try:
        time.sleep(0.2)
        loaded = _light_latencies(live.url, headers, 4)
    finally:
        stop.set()
        puller.join()
    assert not failures
    heavy = statistics.median(heavy_seconds)
    # Before, a light call that came in during the page waited for the rest of it: p95 ≈ the page's duration
    # (~1 s here). Now (measured: idle 6 to 10 ms, loaded 30 to 106 ms; the garbage collector's pauses while the page
    # is built are what is left, see docs/decisions/http.md) the bounds are generous for a shared machine and
    # still far below that.
    assert p95(loaded) <= max(40 * p95(idle), 0.2), (p95(idle), p95(loaded), heavy)
    assert p95(loaded) < heavy / 3, (p95(idle), p95(loaded), heavy)
