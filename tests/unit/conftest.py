"""Unit tests: pure functions of the package, run in seconds with no database (`make test-fast`).

Everything here tests a module that needs no session, engine or server: arithmetic, limits, wire formats,
region data, hashing, the clock. The database fixtures of tests/conftest.py are overridden below, so a unit
test that asks for one fails at once with a message instead of quietly migrating SQLite and PostgreSQL.
A test that needs the database belongs in tests/ beside the others.
"""

from __future__ import annotations

import pytest

# Every fixture of tests/conftest.py that opens, migrates or serves a database.
DATABASE_FIXTURES = ("postgres", "database_url", "fresh_database", "runtime", "clock", "factory", "client",
                     "backend")


def _refuse(name: str) -> object:
    @pytest.fixture(name=name)
    def refused() -> None:
        pytest.fail(f"a unit test may not use the {name!r} fixture (it needs a database); "
                    "move the test to tests/ or test a pure function", pytrace=False)

    return refused


for _name in DATABASE_FIXTURES:
    globals()[f"_no_{_name}"] = _refuse(_name)
