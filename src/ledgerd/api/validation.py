"""Request bodies: no control characters in any string, the singular wrapper key, then a Pydantic model;
failures become 400 and 422 problems."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ledgerd import limits
from ledgerd.errors import Invalid, Problem
from ledgerd.http.errors import InvalidCharacters

M = TypeVar("M", bound=BaseModel)
# How strict JSON writes a control character: \u0000-\u001F (either case), \b, \f (tab, newline and return allowed).
_CONTROL_ESCAPES = (b"\\u000", b"\\u001", b"\\b", b"\\f")


def _source(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check_text(raw: bytes, body: Any) -> None:
    """Refuse a parsed JSON body with a control character in any string or key (400, `$source` the field's path
    inside the wrapper). Strict JSON carries such characters only as escapes (\\u0000-\\u001F, \\b, \\f): a text
    without any is not walked, which is nearly every body (an escaped "é" is \\u00e9, not one of them)."""
    if not any(escape in raw for escape in _CONTROL_ESCAPES):
        return
    found = limits.control_in_json(body)
    if found is not None:
        path, character = found
        source = _source(path[1:] if len(path) > 1 else path)
        raise InvalidCharacters(limits.refusal(_source(path), character), source)


def parse_body(body: Any, wrapper: str, model: type[M]) -> M:
    """Validate `{"<wrapper>": {...}}` against `model`; unknown attributes are ignored, as Sage does."""
    if not isinstance(body, dict) or wrapper not in body:
        raise Invalid(problems=[Problem("Validation", f"{wrapper} is missing", wrapper)])
    inner = body[wrapper]
    if not isinstance(inner, dict):
        raise Invalid(problems=[Problem("Validation", f"{wrapper} must be an object", wrapper)])
    try:
        return model.model_validate(inner)
    except ValidationError as exc:
        raise Invalid(problems=[
            Problem("RecordInvalid", err["msg"], _source(tuple(err["loc"]))) for err in exc.errors()
        ]) from None
