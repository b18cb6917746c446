"""Schemathesis against a real `ledgerd serve` on SQLite, driven by ledgerd's own OpenAPI document.

Every operation of `GET /v3.1/openapi.json` gets generated requests (derandomized, so a run is repeatable)
in a demo business with a valid token; operations on one record are tried both with generated keys and
with the key of a real record listed first. Each answer must be no 5xx and must keep our own document: a
documented status, a documented content type and a body valid against the documented schema.
`LEDGERD_SCHEMATHESIS_EXAMPLES` sets the examples per operation (default 6: every operation is also sent hostile
requests by tests/fuzz, and every GET's answer in books of every kind of record is checked against this document by
tests/contract/test_responses.py).
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.exc import SADeprecationWarning

from ledgerd.app import build_runtime
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.sandbox.demo import seed_demo_books
from tests.conftest import TEST_SCRYPT_N
from tests.support.factories import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.server
EXAMPLES = int(os.environ.get("LEDGERD_SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def headers(server: LiveServer) -> dict[str, str]:
    """A demo business (the `ledgerd demo` books) and its owner's bearer token, made in the server's database."""
    runtime = build_runtime(Settings(database_url=server.database_url, env="test",
                                     password_scrypt_n=TEST_SCRYPT_N, public_url=server.url), Clock())
    factory = Factory(runtime)
    owner = factory.user("Demo", "User")
    business = factory.business(owner, name="Demo Business Ltd")
    with warnings.catch_warnings():  # the demo seed still calls Result.tuples(), deprecated in SQLAlchemy 2.1
        warnings.simplefilter("ignore", SADeprecationWarning)
        factory.tx(lambda db: seed_demo_books(db, runtime.clock, business.id))
    out = factory.headers(owner, business=business.id)
    runtime.engine.dispose()
    return out


def _real_key(session: requests.Session, base: str, path: str) -> str | None:
    """The id of the first record listed at the collection a `{key}` path belongs to."""
    response = session.get(f"{base}{path.split('/{key}', 1)[0]}")
    if response.status_code != 200:
        return None
    items = response.json().get("$items") if isinstance(response.json(), dict) else None
    return str(items[0]["id"]) if items else None


@dataclass
class Tally:
    """Requests sent per operation, and the first failure of each failing operation."""

    calls: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)

    def fuzz(self, label: str, strategy: Any, send: Any) -> None:
        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case: Any) -> None:
            response = send(case)
            self.calls[label] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, FailureGroup) as exc:  # failed checks, alone or several at once
                self.failures.setdefault(label, f"{response.status_code} {exc}"[:800])

        run()


def test_generated_requests_keep_the_document(server: LiveServer, headers: dict[str, str]) -> None:
    base = f"{server.url}/v3.1"
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    session = requests.Session()
    session.headers.update(headers)
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy()
        key = _real_key(session, base, operation.path) if "{key}" in operation.path else None
        if key is not None:
            strategy = st.one_of(strategy, operation.as_strategy(path_parameters={"key": key}))
        tally.fuzz(f"{operation.method.upper()} {operation.path}", strategy,
                   lambda case: case.call(base_url=base, session=session, headers=headers))

    total = sum(tally.calls.values())
    print(f"\nSchemathesis: {total} requests over {len(tally.calls)} operations, "
          f"{len(tally.failures)} failing operations")
    assert len(tally.calls) >= 250 and total >= 200 * EXAMPLES, (len(tally.calls), total)
    assert not tally.failures, "\n\n".join(f"{label}: {text}" for label, text in sorted(tally.failures.items()))
