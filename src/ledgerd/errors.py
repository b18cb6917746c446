"""The errors business rules raise: a code, a message and the attribute at fault, and no HTTP status.

A rule refuses with `Invalid` (well-formed input that breaks a rule), `NotFound`, `Forbidden` or `InUse`; one
error may carry several problems (`Invalid(problems=[...])`). The HTTP layer maps each class to a status and
Sage's error array in one place (http/errors.py); the CLI and the pages show the messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong: Sage's `$dataCode`, `$message` and `$source` (the attribute, e.g. `invoice_lines[0].
    quantity`; empty for the request as a whole)."""

    code: str
    message: str
    source: str = ""
    severity: str = "error"


class LedgerdError(Exception):
    """Every error ledgerd answers with a message: domain errors here, HTTP errors in http/errors.py."""

    code = "UnexpectedError"
    default_message = "An unexpected error occurred."

    def __init__(self, message: str | None = None, source: str = "", *,
                 problems: Sequence[Problem] | None = None) -> None:
        self.problems = list(problems) if problems else [Problem(self.code, message or self.default_message, source)]
        super().__init__(self.problems[0].message)

    @property
    def message(self) -> str:
        return self.problems[0].message


class DomainError(LedgerdError):
    """A business rule refused the request."""


class Invalid(DomainError):
    """Well-formed input that breaks a rule (RecordInvalid in Sage's words)."""

    code = "RecordInvalid"
    default_message = "The record is invalid."


class NotFound(DomainError):
    code = "RecordNotFound"
    default_message = "Couldn't find record."


class Forbidden(DomainError):
    """The user may not do this in this business (their role, or the business is not theirs)."""

    code = "MultiUserAccessDenied"
    default_message = "The current user is not allowed to access that resource with that method."


class InUse(DomainError):
    """The record cannot be deleted while others use it (Sage answers these with 405)."""

    code = "MethodNotAllowed"
    default_message = "The record is in use and cannot be deleted."
