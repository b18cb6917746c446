"""The generic resource engine: one declarative `Resource` spec → Sage's list/read/create/update/delete.

Everything a list endpoint shares lives here once: paging and the envelope, `attributes`, `search`,
`sort`, `from_date`/`to_date`, `updated_or_created_since` (inclusive), `deleted_since` (exclusive,
from tombstones) and spec-declared filters. Resources supply what differs: the model, how a record
looks on the wire (`present`), the body model of each write (`create_body`, `update_body`: the engine parses
the body and hands the write the validated model) and plain service functions for writes. Non-CRUD actions (void,
release, allocate…) are ordinary `business_route`s beside the spec.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import ColumnElement
from starlette.routing import BaseRoute

from ledgerd.api import imported_ids, params, registry
from ledgerd.api.listing import ATTRIBUTES, BASE_KEYS, PAGING, Attributes, Page, Streamed, envelope
from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.api.validation import Body
from ledgerd.db.base import Base
from ledgerd.db.deletions import Deletion
from ledgerd.db.locks import for_change
from ledgerd.db.unit import let_go
from ledgerd.errors import NotFound
from ledgerd.http.errors import InvalidParameter
from ledgerd.http.wire import dumps

M = TypeVar("M", bound=Base)
Present = Callable[[BusinessCall, Sequence[Any]], list[dict[str, Any]]]
# Every spec served, by path (api/registry.py): contract tests and the OpenAPI document are generated from it.
# `routes` below is the only writer, and it registers `Resource`s.
REGISTRY = cast("dict[str, Resource[Any]]", registry.REGISTRY)

UPDATED_SINCE = params.Param("updated_or_created_since", "instant", "Records created or changed at or after this "
                             "instant (a date means its midnight UTC).")
DELETED_SINCE = params.Param("deleted_since", "instant", "Instead of records: those deleted after this instant "
                             "(id, displayed_as, $path, deleted_at).")
NESTED_ATTRIBUTES = params.Param("nested_attributes", "text", "Comma-separated attributes to show of the linked "
                                 "records, or `all`.")


@dataclass(frozen=True)
class Resource(Generic[M]):
    path: str
    wrapper: str
    model: type[M]
    present: Present
    displayed_as: Callable[[Any], str]
    # Conditions every query of this resource carries (e.g. one kind of a shared table).
    scope: Callable[[Select[Any]], Select[Any]] | None = None
    filters: Mapping[str, Callable[[str], ColumnElement[bool]]] = field(default_factory=dict)
    # Filter values a list applies when the request gives none (/tax_rates hides CIS rates without `cis_only`).
    filter_defaults: Mapping[str, str] = field(default_factory=dict)
    sorts: Mapping[str, InstrumentedAttribute[Any]] = field(default_factory=dict)
    search: Callable[[str], ColumnElement[bool]] | None = None
    date_column: InstrumentedAttribute[Any] | None = None
    key_column: InstrumentedAttribute[Any] | None = None
    # Writes: `create(call, body)` and `update(call, record, body)` get the body parsed from `{wrapper: ...}` as
    # the declared model (`create_body`, `update_body`); the OpenAPI document describes the same models.
    create: Callable[[BusinessCall, Any], Any] | None = None
    create_body: type[BaseModel] | None = None
    update: Callable[[BusinessCall, Any, Any], Any] | None = None
    update_body: type[BaseModel] | None = None
    # What must hold before a write's body is read (the record is None for a create), e.g. who may change
    # these records at all: a caller who may not is told so whatever it sends.
    check: Callable[[BusinessCall, Any], None] | None = None
    delete: Callable[[BusinessCall, Any], Result | None] | None = None
    # How a list page's records are loaded (default: ORM instances); e.g. read-only snapshots.
    load: Callable[[Any, Select[Any]], Sequence[Any]] | None = None
    # The `$total` of the list with no filter, where the database keeps it; otherwise it is counted.
    kept_total: Callable[[Session], int] | None = None
    list_enabled: bool = True
    read_enabled: bool = True
    # Raises the request size limit of this resource's POST and PUT (see `business_route`).
    body_limit: int | None = None
    # The keys whose links `nested_attributes` expands, as Sage's recorded answers show per resource (a contact
    # its ledger accounts, addresses and people; a sales invoice none); None: every link (nothing recorded).
    nested: frozenset[str] | None = None
    # Query parameters the spec's own functions read (`present`, `delete`, a filter's), per action (list, read,
    # create, update, delete), besides the engine's (`params`).
    query: Mapping[str, Sequence[params.Param]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.create is None) != (self.create_body is None) or (self.update is None) != (self.update_body is None):
            raise ValueError(f"/{self.path}: a create or update needs its body model, and a body model its write")

    def body(self, action: str) -> Body[Any] | None:
        """The body a write declares (`create` or `update`), if the spec has that write."""
        model = self.create_body if action == "create" else self.update_body if action == "update" else None
        return None if model is None else Body(self.wrapper, model)

    def params(self, action: str) -> tuple[params.Param, ...]:
        """The query parameters an action honours: the engine's for a list (paging, since-filters, filters,
        search, sort, dates) and for reads (`attributes`), then the spec's own."""
        out: list[params.Param] = []
        if action == "list":
            out += [*PAGING, UPDATED_SINCE, DELETED_SINCE]
            out += [params.Param(name, "text", f"Only records whose {name.replace('_', ' ')} matches.")
                    for name in self.filters]
            if self.search is not None:
                out.append(params.Param("search", "text", "Free-text search."))
            if self.sorts:
                names = "|".join(re.escape(name) for name in self.sorts)
                out.append(params.Param("sort", "text", "Sort by " + ", ".join(self.sorts) + ", `:asc` or `:desc`.",
                                        {"type": "string", "pattern": f"^({names})(:(asc|desc))?$"}))
            else:
                out.append(params.Param("sort", "text", "Not sortable: the items come in the order they were "
                                        "created, and a sort is refused (400).", {"type": "string", "maxLength": 0}))
            if self.date_column is not None:
                out += [params.Param("from_date", "date", "Records dated on or after this day."),
                        params.Param("to_date", "date", "Records dated on or before this day.")]
        if action in ("list", "read"):
            out += [ATTRIBUTES, NESTED_ATTRIBUTES]
        return params.unique([*out, *self.query.get(action, ())])

    def _column(self, name: str) -> InstrumentedAttribute[Any]:
        column: InstrumentedAttribute[Any] = getattr(self.model, name)
        return column

    @property
    def key(self) -> InstrumentedAttribute[Any]:
        return self.key_column if self.key_column is not None else self._column("id")

    def base_query(self) -> Select[Any]:
        stmt = select(self.model)
        return self.scope(stmt) if self.scope else stmt

    def link(self, obj: Any) -> dict[str, str]:
        key = getattr(obj, self.key.key)
        return {"id": key, "displayed_as": self.displayed_as(obj), "$path": f"/{self.path}/{key}"}

    def find(self, call: BusinessCall, key: str, *, lock: bool = False) -> Any:
        """The record `key` names, or 404. `lock`: for a request that changes it (PUT, DELETE, actions such as
        release): its row is locked and re-read first, so concurrent changes apply one after the other and
        the later one sees the earlier one's result (db/locks.py)."""
        stmt = self.base_query().where(self.key == key)
        obj = call.db.scalars(for_change(stmt, self.model) if lock else stmt).first()
        if obj is None:
            raise NotFound()
        return obj

    def rows(self, db: Session, stmt: Select[Any]) -> Sequence[Any]:
        """The records `stmt` selects, as `present` takes them (the spec's own `load`, or ORM rows)."""
        return self.load(db, stmt) if self.load else db.scalars(stmt).all()

    def show(self, call: BusinessCall, objs: Sequence[Any], attributes: Attributes) -> list[dict[str, Any]]:
        if not attributes.all and not attributes.names:
            return [self.link(obj) for obj in objs]
        items = self.present(call, objs)  # fresh dicts: `attributes=all` keeps them as they are
        if not attributes.all:
            items = [attributes.select(item) for item in items]
        nested = call.query.get("nested_attributes")
        if nested:
            items = expand(call, items, Attributes(nested, default_all=False), self.nested)
        return items


def _links(value: Any) -> Iterator[dict[str, Any]]:
    """Link objects (`{"id", "displayed_as", "$path"}`) inside a value, one level down."""
    if isinstance(value, dict):
        if "$path" in value and "id" in value:
            yield value
        else:
            for inner in value.values():
                yield from _links(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _links(inner)


def _linked(link: Mapping[str, Any]) -> tuple[str, str] | None:
    """(resource path, id) of a link to a record served by this API, else None."""
    parts = str(link["$path"]).split("/")
    return (parts[1], str(link["id"])) if len(parts) == 3 and parts[1] in REGISTRY else None


def _replaced(value: Any, records: Mapping[tuple[str, str], dict[str, Any]]) -> Any:
    """`value` with the links `_links` finds replaced by copies of their records; the rest is not copied,
    and nothing is changed in place (a link dict may be shared by several records of a response)."""
    if isinstance(value, dict):
        if "$path" in value and "id" in value:
            record = records.get(_linked(value) or ("", ""))
            return value if record is None else dict(record)
        return {key: _replaced(inner, records) for key, inner in value.items()}
    if isinstance(value, list):
        return [_replaced(inner, records) for inner in value]
    return value


def expand(call: BusinessCall, items: list[dict[str, Any]], nested: Attributes,
           keys: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """`nested_attributes`: link objects to other resources of this API become those records, with the
    chosen attributes (`all` for every one), one level deep, one query per linked resource; only the links
    under `keys` when given (the spec's `nested`). New dicts are returned for the items; the links inside them
    are left as they were."""
    wanted: dict[str, set[str]] = {}
    for item in items:
        for key, value in item.items():
            if key in BASE_KEYS or (keys is not None and key not in keys):
                continue
            for link in _links(value):
                target = _linked(link)
                if target is not None:
                    wanted.setdefault(target[0], set()).add(target[1])
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for path, ids in wanted.items():
        resource = REGISTRY[path]
        objs = call.db.scalars(resource.base_query().where(resource.key.in_(ids))).all()
        for obj, shown in zip(objs, resource.present(call, objs), strict=True):
            records[path, str(getattr(obj, resource.key.key))] = nested.select(shown)
    if not records:
        return items
    return [{key: value if key in BASE_KEYS or (keys is not None and key not in keys) else _replaced(value, records)
             for key, value in item.items()} for item in items]


def _order(resource: Resource[Any], query: Mapping[str, str]) -> list[Any]:
    created = resource._column("created_at")
    default = [created.asc(), resource.key.asc()]
    raw = query.get("sort")
    if not raw:
        return default
    name, _, direction = raw.partition(":")
    column = resource.sorts.get(name.strip())
    if not resource.sorts:
        raise InvalidParameter(f"/{resource.path} cannot be sorted: its items come in the order they were created.",
                               "sort")
    if column is None or direction.strip().lower() not in ("", "asc", "desc"):
        raise InvalidParameter(f"sort must be <attribute>[:asc|desc] with attribute one of: "
                               f"{', '.join(resource.sorts)}.", "sort")
    first = column.desc() if direction.strip().lower() == "desc" else column.asc()
    return [first, *default]


def _deleted(call: BusinessCall, resource: Resource[Any], page: Page) -> Result:
    since = params.instant("deleted_since", call.query["deleted_since"])
    stmt = select(Deletion).where(Deletion.resource == resource.path, Deletion.deleted_at > since)
    total = call.db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = call.db.scalars(stmt.order_by(Deletion.deleted_at, Deletion.id).offset(page.offset)
                           .limit(page.per_page)).all()
    items = [{"id": d.record_id, "displayed_as": d.displayed_as, "$path": f"/{resource.path}/{d.record_id}",
              "deleted_at": d.deleted_at} for d in rows]
    return Result(envelope(f"/{resource.path}", call.query.multi_items(), page, total, items),
                  business_id=call.business.id)


def list_handler(resource: Resource[Any]) -> Callable[[BusinessCall], Result]:
    def handler(call: BusinessCall) -> Result:
        query = call.query
        page = Page.from_query(query)
        if "deleted_since" in query:
            return _deleted(call, resource, page)
        conditions: list[ColumnElement[bool]] = []
        for name, build in resource.filters.items():
            raw = query.get(name) or resource.filter_defaults.get(name, "")
            if raw != "":
                conditions.append(build(raw))
        if "updated_or_created_since" in query:
            since = params.instant("updated_or_created_since", query["updated_or_created_since"])
            conditions.append(resource._column("updated_at") >= since)
        if resource.date_column is not None:
            if query.get("from_date"):
                conditions.append(resource.date_column >= params.day("from_date", query["from_date"]))
            if query.get("to_date"):
                conditions.append(resource.date_column <= params.day("to_date", query["to_date"]))
        if resource.search is not None and query.get("search"):
            conditions.append(resource.search(query["search"].strip()))
        stmt = resource.base_query().where(*conditions)
        if resource.kept_total is not None and not conditions:
            total = resource.kept_total(call.db)
        else:
            total = call.db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        stmt = stmt.order_by(*_order(resource, query)).offset(page.offset).limit(page.per_page)
        chosen = query.get("attributes")
        if chosen and chosen.strip() and query.get("sort"):
            chosen += ",created_at"  # Sage's sorted items carry the creation time they tie-break on [LS]
        attributes = Attributes(chosen, default_all=False)
        items: list[dict[str, Any]] | Streamed
        if page.per_page <= FIRST_CHUNK:
            items = resource.show(call, resource.rows(call.db, stmt), attributes)
        else:
            items = Streamed(_chunks(call, resource, stmt, page, attributes))
        return Result(envelope(f"/{resource.path}", query.multi_items(), page, total, items),
                      business_id=call.business.id)

    return handler


# A list page is presented a chunk at a time (listing.Streamed): first this many records, then as many as make
# about CHUNK_BYTES of JSON at the size the records so far have had. Pages of ordinary records (200 invoices
# are ~1.3 MB) take two chunks; journals of 1,000 lines with their nested records (~1.5 MB each) one apiece.
FIRST_CHUNK = 2
CHUNK_BYTES = 2 * 1024 * 1024


def _chunks(call: BusinessCall, resource: Resource[Any], stmt: Select[Any], page: Page,
            attributes: Attributes) -> Iterator[list[dict[str, Any]]]:
    """The page `stmt` selects, loaded and presented a chunk at a time, each chunk the same statement over a
    narrower window (the unit of work reads one snapshot of the database, db/engine.UnitOfWork, so the windows
    add up to the page); the rows of a chunk are let go (db/unit.let_go) once it has been written."""
    done, step = 0, FIRST_CHUNK
    while done < page.per_page:
        window = min(step, page.per_page - done)
        rows = resource.rows(call.db, stmt.offset(page.offset + done).limit(window))
        if not rows:
            return
        chunk = resource.show(call, rows, attributes)
        if done == 0:  # the size of the first records sets the size of the chunks after them
            step = max(1, CHUNK_BYTES * len(chunk) // max(len(dumps(chunk)), 1))
        yield chunk
        let_go(call.db)
        if len(rows) < window:  # the end of the list
            return
        done += window


def read_handler(resource: Resource[Any]) -> Callable[[BusinessCall], Result]:
    def handler(call: BusinessCall) -> Result:
        obj = resource.find(call, call.path_params["key"])
        item = resource.show(call, [obj], Attributes(call.query.get("attributes"), default_all=True))[0]
        return Result(item, business_id=call.business.id)

    return handler


def _write_result(call: BusinessCall, resource: Resource[Any], obj: Any, status: int) -> Result:
    call.db.flush()
    return Result(resource.present(call, [obj])[0], status=status, business_id=call.business.id)


def forget(call: BusinessCall, resource: Resource[Any], obj: Any) -> None:
    """Delete a record, leaving a tombstone for `deleted_since`."""
    call.db.add(Deletion(business_id=call.business.id, resource=resource.path,
                         record_id=getattr(obj, resource.key.key), displayed_as=resource.displayed_as(obj)[:255],
                         deleted_at=call.runtime.clock.now()))
    call.db.delete(obj)
    call.db.flush()


def forgetting(path: str, before: Callable[[Session, Any], object] | None = None,
               ) -> Callable[[BusinessCall, Any], Result | None]:
    """A spec's `delete` that removes the record and leaves its tombstone (`forget`), after `before`
    (the service's own rule or reversal, e.g. `service.delete`). The spec is found by path when called,
    so a module can name this before it defines the spec."""
    def delete(call: BusinessCall, obj: Any) -> Result | None:
        if before is not None:
            before(call.db, obj)
        forget(call, REGISTRY[path], obj)
        return None

    return delete


# The engine's action of each method on the collection (False) or a member (True).
ACTIONS = {("GET", False): "list", ("POST", False): "create", ("GET", True): "read", ("PUT", True): "update",
           ("DELETE", True): "delete"}


def routes(resource: Resource[Any]) -> list[BaseRoute]:
    """The Starlette routes a spec declares (only the operations it has)."""
    REGISTRY[resource.path] = resource
    collection, member = f"/{resource.path}", f"/{resource.path}/{{key}}"
    out: list[BaseRoute] = []

    def add(path: str, handler: Callable[[BusinessCall], Result], method: str) -> None:
        limit = resource.body_limit if method in ("POST", "PUT") else None
        action = ACTIONS[method, path == member]
        out.append(business_route(path, handler, methods=[method], body_limit=limit, query=resource.params(action)))

    if resource.list_enabled:
        add(collection, list_handler(resource), "GET")
    create, create_body = resource.create, resource.body("create")
    if create is not None and create_body is not None:

        def post(call: BusinessCall) -> Result:
            legacy_id = imported_ids.requested(call)
            if resource.check is not None:
                resource.check(call, None)
            record = create(call, create_body.parse(call.body))
            imported_ids.keep(call, record, legacy_id)
            return _write_result(call, resource, record, 201)

        add(collection, post, "POST")
    if resource.read_enabled:
        add(member, read_handler(resource), "GET")
    update, update_body = resource.update, resource.body("update")
    if update is not None and update_body is not None:

        def put(call: BusinessCall) -> Result:
            record = resource.find(call, call.path_params["key"], lock=True)
            if resource.check is not None:
                resource.check(call, record)
            return _write_result(call, resource, update(call, record, update_body.parse(call.body)), 200)

        add(member, put, "PUT")
    if resource.delete is not None:
        remove = resource.delete

        def delete(call: BusinessCall) -> Result:
            result = remove(call, resource.find(call, call.path_params["key"], lock=True))
            return result or Result(None, status=204, business_id=call.business.id)

        add(member, delete, "DELETE")
    return out
