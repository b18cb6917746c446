"""`idempotency_id` in POST/PUT bodies: the first response is replayed for 7 days, once per business.

Generated over every served resource with POST (the contract examples build a valid body for each), plus
the rules around it: expiry on the injectable clock, mismatches, malformed ids, failures that are not
remembered, and duplicates racing each other on both backends.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

import ledgerd.app  # noqa: F401 - importing the app fills REGISTRY
from ledgerd.api.idempotency import Key, claim, remember
from ledgerd.api.resource import REGISTRY
from ledgerd.clock import Clock
from ledgerd.db.engine import UnitOfWork
from ledgerd.db.tenancy import bind_business
from ledgerd.runtime import Runtime
from tests.contract.books import Books as ContractBooks
from tests.contract.examples import EXAMPLES
from tests.support.books import Books, problem
from tests.support.factories import Factory

CREATABLE = sorted(p for p, r in REGISTRY.items() if r.create is not None)


def new_key() -> str:
    return secrets.token_hex(16)


def _contact(key: str | None = None, name: str = "Idem Ltd", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "contact_type_ids": ["CUSTOMER"], **extra}
    if key is not None:
        body["idempotency_id"] = key
    return {"contact": body}


def _total(books: Books, path: str, **params: Any) -> int:
    response = books.get(path, items_per_page=1, **params)
    assert response.status_code == 200, response.text
    return int(response.json()["$total"])


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


# --- every resource with POST ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", CREATABLE)
def test_every_create_replays_its_first_response(path: str, client: TestClient, factory: Factory) -> None:
    if path not in EXAMPLES:
        pytest.skip(f"tests/contract/examples.py has no example for /{path} yet")
    books = ContractBooks.open(client, factory, EXAMPLES[path].country)
    body = EXAMPLES[path].create(books)  # makes what the body refers to first
    wrapper = next(iter(body))
    body[wrapper]["idempotency_id"] = new_key()
    before = books.get(f"/{path}", items_per_page=1).json()["$total"]

    first = books.request("POST", f"/{path}", copy.deepcopy(body))
    second = books.request("POST", f"/{path}", copy.deepcopy(body))

    assert first.status_code == 201, first.text  # the key never reaches the body's schema
    assert (second.status_code, second.content) == (first.status_code, first.content)
    assert second.headers["x-business"] == first.headers["x-business"] == books.business_id
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    assert books.get(f"/{path}", items_per_page=1).json()["$total"] == before + 1


# --- the rules -------------------------------------------------------------------------------------------------

def test_without_an_id_every_post_creates(books: Books) -> None:
    for _ in range(2):
        assert books.post("/contacts", _contact()).status_code == 201
    assert _total(books, "/contacts", search="Idem Ltd") == 2


def test_ids_are_case_insensitive(books: Books) -> None:
    key = new_key()
    first = books.post("/contacts", _contact(key.upper()))
    second = books.post("/contacts", _contact(key))
    assert first.status_code == 201 and second.content == first.content


def test_put_replays_the_first_update(books: Books) -> None:
    contact = books.contact(name="Before")
    key = new_key()
    first = books.put(f"/contacts/{contact}", _contact(key, name="After"))
    assert first.status_code == 200 and first.json()["name"] == "After"
    # A repeat replays the first answer and changes nothing, even if its body differs.
    second = books.put(f"/contacts/{contact}", _contact(key, name="Something else"))
    assert (second.status_code, second.content) == (200, first.content)
    assert books.get(f"/contacts/{contact}").json()["name"] == "After"


def test_replay_lasts_seven_days(books: Books, factory: Factory, clock: Clock) -> None:
    start = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    clock.freeze(start)
    key = new_key()
    first = books.post("/contacts", _contact(key))
    assert first.status_code == 201

    clock.freeze(start + timedelta(days=7) - timedelta(seconds=1))
    books.headers = factory.headers(books.owner, business=books.business_id)  # tokens live 5 minutes
    assert books.post("/contacts", _contact(key)).content == first.content

    clock.freeze(start + timedelta(days=7))
    books.headers = factory.headers(books.owner, business=books.business_id)
    again = books.post("/contacts", _contact(key))
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]
    # The id is taken again from now on: a further repeat replays the new response.
    assert books.post("/contacts", _contact(key)).content == again.content
    assert _total(books, "/contacts", search="Idem Ltd") == 2


def test_reuse_for_another_resource_type_is_a_mismatch(books: Books) -> None:
    key = new_key()
    assert books.post("/contacts", _contact(key)).status_code == 201
    before = _total(books, "/products")

    response = books.post("/products", {"product": {"description": "Widget", "idempotency_id": key}})

    body = problem(response, 422, "IdempotencyResourceMismatch", "")
    assert body["$message"] == "Entity type mismatch"
    assert _total(books, "/products") == before


def test_reuse_on_another_path_is_a_mismatch(books: Books) -> None:
    one, two = books.contact(name="One"), books.contact(name="Two")
    key = new_key()
    assert books.put(f"/contacts/{one}", _contact(key, name="One changed")).status_code == 200

    problem(books.put(f"/contacts/{two}", _contact(key, name="Two changed")), 422, "IdempotencyResourceMismatch")
    problem(books.post("/contacts", _contact(key)), 422, "IdempotencyResourceMismatch")
    assert books.get(f"/contacts/{two}").json()["name"] == "Two"


def test_ids_are_per_business(books: Books, client: TestClient, factory: Factory) -> None:
    other = Books.open(client, factory)
    key = new_key()
    mine, theirs = books.post("/contacts", _contact(key)), other.post("/contacts", _contact(key))
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


@pytest.mark.parametrize("value", ["abc", "g" * 32, "0" * 31, "0" * 33, "c3a8adaa-26da-f36e-02f3-c672b69e3323",
                                   12345678901234567890123456789012, None, ["0" * 32]])
def test_malformed_ids_are_rejected(books: Books, value: Any) -> None:
    response = books.post("/contacts", {"contact": {"name": "Idem Ltd", "contact_type_ids": ["CUSTOMER"],
                                                    "idempotency_id": value}})
    problem(response, 422, "RecordInvalid", "idempotency_id")
    assert _total(books, "/contacts", search="Idem Ltd") == 0


def test_a_failed_request_is_not_remembered(books: Books) -> None:
    key = new_key()
    problem(books.post("/contacts", {"contact": {"idempotency_id": key, "contact_type_ids": ["NOPE"]}}), 422)
    made = books.post("/contacts", _contact(key))
    assert made.status_code == 201
    assert books.post("/contacts", _contact(key)).content == made.content


def test_get_and_delete_ignore_the_id(books: Books) -> None:
    contact = books.contact()
    response = books.client.request("DELETE", f"/v3.1/contacts/{contact}", headers=books.headers,
                                    json={"contact": {"idempotency_id": new_key()}})
    assert response.status_code == 204
    assert books.get(f"/contacts/{contact}").status_code == 404


def test_readonly_tokens_still_cannot_write(books: Books, factory: Factory) -> None:
    headers = factory.headers(books.owner, scope="readonly", business=books.business_id)
    response = books.client.post("/v3.1/contacts", json=_contact(new_key()), headers=headers)
    problem(response, 403, "MultiUserAccessDenied")


# --- concurrency -----------------------------------------------------------------------------------------------

def test_concurrent_duplicates_create_one_record(books: Books) -> None:
    key, racers = new_key(), 6
    gate = threading.Barrier(racers)

    def send(_: int) -> Any:
        gate.wait()
        return books.client.post("/v3.1/contacts", json=_contact(key, name="Racer"), headers=books.headers)

    with ThreadPoolExecutor(racers) as pool:
        responses = list(pool.map(send, range(racers)))

    assert [r.status_code for r in responses] == [201] * racers, [r.text for r in responses]
    assert len({r.content for r in responses}) == 1
    assert _total(books, "/contacts", search="Racer") == 1


def _claim_in_other_transaction(runtime: Runtime, business_id: str, key: Key) -> Any:
    with UnitOfWork(runtime.sessions, write=True) as work:
        bind_business(work.session, business_id)
        return claim(work.session, business_id, key, runtime.clock.now())


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
def test_a_duplicate_waits_for_the_first_transaction(runtime: Runtime, books: Books, outcome: str) -> None:
    key = Key(new_key(), "contact", "POST", "/v3.1/contacts")
    pool = ThreadPoolExecutor(1)
    try:
        with pytest.raises(RuntimeError) if outcome == "rollback" else nullcontext(), \
                UnitOfWork(runtime.sessions, write=True) as first:
            bind_business(first.session, books.business_id)
            assert claim(first.session, books.business_id, key, runtime.clock.now()) is None
            waiting = pool.submit(_claim_in_other_transaction, runtime, books.business_id, key)
            time.sleep(0.3)
            assert not waiting.done()  # blocked by the first transaction's claim
            remember(first.session, key, 201, {"id": "first"}, media_type=None, headers={},
                     business_id=books.business_id)
            if outcome == "rollback":
                raise RuntimeError("the first request failed")
        stored = waiting.result(timeout=30)
    finally:
        pool.shutdown(wait=True)
    if outcome == "commit":
        assert stored is not None and (stored.status, stored.content) == (201, b'{"id":"first"}')
        assert stored.headers["X-Business"] == books.business_id
    else:
        assert stored is None  # the failed request left nothing: the duplicate ran as the first
