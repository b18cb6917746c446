"""The resource engine's list pages: presented a chunk of records at a time (listing.Streamed), answering
exactly what one pass over the whole page would."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.api import resource
from ledgerd.db import unit
from tests.support.books import Books
from tests.support.factories import Factory


def test_a_page_written_a_record_at_a_time_is_the_page_written_at_once(
        client: TestClient, factory: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    books = Books.open(client, factory)
    for n in range(7):
        books.created("/contacts", "contact", {"name": f"C{n}", "contact_type_ids": ["CUSTOMER"]})
    query: dict[str, Any] = {"items_per_page": 6, "page": 1, "attributes": "all", "nested_attributes": "all",
                             "show_legacy_id": "true"}
    released: list[int] = []
    let_go = unit.let_go
    monkeypatch.setattr(resource, "let_go", lambda db: (released.append(1), let_go(db)))

    monkeypatch.setattr(resource, "CHUNK_BYTES", 10**9)  # the first chunk, then the rest at once
    whole = books.get("/contacts", **query)
    assert len(released) == 2
    monkeypatch.setattr(resource, "CHUNK_BYTES", 1)  # then one record a chunk
    released.clear()
    pieces = books.get("/contacts", **query)
    assert len(released) == 1 + 4  # the first two records, then the other four one by one
    assert pieces.content == whole.content
    page = whole.json()
    assert [item["name"] for item in page["$items"]] == ["C0", "C1", "C2", "C3", "C4", "C5"]
    assert all(next(iter(item)) == "legacy_id" for item in page["$items"])
    assert page["$total"] == 7 and page["$next"]
    released.clear()
    small = books.get("/contacts", items_per_page=2, page=2, attributes="all")
    assert released == []  # a page of FIRST_CHUNK records or fewer is presented in one go
    assert [item["name"] for item in small.json()["$items"]] == ["C2", "C3"]
