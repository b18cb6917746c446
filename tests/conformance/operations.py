"""Every operation of Sage's contract (the v3.1 swagger plus the core swagger's /businesses and /user),
and which of them ledgerd routes.

The swagger is read only through `tests.support.reference`; nothing of it is copied here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route

from tests.support import reference

METHODS = ("get", "post", "put", "delete")
# A country is written in the swagger's "Endpoint Availability" as its flag: two regional indicator symbols.
FLAG = re.compile("([\U0001F1E6-\U0001F1FF])([\U0001F1E6-\U0001F1FF])")
API_PREFIX = "/v3.1"


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # the swagger's template, e.g. /contacts/{key}
    tag: str
    status: int  # the documented success status
    schema: dict[str, Any] | None  # the documented success body (None: no body)
    parameters: tuple[dict[str, Any], ...]
    core: bool  # from the core swagger (/businesses, /user): no X-Business, not business-scoped
    # The countries of the swagger's "Endpoint Availability" (empty: it names none).
    countries: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def keyed(self) -> bool:
        return "{key}" in self.path

    @property
    def collection(self) -> str:
        """The resource path segment: `contacts` for /contacts/{key}/…"""
        return self.path.split("/")[1]

    @property
    def is_list(self) -> bool:
        return self.schema is not None and self.schema.get("type") == "array"

    def query_parameters(self) -> list[str]:
        return [p["name"] for p in self.parameters if p.get("in") == "query"]


def _countries(description: str) -> frozenset[str]:
    availability = description.split("### Access Control", 1)[0]
    return frozenset(chr(ord(a) - 0x1F1E6 + 65) + chr(ord(b) - 0x1F1E6 + 65) for a, b in FLAG.findall(availability))


def _operations(document: dict[str, Any], core: bool) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            status, response = next((int(code), body) for code, body in op["responses"].items()
                                    if code.startswith("2"))
            found.append(Operation(method.upper(), path, (op.get("tags") or ["(untagged)"])[0], status,
                                   response.get("schema"), tuple([*shared, *op.get("parameters", [])]), core,
                                   _countries(op.get("description", ""))))
    return found


@functools.cache
def official() -> tuple[Operation, ...]:
    """The 287 operations of the v3.1 swagger, then the 5 of the core swagger, in path order."""
    ops = _operations(reference.swagger(), core=False) + _operations(reference.core_swagger(), core=True)
    return tuple(sorted(ops, key=lambda op: (op.core, op.path, METHODS.index(op.method.lower()))))


def definitions(op: Operation) -> dict[str, Any]:
    document = reference.core_swagger() if op.core else reference.swagger()
    return document["definitions"]  # type: ignore[no-any-return]


def routed(app: Starlette) -> frozenset[str]:
    """`"METHOD /path"` for every route ledgerd serves under /v3.1."""
    served: set[str] = set()
    for mount in app.routes:
        if isinstance(mount, Mount) and mount.path == API_PREFIX:
            for route in mount.routes:
                if isinstance(route, Route):
                    served.update(f"{m} {route.path}" for m in route.methods or () if m != "HEAD")
    return frozenset(served)
