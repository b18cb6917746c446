"""Many clients posting invoices and payments at once through two server processes on PostgreSQL.

Afterwards the invoice numbers have no duplicates and no gaps, every invoice's status agrees with its
payments, and the ledger's invariants hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerd.app import build_runtime
from ledgerd.config import Settings
from ledgerd.db.engine import unit_of_work
from ledgerd.db.tenancy import bind_business
from tests.conftest import TEST_SCRYPT_N
from tests.support import invariants
from tests.support.cluster import COMMON_URL, bearer, cli, start_together
from tests.support.live import LiveServer
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.server
CLIENTS, INVOICES_EACH = 8, 8


@pytest.fixture(scope="module")
def database(postgres: PostgresServer | None, fresh_database: Any) -> Iterator[str]:
    url: str = fresh_database("postgresql")
    yield url
    assert postgres is not None
    postgres.drop_database(url)


@pytest.fixture(scope="module")
def servers(database: str) -> Iterator[list[LiveServer]]:
    started = start_together(2, database, extra_env={"LEDGERD_ACCESS_TOKEN_TTL": "3600"})
    yield started
    for server in started:
        server.stop()


def test_parallel_invoices_and_payments(database: str, servers: list[LiveServer]) -> None:
    cli(database, "users", "create", "--email", "busy@example.com", "--password", "busy-password-1")
    business = cli(database, "businesses", "create", "--owner", "busy@example.com", "--name", "Busy Ltd",
                   "--country", "GB")["id"]
    app = cli(database, "apps", "create", "--owner", "busy@example.com", "--name", "Load",
              "--redirect-uri", "http://localhost:8080/callback")
    headers = {**bearer(cli(database, "tokens", "issue", "--user", "busy@example.com", "--app", app["client_id"])),
               "X-Business": business}
    with httpx.Client(base_url=f"{servers[0].url}/v3.1", headers=headers, timeout=60) as a, \
            httpx.Client(base_url=f"{servers[1].url}/v3.1", headers=headers, timeout=60) as b:
        _load(a, b, database, business)


def _load(a: httpx.Client, b: httpx.Client, database: str, business: str) -> None:
    customer = a.post("/contacts", json={"contact": {"name": "Many", "contact_type_ids": ["CUSTOMER"]}}).json()["id"]
    accounts = a.get("/ledger_accounts", params={"attributes": "nominal_code", "items_per_page": 200}).json()
    sales = next(i["id"] for i in accounts["$items"] if i["nominal_code"] == 4000)
    bank = a.get("/bank_accounts").json()["$items"][0]["id"]
    lines = [{"description": f"Item {k}", "ledger_account_id": sales, "quantity": k, "unit_price": "10.00",
              "tax_rate_id": "GB_STANDARD", "tax_amount": str(Decimal(2) * k)} for k in (1, 2, 3)]

    def worker(n: int) -> list[str]:
        client = (a, b)[n % 2]
        numbers = []
        for i in range(INVOICES_EACH):
            made = client.post("/sales_invoices", json={"sales_invoice": {
                "contact_id": customer, "date": "2025-06-01", "invoice_lines": lines}})
            assert made.status_code == 201, made.text
            invoice = made.json()
            numbers.append(invoice["invoice_number"])
            if i % 2 == 0:  # half of them get half paid, through the other server
                paid = (b, a)[n % 2].post("/contact_payments", json={"contact_payment": {
                    "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": bank,
                    "date": "2025-06-02", "total_amount": "36.0",
                    "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": "36.0"}]}})
                assert paid.status_code == 201, paid.text
        return numbers

    with ThreadPoolExecutor(CLIENTS) as pool:
        numbers = [n for batch in pool.map(worker, range(CLIENTS)) for n in batch]

    total = CLIENTS * INVOICES_EACH
    assert sorted(numbers, key=lambda s: int(s.split("-")[1])) == [f"SI-{k}" for k in range(1, total + 1)]
    listed = a.get("/sales_invoices", params={"items_per_page": 200, "attributes": "status,outstanding_amount"})
    statuses = sorted(i["status"]["id"] for i in listed.json()["$items"])
    assert statuses == ["PART_PAID"] * (total // 2) + ["UNPAID"] * (total // 2)
    assert {i["outstanding_amount"] for i in listed.json()["$items"]} == {"36.0", "72.0"}

    runtime = build_runtime(Settings(database_url=database, env="test",
                                     password_scrypt_n=TEST_SCRYPT_N, public_url=COMMON_URL))
    try:
        with unit_of_work(runtime.sessions, write=False) as db:
            bind_business(db, business)
            invariants.books_balance(db)
            invariants.contacts_match_documents(db, "GBP")
    finally:
        runtime.engine.dispose()
