"""SQL statements per request, held under per-resource ceilings, and the N+1 invariant.

For every resource: a list with `attributes=all` over a page of 5 records and a single GET (both in the
shared reader business), and a create (in a fresh business, so nothing earlier in the run changes it).
Counted: every statement the engine executes (transaction control aside) and every FastQuery lookup (the
sandbox's shared setting, the token family, the business and membership), which bypass SQLAlchemy's Connection and
its events.

* Ceilings (`query_ceilings.json`): one number per resource and operation (`list` = the page of 5, `read`,
  `create`), the same on both databases. A request above its ceiling fails; one below it passes (lower the
  ceiling when you like: `LEDGERD_UPDATE_QUERY_COUNTS=1 pytest tests/contract/test_query_counts.py` writes the
  highest count of the two databases).
* N+1: a page of 5 records costs what the dearest page of 1 costs (presented at once; served in two chunks it
  costs at most twice that).

"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

import ledgerd.app  # noqa: F401 - importing the app fills REGISTRY
from ledgerd.api import resource
from ledgerd.api.resource import REGISTRY
from ledgerd.db.engine import fast_query_observers
from ledgerd.runtime import Runtime
from tests.contract.books import Books
from tests.contract.conftest import World
from tests.contract.examples import EXAMPLES

PATHS = sorted(REGISTRY)
CEILINGS = Path(__file__).with_name("query_ceilings.json")
UPDATE = os.environ.get("LEDGERD_UPDATE_QUERY_COUNTS") == "1"
# Transaction control is the unit of work's business, not the endpoint's.
NOT_COUNTED = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")
# Resources whose list still costs queries per record, with the reason; the N+1 test expects them to fail.
KNOWN_N_PLUS_ONE: dict[str, str] = {}


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements `engine` executes inside the block, and its FastQuery lookups."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not statement.lstrip().upper().startswith(NOT_COUNTED):
            statements.append(statement)

    def looked_up(used: Engine, statement: str) -> None:
        if used is engine:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    fast_query_observers.append(looked_up)
    try:
        yield statements
    finally:
        fast_query_observers.remove(looked_up)
        event.remove(engine, "before_cursor_execute", seen)


def measure(engine: Engine, books: Books, method: str, path: str, expect: int, body: Any = None,
            **params: Any) -> int:
    """The statements one request executes."""
    with counting(engine) as statements:
        response = books.request(method, path, body, **params)
    assert response.status_code == expect, response.text
    return len(statements)


@pytest.fixture(scope="package")
def measured(world: World, runtime: Runtime) -> dict[str, dict[str, int]]:
    """Every count of this backend, by path and operation, measured once in a fixed order."""
    engine = runtime.engine
    fresh = {country: Books.open(world.client, world.factory, country)
             for country in sorted({example.country for example in EXAMPLES.values()})}
    out: dict[str, dict[str, int]] = {}
    for path in PATHS:
        counts = out[path] = {}
        reader = world.reader_for(path)
        first = world.first_ids(path, 1)[0]
        # Counted as one chunk: a long page is presented a chunk at a time (api/resource.py), a fixed number of
        # loads per chunk; `list-in-chunks` below is the same page as served, in its two chunks.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(resource, "FIRST_CHUNK", 5)
            counts["list"] = measure(
                engine, reader, "GET", f"/{path}", 200, attributes="all", items_per_page=5)
        counts["list-in-chunks"] = measure(
            engine, reader, "GET", f"/{path}", 200, attributes="all", items_per_page=5)
        # The same five records one per page: what a record costs may depend on what it links to (no
        # query for links it lacks), so the dearest single page is the fair comparison.
        counts["list-of-1"] = max(
            measure(engine, reader, "GET", f"/{path}", 200, attributes="all", items_per_page=1, page=page)
            for page in range(1, 6))
        counts["read"] = measure(
            engine, reader, "GET", f"/{path}/{first}", 200)
        example = EXAMPLES[path]
        if example.create is not None:
            books = fresh[example.country]
            counts["create"] = measure(
                engine, books, "POST", f"/{path}", 201, example.create(books))
    return out


@pytest.fixture(scope="session")
def ceilings() -> Iterator[dict[str, dict[str, int]]]:
    """The committed ceilings; with LEDGERD_UPDATE_QUERY_COUNTS=1, the highest count seen on either database
    is written back instead."""
    stored: dict[str, dict[str, int]] = json.loads(CEILINGS.read_text()) if CEILINGS.exists() else {}
    seen: dict[str, dict[str, int]] = {}
    yield seen if UPDATE else stored
    if UPDATE and seen:
        merged = {path: counts for path, counts in {**stored, **seen}.items() if path in REGISTRY}
        CEILINGS.write_text(json.dumps(dict(sorted(merged.items())), indent=2) + "\n")


def test_every_ceiling_names_a_served_resource() -> None:
    stored: dict[str, dict[str, int]] = json.loads(CEILINGS.read_text())
    stale = sorted(path for path in stored if path not in REGISTRY)
    assert not stale, f"ceilings of resources no longer served (LEDGERD_UPDATE_QUERY_COUNTS=1 drops them): {stale}"


def over(counts: dict[str, int], ceilings: dict[str, int]) -> list[str]:
    """What `counts` spends beyond `ceilings` (nothing with LEDGERD_UPDATE_QUERY_COUNTS=1: it raises them)."""
    out = []
    for operation, count in counts.items():
        if operation in ("list-of-1", "list-in-chunks"):
            continue  # only compared with the page of 5, below
        if UPDATE:
            ceilings[operation] = max(count, ceilings.get(operation, 0))
        elif operation not in ceilings:
            out.append(f"{operation}: {count} queries, no ceiling (run with LEDGERD_UPDATE_QUERY_COUNTS=1)")
        elif count > ceilings[operation]:
            out.append(f"{operation}: {count} queries, more than the ceiling {ceilings[operation]}")
    return out


@pytest.mark.parametrize("path", PATHS)
def test_query_counts_stay_under_the_ceiling(path: str, measured: dict[str, dict[str, int]],
                                             ceilings: dict[str, dict[str, int]]) -> None:
    problems = over(measured[path], ceilings.setdefault(path, {}) if UPDATE else ceilings.get(path, {}))
    assert not problems, f"/{path}: " + "; ".join(problems)


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.xfail(reason=KNOWN_N_PLUS_ONE[p], strict=True)) if p in KNOWN_N_PLUS_ONE
    else p for p in PATHS])
def test_list_queries_do_not_grow_with_the_page(path: str, measured: dict[str, dict[str, int]]) -> None:
    counts = measured[path]
    assert counts["list"] == counts["list-of-1"], (
        f"/{path}: a page of 5 costs {counts['list']} queries, a page of 1 {counts['list-of-1']} (N+1)")


@pytest.mark.parametrize("path", PATHS)
def test_a_page_in_chunks_costs_each_chunk_what_the_page_would(path: str,
                                                               measured: dict[str, dict[str, int]]) -> None:
    """A page of 5 is served in two chunks (the first 2 records, then the other 3): what comes before the records
    (token, business, count) is paid once, and each chunk at most what the page would cost at once."""
    counts = measured[path]
    assert counts["list"] <= counts["list-in-chunks"] <= 2 * counts["list"], (
        f"/{path}: the page in chunks costs {counts['list-in-chunks']} queries, at once {counts['list']}")
