"""HTTP errors and the one mapping of every error to a status and Sage's error array.

Every error body is `[{"$severity","$dataCode","$message","$source"}]`. Business rules raise the domain
errors of ledgerd/errors.py, which carry no status: `STATUS` gives theirs. The errors below are HTTP's own
(malformed requests, authentication, limits), raised by the API pipeline and by the guards every surface
shares; the codes and statuses Sage does not document are decided in docs/decisions.md.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ledgerd.errors import DomainError, Forbidden, InUse, Invalid, LedgerdError, NotFound, Problem
from ledgerd.http.wire import JsonResponse

# The status of each domain error (a subclass takes its nearest listed ancestor's).
STATUS: dict[type[DomainError], int] = {Invalid: 422, NotFound: 404, Forbidden: 403, InUse: 405}


class ApiError(LedgerdError):
    """An error only the HTTP layer raises, with its status and response headers."""

    status = 500

    def __init__(self, message: str | None = None, source: str = "", *,
                 problems: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, source, problems=problems)
        self.headers = headers or {}


def status_of(error: LedgerdError) -> int:
    if isinstance(error, ApiError):
        return error.status
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def headers_of(error: LedgerdError) -> dict[str, str]:
    return error.headers if isinstance(error, ApiError) else {}


def wire(problem: Problem) -> dict[str, str]:
    return {"$severity": problem.severity, "$dataCode": problem.code, "$message": problem.message,
            "$source": problem.source}


def body(error: LedgerdError) -> list[dict[str, str]]:
    """Sage's error array for `error`."""
    return [wire(problem) for problem in error.problems]


def error_response(exc: LedgerdError, request_id: str | None = None) -> Response:
    """Sage's error array for any error, with its status and headers."""
    headers = dict(headers_of(exc))
    if request_id:
        headers["X-Request-Id"] = request_id
    return JsonResponse(body(exc), status_code=status_of(exc), headers=headers)


class BadRequest(ApiError):
    status = 400
    code = "BadRequest"
    default_message = "The request is malformed."


class InvalidJson(BadRequest):
    code = "InvalidJson"


class InvalidParameter(BadRequest):
    code = "InvalidParameter"


class InvalidCharacters(BadRequest):
    """Text no field may hold: a control character other than tab, line feed and carriage return, or bytes
    that are not UTF-8 (ledgerd/limits.py), in the path, a query parameter or a body string."""

    code = "InvalidCharacters"


class Unauthorized(ApiError):
    status = 401
    code = "AuthorizationFailure"
    default_message = "Access denied."

    def __init__(self, message: str | None = None) -> None:
        description = (message or self.default_message).replace('"', "'")
        super().__init__(message, headers={
            "WWW-Authenticate": f'Bearer realm="ledgerd", error="invalid_token", error_description="{description}"'})


class RouteNotFound(ApiError):
    status = 404
    code = "RouteNotFound"
    default_message = "The path/endpoint does not exist."


class MethodNotAllowed(ApiError):
    status = 405
    code = "MethodNotAllowed"


class NotAcceptable(ApiError):
    """The `Accept` header rules out the only representation the endpoint has."""

    status = 406
    code = "NotAcceptable"


class RequestTimeout(ApiError):
    """The request body did not arrive in time (see http/guard.py)."""

    status = 408
    code = "RequestTimeout"


class PayloadTooLarge(ApiError):
    status = 413
    code = "RequestEntityTooLarge"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "UnsupportedMediaType"
    default_message = ("API v3.1 only accepts request bodies with a content type of JSON "
                       "(Content-Type: application/json).")


class TooManyRequests(ApiError):
    status = 429
    code = "TooManyRequests"
    default_message = "Too many requests have been made against the API. Please wait and retry."


class Unavailable(ApiError):
    status = 503
    code = "ServiceUnavailable"
    default_message = "The service is temporarily unavailable. Please retry later."


class Contention(Unavailable):
    """Concurrent requests on the same records kept ending this one's transaction (deadlocks, serialization
    failures), even after the pipeline ran it again: nothing was applied, a retry later normally succeeds."""

    default_message = ("Other requests were changing the same records at the same time; nothing was changed. "
                       "Please retry.")

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "1"})
