"""`Admin`: ledgerd's admin API (`/ledgerd/v1/admin`), the one part of the client that only ledgerd answers.

The sandbox controls as a ledgerd administrator sees them (docs/sandbox.md): each method is one call of the admin
API, over a `SageClient` (the same bearer token handling, refresh and typed errors as the Sage API).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from ledgerd.client.api import SageClient
from ledgerd.client.oauth import OAuthClient, TokenSet

# ledgerd's own API; its lists' `$next` links are paths under it (`/admin/users?page=2`).
EXTENSIONS_PATH = "/ledgerd/v1"


class Admin:
    """The admin API of a ledgerd, over a `SageClient` whose `api_url` is the server's `/ledgerd/v1`."""

    def __init__(self, client: SageClient) -> None:
        self.client = client

    @classmethod
    def connect(cls, base_url: str, tokens: TokenSet, oauth: OAuthClient, **options: Any) -> Admin:
        """The admin API of the ledgerd at `base_url` with an administrator's token pair; `options` as for
        `SageClient` (`on_tokens`, `reauthorize`, `http`, …)."""
        return cls(SageClient(tokens, oauth, api_url=base_url.rstrip("/") + EXTENSIONS_PATH, **options))

    # ---- inventory -----------------------------------------------------------------------------------------

    def users(self) -> Iterator[dict[str, Any]]:
        """Every account: id, e-mail, names, `is_admin`, `created_at`, the businesses it sees with its role."""
        return self._items("/users")

    def businesses(self, owner: str | None = None) -> Iterator[dict[str, Any]]:
        """Every business (or an owner's, by e-mail address): id, name, country, owner, members, counts."""
        return self._items("/businesses", {"owner": owner})

    def apps(self, owner: str | None = None) -> Iterator[dict[str, Any]]:
        return self._items("/apps", {"owner": owner})

    def tokens(self, user: str | None = None, app: str | None = None) -> Iterator[dict[str, Any]]:
        """Token families (a user's by e-mail address or id, an app's by client id): status, scope, times."""
        return self._items("/tokens", {"user": user, "app": app})

    def revoke_tokens(self, *, user: str | None = None, app: str | None = None,
                      family: str | None = None) -> list[str]:
        """Revoke the token families matching all that are given; the ids of those revoked."""
        body = {"revocation": {k: v for k, v in {"user": user, "app": app, "family": family}.items() if v}}
        return list(self._call("POST", "/tokens/revoke", body)["revoked"])

    def delete_user(self, user_id: str) -> None:
        self._call("DELETE", f"/users/{user_id}")

    def delete_app(self, client_id: str) -> None:
        self._call("DELETE", f"/apps/{client_id}")

    # ---- business state ------------------------------------------------------------------------------------

    def snapshot(self, business_id: str, name: str) -> dict[str, Any]:
        """Keep the business's whole state under `name` (replacing a snapshot of that name)."""
        return self._call("POST", f"/businesses/{business_id}/snapshots", {"name": name})

    def snapshots(self, business_id: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/businesses/{business_id}/snapshots")["$items"])

    def restore(self, business_id: str, name: str) -> dict[str, Any]:
        """Put the business back as it was when the snapshot `name` was taken."""
        return self._call("POST", f"/businesses/{business_id}/snapshots/{quote(name, safe='')}/restore")

    def delete_snapshot(self, business_id: str, name: str) -> None:
        self._call("DELETE", f"/businesses/{business_id}/snapshots/{quote(name, safe='')}")

    def reset(self, business_id: str) -> dict[str, Any]:
        """Back to the state a new business of its country starts in (same id, name and members)."""
        return self._call("POST", f"/businesses/{business_id}/reset")

    def clone(self, business_id: str, name: str) -> dict[str, Any]:
        """A new business with a copy of this one's books, owned by the same owner."""
        return self._call("POST", f"/businesses/{business_id}/clone", {"name": name})

    def export(self, business_id: str) -> dict[str, Any]:
        return self._call("GET", f"/businesses/{business_id}/export")

    def import_books(self, books: dict[str, Any], owner_email: str, *, new_ids: bool = False) -> dict[str, Any]:
        return self._call("POST", "/businesses/import", books,
                          params={"owner": owner_email, "new_ids": "true" if new_ids else "false"})

    def delete_business(self, business_id: str) -> None:
        self._call("DELETE", f"/businesses/{business_id}")

    # ---- clock ---------------------------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        """What the deployment's clock shows: `now`, `frozen`, `offset` from the wall clock."""
        return self._call("GET", "/clock")

    def freeze(self, at: datetime | str | None = None) -> dict[str, Any]:
        """Stop the clock, at `at` (an aware datetime or an ISO 8601 instant) or where it stands."""
        change: dict[str, Any] = {"action": "freeze"}
        if at is not None:
            change["at"] = at.isoformat() if isinstance(at, datetime) else at
        return self._call("POST", "/clock", {"clock": change})

    def advance(self, by: timedelta | str) -> dict[str, Any]:
        """Move the clock on by a duration (`timedelta`, or `6m`, `32d`, `1h30m`, ISO 8601 `P32D`)."""
        duration = f"{int(by.total_seconds())}s" if isinstance(by, timedelta) else by
        return self._call("POST", "/clock", {"clock": {"action": "advance", "by": duration}})

    def resume(self, *, here: bool = False) -> dict[str, Any]:
        """Run on the wall clock again (or, with `here`, run on from where the clock stands)."""
        change: dict[str, Any] = {"action": "resume"}
        if here:
            change["here"] = True
        return self._call("POST", "/clock", {"clock": change})

    # ---- faults --------------------------------------------------------------------------------------------

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule (`preset` or `status`, `latency_ms`, `drop`; which calls: `method`, `path` glob,
        `client_id`, `business_id`; when: `probability`, `every`, `times`; `retry_after`, `message`)."""
        return self._call("POST", "/faults", {"fault": {k: v for k, v in rule.items() if v is not None}})

    def faults(self) -> list[dict[str, Any]]:
        """The rules, in the order they are tried, with how often each matched and fired."""
        return list(self._call("GET", "/faults")["faults"])

    def clear_faults(self) -> int:
        """Remove every rule; how many there were."""
        return int(self._call("DELETE", "/faults")["cleared"])

    def remove_fault(self, rule_id: int) -> None:
        self._call("DELETE", f"/faults/{rule_id}")

    # ---- request journal -----------------------------------------------------------------------------------

    def journal(self, *, app: str | None = None, business: str | None = None, status: int | str | None = None,
                request_id: str | None = None, per_page: int | None = None) -> Iterator[dict[str, Any]]:
        """The journal's entries, newest first, page after page (lazily: stop early and no more pages are asked
        for), without headers and bodies. Filters: `app` (a client id), `business` (an id), `status` (`404` or a
        class such as `"4xx"`), `request_id` (the `X-Request-Id` an answer carried); all given must hold."""
        return self._items("/journal", {"app": app, "business": business,
                                        "status": None if status is None else str(status), "request_id": request_id,
                                        "items_per_page": None if per_page is None else str(per_page)})

    def journal_entry(self, key: int | str) -> dict[str, Any]:
        """One entry with its request's and response's headers and bodies (secrets redacted), by its id or by the
        `X-Request-Id` its answer carried. `NotFound` when the journal has no such entry (or no longer keeps it)."""
        return self._call("GET", f"/journal/{quote(str(key), safe='')}")

    # ---- inside --------------------------------------------------------------------------------------------

    def _items(self, path: str, params: dict[str, str | None] | None = None) -> Iterator[dict[str, Any]]:
        given = {k: v for k, v in (params or {}).items() if v is not None}
        return self.client.items(f"/admin{path}", given, business=None)

    def _call(self, method: str, path: str, body: Any = None,
              params: dict[str, str] | None = None) -> dict[str, Any]:
        """One call of the admin API; its JSON object (empty for a 204)."""
        response = self.client.request(method, f"/admin{path}", json=body, params=params, business=None)
        if not response.content:
            return {}
        answer = response.json()
        if not isinstance(answer, dict):
            raise ValueError(f"{method} {path} answered {type(answer).__name__}, not a JSON object")
        return answer

    def close(self) -> None:
        self.client.close()
