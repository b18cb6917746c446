"""What the ledger's tests over HTTP share: a GB business opened on a frozen day."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ledgerd.clock import Clock
from tests.support.books import Books
from tests.support.factories import Factory


@pytest.fixture
def books(client: TestClient, factory: Factory, frozen: Clock) -> Books:
    """A GB business opened on 15 June 2024 (noon UTC); tokens live five minutes from then."""
    return Books.open(client, factory)
