"""One valid request of every operation of Sage's contract, its response checked against the swagger.

An operation ledgerd does not route is skipped as "not implemented" (and named in the coverage report);
one it routes must have a recipe (recipes.py), answer the documented success status, and return a body
that conforms to the documented definition: types, known keys, key order (schema.py), allowing only the
wire differences listed in differences.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance import differences, operations
from tests.conformance.checks import check_body
from tests.conformance.operations import Operation
from tests.conformance.recipes import Recipe, country, recipe
from tests.conformance.report import NOT_IMPLEMENTED, record
from tests.conformance.world import World

OPERATIONS = operations.official()


def test_the_contract_has_every_operation() -> None:
    assert sum(not op.core for op in OPERATIONS) == 287
    assert sorted(op.id for op in OPERATIONS if op.core) == [
        "GET /businesses", "GET /businesses/{key}", "GET /user", "PUT /businesses/{key}", "PUT /user"]


def call(world: World, op: Operation, found: Recipe) -> tuple[Any, str]:
    """Make what the operation needs in tenant A, send its request; the response and A's business id."""
    books = world.tenant("A", country(op, found))
    key = found.key(books) if found.key else None
    if op.keyed:
        assert key is not None, f"the recipe of {op.id} makes no record for {{key}}"
    body = found.body(books, key) if found.body else None
    response = world.send(books, op.method, op.path.replace("{key}", key or ""), body=body,
                          params=found.query(books, key), headers=dict(found.headers))
    return response, books.business_id


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.id)
def test_operation_conforms(op: Operation, world: World, request: pytest.FixtureRequest) -> None:
    implemented = op.id in world.routes
    record(request, op, implemented)
    if not implemented:
        pytest.skip(f"{NOT_IMPLEMENTED} (named in the conformance report)")
    found = recipe(op)
    assert found is not None, f"no recipe for {op.id}: add one to tests/conformance/recipes.py"
    response, business_id = call(world, op, found)
    erratum = differences.SWAGGER_ERRATA.get(op.id)
    status = (erratum and erratum.status) or op.status
    assert response.status_code == status, f"{op.id}: {response.status_code} {response.text}"
    if not op.core:
        assert response.headers.get("X-Business") == business_id
    check_body(op, response)
