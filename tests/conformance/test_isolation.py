"""The tenant-isolation matrix, generated over every operation of the contract.

Tenants A and B are two businesses, each with its own owner who is a member of that business only.
Whatever A's recipes make, B must never reach:

* by id: every operation with a `{key}` naming A's record answers B 404 RecordNotFound (GET, PUT, DELETE
  and actions alike), and A's record is unchanged afterwards; `{key}`s of shared static lists read the same
  for both;
* in lists: no list or singleton B reads mentions an id of A's, also when B filters by A's ids
  (`contact_id=<A's customer>`…), which match nothing;
* by header: B's token with `X-Business: <A's business>` is refused with Sage's 403 on every
  business-scoped operation, before anything is read or written.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance import operations
from tests.conformance.operations import Operation
from tests.conformance.recipes import FILTERS, Recipe, country, owned, recipe
from tests.conformance.report import NOT_IMPLEMENTED, record
from tests.conformance.world import World, owned_ids
from tests.contract.books import Books
from tests.support.books import problem

OPERATIONS = operations.official()
KEYED = [op for op in OPERATIONS if op.keyed]
READS = [op for op in OPERATIONS if op.method == "GET" and not op.keyed]
SCOPED = [op for op in OPERATIONS if not op.core]


def require(world: World, op: Operation, request: pytest.FixtureRequest) -> Recipe:
    """The operation's recipe (its outcome counts in the report); skipped when ledgerd does not route it."""
    record(request, op, op.id in world.routes)
    if op.id not in world.routes:
        pytest.skip(f"{NOT_IMPLEMENTED} (named in the conformance report)")
    found = recipe(op)
    assert found is not None, f"no recipe for {op.id}: add one to tests/conformance/recipes.py"
    return found


def tenants(world: World, op: Operation, found: Recipe) -> tuple[Books, Books]:
    where = country(op, found)
    return world.tenant("A", where), world.tenant("B", where)


def attempt(world: World, op: Operation, found: Recipe, owner: Books, other: Books, key: str | None,
            headers: dict[str, str] | None = None) -> Any:
    """`op` with A's key, A's body and A's parameters, sent with B's token."""
    body = found.body(owner, key) if found.body else None
    return world.send(other, op.method, op.path.replace("{key}", key or ""), body=body,
                      params=found.query(owner, key), headers=headers)


def _readback(world: World, op: Operation, books: Books, key: str) -> Any:
    """A's own GET of the record (None when the resource has no single GET)."""
    if f"GET /{op.collection}/{{key}}" not in world.routes:
        return None
    response = world.send(books, "GET", f"/{op.collection}/{key}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("op", KEYED, ids=lambda op: op.id)
def test_another_tenants_key_is_not_found(op: Operation, world: World, request: pytest.FixtureRequest) -> None:
    found = require(world, op, request)
    owner, other = tenants(world, op, found)
    assert found.key is not None
    key = found.key(owner)
    if not owned(op, found, key):
        # A shared list (static lists, exchange rates): every tenant reads the item of that id.
        mine = world.send(owner, op.method, op.path.replace("{key}", key), params=found.query(owner, key))
        theirs = world.send(other, op.method, op.path.replace("{key}", key), params=found.query(other, key))
        assert theirs.status_code == mine.status_code, theirs.text
        assert theirs.status_code != 200 or theirs.json()["id"] == mine.json()["id"] == key
        return
    before = _readback(world, op, owner, key)
    problem(attempt(world, op, found, owner, other, key, headers=dict(found.headers)), 404, "RecordNotFound")
    assert _readback(world, op, owner, key) == before, f"B's {op.id} changed A's record"


@pytest.mark.parametrize("op", READS, ids=lambda op: op.id)
def test_another_tenants_records_never_show(op: Operation, world: World, request: pytest.FixtureRequest) -> None:
    found = require(world, op, request)
    owner, other = tenants(world, op, found)
    if found.key is not None:
        found.key(owner)  # A has a record of this list
    hidden = owned_ids(owner) - owned_ids(other)
    shown = world.send(other, "GET", op.path, params={**found.query(other, None), "items_per_page": "200"}
                       if op.is_list else found.query(other, None))
    assert shown.status_code == 200, shown.text
    assert not [key for key in hidden if key in shown.text], f"B's {op.id} shows A's records"
    for name in op.query_parameters():
        if name not in FILTERS:
            continue
        filtered = world.send(other, "GET", op.path, params={**found.query(other, None), **FILTERS[name](owner)})
        assert not [key for key in hidden if key in filtered.text], f"B's {op.id}?{name}=<A's> shows A's records"
        if filtered.status_code == 200 and op.is_list:
            assert filtered.json()["$total"] == 0, f"B's {op.id}?{name}=<A's record> matches B's records"
        else:
            problem(filtered, filtered.status_code)


@pytest.mark.parametrize("op", SCOPED, ids=lambda op: op.id)
def test_x_business_of_another_tenant_is_refused(op: Operation, world: World, request: pytest.FixtureRequest) -> None:
    found = require(world, op, request)
    owner, other = tenants(world, op, found)
    key = found.key(owner) if found.key else None
    response = attempt(world, op, found, owner, other, key, headers={**found.headers, "X-Business": owner.business_id})
    problem(response, 403, "MultiUserAccessDenied", "X-Business")
