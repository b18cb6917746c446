"""The packages already untangled keep to the layers of pyproject.toml's import-linter contract: nothing in them
imports a higher layer (the ledger only storage, the region data and the infrastructure modules; journals and
the reference lists nothing of HTTP). `lint-imports` checks every package once all of them hold."""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp
import pytest

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
UNTANGLED = ("ledgerd.ledger", "ledgerd.journals", "ledgerd.lookups")


def _layers() -> list[set[str]]:
    """The layers of the contract, top first, each the set of its packages."""
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    return [{name.strip() for name in layer.split(":")} for layer in layers]


def _layer_of(module: str, layers: list[set[str]]) -> int | None:
    for index, packages in enumerate(layers):
        if any(module == p or module.startswith(f"{p}.") for p in packages):
            return index
    return None


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("ledgerd")


@pytest.mark.parametrize("package", UNTANGLED)
def test_nothing_imports_a_higher_layer(graph: grimp.ImportGraph, package: str) -> None:
    layers = _layers()
    own = _layer_of(package, layers)
    assert own is not None, f"{package} is in no layer of the contract"
    upward = sorted(f"{module} -> {imported}"
                    for module in {package, *graph.find_descendants(package)}
                    for imported in graph.find_modules_directly_imported_by(module)
                    if (layer := _layer_of(imported, layers)) is not None and layer < own)
    assert upward == []
