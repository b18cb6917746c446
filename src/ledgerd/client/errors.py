"""What the client raises: Sage's error arrays as typed exceptions, one per status family, and OAuth errors.

An API error body is `[{"$severity","$dataCode","$message","$source"}]`; `error_for` turns a non-2xx answer into
the exception of its status (401, 403, 404, 409, 422, 429, 5xx; any other status is the base `ApiError`). The
token endpoint answers RFC 6749's `{"error","error_description"}` instead: `OAuthError`.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Problem:
    """One entry of Sage's error array."""

    severity: str
    data_code: str
    message: str
    source: str


class ClientError(Exception):
    """Every error this client raises."""


class ApiError(ClientError):
    """A non-2xx answer of the API, with Sage's error array (`problems`; empty if the body was not one)."""

    def __init__(self, response: httpx.Response, problems: list[Problem]) -> None:
        self.response = response
        self.status = response.status_code
        self.problems = problems
        self.request_id = response.headers.get("X-Request-Id")
        first = problems[0] if problems else None
        self.code = first.data_code if first else ""
        self.message = first.message if first else response.reason_phrase
        super().__init__(f"{self.status} {self.code or response.reason_phrase}: {self.message}"
                         f" ({response.request.method} {response.request.url.path})")


class Unauthorized(ApiError):
    """401: the access token is missing, expired, revoked, or the business has no active subscription."""

    @property
    def no_subscription(self) -> bool:
        """Sage's answer when the business's trial has ended or its subscription was cancelled; refreshing the
        token does not help."""
        return any("No active subscription" in p.message for p in self.problems)


class Forbidden(ApiError):
    """403: the user's role, the token's scope or the business does not allow this."""


class NotFound(ApiError):
    """404: no such record or endpoint (or not in this business)."""


class Conflict(ApiError):
    """409: the request conflicts with the record's current state."""


class Unprocessable(ApiError):
    """422: the body was understood but refused; each problem's `source` names the attribute at fault."""


class _Retryable(ApiError):
    def __init__(self, response: httpx.Response, problems: list[Problem]) -> None:
        super().__init__(response, problems)
        self.retry_after = retry_after(response.headers.get("Retry-After"))


class RateLimited(_Retryable):
    """429: too many requests; `retry_after` is the wait in seconds the answer asked for (None if it gave none)."""


class ServerError(_Retryable):
    """5xx: the server failed or is unavailable; a POST may still have happened unless it carried an
    `idempotency_id` (then repeating it is safe)."""


class OAuthError(ClientError):
    """An OAuth 2.0 error: from the token or revocation endpoint (`status` set) or on the callback URL."""

    def __init__(self, error: str, description: str = "", status: int | None = None) -> None:
        self.error = error
        self.description = description
        self.status = status
        super().__init__(f"{error}: {description}" if description else error)


_BY_STATUS: dict[int, type[ApiError]] = {401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
                                         422: Unprocessable, 429: RateLimited}


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def problems_of(body: Any) -> list[Problem]:
    """Sage's error array in a decoded body (also the older `{"$diagnoses": [...]}` envelope)."""
    if isinstance(body, dict) and isinstance(body.get("$diagnoses"), list):
        body = body["$diagnoses"]
    if not isinstance(body, list):
        return []
    return [Problem(str(p.get("$severity", "")), str(p.get("$dataCode", "")), str(p.get("$message", "")),
                    str(p.get("$source", ""))) for p in body if isinstance(p, dict)]


def error_for(response: httpx.Response) -> ApiError:
    """The exception for a non-2xx answer."""
    try:
        problems = problems_of(response.json())
    except ValueError:
        problems = []
    status = response.status_code
    cls = ServerError if status >= 500 else _BY_STATUS.get(status, ApiError)
    return cls(response, problems)


def oauth_error_for(response: httpx.Response) -> OAuthError:
    """The exception for a token or revocation endpoint's refusal."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return OAuthError(body["error"], str(body.get("error_description", "")), response.status_code)
    return OAuthError("server_error" if response.status_code >= 500 else "invalid_request",
                      response.text[:200], response.status_code)
