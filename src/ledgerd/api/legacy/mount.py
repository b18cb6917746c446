"""The routes of the old APIs, over the v3.1 API app they forward to (docs/legacy-apis.md)."""

from __future__ import annotations

from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from ledgerd.api.legacy import core_v3, v2, v3

# v3's regions (auth-and-legacy §6.2: `uki` serves GB and IE) and the path prefixes of both old APIs.
V3_REGIONS = ("uki", "us", "ca", "de", "es", "fr")
PREFIXES = (*(f"/{region}/sageone/" for region in V3_REGIONS), "/accounts/v2/", "/core/v2/")


def routes(api: ASGIApp) -> list[BaseRoute]:
    """Every route of the old APIs; `api` is the v3.1 API app (the SegmentRouter mounted at /v3.1)."""
    return [*v3.routes(api), *core_v3.routes(), *v2.routes(api)]
