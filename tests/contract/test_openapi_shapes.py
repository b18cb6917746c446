"""The response shapes of the OpenAPI document (src/ledgerd/api/shapes.json) are what the server answers.

Every GET operation of the route table is asked in the contract books (records of every resource, see
conftest.py) and in a fresh business of each country (reference lists, settings, empty states); every PUT
of a singleton (`/financial_settings`, `/user`…) is sent an empty change in those fresh businesses. The
shapes inferred from the answers (api/shapes.py) must equal the committed file. After changing what a
presenter returns, or adding operations, regenerate it:

    LEDGERD_UPDATE_OPENAPI_SHAPES=1 pytest -p no:xdist tests/contract/test_openapi_shapes.py -k sqlite
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

from ledgerd.api import openapi, shapes
from ledgerd.api.shapes import Seen
from ledgerd.regions import COUNTRIES
from tests.contract.books import Books
from tests.contract.conftest import World

UPDATE = os.environ.get("LEDGERD_UPDATE_OPENAPI_SHAPES") == "1"
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


def crawl(world: World) -> dict[str, Seen]:
    """What every GET (and singleton PUT) answered, by the operation whose shape it records: one record for
    the operations of a resource spec (lists are its envelope), the whole body for any other."""
    ops = openapi.operations_of(world.client.app.routes)  # type: ignore[attr-defined]
    everywhere, fresh = _businesses(world)
    seen: dict[str, Seen] = {}
    failures: list[str] = []
    gets = sorted((op for op in ops if op.method == "GET"), key=lambda op: (op.path.count("/"), op.path))
    for books in everywhere:
        ids: dict[str, list[str]] = {}
        for op in gets:
            key = op.key if op.spec is None else f"GET /{op.spec.path}/{{key}}"
            for url in _urls(op.path, ids):
                response = books.request("GET", url, attributes="all", items_per_page=PER_LIST)
                if response.status_code >= 500:
                    failures.append(f"GET {url} ({books.country}): {response.status_code}")
                if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
                    continue
                is_list, records = shapes.item(response.json())
                if is_list:
                    ids[op.path] = [r["id"] for r in records if isinstance(r, dict) and "id" in r][:PER_LIST]
                for record in records if op.spec is not None else [response.json()]:
                    seen.setdefault(key, Seen()).add(record)
    for op in ops:
        if op.method != "PUT" or op.spec is not None or "{" in op.path:
            continue
        wrapper = op.route.body.wrapper if op.route.body is not None else None
        for books in fresh if wrapper else []:
            response = books.request("PUT", op.path, {wrapper: {}})
            if response.status_code == 200:
                seen.setdefault(op.key, Seen()).add(response.json())
    assert not failures, failures
    return seen


def inferred(world: World) -> dict[str, shapes.Schema]:
    return {key: value.schema() for key, value in crawl(world).items()}


def test_recorded_shapes_are_what_the_server_answers(world: World) -> None:
    fresh = inferred(world)
    if UPDATE:
        shapes.FILE.write_text(shapes.dump(fresh))
        return
    stored = json.loads(shapes.FILE.read_text()) if shapes.FILE.exists() else {}
    changed = sorted(key for key in fresh.keys() | stored.keys() if fresh.get(key) != stored.get(key))
    assert not changed, ("src/ledgerd/api/shapes.json is out of date for these operations; regenerate it with "
                         f"LEDGERD_UPDATE_OPENAPI_SHAPES=1 (see this module's docstring): {changed}")


def test_every_documented_record_keeps_the_base_keys(world: World) -> None:
    """The recorded record shapes of served resources start with Sage's base keys."""
    for path in sorted(openapi.REGISTRY):
        recorded = shapes.recorded().get(f"GET /{path}/{{key}}")
        if recorded is not None:
            assert list(recorded["properties"])[:3] == list(shapes.BASE_KEYS), path
