"""Request bodies: the singular wrapper key, then a Pydantic model; failures become 422 problems."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ledgerd.api.errors import Invalid, Problem

M = TypeVar("M", bound=BaseModel)


def _source(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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
