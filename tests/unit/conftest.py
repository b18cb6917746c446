"""Unit tests: pure functions of the package, run in seconds with no database (`make test-fast`).

Everything here tests a module that needs no session, engine or server: arithmetic, limits, wire formats,
region data, hashing, the clock. `make test-fast` does not even load tests/conftest.py (`--confcutdir`); under
`make test` its database fixtures are overridden below, so a unit test that asks for one fails at once with a
message instead of quietly migrating SQLite and PostgreSQL. A test that needs the database belongs in tests/
beside the others.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerd.ledger import classifications
from ledgerd.lookups import coa
from ledgerd.regions import data as region_data

# Every fixture of tests/conftest.py that opens, migrates or serves a database.
DATABASE_FIXTURES = ("postgres", "database_url", "fresh_database", "runtime", "clock", "factory", "client",
                     "backend", "frozen", "server")


def _refused(request: pytest.FixtureRequest) -> None:
    pytest.fail(f"a unit test may not use the {request.fixturename!r} fixture (it needs a database); "
                "move the test to tests/ or test a pure function", pytrace=False)


_no_postgres = pytest.fixture(_refused, name="postgres")
_no_database_url = pytest.fixture(_refused, name="database_url")
_no_fresh_database = pytest.fixture(_refused, name="fresh_database")
_no_runtime = pytest.fixture(_refused, name="runtime")
_no_clock = pytest.fixture(_refused, name="clock")
_no_factory = pytest.fixture(_refused, name="factory")
_no_client = pytest.fixture(_refused, name="client")
_no_backend = pytest.fixture(_refused, name="backend")
_no_frozen = pytest.fixture(_refused, name="frozen")
_no_server = pytest.fixture(_refused, name="server")


# Everything read from the region data files and kept per process.
_REGION_CACHES = (region_data.region, region_data.lookups, region_data.region_lookups, region_data.journal_codes,
                  region_data.tax_rate_def, classifications.of_country, classifications.find, coa.template_accounts)


@pytest.fixture
def region_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the region data files for a test to break: the loaders read it, with nothing cached, until the
    test ends; then they read the real files again."""
    copy = tmp_path / "data"
    shutil.copytree(region_data.DATA, copy)
    monkeypatch.setattr(region_data, "DATA", copy)
    for cached in _REGION_CACHES:
        cached.cache_clear()
    yield copy
    for cached in _REGION_CACHES:
        cached.cache_clear()
