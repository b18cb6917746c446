"""SQL statements per request, held to committed baselines so an N+1 regression fails a test.

For every resource: a list with `attributes=all` over a page of 5 records and a single GET (both in the
shared reader business), and a create (in a fresh business, so nothing earlier in the run changes it).
A count above its baseline fails; one below it fails too, asking for the baseline to be lowered.
Regenerate with `LEDGERD_UPDATE_QUERY_COUNTS=1 pytest tests/contract/test_query_counts.py`.
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
from ledgerd.api.resource import REGISTRY
from ledgerd.runtime import Runtime
from tests.contract.books import Books
from tests.contract.conftest import World
from tests.contract.examples import EXAMPLES

PATHS = sorted(REGISTRY)
BASELINES = Path(__file__).with_name("query_counts.json")
UPDATE = os.environ.get("LEDGERD_UPDATE_QUERY_COUNTS") == "1"
# Transaction control is the unit of work's business, not the endpoint's.
NOT_COUNTED = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")
# Resources whose list still costs queries per record, with the reason; the N+1 test expects them to fail.
KNOWN_N_PLUS_ONE: dict[str, str] = {}


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements `engine` executes inside the block."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not statement.lstrip().upper().startswith(NOT_COUNTED):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def measure(engine: Engine, books: Books, method: str, path: str, expect: int, body: Any = None,
            **params: Any) -> int:
    """The statements one request executes."""
    with counting(engine) as statements:
        response = books.request(method, path, body, **params)
    assert response.status_code == expect, response.text
    return len(statements)


def key(backend: str, method: str, template: str, variant: str) -> str:
    return f"{backend} {method} {template} {variant}"


@pytest.fixture(scope="package")
def measured(world: World, runtime: Runtime, database_url: str) -> dict[str, dict[str, int]]:
    """Every count of this backend, by path, measured once in a fixed order."""
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    engine = runtime.engine
    fresh = {country: Books.open(world.client, world.factory, country)
             for country in sorted({example.country for example in EXAMPLES.values()})}
    out: dict[str, dict[str, int]] = {}
    for path in PATHS:
        counts = out[path] = {}
        reader = world.reader_for(path)
        first = world.first_ids(path, 1)[0]
        counts[key(backend, "GET", f"/{path}", "list-all-5")] = measure(
            engine, reader, "GET", f"/{path}", 200, attributes="all", items_per_page=5)
        # The same five records one per page: what a record costs may depend on what it links to (no
        # query for links it lacks), so the dearest single page is the fair comparison.
        counts[key(backend, "GET", f"/{path}", "list-all-1")] = max(
            measure(engine, reader, "GET", f"/{path}", 200, attributes="all", items_per_page=1, page=page)
            for page in range(1, 6))
        counts[key(backend, "GET", f"/{path}/{{key}}", "read")] = measure(
            engine, reader, "GET", f"/{path}/{first}", 200)
        example = EXAMPLES[path]
        if example.create is not None:
            books = fresh[example.country]
            counts[key(backend, "POST", f"/{path}", "create")] = measure(
                engine, books, "POST", f"/{path}", 201, example.create(books))
    return out


@pytest.fixture(scope="session")
def baselines() -> Iterator[dict[str, int]]:
    """The committed baselines; with LEDGERD_UPDATE_QUERY_COUNTS=1, what was measured is written back."""
    stored: dict[str, int] = json.loads(BASELINES.read_text()) if BASELINES.exists() else {}
    seen: dict[str, int] = {}
    yield seen if UPDATE else stored
    if UPDATE and seen:
        merged = {name: count for name, count in {**stored, **seen}.items() if _path_of(name) in REGISTRY}
        BASELINES.write_text(json.dumps(dict(sorted(merged.items())), indent=2) + "\n")


def _path_of(name: str) -> str:
    """The resource a baseline is about: "sqlite GET /contacts/{key} read" → "contacts"."""
    return name.split(" ")[2].split("/")[1]


def test_every_baseline_names_a_served_resource() -> None:
    stored: dict[str, int] = json.loads(BASELINES.read_text())
    stale = sorted(name for name in stored if _path_of(name) not in REGISTRY)
    assert not stale, f"baselines of resources no longer served (LEDGERD_UPDATE_QUERY_COUNTS=1 drops them): {stale}"


def compared(counts: dict[str, int], baselines: dict[str, int]) -> list[str]:
    out = []
    for name, count in counts.items():
        if name.endswith("list-all-1"):
            continue  # only compared with the page of 5, below
        if UPDATE:
            baselines[name] = count
        elif name not in baselines:
            out.append(f"{name}: {count} queries, no baseline (run with LEDGERD_UPDATE_QUERY_COUNTS=1)")
        elif count > baselines[name]:
            out.append(f"{name}: {count} queries, more than the baseline {baselines[name]}")
        elif count < baselines[name]:
            out.append(f"{name}: {count} queries, fewer than the baseline {baselines[name]}: lower it "
                       "(LEDGERD_UPDATE_QUERY_COUNTS=1)")
    return out


@pytest.mark.parametrize("path", PATHS)
def test_query_counts_keep_to_the_baseline(path: str, measured: dict[str, dict[str, int]],
                                           baselines: dict[str, int]) -> None:
    problems = compared(measured[path], baselines)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.xfail(reason=KNOWN_N_PLUS_ONE[p], strict=True)) if p in KNOWN_N_PLUS_ONE
    else p for p in PATHS])
def test_list_queries_do_not_grow_with_the_page(path: str, measured: dict[str, dict[str, int]]) -> None:
    counts = {name.rsplit(" ", 1)[1]: count for name, count in measured[path].items()}
    assert counts["list-all-5"] == counts["list-all-1"], (
        f"/{path}: a page of 5 costs {counts['list-all-5']} queries, a page of 1 {counts['list-all-1']} (N+1)")
