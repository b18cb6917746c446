"""The routes the app serves under /v3.1, as (method, path template): what route-generated tests walk."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount, Route

from ledgerd.app import API_PREFIX


def served(app: Starlette) -> list[tuple[str, str]]:
    """Every (METHOD, /path/{template}) below /v3.1, HEAD left out, sorted."""
    out: set[tuple[str, str]] = set()
    for mount in app.routes:
        if isinstance(mount, Mount) and mount.path == API_PREFIX:
            for route in mount.routes:
                if isinstance(route, Route):
                    out.update((method, route.path) for method in route.methods or () if method != "HEAD")
    return sorted(out, key=lambda pair: (pair[1], pair[0]))


def concrete(path: str, key: str = "0" * 32) -> str:
    """A path template with every parameter filled (an unknown id by default)."""
    while "{" in path:
        start = path.index("{")
        path = path[:start] + key + path[path.index("}", start) + 1:]
    return path
