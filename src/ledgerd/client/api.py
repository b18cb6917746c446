"""`SageClient`: calls to the v3.1 API with a token pair that refreshes itself.

- Authorization: the access token as a bearer token; on a 401 the pair is refreshed once (one refresh at a time,
  as Sage asks: a rotated refresh token must not be sent twice) and the request sent again. The newest pair is
  always `tokens`, and `on_tokens` is told of each new one so it can be stored.
- `X-Business`: `business` (or a call's `business=`) names the business; without one Sage uses the lead business.
- Lists: `pages` follows `$next` and yields each envelope, `items` yields the records.
- `idempotency_id`: `post`/`put` put it inside the body's wrapper, where Sage reads it; with one, a call may be
  repeated on 429, 5xx and broken connections (`retries`).
- Errors: Sage's error arrays raised as `errors.ApiError` subclasses, one per status family.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from ledgerd.client.errors import OAuthError, RateLimited, ServerError, Unauthorized, error_for
from ledgerd.client.oauth import SAGE_API_URL, OAuthClient, TokenSet

_LEAD = object()  # a call's `business=` when it is not given: the client's own `business`


def new_idempotency_id() -> str:
    """A random 32-character hyphenless id, as Sage asks idempotency ids to be."""
    return uuid.uuid4().hex


def with_idempotency_id(body: dict[str, Any], idempotency_id: str) -> dict[str, Any]:
    """`{wrapper: {...}}` with `idempotency_id` inside the wrapper (a new dict; `body` is left alone)."""
    if len(body) != 1 or not isinstance(next(iter(body.values())), dict):
        raise ValueError("an idempotency_id goes inside the body's one wrapper, e.g. {'contact': {...}}")
    ((wrapper, attributes),) = body.items()
    return {wrapper: {**attributes, "idempotency_id": idempotency_id}}


def _has_idempotency_id(body: Any) -> bool:
    return (isinstance(body, dict) and len(body) == 1
            and isinstance(inner := next(iter(body.values())), dict) and bool(inner.get("idempotency_id")))


class SageClient:
    """The v3.1 API at `api_url` (Sage's by default; `oauth.endpoints.api_url` when an `OAuthClient` is given)."""

    def __init__(self, tokens: TokenSet, oauth: OAuthClient | None = None, *, business: str | None = None,
                 api_url: str | None = None, on_tokens: Callable[[TokenSet], None] | None = None,
                 reauthorize: Callable[[], TokenSet] | None = None, http: httpx.Client | None = None,
                 timeout: float = 30.0, sleep: Callable[[float], None] = time.sleep) -> None:
        """`reauthorize`, if given, is asked for a new pair when the refresh token itself is refused (expired
        or revoked); without it that refusal is raised as `OAuthError("invalid_grant")`."""
        self.oauth = oauth
        self.business = business
        self.api_url = (api_url or (oauth.endpoints.api_url if oauth else SAGE_API_URL)).rstrip("/")
        self.on_tokens = on_tokens
        self.reauthorize = reauthorize
        self._owns_http = http is None and oauth is None
        self.http = http or (oauth.http if oauth else httpx.Client(timeout=timeout))
        self._tokens = tokens
        self._refreshing = threading.Lock()
        self._sleep = sleep

    @property
    def tokens(self) -> TokenSet:
        """The newest token pair (after any refresh)."""
        return self._tokens

    def url(self, path: str) -> str:
        """An absolute URL for a path of the API (`/contacts`, or a `$next` such as `/contacts?page=2`)."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.api_url}/{path.lstrip('/')}"

    # ---- calls ---------------------------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None, *, retries: int = 0,
            business: Any = _LEAD) -> Any:
        return self.request("GET", path, params=params, retries=retries, business=business).json()

    def post(self, path: str, body: dict[str, Any], *, idempotency_id: str | None = None, retries: int = 0,
             business: Any = _LEAD) -> Any:
        """Create: `body` is Sage's `{wrapper: {...}}`."""
        if idempotency_id:
            body = with_idempotency_id(body, idempotency_id)
        return self.request("POST", path, json=body, retries=retries, business=business).json()

    def put(self, path: str, body: dict[str, Any], *, idempotency_id: str | None = None, retries: int = 0,
            business: Any = _LEAD) -> Any:
        if idempotency_id:
            body = with_idempotency_id(body, idempotency_id)
        return self.request("PUT", path, json=body, retries=retries, business=business).json()

    def delete(self, path: str, *, retries: int = 0, business: Any = _LEAD) -> None:
        self.request("DELETE", path, retries=retries, business=business)

    def pages(self, path: str, params: dict[str, Any] | None = None, *, retries: int = 0,
              business: Any = _LEAD) -> Iterator[dict[str, Any]]:
        """Each list envelope (`$total`, `$page`, `$next`, `$items`, …), following `$next` to the last page."""
        page: dict[str, Any] = self.get(path, params, retries=retries, business=business)
        seen = set()
        while True:
            yield page
            following = page.get("$next")
            if not following or following in seen:
                return
            seen.add(following)
            page = self.get(following, retries=retries, business=business)

    def items(self, path: str, params: dict[str, Any] | None = None, *, retries: int = 0,
              business: Any = _LEAD) -> Iterator[dict[str, Any]]:
        """Every record of a list, page after page."""
        for page in self.pages(path, params, retries=retries, business=business):
            yield from page.get("$items", [])

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
                business: Any = _LEAD, retries: int = 0) -> httpx.Response:
        """Send one call and return its 2xx answer, or raise its error. `retries` repeats it on 429, 5xx and
        broken connections (waiting as Retry-After asks, else backing off); a POST is only repeated with an
        `idempotency_id` in its body, since a failed POST may still have created its record."""
        if retries and method.upper() == "POST" and not _has_idempotency_id(json):
            raise ValueError("a POST may only be repeated with an idempotency_id in its body")
        attempt = 0
        while True:
            try:
                return self._send(method, path, params, json, self.business if business is _LEAD else business)
            except (RateLimited, ServerError) as exc:
                if attempt >= retries:
                    raise
                wait = exc.retry_after if exc.retry_after is not None else min(8.0, 0.5 * 2**attempt)
            except httpx.TransportError:
                if attempt >= retries:
                    raise
                wait = min(8.0, 0.5 * 2**attempt)
            attempt += 1
            self._sleep(wait)

    def refresh(self) -> TokenSet:
        """Refresh the pair now (it also happens by itself on a 401)."""
        if self.oauth is None:
            raise ValueError("refreshing needs the app's OAuthClient")
        return self._refresh(self._tokens.access_token)

    # ---- inside --------------------------------------------------------------------------------------------

    def _send(self, method: str, path: str, params: dict[str, Any] | None, json: Any,
              business: str | None) -> httpx.Response:
        used = self._tokens.access_token
        response = self.http.request(method, self.url(path), params=params, json=json,
                                     headers=self._headers(used, business))
        if response.status_code == 401 and self.oauth is not None and self._tokens.refresh_token:
            refused = error_for(response)
            if isinstance(refused, Unauthorized) and refused.no_subscription:
                raise refused
            self._refresh(used)
            response = self.http.request(method, self.url(path), params=params, json=json,
                                         headers=self._headers(self._tokens.access_token, business))
        if response.is_success:
            return response
        raise error_for(response)

    def _headers(self, access_token: str, business: str | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        if business:
            headers["X-Business"] = business
        return headers

    def _refresh(self, stale: str) -> TokenSet:
        """Replace the pair whose access token is `stale`, unless another thread already did."""
        assert self.oauth is not None
        with self._refreshing:
            if self._tokens.access_token != stale:
                return self._tokens
            try:
                fresh = self.oauth.refresh(self._tokens.refresh_token)
            except OAuthError as exc:
                if exc.error != "invalid_grant" or self.reauthorize is None:
                    raise
                fresh = self.reauthorize()
            self._tokens = fresh
        if self.on_tokens is not None:
            self.on_tokens(fresh)
        return fresh

    def close(self) -> None:
        """Close the HTTP connections, if this client opened them."""
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> SageClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
