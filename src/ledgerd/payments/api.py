"""HTTP routes of this domain (filled in as its resources land)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
