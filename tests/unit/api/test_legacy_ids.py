"""`show_legacy_id` (api/legacy_ids.py): every resource the app serves has a model that stores a legacy id."""

from __future__ import annotations

import ledgerd.app  # noqa: F401 - importing the app fills REGISTRY
from ledgerd.api.resource import REGISTRY


def test_every_served_model_stores_a_legacy_id() -> None:
    for path, resource in REGISTRY.items():
        assert hasattr(resource.model, "legacy_id"), f"/{path}: {resource.model.__name__} has no legacy_id"
