"""Sage's error arrays → typed exceptions, one per status family; Retry-After; OAuth error bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from ledgerd.client import errors

SAGE_403 = [{"$severity": "error", "$dataCode": "MultiUserAccessDenied",
             "$message": "The current user is not allowed to access that resource with that method.", "$source": ""}]


def answer(status: int, body: object = None, headers: dict[str, str] | None = None, text: str | None = None
           ) -> httpx.Response:
    request = httpx.Request("POST", "https://api.accounting.sage.com/v3.1/contacts")
    if text is not None:
        return httpx.Response(status, text=text, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.mark.parametrize(("status", "cls"), [
    (400, errors.ApiError), (401, errors.Unauthorized), (403, errors.Forbidden), (404, errors.NotFound),
    (409, errors.Conflict), (415, errors.ApiError), (422, errors.Unprocessable), (429, errors.RateLimited),
    (500, errors.ServerError), (502, errors.ServerError), (503, errors.ServerError), (504, errors.ServerError)])
def test_one_exception_per_status_family(status: int, cls: type[errors.ApiError]) -> None:
    error = errors.error_for(answer(status, SAGE_403, {"X-Request-Id": "abc"}))
    assert type(error) is cls and error.status == status and error.request_id == "abc"
    assert error.code == "MultiUserAccessDenied" and error.problems[0].message.startswith("The current user")
    assert str(error).startswith(f"{status} MultiUserAccessDenied: The current user")
    assert "POST /v3.1/contacts" in str(error)


def test_validation_problems_keep_their_source() -> None:
    error = errors.error_for(answer(422, [
        {"$severity": "error", "$dataCode": "RecordInvalid", "$message": "can't be blank", "$source": "name"},
        {"$severity": "error", "$dataCode": "RecordInvalid", "$message": "is invalid", "$source": "currency_id"}]))
    assert [p.source for p in error.problems] == ["name", "currency_id"]


def test_the_older_diagnoses_envelope_and_bodies_that_are_no_array() -> None:
    old = errors.error_for(answer(401, {"$diagnoses": [{"$severity": "error", "$dataCode": "AuthorizationFailure",
                                                        "$message": "Access Denied", "$source": ""}]}))
    assert isinstance(old, errors.Unauthorized) and old.code == "AuthorizationFailure"
    proxy = errors.error_for(answer(502, text="<html>Bad gateway</html>"))
    assert isinstance(proxy, errors.ServerError) and proxy.problems == [] and proxy.message == "Bad Gateway"


def test_no_active_subscription() -> None:
    error = errors.error_for(answer(401, [{"$severity": "error", "$dataCode": "AuthorizationFailure",
                                           "$message": "No active subscription. (MSE)", "$source": ""}]))
    assert isinstance(error, errors.Unauthorized) and error.no_subscription
    assert not errors.error_for(answer(401, SAGE_403)).no_subscription  # type: ignore[attr-defined]


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert errors.error_for(answer(429, [], {"Retry-After": "7"})).retry_after == 7.0  # type: ignore[attr-defined]
    assert errors.error_for(answer(503, [])).retry_after is None  # type: ignore[attr-defined]
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert 100 < (errors.retry_after(later) or 0) <= 120
    assert errors.retry_after("soon") is None


def test_oauth_errors() -> None:
    error = errors.oauth_error_for(answer(400, {"error": "invalid_grant", "error_description": "expired"}))
    assert (error.error, error.description, error.status) == ("invalid_grant", "expired", 400)
    assert str(error) == "invalid_grant: expired"
    assert errors.oauth_error_for(answer(502, text="bad gateway")).error == "server_error"
