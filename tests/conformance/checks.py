"""The check of a success body against its operation's documented schema, shared by the v3.1 and v3 conformance
suites."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from tests.conformance import differences, operations
from tests.conformance.operations import Operation
from tests.conformance.schema import missing_properties, response_problems


def check_body(op: Operation, response: Any, definitions: dict[str, Any] | None = None, *,
               conditional: Collection[str] = (), swagger: str = "the swagger") -> None:
    """The success body against the operation's documented schema (with the documented differences).
    `definitions`: the swagger's definitions (default: v3.1's for the operation); `conditional`: properties shown
    only when asked for (v3's `legacy_id`, with `show_legacy_id=true`), not required of a single record."""
    found = definitions if definitions is not None else operations.definitions(op)
    erratum = differences.SWAGGER_ERRATA.get(op.id)
    if op.schema is None:
        assert response.content == b"", response.text
    elif erratum is not None and erratum.binary:
        # The file's bytes, under the file's own media type (asked for with Accept: application/octet-stream).
        assert response.content and not response.headers["content-type"].startswith("application/json")
    else:
        body = response.json()
        problems = response_problems(found, op.schema, body, core=op.core)
        if not op.is_list:  # a single record comes whole (attributes=all is the default for one record)
            problems += [p for p in missing_properties(found, op.schema, body)
                         if not any(p.startswith(f"$.{name}:") for name in conditional)]
        assert not problems, f"{op.id} differs from {swagger}:\n" + "\n".join(problems)
        if op.is_list:
            assert body["$items"], f"{op.id} listed no items to check (make one in its recipe)"
