"""Sage's published contract, read where the workplace keeps it: `shared/reference` beside the repository.

It is read, never copied into the repository. `LEDGERD_REFERENCE_DIR` names another folder. Under
`CI=true` a missing reference fails the run; elsewhere the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def reference_dir() -> Path | None:
    named = os.environ.get("LEDGERD_REFERENCE_DIR")
    if named:
        return Path(named)
    for ancestor in ROOT.parents:
        candidate = ancestor / "shared" / "reference"
        if candidate.is_dir():
            return candidate
    return None


@functools.cache
def _load(name: str) -> dict[str, Any]:
    folder = reference_dir()
    path = folder / name if folder else None
    if path is None or not path.exists():
        reason = (f"Sage's reference {name} is not found (set LEDGERD_REFERENCE_DIR, or keep shared/reference "
                  "beside the repository)")
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with path.open() as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def swagger() -> dict[str, Any]:
    """The official v3.1 swagger (169 paths, 287 operations)."""
    return _load("sage-accounting-v3.1.swagger.json")


def core_swagger() -> dict[str, Any]:
    """The official v3.1 core swagger (`/businesses`, `/user`)."""
    return _load("sage-accounting-v3.1-core.swagger.json")


def definitions() -> dict[str, Any]:
    return swagger()["definitions"]  # type: ignore[no-any-return]


def v3_swagger() -> dict[str, Any]:
    """The official v3 UKI swagger (165 paths): API v3, served by api/legacy/v3.py."""
    return _load("sage-accounting-v3-uki.swagger.json")
