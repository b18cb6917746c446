"""The documents and money packages sit below HTTP and import one another one way (docs/architecture.md).

import-linter (pyproject.toml) checks the whole picture; these tests hold the packages already untangled to
it on every test run: no import of the HTTP layer, no cycle among them, no import hidden inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

import ledgerd

PACKAGES = ("artefacts", "payments", "contacts", "catalog", "banking", "quick_entries", "stock", "reports")
HTTP = ("api", "web")
SOURCE = Path(ledgerd.__file__).parent


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("ledgerd")


def _modules(graph: grimp.ImportGraph, package: str) -> list[str]:
    return [f"ledgerd.{package}", *sorted(graph.find_descendants(f"ledgerd.{package}"))]


def _package(module: str) -> str:
    """`ledgerd.contacts.service` -> `contacts`."""
    return module.split(".")[1] if "." in module else module


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_of_the_http_layer(graph: grimp.ImportGraph, package: str) -> None:
    wrong = [f"{module} -> {imported}" for module in _modules(graph, package)
             for imported in sorted(graph.find_modules_directly_imported_by(module))
             if _package(imported) in HTTP]
    assert wrong == []


def test_no_cycle_among_the_packages(graph: grimp.ImportGraph) -> None:
    edges: dict[str, set[str]] = {package: set() for package in PACKAGES}
    for package in PACKAGES:
        for module in _modules(graph, package):
            edges[package] |= {_package(imported) for imported in graph.find_modules_directly_imported_by(module)
                               if _package(imported) in edges and _package(imported) != package}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(edges[current])
        return False

    cycles = sorted(f"{a} <-> {b}" for a in PACKAGES for b in edges[a] if reaches(b, a))
    assert cycles == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_inside_a_function(package: str) -> None:
    """A function-level import hides an edge that points the wrong way: fix the direction instead."""
    hidden = []
    for path in sorted((SOURCE / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                hidden += [f"{path.relative_to(SOURCE)}:{inner.lineno}" for inner in ast.walk(node)
                           if isinstance(inner, ast.Import | ast.ImportFrom)]
    assert hidden == []
