"""Every API operation under hostile input, on SQLite and on PostgreSQL.

The operations are those of ledgerd's own OpenAPI document (every `/v3.1` route) and the `/ledgerd/v1` reports.
Each one gets its probes (always sent: extreme instants in the since-filters, year 1 and year 9999 in the date
parameters, and in each body date with the other dates left out, 1e17 in each body number in turn, NUL in every
body string, in the key and in a query value) and generated requests (`LEDGERD_FUZZ_EXAMPLES`, 8, for an operation
with a body, half as many for one without: `examples`): a real record's key or a hostile one, up to three hostile
query parameters, and for writes a valid body (tests/contract/examples.py) with one to three fields replaced,
dropped or flooded to a thousand and one items, or a body generated from the operation's schema, or a body that is
not one at all. No answer may be a 5xx, and every error must be Sage's error array.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import strategies as st
from starlette.testclient import TestClient

from ledgerd.app import EXTENSIONS_PREFIX, create_app
from ledgerd.runtime import Runtime
from tests.contract.books import Books
from tests.contract.examples import EXAMPLES, add_records
from tests.fuzz.tally import EXAMPLES as GENERATED
from tests.fuzz.tally import Tally, sage_error
from tests.fuzz.values import Raw, anything, days, encode, instants, numbers, texts, url_text, url_values
from tests.support.factories import Factory

PUBLIC_URL = "http://testserver"
# Query parameters some handler reads without the document naming them; every operation may be sent them.
READ_ANYWHERE = ("from_date", "to_date", "date", "updated_or_created_since", "deleted_since", "items_per_page",
                 "page", "search", "sort", "attributes", "nested_attributes", "show_legacy_id", "void_reason",
                 "show_balance_details", "exclude_deleted_entries", "expand_origin", "has_attachments", "usage",
                 "artefact_line_amount", "contact_id", "artefact_id", "retailer_rates", "email", "contact_type_id")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
WHOLE_BODIES = (Raw(b"\x00"), Raw(b"[]"), Raw(b'"\\u0000"'), Raw(b"null"), Raw(b'{"\\u0000": {}}'),
                Raw(b"\xff\xfe{}"), Raw(b"[" * 5000 + b"]" * 5000), Raw(b'{"a": 1e999999}'))
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "DELETE": 3}
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # the template below the prefix: /contacts/{key}
    prefix: str
    declared: tuple[str, ...]  # query parameters the document names
    wrapper: str | None = None
    schema: dict[str, Any] | None = None  # the body's inner object

    @property
    def label(self) -> str:
        return f"{self.method} {self.prefix}{self.path}"

    @property
    def segment(self) -> str:
        return self.path.strip("/").split("/")[0]


@dataclass(frozen=True)
class Case:
    key: str | None = None
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None  # None: no body

    def __repr__(self) -> str:
        body = encode(self.body)[:400] if self.body is not None else b""
        return f"key={self.key!r} query={self.query!r} body={body!r}"


# --- what the document says ---------------------------------------------------------------------------------

def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def operations(doc: dict[str, Any], app_routes: list[Any]) -> list[Op]:
    components = doc["components"]["schemas"]
    out = []
    for path, item in doc["paths"].items():
        for method, spec in item.items():
            declared = tuple(p["name"] for p in spec.get("parameters", ()) if p["in"] == "query")
            body = spec.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            wrapper = schema = None
            if body:
                wrapper, inner = next(iter(body["properties"].items()))
                schema = _resolve(inner, components)
            out.append(Op(method.upper(), path, "/v3.1", declared, wrapper, schema))
    for mount in app_routes:
        if getattr(mount, "path", None) == EXTENSIONS_PREFIX:
            out += [Op(method, route.path, EXTENSIONS_PREFIX, ()) for route in mount.routes
                    for method in sorted(route.methods - {"HEAD"})]
    return sorted(out, key=lambda op: (METHOD_ORDER[op.method], op.prefix, op.path))


# --- the books every operation works in ----------------------------------------------------------------------

@dataclass
class World:
    client: TestClient
    factory: Factory
    books: dict[str, Books] = field(default_factory=dict)
    keys: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def of(self, country: str) -> Books:
        if country not in self.books:
            self.books[country] = Books.open(self.client, self.factory, country)
        return self.books[country]

    def books_for(self, op: Op) -> Books:
        example = EXAMPLES.get(op.segment) if op.prefix == "/v3.1" else None
        if example is None:
            return self.of("GB")
        return self.of(example.region or (example.country if op.method != "GET" else "GB"))

    def key(self, op: Op, books: Books) -> str | None:
        """The id of a record at the collection the `{key}` belongs to (made first if there is none)."""
        if "{key}" not in op.path:
            return None
        collection = op.path.split("/{key}", 1)[0]
        cached = (books.country, collection)
        if cached not in self.keys:
            found = self._first(books, collection)
            if found is None and collection.strip("/") in EXAMPLES:
                add_records(books, collection.strip("/"), 1)
                found = self._first(books, collection)
            self.keys[cached] = found
        return self.keys[cached]

    def _first(self, books: Books, collection: str) -> str | None:
        response = books.get(collection, items_per_page=1)
        items = response.json().get("$items") if response.status_code == 200 else None
        return str(items[0]["id"]) if items else None

    def base(self, op: Op, books: Books) -> dict[str, Any] | None:
        """A valid inner body for a resource's create or update, when the examples have one."""
        example = EXAMPLES.get(op.segment) if op.wrapper else None
        if example is None:
            return None
        parts = op.path.strip("/").split("/")
        if op.method == "POST" and len(parts) == 1 and example.create is not None:
            made = example.create(books)
        elif op.method == "PUT" and parts[1:] == ["{key}"] and example.update is not None:
            made = example.update(books, {})
        else:
            return None
        inner = made.get(op.wrapper)
        return copy.deepcopy(inner) if isinstance(inner, dict) else None


# --- hostile requests ---------------------------------------------------------------------------------------

def _is_day(name: str, value: Any) -> bool:
    return "date" in name or (isinstance(value, str) and DAY.fullmatch(value) is not None)


def hostile(name: str, value: Any) -> st.SearchStrategy[Any]:
    """A value meant to hurt a field, given its name and the valid value it replaces."""
    if _is_day(name, value):
        return _hostile("day")
    if name.endswith(("_at", "_since")):
        return _hostile("instant")
    if (isinstance(value, int | float) and not isinstance(value, bool)) or \
            (isinstance(value, str) and NUMBER.fullmatch(value)):
        return _hostile("number")
    return _hostile("text")


@functools.cache
def _hostile(kind: str) -> st.SearchStrategy[Any]:
    # Strategies are built once: building and validating them per draw cost more than sending the requests.
    typed = {"day": days, "instant": instants, "number": numbers, "text": texts}[kind]()
    return st.one_of(typed, typed, anything())


@functools.cache
def query_value(name: str) -> st.SearchStrategy[str]:
    if "date" in name:
        return st.one_of(days().map(url_text), url_values())
    if name.endswith("since"):
        return st.one_of(instants().map(url_text), url_values())
    if name in ("page", "items_per_page") or name.endswith("amount"):
        return st.one_of(numbers().filter(lambda v: not isinstance(v, Raw)).map(url_text), url_values())
    return url_values()


def leaves(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every place in a body a value can be changed: scalars, and the lists themselves (to flood them)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, (*path, key))
    elif isinstance(value, list):
        yield path, value
        for index, inner in enumerate(value):
            yield from leaves(inner, (*path, index))
    elif path:
        yield path, value


def changed(base: dict[str, Any], changes: list[tuple[Path, str, Any]]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for path, how, new in changes:
        parent: Any = out
        try:
            for part in path[:-1]:
                parent = parent[part]
            last = path[-1]
            if how == "drop" and isinstance(parent, dict):
                parent.pop(last, None)
            elif how == "flood" and isinstance(parent[last], list) and parent[last]:
                parent[last] = [copy.deepcopy(parent[last][0]) for _ in range(new)]
            else:
                parent[last] = new
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced what this one aims at
    return out


def mutated(base: dict[str, Any], schema: dict[str, Any] | None) -> st.SearchStrategy[dict[str, Any]]:
    spots = list(leaves(base))
    spots += [((name,), None) for name in (schema or {}).get("properties", {}) if name not in base]

    def change(spot: tuple[Path, Any]) -> st.SearchStrategy[tuple[Path, str, Any]]:
        path, value = spot
        name = str(next((p for p in reversed(path) if isinstance(p, str)), ""))
        if isinstance(value, list):
            return st.tuples(st.just(path), st.just("flood"), st.sampled_from([0, 1001]))
        return st.one_of(st.tuples(st.just(path), st.just("set"), hostile(name, value)),
                         st.tuples(st.just(path), st.just("drop"), st.none()))

    return st.lists(st.one_of([change(spot) for spot in spots]), min_size=1, max_size=3).map(
        lambda changes: changed(base, changes))


def generated(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """A value for a schema, each field either of its type or hostile."""
    schema = _resolve(schema, components)
    if "anyOf" in schema:
        branches = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return st.one_of([generated(s, components, depth) for s in branches]) if branches else st.none()
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        if depth > 2 or not props:
            return st.just({})
        return st.fixed_dictionaries({}, optional={
            name: st.one_of(generated(sub, components, depth + 1), hostile(name, None)) for name, sub in props.items()})
    if kind == "array":
        return st.lists(generated(schema.get("items", {}), components, depth + 1), max_size=2)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if schema.get("format") == "date":
        return days()
    if schema.get("format") == "date-time":
        return instants()
    if kind in ("number", "integer"):
        return numbers()
    if kind == "boolean":
        return st.booleans()
    return texts()


def requests_for(op: Op, key: str | None, base: dict[str, Any] | None,
                 components: dict[str, Any]) -> st.SearchStrategy[Case]:
    keys = st.one_of(st.just(key), st.just(key), url_values()) if key else \
        (url_values() if "{key}" in op.path else st.none())
    names = sorted({*op.declared, *READ_ANYWHERE})
    query = st.lists(st.one_of([st.tuples(st.just(name), query_value(name)) for name in names]), max_size=3).map(tuple)
    body: st.SearchStrategy[Any] = st.none()
    if op.method in ("POST", "PUT") and op.wrapper:
        inner = mutated(base, op.schema) if base is not None else generated(op.schema or {}, components)
        body = st.one_of(inner.map(lambda value: {op.wrapper: value}), inner.map(lambda value: {op.wrapper: value}),
                         st.sampled_from(WHOLE_BODIES))
    elif op.method in ("POST", "PUT"):
        body = st.one_of(st.none(), st.sampled_from(WHOLE_BODIES), anything())
    return st.builds(Case, keys, query, body)


def probes(op: Op, key: str | None, base: dict[str, Any] | None) -> list[Case]:
    """Requests every run sends: the inputs known to have reached a 5xx, or most likely to."""
    out = []
    if op.method == "GET":
        out += [Case(key, (("updated_or_created_since", url_text("9999-12-31T23:59:59-14:00")),)),
                Case(key, (("deleted_since", url_text("0001-01-01T00:00:00+14:00")),)),
                Case(key, (("to_date", "0001-01-01"),)), Case(key, (("date", "0001-01-01"),)),
                Case(key, (("from_date", "9999-12-31"), ("to_date", "9999-12-31"))),
                Case(key, (("search", "%00"),))]
        # A resource's own filters: a number past 64 bits, a digit Python's isdigit() takes and int() does not.
        out += [Case(key, ((name, value),)) for name in op.declared if name not in READ_ANYWHERE
                for value in ("9" * 30, "%C2%B2")]
    if key is not None:
        out.append(Case("a%00b"))
    if base is not None and op.wrapper:
        spots = list(leaves(base))
        dates = [path for path, value in spots if _is_day(str(path[-1]), value)]
        for extreme in ("9999-12-31", "0001-01-01"):
            for path in dates:
                changes = [(other, "drop", None) for other in dates if other != path]
                out.append(Case(key, (), {op.wrapper: changed(base, [*changes, (path, "set", extreme)])}))
        # Each figure, and each text, on its own (a body refused for one field is never checked for the others):
        # the base's, and those its schema offers besides.
        figures = _fields(spots, base, op.schema, _is_figure, "number")
        out += [Case(key, (), {op.wrapper: changed(base, [(path, "set", "1e17")])}) for path in figures]
        words = _fields(spots, base, op.schema, _is_text, "string")
        out += [Case(key, (), {op.wrapper: changed(base, [(path, "set", "x" * 5001)])}) for path in words]
        out.append(Case(key, (), {op.wrapper: changed(base, [(path, "set", "a\x00b") for path in words])}))
    return out


def _is_figure(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | str) and bool(NUMBER.fullmatch(str(value)))


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and not NUMBER.fullmatch(value) and not DAY.fullmatch(value)


def _fields(spots: list[tuple[Path, Any]], base: dict[str, Any], schema: dict[str, Any] | None, kind: Any,
            json_type: str) -> list[Path]:
    """One path per field name: the base's values of a kind, then the schema's top-level fields of that JSON type
    the base leaves out."""
    found: dict[str, Path] = {}
    for path, value in spots:
        if kind(value):
            found.setdefault(str(path[-1] if isinstance(path[-1], str) else path[-2]), path)
    for name, prop in (schema or {}).get("properties", {}).items():
        if name not in base and _typed(prop, json_type) and (json_type == "number" or not _typed(prop, "number")):
            found.setdefault(name, (name,))
    return list(found.values())


def _typed(schema: dict[str, Any], json_type: str) -> bool:
    types = ("number", "integer") if json_type == "number" else (json_type,)
    return schema.get("type") in types or any(_typed(branch, json_type) for branch in schema.get("anyOf", ()))


def examples(op: Op) -> int:
    """Generated requests for an operation. One that takes no body (GET, DELETE) varies only its key and up to three
    query parameters, drawn from the same hostile values for every operation, and its probes send each extreme
    date, instant and filter on their own: it gets half the generated requests of one with a body."""
    return GENERATED if op.method in ("POST", "PUT") else max(1, GENERATED // 2)


def send(client: TestClient, op: Op, headers: dict[str, str], case: Case) -> Any:
    path = op.path.replace("{key}", case.key) if case.key is not None else op.path
    url = f"{op.prefix}{path}" + ("?" + "&".join(f"{name}={value}" for name, value in case.query) if case.query else "")
    if case.body is None:
        return client.request(op.method, url, headers=headers)
    return client.request(op.method, url, content=encode(case.body),
                          headers={**headers, "Content-Type": "application/json"})


def test_no_input_reaches_a_server_error(runtime: Runtime, backend: str, request: pytest.FixtureRequest) -> None:
    runtime.clock.reset()
    tally = Tally("api")
    with TestClient(create_app(runtime=runtime), base_url=PUBLIC_URL, raise_server_exceptions=False) as client:
        world = World(client, Factory(runtime))
        doc = client.get("/v3.1/openapi.json").json()
        components = doc["components"]["schemas"]
        for op in operations(doc, client.app.routes):  # type: ignore[attr-defined]
            books = world.books_for(op)
            key, base = world.key(op, books), world.base(op, books)
            tally.fuzz(op.label, requests_for(op, key, base, components),
                       lambda case, op=op, books=books: send(client, op, books.headers, case), sage_error,
                       probes=probes(op, key, base), examples=examples(op))
    tally.record(request, backend)
    assert len(tally.calls) >= 300, len(tally.calls)
    assert not tally.problems, tally.verdict()
