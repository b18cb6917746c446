"""Domain errors and their one mapping to Sage's error array.

Every error body is `[{"$severity","$dataCode","$message","$source"}]`; the codes and statuses Sage
does not document are decided in docs/errors.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    data_code: str
    message: str
    source: str = ""
    severity: str = "error"

    def to_wire(self) -> dict[str, str]:
        return {"$severity": self.severity, "$dataCode": self.data_code, "$message": self.message,
                "$source": self.source}


class ApiError(Exception):
    """An error answered with Sage's error array."""

    status = 500
    data_code = "UnexpectedError"
    default_message = "An unexpected error occurred."

    def __init__(self, message: str | None = None, source: str = "", *,
                 problems: Sequence[Problem] | None = None, headers: dict[str, str] | None = None) -> None:
        self.problems = list(problems) if problems else [
            Problem(self.data_code, message or self.default_message, source)]
        self.headers = headers or {}
        super().__init__(self.problems[0].message)

    def body(self) -> list[dict[str, str]]:
        return [p.to_wire() for p in self.problems]


class BadRequest(ApiError):
    status = 400
    data_code = "BadRequest"
    default_message = "The request is malformed."


class InvalidJson(BadRequest):
    data_code = "InvalidJson"


class InvalidParameter(BadRequest):
    data_code = "InvalidParameter"


class InvalidCharacters(BadRequest):
    """Text no field may hold: a control character other than tab, line feed and carriage return, or bytes
    that are not UTF-8 (ledgerd/limits.py), in the path, a query parameter or a body string."""

    data_code = "InvalidCharacters"


class Unauthorized(ApiError):
    status = 401
    data_code = "AuthorizationFailure"
    default_message = "Access denied."

    def __init__(self, message: str | None = None) -> None:
        description = (message or self.default_message).replace('"', "'")
        super().__init__(message, headers={
            "WWW-Authenticate": f'Bearer realm="ledgerd", error="invalid_token", error_description="{description}"'})


class Forbidden(ApiError):
    status = 403
    data_code = "MultiUserAccessDenied"
    default_message = "The current user is not allowed to access that resource with that method."


class NotFound(ApiError):
    status = 404
    data_code = "RecordNotFound"
    default_message = "Couldn't find record."


class RouteNotFound(ApiError):
    status = 404
    data_code = "RouteNotFound"
    default_message = "The path/endpoint does not exist."


class MethodNotAllowed(ApiError):
    status = 405
    data_code = "MethodNotAllowed"


class NotAcceptable(ApiError):
    """The `Accept` header rules out the only representation the endpoint has."""

    status = 406
    data_code = "NotAcceptable"


class RequestTimeout(ApiError):
    """The request body did not arrive in time (see ledgerd/guard.py)."""

    status = 408
    data_code = "RequestTimeout"


class Conflict(ApiError):
    status = 409
    data_code = "Conflict"


class PayloadTooLarge(ApiError):
    status = 413
    data_code = "RequestEntityTooLarge"


class UnsupportedMediaType(ApiError):
    status = 415
    data_code = "UnsupportedMediaType"
    default_message = ("API v3.1 only accepts request bodies with a content type of JSON "
                       "(Content-Type: application/json).")


class Invalid(ApiError):
    """Well-formed input that breaks a rule (RecordInvalid in Sage's words)."""

    status = 422
    data_code = "RecordInvalid"
    default_message = "The record is invalid."


class TooManyRequests(ApiError):
    status = 429
    data_code = "TooManyRequests"
    default_message = "Too many requests have been made against the API. Please wait and retry."


class Unavailable(ApiError):
    status = 503
    data_code = "ServiceUnavailable"
    default_message = "The service is temporarily unavailable. Please retry later."


class Contention(Unavailable):
    """Concurrent requests on the same records kept ending this one's transaction (deadlocks, serialization
    failures), even after the pipeline ran it again: nothing was applied, a retry later normally succeeds."""

    default_message = ("Other requests were changing the same records at the same time; nothing was changed. "
                       "Please retry.")

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "1"})
