"""The unit suite's guard: every fixture of tests/conftest.py (each opens, migrates or serves a database) is refused
here, including any added there later."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.unit.conftest import DATABASE_FIXTURES

SUITE_CONFTEST = Path(__file__).parents[1] / "conftest.py"


def _fixtures(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef) and any(
                "fixture" in ast.unparse(decorator) for decorator in node.decorator_list):
            names.add(node.name)
    return names


def test_the_list_names_every_fixture_of_the_suite() -> None:
    assert _fixtures(SUITE_CONFTEST) == set(DATABASE_FIXTURES)


def test_every_one_is_refused_here(request: pytest.FixtureRequest) -> None:
    for name in DATABASE_FIXTURES:
        definitions = request._fixturemanager.getfixturedefs(name, request.node)
        assert definitions, name
        assert definitions[-1].baseid.rstrip("/").endswith("tests/unit"), name
