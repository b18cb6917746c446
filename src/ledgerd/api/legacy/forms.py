"""Rails-style nested form parameters, as API v1/v2 bodies were sent (auth-and-legacy §7.1):
`contact[name]=x` → `{"contact": {"name": "x"}}`, `a[lines][0][b]=y` → `{"a": {"lines": [{"b": "y"}]}}`,
`a[tags][]=p&a[tags][]=q` → `{"a": {"tags": ["p", "q"]}}`. A hash whose keys are all numbers (Rails'
`*_attributes` style) becomes a list in the numbers' order."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ledgerd.errors import Invalid

MAX_DEPTH = 8
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


def _parts(key: str) -> list[str]:
    found = _KEY.match(key)
    if found is None:
        raise Invalid(f"The form parameter {key!r} is not a valid name.", key)
    parts = [found.group(1), *_PART.findall(found.group(2))]
    if len(parts) > MAX_DEPTH:
        raise Invalid(f"The form parameter {key!r} is nested too deeply.", key)
    return parts


def _listed(value: Any) -> Any:
    """Numbered hashes turned into lists, depth first."""
    if isinstance(value, dict):
        inner = {k: _listed(v) for k, v in value.items()}
        if inner and all(k.isdigit() for k in inner):
            return [inner[k] for k in sorted(inner, key=int)]
        return inner
    if isinstance(value, list):
        return [_listed(v) for v in value]
    return value


def parse(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The nested value of form pairs; a name used both as a value and as a hash is refused (422)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = _parts(key)
        node: Any = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, list):  # `name[]`: each value appended (a nested `name[][x]` is not Rails' either)
                if not last:
                    raise Invalid(f"The form parameter {key!r} nests inside a list.", key)
                node.append(value)
                break
            if part == "" and depth > 0:
                raise Invalid(f"The form parameter {key!r} is not a valid name.", key)
            following = parts[depth + 1] if not last else None
            if last:
                if part in node:
                    raise Invalid(f"The form parameter {key!r} is given twice.", key)
                node[part] = value
            else:
                child = node.setdefault(part, [] if following == "" else {})
                if not isinstance(child, list if following == "" else dict):
                    raise Invalid(f"The form parameter {key!r} conflicts with another.", key)
                node = child
    return {k: _listed(v) for k, v in root.items()}
