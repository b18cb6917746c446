"""Every resource the generic engine serves, by its path (`contacts`, `sales_invoices`, …).

`resource.routes` registers each spec as it declares its routes. The engine, the OpenAPI document and the
resource modules read the whole specs through `api.resource.REGISTRY` (this dict, typed as the engine's
`Resource`); the pipeline's `show_legacy_id` step (api/legacy_ids.py) needs only where each resource's
records are, `Served`. It lives apart from the engine because the pipeline sits below the engine.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import InstrumentedAttribute


class Served(Protocol):
    """Where a served resource's records are: their table and the column its paths name them by."""

    @property
    def model(self) -> type[Any]: ...

    @property
    def key(self) -> InstrumentedAttribute[Any]: ...


REGISTRY: dict[str, Served] = {}
