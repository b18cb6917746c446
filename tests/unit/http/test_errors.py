"""The one mapping of errors to a status and Sage's error array (http/errors.py, ledgerd/errors.py)."""

from __future__ import annotations

import json

import pytest

from ledgerd.errors import DomainError, Forbidden, InUse, Invalid, LedgerdError, NotFound, Problem
from ledgerd.http import errors
from ledgerd.http.errors import (
    ApiError,
    BadRequest,
    Contention,
    InvalidCharacters,
    InvalidJson,
    InvalidParameter,
    MethodNotAllowed,
    NotAcceptable,
    PayloadTooLarge,
    RequestTimeout,
    RouteNotFound,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    body,
    error_response,
    headers_of,
    status_of,
)


class Overdrawn(Invalid):
    """A domain error of a package: it takes its ancestor's status."""


@pytest.mark.parametrize(("error", "status", "code"), [
    (Invalid(), 422, "RecordInvalid"), (NotFound(), 404, "RecordNotFound"),
    (Forbidden(), 403, "MultiUserAccessDenied"), (InUse(), 405, "MethodNotAllowed"),
    (Overdrawn("no"), 422, "RecordInvalid"), (DomainError(), 500, "UnexpectedError"),
    (LedgerdError(), 500, "UnexpectedError"),
    (BadRequest(), 400, "BadRequest"), (InvalidJson(), 400, "InvalidJson"), (InvalidParameter(), 400,
                                                                             "InvalidParameter"),
    (InvalidCharacters(), 400, "InvalidCharacters"), (Unauthorized(), 401, "AuthorizationFailure"),
    (RouteNotFound(), 404, "RouteNotFound"), (MethodNotAllowed(), 405, "MethodNotAllowed"),
    (NotAcceptable(), 406, "NotAcceptable"), (RequestTimeout(), 408, "RequestTimeout"),
    (PayloadTooLarge(), 413, "RequestEntityTooLarge"), (UnsupportedMediaType(), 415, "UnsupportedMediaType"),
    (TooManyRequests(), 429, "TooManyRequests"), (Unavailable(), 503, "ServiceUnavailable"),
    (Contention(), 503, "ServiceUnavailable"), (ApiError(), 500, "UnexpectedError"),
])
def test_every_error_has_its_status_and_code(error: LedgerdError, status: int, code: str) -> None:
    assert status_of(error) == status
    assert error.problems[0].code == code


def test_domain_errors_carry_no_status_of_their_own() -> None:
    for cls in (Invalid, NotFound, Forbidden, InUse):
        assert not hasattr(cls, "status")


def test_an_error_is_one_problem_with_the_default_message_and_source() -> None:
    assert body(NotFound()) == [{"$severity": "error", "$dataCode": "RecordNotFound",
                                 "$message": "Couldn't find record.", "$source": ""}]
    error = Invalid("quantity must be positive", "invoice_lines[0].quantity")
    assert (error.message, str(error)) == ("quantity must be positive", "quantity must be positive")
    assert body(error) == [{"$severity": "error", "$dataCode": "RecordInvalid",
                            "$message": "quantity must be positive", "$source": "invoice_lines[0].quantity"}]


def test_an_error_may_carry_several_problems_in_order() -> None:
    problems = [Problem("Validation", "first", "a"), Problem("RecordInvalid", "second", "b", severity="warning")]
    error = Invalid(problems=problems)
    assert error.message == "first"
    assert [item["$message"] for item in body(error)] == ["first", "second"]
    assert body(error)[1] == {"$severity": "warning", "$dataCode": "RecordInvalid", "$message": "second",
                              "$source": "b"}
    problems.clear()  # the error keeps its own list
    assert len(error.problems) == 2


def test_the_body_keys_are_sages_in_sages_order() -> None:
    assert list(errors.wire(Problem("C", "m"))) == ["$severity", "$dataCode", "$message", "$source"]


def test_unauthorized_says_why_in_www_authenticate_without_breaking_the_quotes() -> None:
    error = Unauthorized('The "access" token has expired.')
    assert headers_of(error) == {"WWW-Authenticate": 'Bearer realm="ledgerd", error="invalid_token", '
                                                     "error_description=\"The 'access' token has expired.\""}
    assert error.message == 'The "access" token has expired.'
    assert "Access denied." in Unauthorized().headers["WWW-Authenticate"]


def test_only_http_errors_have_headers() -> None:
    assert headers_of(Invalid()) == {}
    assert headers_of(BadRequest()) == {}
    assert headers_of(Contention()) == {"Retry-After": "1"}
    assert headers_of(TooManyRequests(headers={"Retry-After": "30"})) == {"Retry-After": "30"}


def test_error_response_is_the_array_with_status_headers_and_request_id() -> None:
    response = error_response(Contention(), "req-1")
    assert response.status_code == 503
    assert (response.headers["retry-after"], response.headers["x-request-id"]) == ("1", "req-1")
    assert json.loads(response.body) == body(Contention())
    assert "x-request-id" not in error_response(NotFound()).headers
    assert error_response(Overdrawn("no", "amount")).status_code == 422


def test_error_response_does_not_change_the_errors_headers() -> None:
    error = Contention()
    error_response(error, "req-2")
    assert error.headers == {"Retry-After": "1"}
