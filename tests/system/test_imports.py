"""Imports sit at the top of their module, where import-linter (`make test`, pyproject.toml) sees every
dependency: an import hidden inside a function is how a wrong-way dependency used to dodge a cycle.

The one exception is the command line (cli.py): each verb imports what it needs when it runs, so `ledgerd --help`
starts without loading the whole server. The migration scripts are Alembic's, not modules of the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ledgerd

SOURCE = Path(ledgerd.__file__).parent
EXEMPT = {SOURCE / "cli.py"}


def _hidden_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    return [f"{path.relative_to(SOURCE.parent)}:{inner.lineno} {ast.unparse(inner)}"
            for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(node) if isinstance(inner, ast.Import | ast.ImportFrom)]


def test_no_import_inside_a_function() -> None:
    modules = [p for p in sorted(SOURCE.rglob("*.py")) if p not in EXEMPT and "migrations" not in p.parts]
    assert len(modules) > 150
    assert [hidden for path in modules for hidden in _hidden_imports(path)] == []
