"""Businesses shared by the contract tests of one backend.

`reader` (or, for a resource served in one country only, that country's reader) holds at least five records
of every resource (made once, in a fixed order, so query counts
are the same run after run) and is never written to afterwards; write tests use `writer` (or a business
of the country a resource's writes need), so they can't disturb what the read checks see.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from starlette.testclient import TestClient

from ledgerd.api.resource import REGISTRY
from ledgerd.app import create_app
from ledgerd.runtime import Runtime
from tests.contract.books import Books
from tests.contract.examples import EXAMPLES, add_records
from tests.support.factories import Factory

PER_RESOURCE = 5
PUBLIC_URL = "http://testserver"


@dataclass
class World:
    client: TestClient
    factory: Factory
    reader: Books
    writer: Books
    others: dict[str, Books] = field(default_factory=dict)
    foreign_ids: dict[str, str] = field(default_factory=dict)
    # Readers of resources served in one country only (Example.region), by country.
    readers: dict[str, Books] = field(default_factory=dict)

    def reader_for(self, path: str) -> Books:
        """The business whose records the read checks of `path` see: its region's, else the shared reader."""
        example = EXAMPLES.get(path)
        return self.readers.get(example.region or "", self.reader) if example else self.reader

    def books_for(self, path: str, *, fresh: bool = False) -> Books:
        """The business writes of `path` go to (its example's country); `fresh` opens a new one."""
        country = EXAMPLES[path].country
        if fresh:
            return Books.open(self.client, self.factory, country)
        if country == self.writer.country:
            return self.writer
        if country not in self.others:
            self.others[country] = Books.open(self.client, self.factory, country)
        return self.others[country]

    def first_ids(self, path: str, count: int = PER_RESOURCE) -> list[str]:
        listing = self.reader_for(path).get(f"/{path}", items_per_page=count)
        assert listing.status_code == 200, listing.text
        return [item["id"] for item in listing.json()["$items"]]

    def foreign(self, path: str) -> str:
        """The id of a record of `path` made in another business than the reader."""
        if path not in self.foreign_ids:
            books = self.books_for(path)
            made = add_records(books, path, 1)
            self.foreign_ids[path] = made[0] if made else books.get(f"/{path}").json()["$items"][0]["id"]
        return self.foreign_ids[path]


@pytest.fixture(scope="package")
def contract_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), base_url=PUBLIC_URL) as client:
        yield client


@pytest.fixture(scope="package")
def world(runtime: Runtime, contract_client: TestClient) -> World:
    factory = Factory(runtime)
    runtime.clock.reset()
    reader = Books.open(contract_client, factory)
    readers: dict[str, Books] = {}
    # A resource without an example fails test_every_resource_has_an_example, not every other test.
    paths = sorted(path for path in REGISTRY if path in EXAMPLES)
    for path in paths:
        example = EXAMPLES[path]
        if example.region is not None:
            if example.region not in readers:
                readers[example.region] = Books.open(contract_client, factory, example.region)
            add_records(readers[example.region], path, PER_RESOURCE)
        elif example.country == reader.country or example.create is None:
            add_records(reader, path, PER_RESOURCE)
    world = World(contract_client, factory, reader, Books.open(contract_client, factory), readers=readers)
    for path in paths:
        total = world.reader_for(path).get(f"/{path}", items_per_page=1).json()["$total"]
        assert total >= PER_RESOURCE, f"/{path} has only {total} records in the shared business"
    return world
