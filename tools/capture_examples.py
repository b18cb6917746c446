"""Capture one real request and response per API operation, for the reference of the documentation site.

Starts `ledgerd serve` over a temporary SQLite database (ledgerd.testing.server), opens businesses with their
region's books (one per country needed; the GB one also with the books of `ledgerd demo`) and sends every
operation of ledgerd's OpenAPI document one plausible request: what each operation needs (the record its `{key}`
names, its body, its query) comes from the conformance suite's recipes (tests/conformance/recipes.py), so the
examples are requests the suite proves valid. Successful answers are stored, long lists and strings cut short, in
src/ledgerd/web/docs/examples.json; the site generates an example from the schema for every other operation and
marks it so.

    python tools/capture_examples.py            # rewrites the examples file (rerunnable)
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import httpx  # noqa: E402

from ledgerd.app import build_runtime  # noqa: E402
from ledgerd.clock import Clock  # noqa: E402
from ledgerd.config import Settings  # noqa: E402
from ledgerd.sandbox.demo import seed_demo_books  # noqa: E402
from ledgerd.testing.server import LedgerdServer  # noqa: E402
from tests.conformance.operations import Operation  # noqa: E402
from tests.conformance.recipes import country, recipe  # noqa: E402
from tests.contract.books import Books  # noqa: E402
from tests.support.factories import Factory  # noqa: E402

OUT = ROOT / "src" / "ledgerd" / "web" / "docs" / "examples.json"
ITEMS = 3  # records kept of a list
TEXT = 120  # characters kept of a long string (a file's Base64, say)
TOKEN = "Bearer $ACCESS_TOKEN"  # the example shows where the token goes, never one
OFFERED = re.compile(r"Offered to businesses in: ([A-Z, ]+)\.")


def cut(value: Any) -> Any:
    """The value with lists cut to a few items and long strings shortened (marked with …)."""
    if isinstance(value, dict):
        return {k: cut(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cut(v) for v in value[:ITEMS]]
    if isinstance(value, str) and len(value) > TEXT:
        return value[:TEXT] + "…"
    return value


def operations(doc: dict[str, Any]) -> list[Operation]:
    """ledgerd's operations in the conformance suite's terms (countries as the document's descriptions say)."""
    out = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            offered = OFFERED.search(op.get("description", ""))
            countries = frozenset(c.strip() for c in offered.group(1).split(",")) if offered else frozenset()
            out.append(Operation(method.upper(), path, op["tags"][0], 200, None, (),
                                 path in ("/businesses", "/businesses/{key}", "/user"), countries))
    return out


def capture(client: httpx.Client, factory: Factory, op: Operation, tenants: dict[str, Books]) -> dict[str, Any]:
    found = recipe(op)
    if found is None:
        raise LookupError("no recipe")
    where = country(op, found)
    if where not in tenants:
        tenants[where] = Books.open(client, factory, where)  # type: ignore[arg-type]
        if where == "GB":  # the demo books of `ledgerd demo` (GB's chart and rates): lists show real records
            business_id = tenants[where].business_id
            factory.tx(lambda db: seed_demo_books(db, factory.runtime.clock, business_id))
    books = tenants[where]
    key = found.key(books) if found.key else None
    body = found.body(books, key) if found.body else None
    query = found.query(books, key)
    if op.method == "GET" and not op.keyed:
        query.pop("attributes", None)  # a list's short form keeps the example readable
    path = op.path.replace("{key}", key or "")
    headers = {**books.headers, **found.headers}
    response = client.request(op.method, f"/v3.1{path}", json=body, params=query or None, headers=headers)
    if not response.is_success:
        raise RuntimeError(f"{response.status_code} {response.text[:200]}")
    shown = {k: v for k, v in headers.items() if k != "Authorization"}
    if query:
        path += "?" + str(httpx.QueryParams(query))
    if not response.content:
        answer = None
    elif response.headers.get("content-type", "").startswith("application/json"):
        answer = cut(response.json())
    else:
        answer = f"({len(response.content)} bytes of {response.headers.get('content-type')})"
    return {"request": {"path": path, "headers": {"Authorization": TOKEN, **shown}, "body": cut(body)},
            "response": {"status": response.status_code, "body": answer}}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ledgerd-examples-") as tmp:
        server = LedgerdServer(Path(tmp))
        server.start()
        try:
            runtime = build_runtime(Settings(database_url=server.database_url, env="test", public_url=server.url,
                                             password_scrypt_n=256, journal=False), Clock())
            factory = Factory(runtime)
            client = httpx.Client(base_url=server.url, timeout=60)
            doc = client.get("/v3.1/openapi.json").json()
            examples: dict[str, Any] = {}
            tenants: dict[str, Books] = {}
            for op in operations(doc):
                try:
                    examples[op.id] = capture(client, factory, op, tenants)
                except Exception as exc:  # the site generates this one from the schema
                    print(f"skipped {op.id}: {type(exc).__name__}: {str(exc)[:160]}", file=sys.stderr)
            runtime.engine.dispose()
        finally:
            server.stop()
    lines = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in examples.items()]
    OUT.write_text("{\n" + ",\n".join(lines) + "\n}\n", "utf-8")
    print(f"{len(examples)} of {sum(len(v) for v in doc['paths'].values())} operations captured in "
          f"{OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
