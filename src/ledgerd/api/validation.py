"""Request bodies: no control characters in any string, the singular wrapper key, then a Pydantic model;
failures become 400 and 422 problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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
            Problem("RecordInvalid", message(err["type"], err["msg"]), _source(tuple(err["loc"])))
            for err in exc.errors()
        ]) from None


@dataclass(frozen=True)
class Body(Generic[M]):
    """A request body a route declares: `{"<wrapper>": <model>}`. The pipeline parses it once, before the
    handler, and hands the handler the validated model (api/pipeline.py); the OpenAPI document describes it
    (api/openapi.py). A body that is not `required` may be left out: the handler then gets the model's
    defaults."""

    wrapper: str
    model: type[M]
    required: bool = True

    def parse(self, body: Any) -> M:
        if body is None and not self.required:
            return self.model()
        return parse_body(body, self.wrapper, self.model)


# Pydantic's wording names its own classes ("Input should be a valid dictionary or instance of AddressIn"); a
# client sees what the field must be instead.
_PLAIN = {
    "model_type": "must be an object", "dict_type": "must be an object", "model_attributes_type": "must be an object",
    "list_type": "must be a list", "tuple_type": "must be a list", "set_type": "must be a list",
    "string_type": "must be a string", "bool_type": "must be true or false", "bool_parsing": "must be true or false",
    "int_type": "must be a whole number", "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number", "decimal_type": "must be a number",
    "decimal_parsing": "must be a number", "float_type": "must be a number", "float_parsing": "must be a number",
    "date_type": "must be a date (YYYY-MM-DD)", "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "datetime_type": "must be a date and time (ISO 8601)", "datetime_parsing": "must be a date and time (ISO 8601)",
}


def message(kind: str, text: str) -> str:
    """What a client is told of one Pydantic error of type `kind` (its own text `text`)."""
    if kind in _PLAIN:
        return _PLAIN[kind]
    return text.removeprefix("Value error, ")
