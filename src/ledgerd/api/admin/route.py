"""`admin_route`: a route of the admin API (`/ledgerd/v1/admin/…`).

The same pipeline as the Sage API (bearer token, scope, unit of work, Sage's error array), working in no
business, and refused with 403 unless the token's user is a ledgerd administrator (`users.is_admin`, made with
`ledgerd users create --admin` or `ledgerd users grant-admin`). Writes need a `full_access` token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from ledgerd.api.params import Param
from ledgerd.api.pipeline import ApiRoute, Call, Result, api_route
from ledgerd.api.validation import Body
from ledgerd.errors import Forbidden
from ledgerd.tenancy.models import User

ADMIN_PREFIX = "/admin"


def require_admin(call: Call) -> None:
    """403 unless the caller is a ledgerd administrator."""
    if not call.db.scalar(select(User.is_admin).where(User.id == call.principal.user_id)):
        raise Forbidden("Only a ledgerd administrator may use the admin API; make one with "
                        "`ledgerd users grant-admin EMAIL`.")


def admin_route(path: str, handler: Callable[..., Result], *, methods: list[str], body: Body[Any] | None = None,
                name: str | None = None, body_limit: int | None = None, query: Sequence[Param] = ()) -> ApiRoute:
    """A route at `/ledgerd/v1/admin{path}` for administrators; `handler`, `body`, `body_limit` and `query` as
    for `api_route`."""
    return api_route(ADMIN_PREFIX + path, handler, methods=methods, body=body, check=require_admin,
                     name=name, body_limit=body_limit, query=query)
