"""Every answer is what its declaration says (api/responses.py, api/fields.py), so presenters and the OpenAPI
document cannot drift apart.

Every GET operation of the route table is asked (`attributes=all`) in the contract books (records of every
resource, see conftest.py) and in a fresh business of each country (reference lists, settings, empty
states); every PUT of a singleton (`/financial_settings`, `/user`...) is sent an empty change in those fresh
businesses. Each JSON answer must validate against the operation's response schema in the OpenAPI document,
and every object in it with a declaration must have exactly the declared keys, in the declared order (keys
declared `maybe` may be absent).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs

from ledgerd.api import openapi, responses
from ledgerd.api.fields import LINK, Fields, Kind, Many, Maybe, Page
from ledgerd.api.registry import REGISTRY
from ledgerd.regions import COUNTRIES
from tests.contract.books import Books
from tests.contract.conftest import World

PER_LIST = 3


def _businesses(world: World) -> tuple[list[Books], list[Books]]:
    """(the books every GET is asked in, the fresh ones of each country that PUTs may change)."""
    fresh = [Books.open(world.client, world.factory, country) for country in sorted(COUNTRIES)]
    return [world.reader, *world.readers.values(), *fresh], fresh


def _urls(path: str, ids: dict[str, list[str]]) -> Iterator[str]:
    if "{key}" not in path:
        yield path
        return
    collection = path.split("/{key}", 1)[0]
    for key in ids.get(collection, []):
        yield path.replace("{key}", key, 1)


def _is_page(body: Any) -> bool:
    return isinstance(body, dict) and "$items" in body and "$total" in body


def crawl(world: World) -> Iterator[tuple[openapi.Operation, str, int, Any]]:
    """(operation, url, status, JSON body) of every GET (and singleton PUT) answered with JSON."""
    ops = openapi.operations_of(world.client.app.routes)  # type: ignore[attr-defined]
    everywhere, fresh = _businesses(world)
    gets = sorted((op for op in ops if op.method == "GET"), key=lambda op: (op.path.count("/"), op.path))
    for books in everywhere:
        ids: dict[str, list[str]] = {}
        for op in gets:
            for url in _urls(op.path, ids):
                response = books.request("GET", url, attributes="all", items_per_page=PER_LIST)
                if response.status_code >= 500 or "json" not in response.headers.get("content-type", ""):
                    yield op, f"GET {url} ({books.country})", response.status_code, None
                    continue
                body = response.json()
                if response.status_code == 200 and _is_page(body):
                    ids[op.path] = [r["id"] for r in body["$items"] if isinstance(r, dict) and "id" in r][:PER_LIST]
                yield op, f"GET {url} ({books.country})", response.status_code, body
    for op in ops:
        if op.method != "PUT" or op.spec is not None or "{" in op.path:
            continue
        body = openapi.declared_body(op)
        wrapper = body.wrapper if body is not None else None
        for books in fresh if wrapper else []:
            response = books.request("PUT", op.path, {wrapper: {}})
            if response.status_code == 200:
                yield op, f"PUT {op.path} ({books.country})", 200, response.json()


def order_errors(value: Any, kind: Kind, at: str) -> Iterator[str]:
    """Where `value`'s objects do not have their declaration's keys in its order (links may be expanded)."""
    if isinstance(kind, Maybe):
        kind = kind.kind
    if isinstance(kind, Many) and isinstance(value, list):
        for index, inner in enumerate(value):
            yield from order_errors(inner, kind.item, f"{at}[{index}]")
    elif isinstance(kind, Fields) and isinstance(value, dict) and kind is not LINK:
        expected = [f.name for f in kind if not f.optional or f.name in value]
        if list(value) != expected:
            yield f"{at}: keys {list(value)} != declared {expected}"
        for field in kind:
            if field.name in value:
                yield from order_errors(value[field.name], field.kind, f"{at}.{field.name}")


def _declared(op: openapi.Operation) -> Fields | Page | None:
    if op.spec is not None:
        return responses.RECORDS.get(op.spec.path)
    return responses.OTHERS.get(op.key)


def test_every_answer_has_the_declared_types_and_keys_in_order(world: World) -> None:
    document = openapi.document(world.client.app.routes)  # type: ignore[attr-defined]
    components = {"components": document["components"]}
    validators: dict[tuple[str, str], Any] = {}
    failures: list[str] = []
    checked = 0
    for op, where, status, body in crawl(world):
        if status >= 500:
            failures.append(f"{where}: {status}")
        if status != 200 or body is None:
            continue
        declared = _declared(op)
        if declared is None:
            failures.append(f"{where}: {op.key} declares no answer (api/responses.py)")
            continue
        key = (op.path, op.method.lower())
        if key not in validators:
            schema = document["paths"][op.path][op.method.lower()]["responses"]["200"]["content"][
                "application/json"]["schema"]
            validators[key] = jsonschema_rs.Draft202012Validator({**schema, **components})
        failures += [f"{where}: {error.message[:300]} at {list(error.instance_path)}"
                     for error in list(validators[key].iter_errors(body))[:3]]
        records = body["$items"] if isinstance(declared, Page) or op.action == "list" else [body]
        item = declared.item if isinstance(declared, Page) else declared
        for index, record in enumerate(records):
            if "deleted_at" not in record:
                failures += list(order_errors(record, item, f"{where} [{index}]"))[:3]
        checked += 1
    assert checked > 200
    assert not failures, "\n".join(failures[:60])


def test_every_served_resource_declares_its_records_with_the_base_keys_first() -> None:
    for path in sorted(REGISTRY):
        assert responses.RECORDS[path].keys[:3] == ("id", "displayed_as", "$path"), path
