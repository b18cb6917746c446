"""The unit suite's guard: the database fixtures are refused here."""

from __future__ import annotations

import pytest

from tests.unit.conftest import DATABASE_FIXTURES


def test_every_database_fixture_of_the_suite_is_refused(request: pytest.FixtureRequest) -> None:
    for name in DATABASE_FIXTURES:
        definitions = request._fixturemanager.getfixturedefs(name, request.node)
        assert definitions, name
        assert definitions[-1].baseid.rstrip("/").endswith("tests/unit"), name
