"""Races on one record through two real `ledgerd serve` processes sharing one PostgreSQL database.

Every change to an existing record locks its row before reading it (docs/decisions/cross-cutting.md,
"Concurrent writers"), so requests racing on one record behave as if they had come one after the other:

* N PUTs of one posted record, of every kind, all succeed and leave one live transaction (never two sets of
  lines);
* N DELETEs of one posted record, of every kind: one succeeds, the others find it gone (404) or void already
  (422), and the reversal is posted once; N releases of a draft or reissues of a journal: one succeeds;
* a void racing payments of the same invoice: either the void wins and nothing is paid, or payments win and the
  void is refused; deleting a payment racing an allocation of its payment on account: one of them is refused;
* payments allocating to [A, B] and [B, A] at once all succeed (documents are locked in id order), and so do
  invoices and receipts created together (the business's writer lock orders their counters);
* settings PUTs changing different fields all apply (none merges into a stale copy).

The requests of a race are spread over both servers and released together by a barrier. After each race: no
5xx, the books balance, control accounts equal open items, one live transaction per origin, each transaction
reversed at most once, nothing allocated to a void document, and no deadlock was retried by either server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from ledgerd.app import build_runtime
from ledgerd.artefacts.models import Allocation, Artefact
from ledgerd.config import Settings
from ledgerd.db.engine import unit_of_work
from ledgerd.db.tenancy import bind_business
from ledgerd.ledger.models import Transaction
from ledgerd.runtime import Runtime
from tests.contract.books import Body, Books
from tests.contract.examples import EXAMPLES
from tests.support import invariants
from tests.support.cluster import COMMON_URL, start_together
from tests.support.factories import Factory
from tests.support.live import LiveServer
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.server
# Requests per race: enough to overlap on two servers, few enough to keep the module quick on two cores.
N = 6
# What a server logs when the request pipeline retries a deadlock or serialization failure.
RETRY_LOG = "retrying the request"


@pytest.fixture(scope="module")
def database(postgres: PostgresServer | None, fresh_database: Any) -> Iterator[str]:
    url: str = fresh_database("postgresql")
    yield url
    assert postgres is not None
    postgres.drop_database(url)


@pytest.fixture(scope="module")
def servers(database: str) -> Iterator[list[LiveServer]]:
    # Server processes log ledgerd's messages at info, so a retried deadlock shows in their logs (`_no_retries`).
    started = start_together(2, database, extra_env={"LEDGERD_ACCESS_TOKEN_TTL": "3600"})
    yield started
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def runtime(database: str) -> Iterator[Runtime]:
    """This process's view of the servers' database: tokens, setup reads and the checks afterwards."""
    rt = build_runtime(Settings(database_url=database, env="test", public_url=COMMON_URL, access_token_ttl=3600))
    yield rt
    rt.engine.dispose()


@dataclass
class Cluster:
    """Two clients, one per server, and a way to send requests to both at the same instant."""

    clients: list[httpx.Client]
    servers: list[LiveServer]

    def race(self, calls: list[tuple[str, str, Body | None, dict[str, str]]], headers: dict[str, str]
             ) -> list[httpx.Response]:
        """Send `(method, path, body, params)` calls together, alternating servers; their responses in order."""
        barrier = threading.Barrier(len(calls))

        def send(i: int) -> httpx.Response:
            method, path, body, params = calls[i]
            barrier.wait(timeout=30)
            return self.clients[i % 2].request(method, f"/v3.1{path}", json=body, params=params, headers=headers)

        with ThreadPoolExecutor(len(calls)) as pool:
            responses = list(pool.map(send, range(len(calls))))
        for response in responses:
            assert response.status_code < 500, f"{response.request.method} {response.request.url}: {response.text}"
        return responses


@pytest.fixture(scope="module")
def cluster(servers: list[LiveServer]) -> Iterator[Cluster]:
    clients = [httpx.Client(base_url=server.url, timeout=60) for server in servers]
    yield Cluster(clients, servers)
    for client in clients:
        client.close()


def _books(cluster: Cluster, runtime: Runtime, country: str) -> Books:
    factory = Factory(runtime)
    owner = factory.user()
    business = factory.business(owner, name=f"Races {country}", country=country)
    # Books drives the first server; an httpx client takes the same request arguments as the test client.
    return Books(cluster.clients[0], factory, owner.id, business.id, country,  # type: ignore[arg-type]
                 factory.headers(owner, business=business.id))


@pytest.fixture
def gb(cluster: Cluster, runtime: Runtime) -> Books:
    """A fresh British business per test, so that each race's checks see only its own books."""
    return _books(cluster, runtime, "GB")


def _check(books: Books, cluster: Cluster) -> None:
    """The ledger's invariants for the business, and the rules races used to break."""
    base = "EUR" if books.country == "ES" else "GBP"
    with unit_of_work(books.factory.runtime.sessions, write=False) as db:
        bind_business(db, books.business_id)
        invariants.books_balance(db)
        invariants.daily_balances_match_entries(db)
        invariants.contacts_match_documents(db, base)
        live = db.execute(select(Transaction.origin_type, Transaction.origin_id, func.count())
                          .where(Transaction.deleted.is_(False), Transaction.origin_id.is_not(None))
                          .group_by(Transaction.origin_type, Transaction.origin_id).having(func.count() > 1)).all()
        assert not live, f"records with more than one live transaction: {live}"
        twice = db.execute(select(Transaction.reverses_id, func.count()).where(Transaction.reverses_id.is_not(None))
                           .group_by(Transaction.reverses_id).having(func.count() > 1)).all()
        assert not twice, f"transactions reversed more than once: {twice}"
        void_paid = db.execute(select(Artefact.kind, Artefact.id).where(Artefact.status_id == "VOID")
                               .join(Allocation, Allocation.artefact_id == Artefact.id)).all()
        assert not void_paid, f"void documents with allocations: {void_paid}"
    _no_retries(cluster)


def _no_retries(cluster: Cluster) -> None:
    """Locks are taken in one order, so no race above deadlocks: neither server had to retry a request."""
    for server in cluster.servers:
        retried = [line for line in server.log.read_text(errors="replace").splitlines() if RETRY_LOG in line]
        assert not retried, f"server {server.url} retried: {retried[:3]}"


# --- what each kind of posted record takes ----------------------------------------------------------------

def _line(books: Books, code: int, price: str, rate: str = "GB_ZERO", tax: str = "0.00") -> Body:
    return {"description": f"Race {price}", "ledger_account_id": books.account(code), "quantity": "1",
            "unit_price": price, "tax_rate_id": rate, "tax_amount": tax}


def _ids(made: Body) -> list[str]:
    return [item["artefact"]["id"] for item in made["allocated_artefacts"]]


# A PUT body per kind, the i-th of a race: each changes what the record posts (lines, amounts, allocations).
EDITS: dict[str, Callable[[Books, Body, int], Body]] = {
    "sales_invoices": lambda b, m, i: {"sales_invoice": {"invoice_lines": [_line(b, 4000, f"{10 + i}")]}},
    "sales_credit_notes": lambda b, m, i: {"sales_credit_note": {"credit_note_lines": [_line(b, 4000, f"{5 + i}")]}},
    "purchase_invoices": lambda b, m, i: {"purchase_invoice": {"invoice_lines": [_line(b, 5000, f"{10 + i}")]}},
    "purchase_credit_notes": lambda b, m, i: {"purchase_credit_note": {
        "credit_note_lines": [_line(b, 5000, f"{5 + i}")]}},
    "sales_quick_entries": lambda b, m, i: {"sales_quick_entry": {
        "net_amount": f"{100 + i}", "tax_rate_id": "GB_ZERO", "tax_amount": "0.00"}},
    "purchase_quick_entries": lambda b, m, i: {"purchase_quick_entry": {
        "net_amount": f"{100 + i}", "tax_rate_id": "GB_ZERO", "tax_amount": "0.00"}},
    "contact_payments": lambda b, m, i: {"contact_payment": {"total_amount": f"{150 + i}"}},
    "contact_allocations": lambda b, m, i: {"contact_allocation": {"allocated_artefacts": [
        {"artefact_id": _ids(m)[0], "amount": i + 1}, {"artefact_id": _ids(m)[1], "amount": -(i + 1)}]}},
    "other_payments": lambda b, m, i: {"other_payment": {"total_amount": 100 + i, "payment_lines": [
        {"ledger_account_id": b.account(7500), "total_amount": 100 + i, "tax_rate_id": "GB_ZERO", "details": "Race"}]}},
    "contact_opening_balances": lambda b, m, i: {"contact_opening_balance": {"total_amount": 300 + i}},
    "bank_transfers": lambda b, m, i: {"bank_transfer": {"amount": 25 + i}},
    "bank_opening_balances": lambda b, m, i: {"bank_opening_balance": {"debit": 100 + i}},
    "ledger_account_opening_balances": lambda b, m, i: {"ledger_account_opening_balance": {"debit": 250 + i}},
    "sales_corrective_invoices": lambda b, m, i: {"sales_corrective_invoice": {"invoice_lines": [
        _line(b, 7000, f"-{i + 1}", "ES_STANDARD", f"-{0.21 * (i + 1):.2f}")]}},
    "purchase_corrective_invoices": lambda b, m, i: {"purchase_corrective_invoice": {"invoice_lines": [
        _line(b, 6000, f"-{i + 1}", "ES_STANDARD", f"-{0.21 * (i + 1):.2f}")]}},
}
# Every deletable kind that posts; how the losers of a DELETE race are answered: the record is gone (404) or
# already void (422: it stays, as Sage keeps void documents).
DELETED_AS = {
    **dict.fromkeys(["sales_invoices", "sales_credit_notes", "purchase_invoices", "purchase_credit_notes",
                     "sales_quick_entries", "purchase_quick_entries", "sales_corrective_invoices",
                     "purchase_corrective_invoices"], 422),
    **dict.fromkeys(["contact_payments", "contact_allocations", "other_payments", "contact_opening_balances",
                     "bank_transfers", "bank_deposits", "bank_opening_balances", "ledger_account_opening_balances",
                     "journals", "opening_balance_journals"], 404),
}
LINES = {"sales_invoices": "invoice_lines", "sales_credit_notes": "credit_note_lines",
         "purchase_invoices": "invoice_lines", "purchase_credit_notes": "credit_note_lines",
         "sales_corrective_invoices": "invoice_lines", "purchase_corrective_invoices": "invoice_lines"}


def _business(path: str, cluster: Cluster, runtime: Runtime) -> Books:
    """A fresh business of the country whose businesses are served `path` (Spain for corrective invoices)."""
    return _books(cluster, runtime, EXAMPLES[path].region or "GB")


def _make(books: Books, path: str) -> Body:
    example = EXAMPLES[path]
    assert example.create is not None
    return books.create(path, example.create(books))


@pytest.mark.parametrize("path", sorted(DELETED_AS))
def test_concurrent_puts_then_concurrent_deletes(path: str, cluster: Cluster, runtime: Runtime) -> None:
    books = _business(path, cluster, runtime)
    made = _make(books, path)
    member = f"/{path}/{made['id']}"
    if path in EDITS:
        # Each PUT applies to what the one before it left: all succeed, one set of lines, one live transaction.
        edits = [EDITS[path](books, made, i) for i in range(N)]
        responses = cluster.race([("PUT", member, edit, {}) for edit in edits], books.headers)
        assert [r.status_code for r in responses] == [200] * N, [r.text for r in responses]
        if path in LINES:
            lines = books.get(member).json()[LINES[path]]
            assert len(lines) == 1, lines
        _check(books, cluster)
    # One DELETE succeeds; the others find the record gone or void, and its transaction is reversed once.
    responses = cluster.race([("DELETE", member, None, dict(EXAMPLES[path].delete_params))] * N, books.headers)
    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] in (200, 204) and statuses[1:] == [DELETED_AS[path]] * (N - 1), [r.text for r in responses]
    with unit_of_work(books.factory.runtime.sessions, write=False) as db:
        bind_business(db, books.business_id)
        live = db.scalar(select(func.count()).select_from(Transaction).where(
            Transaction.origin_id == made["id"], Transaction.deleted.is_(False)))
    assert live == 0
    _check(books, cluster)


def test_concurrent_releases_post_one_document(gb: Books, cluster: Cluster) -> None:
    example = EXAMPLES["sales_invoices"]
    assert example.create is not None
    body = example.create(gb)
    draft = gb.create("sales_invoices", {"sales_invoice": {**body["sales_invoice"], "status_id": "DRAFT"}})
    responses = cluster.race([("POST", f"/sales_invoices/{draft['id']}/release", None, {})] * N, gb.headers)
    assert sorted(r.status_code for r in responses) == [201] + [422] * (N - 1), [r.text for r in responses]
    _check(gb, cluster)


def test_concurrent_reissues_replace_a_journal_once(gb: Books, cluster: Cluster) -> None:
    journal = _make(gb, "journals")
    responses = cluster.race([("POST", f"/journals/{journal['id']}/reissue", {"journal": {"reference": f"R{i}"}}, {})
                              for i in range(N)], gb.headers)
    assert sorted(r.status_code for r in responses) == [201] + [404] * (N - 1), [r.text for r in responses]
    _check(gb, cluster)


# --- documents and the payments that settle them ------------------------------------------------------------

def _invoice(books: Books, customer: str, price: str) -> str:
    return str(books.create("sales_invoices", {"sales_invoice": {
        "contact_id": customer, "date": "2024-05-01", "invoice_lines": [_line(books, 4000, price)]}})["id"])


def _receipt(books: Books, customer: str, allocations: list[tuple[str, str]]) -> Body:
    total = sum(int(amount) for _, amount in allocations)
    return {"contact_payment": {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": books.bank(),
        "date": "2024-05-02", "total_amount": str(total),
        "allocated_artefacts": [{"artefact_id": artefact, "amount": amount} for artefact, amount in allocations]}}


def _customer(books: Books) -> str:
    return str(books.create("contacts", {"contact": {"name": f"Racer {books.number()}",
                                                     "contact_type_ids": ["CUSTOMER"]}})["id"])


def test_a_void_racing_payments_leaves_no_payment_on_a_void_invoice(gb: Books, cluster: Cluster) -> None:
    customer = _customer(gb)
    for _ in range(3):
        invoice = _invoice(gb, customer, "90")
        receipts = [("POST", "/contact_payments", _receipt(gb, customer, [(invoice, "30")]), {})] * 3
        void = ("DELETE", f"/sales_invoices/{invoice}", None, {"void_reason": "Raced"})
        responses = cluster.race([receipts[0], void, *receipts[1:]], gb.headers)
        voided = responses[1].status_code == 200
        paid = [r.status_code for i, r in enumerate(responses) if i != 1]
        # The void wins and every later receipt is refused, or receipts win and the void is refused (it has
        # payments), exactly as one after the other.
        assert set(paid) <= {201, 422}
        assert (voided and 201 not in paid) or (responses[1].status_code == 422 and 201 in paid), \
            [r.text for r in responses]
        state = gb.get(f"/sales_invoices/{invoice}").json()
        assert state["status"]["id"] == ("VOID" if voided else "PAID" if paid.count(201) == 3 else "PART_PAID")
    _check(gb, cluster)


def test_payments_allocating_in_either_order_all_succeed(gb: Books, cluster: Cluster) -> None:
    customer = _customer(gb)
    first, second = _invoice(gb, customer, "1000"), _invoice(gb, customer, "1000")
    calls = [("POST", "/contact_payments", _receipt(gb, customer, [(a, "10"), (b, "10")]), {})
             for a, b in [(first, second), (second, first)] * 8]
    responses = cluster.race(calls, gb.headers)
    assert [r.status_code for r in responses] == [201] * len(calls), [r.text for r in responses if r.status_code != 201]
    for invoice in (first, second):
        assert gb.get(f"/sales_invoices/{invoice}").json()["outstanding_amount"] == "840.0"
    _check(gb, cluster)


def test_deleting_a_payment_racing_an_allocation_of_its_payment_on_account(gb: Books, cluster: Cluster) -> None:
    customer = _customer(gb)
    for _ in range(3):
        invoice = _invoice(gb, customer, "50")
        payment = gb.create("contact_payments", {"contact_payment": {
            "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer, "bank_account_id": gb.bank(),
            "date": "2024-05-02", "total_amount": "40"}})
        on_account = payment["payment_on_account"]["id"]
        allocate = ("POST", "/contact_allocations", {"contact_allocation": {
            "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": customer, "date": "2024-05-03",
            "allocated_artefacts": [{"artefact_id": invoice, "amount": 40}, {"artefact_id": on_account,
                                                                                "amount": -40}]}}, {})
        delete = ("DELETE", f"/contact_payments/{payment['id']}", None, {})
        allocated, deleted = cluster.race([allocate, delete], gb.headers)
        # One after the other: the payment goes first and its payment on account cannot be allocated any more,
        # or the allocation goes first and the payment cannot be deleted while its payment on account is used.
        assert (allocated.status_code, deleted.status_code) in ((201, 422), (422, 204)), \
            (allocated.text, deleted.text)
    _check(gb, cluster)


def test_documents_and_payments_created_together(gb: Books, cluster: Cluster) -> None:
    """Creates of different kinds take their counters in different orders across flushes (a receipt: payments,
    then transactions, then its payment on account; an invoice: its number, then artefacts and transactions);
    the business's writer lock taken before the first counter keeps them from deadlocking."""
    customer = _customer(gb)
    invoice = _invoice(gb, customer, "1000")
    example = EXAMPLES["sales_invoices"]
    assert example.create is not None
    calls: list[tuple[str, str, Body | None, dict[str, str]]] = []
    for _ in range(N):
        calls.append(("POST", "/sales_invoices", example.create(gb), {}))
        receipt = _receipt(gb, customer, [(invoice, "10")])
        receipt["contact_payment"]["total_amount"] = "25"  # 15 left on account
        calls.append(("POST", "/contact_payments", receipt, {}))
    responses = cluster.race(calls, gb.headers)
    assert [r.status_code for r in responses] == [201] * len(calls), [r.text for r in responses if r.status_code != 201]
    _check(gb, cluster)


def test_concurrent_settings_changes_all_apply(gb: Books, cluster: Cluster) -> None:
    """Each PUT merges its fields into the stored settings: without the row lock, one merged into what it read
    before another had written, and that other change was lost."""
    fields = ["default_note_on_invoice", "default_note_on_credit_note", "default_note_on_quote",
              "default_note_on_estimate", "invoice_terms_and_conditions", "quote_terms_and_conditions"]
    responses = cluster.race([("PUT", "/invoice_settings", {"invoice_settings": {name: f"Race {name}"}}, {})
                              for name in fields[:N]], gb.headers)
    assert [r.status_code for r in responses] == [200] * N, [r.text for r in responses]
    settings = gb.get("/invoice_settings").json()
    assert {name: settings[name] for name in fields[:N]} == {name: f"Race {name}" for name in fields[:N]}
    _no_retries(cluster)
