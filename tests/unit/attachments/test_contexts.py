"""What an attachment can belong to (attachments/contexts.py): each context type's table of records, as the
resources serve them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from ledgerd import app  # noqa: F401 - importing the app declares every resource (api.registry), nothing else
from ledgerd.api.resource import REGISTRY
from ledgerd.attachments.contexts import CONTEXTS
from ledgerd.regions.data import lookups


def _where(stmt: Select[Any]) -> str | None:
    clause = stmt.whereclause
    return None if clause is None else str(clause.compile(compile_kwargs={"literal_binds": True}))


def test_every_context_type_finds_the_records_its_resource_serves() -> None:
    """The attachment rules' own table of context records agrees with the served resources: the same table,
    the same rows of it, found by the same key."""
    types = lookups()["attachment_context_types"]
    assert set(CONTEXTS) == {t["path"] for t in types}
    for item in types:
        context, spec = CONTEXTS[item["path"]], REGISTRY[item["path"]]
        assert context.model is spec.model and spec.key.key == "id", item["id"]
        assert _where(context.query()) == _where(spec.base_query()), item["id"]
