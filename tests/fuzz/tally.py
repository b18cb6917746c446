"""Counting fuzzed requests, and what every answer must be: never a 5xx, and an error of the right shape for
where it was sent (Sage's error array on the API, RFC 6749 on /token and /revoke, an HTML page elsewhere)."""

from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning

# Examples generated per operation (explicit probes come on top); fixed, and derandomized, so a run repeats.
EXAMPLES = int(os.environ.get("LEDGERD_FUZZ_EXAMPLES", "8"))
ERROR_KEYS = {"$severity", "$dataCode", "$message", "$source"}
OAUTH_ERRORS = {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
                "unsupported_grant_type", "invalid_scope", "unsupported_token_type"}
Response = Any
Check = Callable[[Response], str | None]


def _json(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def sage_error(response: Response) -> str | None:
    """What is wrong with an API answer: a 5xx, or an error that is not Sage's error array."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:300]}"
    if response.status_code < 400:
        return None
    body = _json(response)
    if not (isinstance(body, list) and body and all(
            isinstance(item, dict) and set(item) == ERROR_KEYS and all(isinstance(v, str) for v in item.values())
            for item in body)):
        return f"{response.status_code} is not Sage's error array: {response.text[:300]}"
    return None


def oauth_error(response: Response) -> str | None:
    """What is wrong with a /token or /revoke answer: a 5xx, or an error that is not RFC 6749's."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:300]}"
    if response.status_code < 400:
        return None
    body = _json(response)
    if not (isinstance(body, dict) and body.get("error") in OAUTH_ERRORS
            and isinstance(body.get("error_description", ""), str)):
        return f"{response.status_code} is not an RFC 6749 error: {response.text[:300]}"
    return None


def page_error(response: Response) -> str | None:
    """What is wrong with a page's answer: a 5xx, or an error that is not an HTML page."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:300]}"
    if response.status_code >= 400 and not response.headers.get("content-type", "").startswith("text/html"):
        return f"{response.status_code} is not a page: {response.headers.get('content-type')} {response.text[:200]}"
    return None


@dataclass
class Tally:
    """Requests sent per operation, 5xx answers per operation, and the first problem of each operation."""

    suite: str
    calls: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    problems: dict[str, str] = field(default_factory=dict)

    def fuzz(self, label: str, strategy: st.SearchStrategy[Any], send: Callable[[Any], Response], check: Check,
             probes: Sequence[Any] = (), examples: int = EXAMPLES) -> None:
        """Send `probes` (always) and `examples` requests drawn from `strategy`; never stops at a failure."""
        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case: Any) -> None:
            response = send(case)
            self.calls[label] += 1
            if response.status_code >= 500:
                self.server_errors[label] += 1
            problem = check(response)
            if problem is not None:
                self.problems.setdefault(label, f"{case!r:.600} -> {problem}")

        for probe in probes:
            run = example(case=probe)(run)
        with warnings.catch_warnings():  # bodies of 70,000 characters are meant; so is their long repr
            warnings.filterwarnings("ignore", "Generating overly large repr", HypothesisWarning)
            run()

    def record(self, request: pytest.FixtureRequest, backend: str) -> None:
        """Leave the counts on the test's report, for the summary line (tests/fuzz/conftest.py)."""
        request.node.user_properties += [
            ("fuzz_suite", self.suite), ("fuzz_backend", backend), ("fuzz_requests", sum(self.calls.values())),
            ("fuzz_operations", len(self.calls)), ("fuzz_5xx", sum(self.server_errors.values()))]

    def verdict(self) -> str:
        return (f"{sum(self.server_errors.values())} answers were 5xx; {len(self.problems)} operations failed:\n\n"
                + "\n\n".join(f"{label}: {text}" for label, text in sorted(self.problems.items())))
