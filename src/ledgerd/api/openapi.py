"""ledgerd's own OpenAPI 3.1 document, generated from the route table.

Nothing here is written per resource. Each `ApiRoute` under `/v3.1` becomes an operation:

* a route of a `Resource` spec (api/resource.py REGISTRY) gets the engine's parameters (paging, attributes,
  search, sort keys, filters, date and since filters) and, for writes, the body model the spec declares
  (`create_body`, `update_body`); any other route the body declared where it is made (`body=`, a `Body`);
* every route gets the pipeline's facts: bearer security, the `X-Business` header, `show_legacy_id`, the
  error array for every status the pipeline answers with, and Sage's availability (api/operations.py);
* response bodies are generated from the declarations of api/responses.py (api/fields.py): a spec's record
  (wrapped in the list envelope for lists), or the declared body of any other route; an operation
  declaring none is documented as a bare record.

Served at `GET /v3.1/openapi.json` (no token needed); the documentation site (web/docs/) renders it, one page per
operation, and `GET /v3.1/docs` redirects there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from ledgerd import __version__
from ledgerd.api import legacy_ids, operations, responses
from ledgerd.api.fields import LINK, Fields, Page, envelope
from ledgerd.api.pipeline import ApiRoute
from ledgerd.api.resource import REGISTRY, Resource
from ledgerd.api.validation import Body
from ledgerd.http.errors import STATUS, ApiError
from ledgerd.http.wire import JsonResponse

PREFIX = "/v3.1"
REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Operation:
    """One method of one routed path, with the resource spec it serves (if any) and its engine action."""

    method: str
    path: str
    route: ApiRoute
    spec: Resource[Any] | None
    action: str | None  # list, read, create, update, delete

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[ApiRoute]:
    """The pipeline's routes under /v3.1, in route-table order."""
    for route in routes:
        if isinstance(route, Mount) and route.path == PREFIX:
            yield from (r for r in route.routes if isinstance(r, ApiRoute))


def _action(method: str, path: str) -> tuple[Resource[Any] | None, str | None]:
    parts = path.strip("/").split("/")
    spec = REGISTRY.get(parts[0])
    if spec is None or len(parts) > 2 or (len(parts) == 2 and parts[1] != "{key}"):
        return None, None
    actions = {("GET", 1): "list", ("POST", 1): "create", ("GET", 2): "read", ("PUT", 2): "update",
               ("DELETE", 2): "delete"}
    return spec, actions.get((method, len(parts)))


def operations_of(routes: Sequence[BaseRoute]) -> list[Operation]:
    out = []
    for route in api_routes(routes):
        for method in sorted((route.methods or set()) - {"HEAD"}):
            spec, action = _action(method, route.path)
            out.append(Operation(method, route.path, route, spec, action))
    return out


# --- request bodies ---------------------------------------------------------------------------------------

def declared_body(op: Operation) -> Body[Any] | None:
    """The body an operation declares: a spec's create or update body (api/resource.py), else its route's
    (`api_route`/`business_route` `body=`)."""
    if op.spec is not None and op.action is not None:
        return op.spec.body(op.action)
    return op.route.body


# --- the document -----------------------------------------------------------------------------------------

def error_statuses() -> dict[int, str]:
    """Every status the API answers errors with, from the error tree (http/errors.py and its subclasses
    anywhere), each with the `$dataCode`s it carries."""
    codes: dict[int, set[str]] = {}
    for domain, status in STATUS.items():
        codes.setdefault(status, set()).add(domain.code)
    pending: list[type[ApiError]] = [ApiError]
    while pending:
        cls = pending.pop()
        codes.setdefault(cls.status, set()).add(cls.code)
        pending += cls.__subclasses__()
    return {status: "Error array; `$dataCode` " + ", ".join(sorted(found)) for status, found in sorted(codes.items())}


def _title(segment: str) -> str:
    return segment.replace("_", " ").title()


def _camel(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[/_{}]+", text) if w)


def _operation_id(op: Operation) -> str:
    """Sage's style: `getSalesInvoicesKey`, `postSalesInvoicesKeyRelease`."""
    return op.method.lower() + _camel(op.path)


def _summary(op: Operation, collections: frozenset[str]) -> str:
    """What an operation does in a few words; `collections` are the paths that also have a `/{key}` route."""
    if op.spec is not None and op.action is not None:
        plural, one = _title(op.spec.path), _title(op.spec.wrapper)
        article = "an" if one[:1] in "AEIOU" else "a"
        return {"list": f"Returns all {plural}", "read": f"Returns {article} {one}",
                "create": f"Creates {article} {one}", "update": f"Updates {article} {one}",
                "delete": f"Deletes {article} {one}"}[op.action]
    parts = op.path.strip("/").split("/")
    what = _title(parts[0])
    verb = {"GET": "Returns", "PUT": "Updates", "POST": "Creates", "DELETE": "Deletes"}[op.method]
    if len(parts) == 1:
        return f"{verb} all {what}" if op.path in collections and op.method == "GET" else f"{verb} the {what}"
    if parts[1:] == ["{key}"]:
        return f"{verb} one of the {what}"
    if len(parts) == 3 and parts[1] == "{key}":
        action = _title(parts[2])
        if op.method == "POST":  # an action on one record: `POST /sales_invoices/{key}/release`
            return f"{action} one of the {what}"
        return f"{verb} the {action} of one of the {what}"
    return f"{verb} the {_title(parts[-1])} of the {what}"


def _description(op: Operation) -> str:
    sage = operations.find(op.method, op.path)
    if sage is None:
        return "A ledgerd operation Sage does not list."
    lines = []
    if sage.editions:
        lines.append("Offered to businesses in: " + ", ".join(sorted(sage.countries)) + ".")
    if sage.access:
        lines.append("Roles: " + "; ".join(f"{area}: {', '.join(sorted(r.value for r in roles))}"
                                           for area, roles in sorted(sage.access.items())) + ".")
    return " ".join(lines) or "Offered in every country, to every member."


def _parameters(op: Operation) -> list[dict[str, Any]]:
    """The path key, `X-Business`, then the query parameters the route declares (the only ones its handler is
    given: api/params.py) and `show_legacy_id`, which every route honours."""
    out: list[dict[str, Any]] = []
    if "{key}" in op.path:
        out.append({"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
                    "description": "The record's id (a mnemonic for reference lists)."})
    if op.route.business:
        out.append({"name": "X-Business", "in": "header", "required": False, "schema": {"type": "string"},
                    "description": "The business to work in; the user's lead business when absent."})
    out += [{"name": p.name, "in": "query", "required": False, "schema": p.json_schema(), "description": p.description}
            for p in (*op.route.query, legacy_ids.DECLARATION)]
    return out


class Builder:
    """Collects component schemas while operations are described."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {
            "Error": {"type": "object", "required": ["$severity", "$dataCode", "$message", "$source"],
                      "properties": {"$severity": {"type": "string"}, "$dataCode": {"type": "string"},
                                     "$message": {"type": "string"}, "$source": {"type": "string"}}},
            "Errors": {"type": "array", "minItems": 1, "items": {"$ref": REF.format(model="Error")}},
            "Link": LINK.schema(),
        }
        self.models: dict[type[BaseModel], str] = {}

    def declared(self, op: Operation) -> Fields | Page | None:
        """What an operation answers (api/responses.py): the records of a spec, the body of any other."""
        if op.spec is not None:
            return responses.RECORDS.get(op.spec.path)
        return responses.OTHERS.get(op.key)

    def record(self, op: Operation) -> dict[str, Any]:
        """The schema of the declared answer, its record a component schema named after the spec's wrapper
        (or the path); a bare record for an undeclared operation."""
        declared = self.declared(op)
        if declared is None:
            return {"$ref": REF.format(model="Link")}
        item = declared.item if isinstance(declared, Page) else declared
        schema = item.schema()
        name = "Link" if schema == self.schemas["Link"] else _camel(op.spec.wrapper if op.spec else op.path)
        if self.schemas.get(name, schema) != schema:
            name += "Record"
        self.schemas[name] = schema
        ref = {"$ref": REF.format(model=name)}
        return envelope(ref) if isinstance(declared, Page) else ref

    def body(self, op: Operation) -> dict[str, Any] | None:
        declared = declared_body(op)
        if declared is None:  # nothing read from a body (e.g. `POST …/release`)
            return None
        self.models.setdefault(declared.model, "")
        inner = {"$ref": f"#/models/{id(declared.model)}"}  # resolved in `finish`
        return {"required": declared.required,
                "content": {"application/json": {"schema": {
                    "type": "object", "required": [declared.wrapper], "properties": {declared.wrapper: inner}}}}}

    def responses(self, op: Operation) -> dict[str, Any]:
        headers = {"X-Request-Id": {"schema": {"type": "string"}, "description": "This request's id."}}
        if op.route.business:
            headers["X-Business"] = {"schema": {"type": "string"}, "description": "The business that answered."}
        out: dict[str, Any] = {}
        record = self.record(op)
        if op.action == "list":
            out["200"] = {"description": "A page of records", "headers": headers,
                          "content": {"application/json": {"schema": envelope(record)}}}
        elif op.action == "create":
            out["201"] = {"description": "Created", "headers": headers, "content": _json(record)}
        elif op.action == "delete":
            out["204"] = {"description": "Deleted", "headers": headers}
            out["200"] = {"description": "Voided instead (sales documents): the voided record", "headers": headers,
                          "content": _json(record)}
        elif op.spec is not None or self.declared(op) is not None:
            out["200"] = {"description": "The record", "headers": headers, "content": _json(record)}
        else:
            success = "201" if op.method == "POST" else "200"
            out[success] = {"description": "Success", "headers": headers, "content": {"application/json": {
                "schema": {}}, "application/octet-stream": {"schema": {}}}}
            out["204"] = {"description": "Success, no content", "headers": headers}
        for status in error_statuses():
            out[str(status)] = {"$ref": f"#/components/responses/E{status}"}
        return out

    def operation(self, op: Operation, collections: frozenset[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"tags": [_title(op.path.strip("/").split("/")[0])],
                               "summary": _summary(op, collections),
                               "description": _description(op), "operationId": _operation_id(op),
                               "parameters": _parameters(op)}
        body = self.body(op)
        if body is not None:
            out["requestBody"] = body
        out["responses"] = self.responses(op)
        return out

    def finish(self, paths: dict[str, Any]) -> None:
        """Put the body models in components and point the placeholders at them."""
        if not self.models:
            return
        keys, defs = models_json_schema([(m, "validation") for m in self.models], ref_template=REF)
        self.schemas.update(defs.get("$defs", {}))
        refs = {f"#/models/{id(model)}": keys[(model, "validation")]["$ref"] for model in self.models}
        for item in paths.values():
            for operation in item.values():
                inner = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                for prop in inner.get("schema", {}).get("properties", {}).values():
                    if prop.get("$ref") in refs:
                        prop["$ref"] = refs[prop["$ref"]]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every API operation in the route table."""
    builder = Builder()
    paths: dict[str, dict[str, Any]] = {}
    ops = operations_of(routes)
    keyed = {op.path for op in ops}
    collections = frozenset(path for path in keyed if f"{path}/{{key}}" in keyed)
    for op in ops:
        paths.setdefault(op.path, {})[op.method.lower()] = builder.operation(op, collections)
    builder.finish(paths)
    error_responses = {f"E{status}": {"description": text, "content": _json({"$ref": REF.format(model="Errors")})}
                       for status, text in error_statuses().items()}
    tags = sorted({_title(op.path.strip("/").split("/")[0]) for op in ops})
    return {
        "openapi": "3.1.0",
        "info": {"title": "ledgerd: Sage Business Cloud Accounting API v3.1", "version": __version__,
                 "description": "Generated from ledgerd's route table. Decimals are strings (`\"45.83\"`), "
                                "dates `YYYY-MM-DD`, timestamps UTC `YYYY-MM-DDTHH:MM:SSZ`; errors are an array "
                                "of `{$severity, $dataCode, $message, $source}`. Tokens: OAuth 2.0 at /token."},
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
                       "schemas": builder.schemas, "responses": error_responses},
    }


def cached_document(request: Request) -> dict[str, Any]:
    state = request.app.state
    if not hasattr(state, "openapi"):
        state.openapi = document(request.app.routes)
    found: dict[str, Any] = state.openapi
    return found


async def _json_document(request: Request) -> Response:
    return JsonResponse(cached_document(request))


async def _moved(request: Request) -> Response:
    """The old one-page reference: the documentation site has one page per operation (web/docs/)."""
    return RedirectResponse("/docs/reference", status_code=301)


routes: list[BaseRoute] = [Route("/openapi.json", _json_document, methods=["GET"], name="openapi"),
                           Route("/docs", _moved, methods=["GET"], name="api_docs")]
