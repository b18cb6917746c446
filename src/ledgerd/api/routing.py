"""Route dispatch for the ~300 routes under /v3.1, by first path segment.

Starlette's `Router` tries its routes one after another, each with a regular expression: a route near the
end of a 300-route table paid ~300 matches (a few hundred microseconds) before its handler ran, and an
unknown path paid two full scans (the second looking for a trailing-slash redirect). `SegmentRouter` keeps
one Starlette `Router` per first segment (`/sales_invoices/{key}` → `sales_invoices`) holding only the
routes that can match it, in table order, plus the routes whose first segment is a parameter. Inside a
group Starlette's own rules apply unchanged: first full match, else the first partial one (405), else the
trailing-slash redirect, else 404. `routes` is still the whole table, in order, for the OpenAPI document,
405's Allow header and `url_path_for`.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Router
from starlette.types import Receive, Scope, Send


def _first_segment(path: str) -> str | None:
    """`sales_invoices` for `/sales_invoices/{key}`; None when the first segment is a parameter."""
    segment = path.lstrip("/").split("/", 1)[0]
    return None if "{" in segment else segment


def _route_path(scope: Scope) -> str:
    """The request path below the mount point (what the routes' patterns are matched against)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path):] if root_path and path.startswith(root_path) else path


class SegmentRouter:
    """An ASGI app dispatching to the routes of the request path's first segment."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = list(routes)
        firsts = [_first_segment(str(getattr(route, "path", "{}"))) for route in self.routes]
        self._groups = {
            segment: Router([route for route, first in zip(self.routes, firsts, strict=True)
                             if first in (segment, None)])
            for segment in dict.fromkeys(first for first in firsts if first is not None)
        }
        self._others = Router([route for route, first in zip(self.routes, firsts, strict=True) if first is None])

    def router_for(self, path: str) -> Router:
        """The group that a path below the mount point is matched in."""
        segment = path.lstrip("/").split("/", 1)[0]
        return self._groups.get(segment, self._others)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        router = self.router_for(_route_path(scope)) if scope["type"] in ("http", "websocket") else self._others
        await router(scope, receive, send)
