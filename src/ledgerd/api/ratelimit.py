"""Per-app request limits in fixed windows, counted in the database so every process shares them.

Each request counts itself with one upsert in autocommit (db/counters.bump: no session, no BEGIN … COMMIT),
off the event loop like the rest of the request; a refused or failed request was still made, so its count
stays."""

from __future__ import annotations

from ledgerd.db.counters import bump
from ledgerd.http.errors import TooManyRequests
from ledgerd.runtime import Runtime


def enforce(runtime: Runtime, client_id: str) -> None:
    """Count this request against the app's window; past the limit answer 429 with Retry-After."""
    settings = runtime.settings
    if settings.rate_limit <= 0:
        return
    now = runtime.clock.timestamp()
    window = now // settings.rate_limit_window
    used = bump(runtime.engine, f"ratelimit:{client_id}:{settings.rate_limit_window}:{window}")
    if used > settings.rate_limit:
        retry_after = (window + 1) * settings.rate_limit_window - now
        raise TooManyRequests(
            f"The rate limit of {settings.rate_limit} requests per {settings.rate_limit_window} s for this app "
            f"is used up; retry after {retry_after} s.", headers={"Retry-After": str(retry_after)})
