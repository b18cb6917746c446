"""Routes of this package (mounted under /v3.1 by `ledgerd.app`)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
