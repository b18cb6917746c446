"""API v3 against Sage's official v3 swagger, as tests/conformance does for v3.1: every operation of the v3 swagger
is routed under /uki/sageone/accounts/v3 (or the region of the business its recipe needs), answers its documented
success status, and its body conforms to the documented definition (the same validator and the same documented
wire differences as v3.1's suite)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.app import create_app
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import Business, User
from tests.conformance import differences, operations
from tests.conformance.checks import check_body
from tests.conformance.operations import Operation
from tests.conformance.recipes import LIST, Recipe, country, recipe
from tests.conformance.schema import ref_name
from tests.conformance.world import World
from tests.contract.books import Books
from tests.contract.examples import EXAMPLES
from tests.legacy.conftest import REGION
from tests.support import reference
from tests.support.factories import Factory

V3_ONLY = {"GET /unposted_transactions", "GET /unposted_transactions/{key}"}


def _inline(op: Operation, definitions: dict[str, Any]) -> Operation:
    """v3's swagger names its lists' schemas (`ContactArray`, an array definition); v3.1's writes them inline."""
    name = ref_name(op.schema) if op.schema else None
    if name is not None and definitions[name].get("type") == "array":
        return dataclasses.replace(op, schema=definitions[name])
    return op


def v3_operations() -> tuple[Operation, ...]:
    document = reference.v3_swagger()
    ops = [_inline(op, document["definitions"]) for op in operations._operations(document, core=False)]
    return tuple(sorted(ops, key=lambda op: (op.path, operations.METHODS.index(op.method.lower()))))


OPERATIONS = v3_operations()


@functools.cache
def v3_definitions() -> dict[str, Any]:
    """The v3 swagger's definitions, each widened by what v3.1's definition of the same name adds: v3 is served by
    the v3.1 routes, so its records carry v3.1's newer attributes too (docs/legacy-v3.md, "Additions")."""
    v3, v31 = reference.v3_swagger()["definitions"], reference.definitions()
    merged = dict(v3)
    for name, definition in v3.items():
        newer = v31.get(name, {}).get("properties")
        if newer and definition.get("properties"):
            merged[name] = {**definition, "properties": {**newer, **definition["properties"]}}
    return merged


def _open_bank_line(books: Books) -> str:
    """A bank transfer: two bank entries no reconciliation has taken yet (unposted in v3's words)."""
    create = EXAMPLES["bank_transfers"].create
    assert create is not None
    return str(books.once("record:bank_transfer", lambda: books.create("bank_transfers", create(books))["id"]))


RECIPES: dict[str, Recipe] = {
    "GET /unposted_transactions": Recipe(key=_open_bank_line, params=LIST),
}


class V3World(World):
    """The conformance world, its requests sent through API v3 by each tenant's owner."""

    callers: dict[str, dict[str, str]]

    def v3_headers(self, books: Books) -> dict[str, str]:
        if books.business_id not in self.callers:
            factory = self.factory
            user = factory.tx(lambda db: db.get(User, books.owner_id))
            business = factory.tx(lambda db: db.get(Business, books.business_id))
            assert user is not None and business is not None
            app, _ = factory.app(user)
            keys = factory.subscription_keys(app)
            token = factory.legacy_token(user, business, api="v3", app=app)["access_token"]
            self.callers[books.business_id] = {"Authorization": f"Bearer {token}", "X-Site": books.business_id,
                                               "Ocp-Apim-Subscription-Key": keys["primary"]}
        return self.callers[books.business_id]

    def send_v3(self, books: Books, method: str, path: str, *, body: Any = None,
                params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
        url = f"/{REGION[books.country]}/sageone/accounts/v3{path}"
        return self.client.request(method, url, json=body, params=params or None,
                                   headers={**self.v3_headers(books), **(headers or {})})


@pytest.fixture(scope="module")
def v3_world(runtime: Runtime) -> Iterator[V3World]:
    runtime.clock.reset()
    with TestClient(create_app(runtime=runtime), base_url="http://testserver") as client:
        world = V3World(client, Factory(runtime), frozenset())
        world.callers = {}
        yield world


def test_the_v3_contract_has_every_operation() -> None:
    assert len(OPERATIONS) == 278
    v31 = {op.id for op in operations.official() if not op.core}
    assert {op.id for op in OPERATIONS} - v31 == V3_ONLY


def _key(world: V3World, books: Books, op: Operation, found: Recipe) -> str | None:
    if op.id == "GET /unposted_transactions/{key}":
        _open_bank_line(books)
        listed = world.send_v3(books, "GET", "/unposted_transactions").json()["$items"]
        return str(listed[0]["id"])
    return found.key(books) if found.key else None


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.id)
def test_v3_operation_conforms(op: Operation, v3_world: V3World) -> None:
    found = RECIPES.get(op.id) or recipe(op) or (Recipe() if op.id in V3_ONLY else None)
    assert found is not None, f"no recipe for {op.id}"
    books = v3_world.tenant("A", country(op, found))
    key = _key(v3_world, books, op, found)
    body = found.body(books, key) if found.body else None
    response = v3_world.send_v3(books, op.method, op.path.replace("{key}", key or ""), body=body,
                                params=found.query(books, key), headers=dict(found.headers))
    erratum = differences.SWAGGER_ERRATA.get(op.id)
    status = (erratum and erratum.status) or op.status
    assert response.status_code == status, f"{op.id}: {response.status_code} {response.text}"
    assert "x-business" not in response.headers
    # legacy_id: every v3 definition declares it; shown with show_legacy_id=true, as in v3.1
    check_body(op, response, v3_definitions(), conditional=("legacy_id",), swagger="the v3 swagger")
