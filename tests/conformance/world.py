"""The businesses the conformance suite works in, per backend.

Tenants are named ("A", "B", …) and opened per country on first use. Each has its own owner, who is a
member of that business only, so the isolation matrix can aim one tenant's token at another's records.
A tenant is a `tests.contract.books.Books`, so the contract examples' bodies work in it unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.testclient import TestClient

from tests.contract.books import Books
from tests.support.factories import Factory

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class World:
    client: TestClient
    factory: Factory
    routes: frozenset[str]
    tenants: dict[tuple[str, str], Books] = field(default_factory=dict)

    def tenant(self, name: str = "A", country: str = "GB") -> Books:
        if (name, country) not in self.tenants:
            self.tenants[name, country] = Books.open(self.client, self.factory, country)
        return self.tenants[name, country]

    def send(self, books: Books, method: str, path: str, *, body: Any = None, params: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Any:
        """One request to /v3.1 as `books`'s owner (`headers` replaces or adds to theirs)."""
        return self.client.request(method, f"/v3.1{path}", json=body, params=params or None,
                                   headers={**books.headers, **(headers or {})})


def owned_ids(books: Books) -> set[str]:
    """The ids a tenant has made so far (its business, and every record its recipes remembered)."""
    found = {books.business_id}

    def walk(value: Any) -> None:
        if isinstance(value, str) and HEX_ID.match(value):
            found.add(value)
        elif isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner)

    walk(books.memo)
    return found
