"""Sage's API v3 core endpoints, `/{region}/sageone/core/v3/{business,business_relationships,me,user}` (GET), in
their v3 shapes (auth-and-legacy §6.6; docs/legacy-v3.md), built from tenancy's services and v3.1's presenters.

They are admitted as every v3 call is (v3.admit: subscription key, X-Site, token, region). v3.1 redesigned them
(`/businesses`, `/user`), so nothing is forwarded: each answer is read here through the services v3.1 uses.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from ledgerd.api import ratelimit
from ledgerd.api.legacy.v3 import REGIONS, Admitted, admitted
from ledgerd.api.resources.businesses import business_read, user_read
from ledgerd.db.engine import unit_of_work
from ledgerd.errors import LedgerdError
from ledgerd.http.errors import MethodNotAllowed, RouteNotFound, error_response
from ledgerd.http.wire import JsonResponse
from ledgerd.runtime import Runtime
from ledgerd.tenancy import service
from ledgerd.tenancy.models import Business, Role
from ledgerd.tenancy.service import BusinessView

ENDPOINTS = ("business", "business_relationships", "me", "user")
# The keys every v3 core entity starts with (§6.6), then each entity's own.
BUSINESS_KEYS = ("name", "address_line_1", "address_line_2", "city", "postal_code", "country", "region", "telephone",
                 "mobile", "website", "is_demo")
USER_KEYS = ("first_name", "last_name", "initials", "email", "locale")


def _entity(full: dict[str, Any], owner: bool, keys: tuple[str, ...]) -> dict[str, Any]:
    return {"id": full["id"], "displayed_as": full["displayed_as"], "created_at": full["created_at"],
            "updated_at": full["updated_at"], "business_owner": owner, **{key: full[key] for key in keys}}


def business_v3(business: Business | BusinessView, owner: bool) -> dict[str, Any]:
    """A business in v3's core shape, from v3.1's presenter: the country a link with `$path`, each subscription
    a core entity with `active`."""
    full = business_read(business)
    country = full["country"]
    full["country"] = {**country, "$path": f"/countries/{country['id']}"}
    shown = _entity(full, owner, BUSINESS_KEYS)
    shown["subscriptions"] = [_entity(s, owner, ("active",)) for s in full["subscriptions"]]
    return shown


def read(runtime: Runtime, call: Admitted, endpoint: str) -> Any:
    """The answer of one core endpoint (blocking: run off the event loop)."""
    principal = call.caller.principal
    ratelimit.enforce(runtime, principal.client_id)
    owner = call.business.role is Role.OWNER
    user = _entity(user_read(principal), owner, USER_KEYS)
    if endpoint == "user":
        return user
    if endpoint == "business_relationships":
        with unit_of_work(runtime.sessions, write=False) as db:
            return [business_v3(business, role is Role.OWNER)
                    for business, role in service.accessible(db, principal.user_id)]
    business = business_v3(service.read_business(runtime.engine, principal.user_id, call.business.id), owner)
    return business if endpoint == "business" else {"business": business, "user": user}


class CoreV3:
    """The ASGI app of one region's `/sageone/core/v3/{endpoint}`."""

    def __init__(self, region: str) -> None:
        self.region = region

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            runtime, call = await admitted(scope, self.region)
            endpoint = scope["path_params"]["rest"].rstrip("/")
            if endpoint not in ENDPOINTS:
                raise RouteNotFound(f"The path {scope['path']} does not exist.")
            if scope["method"] not in ("GET", "HEAD"):
                raise MethodNotAllowed(f"The HTTP method {scope['method']} is not allowed for {scope['path']}; "
                                       "use GET.", headers={"Allow": "GET"})
            loop = asyncio.get_running_loop()
            payload = await loop.run_in_executor(runtime.threads, read, runtime, call, endpoint)
        except LedgerdError as exc:
            await error_response(exc, secrets.token_hex(16))(scope, receive, send)
            return
        await JsonResponse(payload)(scope, receive, send)


def routes() -> list[BaseRoute]:
    """Every region's core routes."""
    return [Route(f"/{region}/sageone/core/v3/{{rest:path}}", CoreV3(region)) for region in REGIONS]
